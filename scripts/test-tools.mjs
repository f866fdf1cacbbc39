// Installs the test tools that cannot share the project's node_modules (test/tools/*: each with its
// own package.json and lock, e.g. openapi-typescript, which needs TypeScript 5 beside our 7).
// Runs before `npm test`; does nothing when a tool's lock is unchanged since its last install.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const toolsDir = path.join(root, 'test/tools');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

for (const name of existsSync(toolsDir) ? readdirSync(toolsDir) : []) {
  const dir = path.join(toolsDir, name);
  const lock = path.join(dir, 'package-lock.json');
  if (!existsSync(lock)) continue;
  const hash = createHash('sha256').update(readFileSync(lock)).digest('hex');
  const stamp = path.join(dir, 'node_modules/.albedo-installed');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === hash) continue;
  process.stdout.write(`albedo: installing test tool ${name}\n`);
  execFileSync(npm, ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, stdio: 'inherit' });
  writeFileSync(stamp, hash);
}
