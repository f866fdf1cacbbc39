// Independent parsers for the formats Albedo writes: Debian's Python libraries (python3-icalendar,
// python3-vobject, the csv module), run as a process on what the app produced. Debian's
// interpreter by path: a pyenv or venv python on PATH lacks the apt packages.
import { spawnSync } from 'node:child_process';

export const PYTHON = '/usr/bin/python3';

/** Runs `script` with `input` on stdin and returns its stdout parsed as JSON (it must print JSON). */
export function python<T = unknown>(script: string, input: string | Buffer): T {
  const res = spawnSync(PYTHON, ['-c', script], { input, encoding: 'utf8', timeout: 30_000 });
  if (res.status !== 0) throw new Error(`python failed (${res.status}): ${res.stderr || res.error?.message}`);
  return JSON.parse(res.stdout) as T;
}
