// The embedded database's single-writer lock: PGlite keeps its data directory to itself and has no
// lock of its own, so a second process opening it (a CLI beside the server) corrupts it.
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';

/** What a lock file says about the process holding it. */
export interface LockOwner {
  pid: number;
  host: string;
  /** What the process is: "server" or "cli <command>". */
  role: string;
  startedAt: string;
}

/** Another live process holds the data directory; the message says which and what to do. */
export class DataDirLockedError extends Error {
  constructor(
    readonly lockFile: string,
    readonly owner: LockOwner,
  ) {
    super(
      `the embedded database in ${path.dirname(lockFile)} is in use by ${describe(owner)}. ` +
        'It has one writer: stop that process first (Ctrl+C in its terminal, or kill ' +
        `${owner.pid}), then run this again.`,
    );
    this.name = 'DataDirLockedError';
  }
}

function describe(owner: LockOwner): string {
  const what = owner.role === 'server' ? 'the Albedo server' : `albedo ${owner.role.replace(/^cli /, '')}`;
  return `${what} (pid ${owner.pid}${owner.host === hostname() ? '' : ` on ${owner.host}`}, since ${owner.startedAt})`;
}

/** The role this process names in the lock; the CLI sets it before opening the database. */
let processRole = 'server';
export function setLockRole(role: string): void {
  processRole = role;
}

export interface DataDirLock {
  readonly file: string;
  release(): void;
}

/** The lock file of a PGlite data directory: beside it, so PGlite's own folder stays untouched. */
export const lockFileFor = (dataDir: string) => `${path.resolve(dataDir)}.lock`;

/**
 * Takes the lock of `dataDir` or throws DataDirLockedError naming the holder. A lock left by a
 * process that no longer runs (kill -9, a crash) is taken over: the pid is checked, so a stale
 * file never blocks a start.
 */
export function lockDataDir(dataDir: string): DataDirLock {
  const file = lockFileFor(dataDir);
  mkdirSync(path.dirname(file), { recursive: true });
  const me: LockOwner = { pid: process.pid, host: hostname(), role: processRole, startedAt: new Date().toISOString() };
  const content = `${JSON.stringify(me)}\n`;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      // O_EXCL: of two processes creating it at once, exactly one succeeds.
      const fd = openSync(file, 'wx', 0o600);
      try {
        writeSync(fd, content);
      } finally {
        closeSync(fd);
      }
      heldHere.add(file);
      return lockHandle(file, content);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const { owner, raw } = readOwner(file);
    if (raw === undefined) continue; // released between our create and our read: try again
    if (owner && isAlive(file, owner)) throw new DataDirLockedError(file, owner);
    // Stale (or unreadable, from a process killed mid-write). Move it aside rather than unlink, and
    // check that what was moved is what was judged stale: a process that took the lock in between
    // gets its file back.
    const aside = `${file}.stale-${process.pid}`;
    try {
      renameSync(file, aside);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    const moved = safeRead(aside);
    if (moved !== raw) {
      renameSync(aside, file);
      continue;
    }
    unlinkSync(aside);
  }
  const { owner } = readOwner(file);
  if (owner) throw new DataDirLockedError(file, owner);
  throw new Error(`could not take the lock ${file}`);
}

function lockHandle(file: string, content: string): DataDirLock {
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    heldHere.delete(file);
    process.removeListener('exit', release);
    // Only our own file: never remove a lock another process took over.
    if (safeRead(file) === content) {
      try {
        unlinkSync(file);
      } catch {
        // already gone
      }
    }
  };
  // A process that exits without closing the database (process.exit in a handler) still frees it.
  process.on('exit', release);
  return { file, release };
}

function safeRead(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function readOwner(file: string): { owner: LockOwner | undefined; raw: string | undefined } {
  const raw = safeRead(file);
  if (raw === undefined) return { owner: undefined, raw };
  try {
    const owner = JSON.parse(raw) as LockOwner;
    return Number.isInteger(owner.pid) ? { owner, raw } : { owner: undefined, raw };
  } catch {
    return { owner: undefined, raw };
  }
}

/** Lock files this process holds: opening the same directory twice in one process is refused too. */
const heldHere = new Set<string>();

/**
 * Whether the lock's process still runs. On another host we cannot tell, so it counts as alive.
 * Our own pid in a file we do not hold is a previous boot's (a container's pid 1), so stale; a
 * live pid that is not a Node process was reused by something else after a crash.
 */
function isAlive(file: string, owner: LockOwner): boolean {
  if (owner.host !== hostname()) return true;
  if (owner.pid === process.pid) return heldHere.has(file);
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    // EPERM: it exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  const cmdline = safeRead(`/proc/${owner.pid}/cmdline`);
  return cmdline === undefined || /node|albedo/.test(cmdline);
}
