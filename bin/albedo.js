#!/usr/bin/env node
// Runs the built CLI (npm start / npm run build produce dist/).
import('../dist/server/cli.js');
