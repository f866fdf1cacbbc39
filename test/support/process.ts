// Runs the real server entry point (src/server/main.ts through tsx) and the `albedo` CLI as child
// processes, and opens a server's embedded database from the test while the server is stopped.
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { type Database, openDatabase } from '#server/platform/db/database.ts';
import { projectRoot } from '#server/platform/paths.ts';

/** Runs `albedo <args>` (src/server/cli.ts through tsx) with `env`, piping `stdin` in. */
export function runCli(
  args: string[],
  env: Record<string, string>,
  stdin = '',
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server/cli.ts', ...args], {
      cwd: projectRoot,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

/**
 * The database a server process used: PostgreSQL's (`pg`, kept open by the test) or the embedded
 * one in `dataDir`, opened for `fn` and closed after (the server must be stopped: one writer).
 */
export async function withDataDirDatabase<T>(
  dataDir: string,
  pg: Database | undefined,
  fn: (db: Database) => Promise<T>,
): Promise<T> {
  if (pg) return fn(pg);
  const db = await openDatabase({ kind: 'pglite', dataDir: path.join(dataDir, 'db') });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

export interface ServerProcess {
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  /** Resolves with the base URL once the server logs that it is ready. */
  ready: Promise<string>;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  waitForLog(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
}

export function startServerProcess(env: Record<string, string>): ServerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  const waiters: Array<{
    match: (l: Record<string, unknown>) => boolean;
    resolve: (l: Record<string, unknown>) => void;
  }> = [];
  const parsed: Array<Record<string, unknown>> = [];
  let buf = '';
  child.stdout?.on('data', (chunk) => {
    buf += String(chunk);
    let i = buf.indexOf('\n');
    while (i >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      stdout.push(line);
      try {
        const obj = JSON.parse(line);
        parsed.push(obj);
        for (const w of [...waiters]) {
          if (w.match(obj)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(obj);
          }
        }
      } catch {
        // not a log line
      }
      i = buf.indexOf('\n');
    }
  });
  child.stderr?.on('data', (chunk) => stderr.push(String(chunk)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

  function waitForLog(match: (line: Record<string, unknown>) => boolean, timeoutMs = 30_000) {
    const found = parsed.find(match);
    if (found) return Promise.resolve(found);
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new Error(`no matching log line within ${timeoutMs} ms\n${stdout.join('\n')}\n${stderr.join('')}`)),
        timeoutMs,
      );
      waiters.push({
        match,
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
      });
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`server exited before the log line appeared\n${stdout.join('\n')}\n${stderr.join('')}`));
      });
    });
  }

  const ready = waitForLog((l) => typeof l.msg === 'string' && l.msg.startsWith('Albedo is ready')).then(
    (l) => l.url as string,
  );
  ready.catch(() => {});
  return { child, stdout, stderr, ready, exited, waitForLog };
}
