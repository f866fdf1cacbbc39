// `npm start` (after the build): runs the server with the environment it is tuned for
// (scripts/server-env.mjs), passing on the operator's environment, signals and exit code.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serverEnv } from './server-env.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const child = spawn(process.execPath, [path.join(root, 'dist/server/main.js')], {
  stdio: 'inherit',
  env: serverEnv(),
});
// Ctrl+C reaches the server directly (same process group), and the server stops on the first
// signal; passing it on as well would be a second one. SIGTERM and SIGHUP sent to this process
// alone are passed on.
process.on('SIGINT', () => {});
for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => {
  if (signal) {
    // End the way the server ended (a supervisor reads it), without our handlers in the way.
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  } else process.exit(code ?? 1);
});
