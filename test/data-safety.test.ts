// The embedded database has one writer and keeps every acknowledged write: the CLI beside a running
// server, a second server on the same DATA_DIR, and kill -9 in the middle of writes, as processes.
// On PostgreSQL (TEST_DATABASE_URL) the same journeys run, where the CLI may share the database.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '#server/platform/db/database.ts';
import { TEST_MASTER_KEY } from '#test/support/app.ts';
import { createTestDatabase, type TestDatabase, usingPostgres } from '#test/support/db.ts';
import { runCli, startServerProcess, withDataDirDatabase } from '#test/support/process.ts';

const dataDir = mkdtempSync(path.join(tmpdir(), 'albedo-safety-'));
let pgDb: TestDatabase | undefined;
let env: Record<string, string>;

beforeAll(async () => {
  env = { DATA_DIR: dataDir, RATE_LIMIT_AUTH_PER_MINUTE: '1000', RATE_LIMIT_USER_PER_MINUTE: '100000' };
  if (usingPostgres) {
    pgDb = await createTestDatabase();
    env = { ...env, DATABASE_URL: pgDb.url as string, APP_MASTER_KEY: TEST_MASTER_KEY };
  }
});
afterAll(async () => {
  await pgDb?.dispose();
});

const cli = (args: string[], stdin = '') => runCli(args, env, stdin);
const withServerDatabase = <T>(fn: (db: Database) => Promise<T>) => withDataDirDatabase(dataDir, pgDb, fn);

async function api(base: string, token: string | undefined, method: string, url: string, body?: unknown) {
  const res = await fetch(`${base}${url}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  // biome-ignore lint/suspicious/noExplicitAny: response bodies of several shapes, read by the test
  return { status: res.status, body: (await res.json().catch(() => null)) as Record<string, any> };
}

const email = 'safety@example.com';
const password = 'safe-harbour-lantern-42';
let token = '';

describe('one writer for the embedded database', () => {
  it('refuses every CLI data command and a second server while the server runs, and loses nothing', async () => {
    const server = startServerProcess(env);
    const base = await server.ready;
    try {
      const signup = await api(base, undefined, 'POST', '/api/v1/auth/signup', {
        email,
        password,
        name: 'Sam Safety',
        workspaceName: 'Safety Co',
      });
      expect(signup.status).toBe(201);
      token = signup.body.data.accessToken;
      const made = await api(base, token, 'POST', '/api/v1/contacts', { firstName: 'Kept', lastName: 'Before' });
      expect(made.status).toBe(201);

      const commands: Array<[string[], string]> = [
        [['migrate'], ''],
        [['create-admin', '--email', 'x@example.com', '--name', 'X', '--workspace', 'X Co'], ''],
        [['reset-password', '--email', email], ''],
        [['seed-demo', '--email', email], ''],
        [['rotate-master-key'], ''],
        [['outbox'], ''],
      ];
      for (const [args] of commands) {
        if (usingPostgres) {
          // PostgreSQL has many writers: the data commands share the running server's database.
          // Resetting the password (it signs the user out) and re-sealing secrets under a new key
          // (the server still holds the old one) would change what this test goes on to use.
          if (args[0] === 'rotate-master-key' || args[0] === 'reset-password') continue;
          const res = await cli(args);
          expect(res.code, `${args[0]}: ${res.stderr}`).toBe(0);
        } else {
          const res = await cli(args);
          expect(res.code, args[0]).toBe(1);
          expect(res.stderr).toContain(`albedo ${args[0]}: the embedded database in ${dataDir}`);
          expect(res.stderr).toContain(`in use by the Albedo server (pid ${server.child.pid}`);
          expect(res.stdout).toBe('');
        }
      }
      if (!usingPostgres) {
        // The lock names the server, and a second server on the same folder refuses to start.
        const lock = JSON.parse(readFileSync(path.join(dataDir, 'db.lock'), 'utf8'));
        expect(lock).toMatchObject({ pid: server.child.pid, role: 'server' });
        const second = startServerProcess(env);
        expect(await second.exited).toBe(1);
        expect(second.stderr.join('')).toContain(`is in use by the Albedo server (pid ${server.child.pid}`);
      }
      // The running server still serves everything it had, and (on PostgreSQL) what the CLI added.
      const contacts = await api(base, token, 'GET', '/api/v1/contacts?limit=200&count=true');
      expect(contacts.status).toBe(200);
      expect(contacts.body.page.total).toBe(usingPostgres ? 37 : 1);
    } finally {
      server.child.kill('SIGTERM');
    }
    expect(await server.exited).toBe(0);
    if (!usingPostgres) expect(existsSync(path.join(dataDir, 'db.lock'))).toBe(false);

    // After a clean stop the database opens with every record, and the CLI may use it.
    await withServerDatabase(async (db) => {
      const [row] = await db.query<{ n: number }>(`select count(*)::int as n from contacts where deleted_at is null`);
      expect(row?.n).toBe(usingPostgres ? 37 : 1);
    });
    if (!usingPostgres) {
      const seeded = await cli(['seed-demo', '--email', email]);
      expect(seeded.stderr).toBe('');
      expect(seeded.code).toBe(0);
      expect(seeded.stdout).toContain('36 contacts');
    }
    const restarted = startServerProcess(env);
    const base2 = await restarted.ready;
    try {
      const login = await api(base2, undefined, 'POST', '/api/v1/auth/login', { email, password });
      expect(login.status).toBe(200);
      token = login.body.data.accessToken;
      const contacts = await api(base2, token, 'GET', '/api/v1/contacts?limit=1&count=true');
      expect(contacts.body.page.total).toBe(37);
    } finally {
      restarted.child.kill('SIGTERM');
    }
    expect(await restarted.exited).toBe(0);
  }, 180_000);

  it('keeps every acknowledged write through 20 kill -9s during writes', async () => {
    const acknowledged: string[] = [];
    // The embedded database is the one to prove (20 kills); PostgreSQL's durability is its own,
    // so its run checks only that the server acknowledges nothing it has not committed (5).
    const rounds = usingPostgres ? 5 : 20;
    for (let round = 0; round < rounds; round++) {
      const server = startServerProcess(env);
      const base = await server.ready;
      // Writers that keep going until the process dies under them; only a 201 counts as acknowledged.
      let dead = false;
      let refused: string | undefined;
      const writer = async (w: number) => {
        for (let i = 0; !dead && !refused; i++) {
          let res: Awaited<ReturnType<typeof api>>;
          try {
            res = await api(base, token, 'POST', '/api/v1/contacts', {
              firstName: `Round${round}`,
              lastName: `W${w}N${i}`,
            });
          } catch {
            return; // connection reset: the process is gone
          }
          if (res.status === 201) acknowledged.push(res.body.data.id);
          else refused = `${res.status} ${JSON.stringify(res.body)}`;
        }
      };
      const writers = [0, 1, 2, 3].map(writer);
      // Kill after a varying number of acknowledged writes, so kills land at different points.
      const target = acknowledged.length + 5 + ((round * 7) % 23);
      const deadline = Date.now() + 60_000;
      while (acknowledged.length < target && !refused && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 5));
      }
      expect(refused, 'a write was refused').toBeUndefined();
      expect(acknowledged.length, 'writes stopped being answered').toBeGreaterThanOrEqual(target);
      server.child.kill('SIGKILL');
      await server.exited;
      dead = true;
      await Promise.all(writers);
    }
    expect(acknowledged.length).toBeGreaterThanOrEqual(rounds * 5);
    await withServerDatabase(async (db) => {
      const rows = await db.query<{ id: string }>(`select id::text as id from contacts where id = any($1::uuid[])`, [
        acknowledged,
      ]);
      const present = new Set(rows.map((r) => r.id));
      expect(acknowledged.filter((id) => !present.has(id))).toEqual([]);
    });
    // And it still opens as a server after the last kill.
    const server = startServerProcess(env);
    const base = await server.ready;
    const health = await fetch(`${base}/health/ready`);
    expect(health.status).toBe(200);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  }, 400_000);
});
