// The real entry point as a process: configuration errors, start, restart with durable data and
// jobs, and a clean exit on SIGTERM. Runs on PGlite, or on PostgreSQL when TEST_DATABASE_URL is set.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '#server/platform/db/database.ts';
import { TEST_MASTER_KEY } from '#test/support/app.ts';
import { createTestDatabase, type TestDatabase, usingPostgres } from '#test/support/db.ts';
import { startServerProcess, withDataDirDatabase } from '#test/support/process.ts';

const dataDir = mkdtempSync(path.join(tmpdir(), 'albedo-server-'));
let pgDb: TestDatabase | undefined;
let env: Record<string, string>;

beforeAll(async () => {
  env = { DATA_DIR: dataDir, JOBS_POLL_INTERVAL_MS: '100' };
  if (usingPostgres) {
    pgDb = await createTestDatabase();
    env = { ...env, DATABASE_URL: pgDb.url as string, APP_MASTER_KEY: TEST_MASTER_KEY };
  }
});
afterAll(async () => {
  await pgDb?.dispose();
});

/** The server's database, opened from the test while the server is stopped. */
const withServerDatabase = <T>(fn: (db: Database) => Promise<T>) => withDataDirDatabase(dataDir, pgDb, fn);

describe('the server process', () => {
  it('exits 1 with one clear line per configuration problem and no stack trace', async () => {
    const p = startServerProcess({ ...env, PORT: 'abc', LOG_LEVEL: 'chatty' });
    expect(await p.exited).toBe(1);
    const err = p.stderr.join('');
    expect(err).toContain('albedo: configuration error: PORT: must be a number (got "abc")');
    expect(err).toContain('albedo: configuration error: LOG_LEVEL: must be one of');
    expect(err.trim().split('\n')).toHaveLength(2);
    expect(err).not.toMatch(/\n\s+at /);
  });

  it('writes readable log lines with LOG_FORMAT=pretty, JSON lines otherwise', async () => {
    const p = startServerProcess({ ...env, LOG_FORMAT: 'pretty' });
    const deadline = Date.now() + 30_000;
    while (!p.stdout.some((l) => l.includes('Albedo is ready at')) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    const ready = p.stdout.find((l) => l.includes('Albedo is ready at')) as string;
    expect(ready).toMatch(/^\[\d{2}:\d{2}:\d{2}\] INFO: Albedo is ready at http/);
    expect(p.stdout.every((l) => !l.startsWith('{'))).toBe(true);
  });

  it('starts, serves, and shuts down cleanly on SIGTERM', async () => {
    const p = startServerProcess(env);
    const url = await p.ready;
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${url}/health/ready`);
    expect(await ready.json()).toMatchObject({ status: 'ready' });
    const docs = await fetch(`${url}/docs/`);
    expect(docs.status).toBe(200);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(p.stdout.some((l) => l.includes('"shutdown complete"'))).toBe(true);
  });

  it('keeps data across a restart and runs a job enqueued while it was down', async () => {
    const jobId = '01936b7e-0000-7000-8000-00000000abcd';
    await withServerDatabase(async (db) => {
      // Written while no server runs: it must survive and be picked up by the next start.
      await db.query(
        `insert into jobs (id, name, payload, status, run_at, created_at, updated_at)
         values ($1, 'jobs.prune', '{"olderThanDays": 30}', 'queued', now(), now(), now())`,
        [jobId],
      );
    });
    const p = startServerProcess(env);
    await p.ready;
    await p.waitForLog((l) => l.jobId === jobId && l.msg === 'job succeeded');
    p.child.kill('SIGINT');
    expect(await p.exited).toBe(0);
    // The second start applied no migrations: the schema was already there.
    expect(p.stdout.some((l) => l.includes('database migrations applied'))).toBe(false);
    const rows = await withServerDatabase((db) =>
      db.query<{ status: string; result: unknown }>('select status, result from jobs where id = $1', [jobId]),
    );
    expect(rows).toEqual([{ status: 'succeeded', result: { deleted: 0 } }]);
  });
});

// Production runs as an ordinary role that owns the tables, where FORCE ROW LEVEL SECURITY
// applies to it too; the rest of the suite connects as a superuser, which RLS never restrains.
describe.runIf(usingPostgres)('production mode as a non-superuser owner', () => {
  it('migrates, signs up, signs in, invites and audits with every policy in force', async () => {
    const base = new URL(process.env.TEST_DATABASE_URL as string);
    const suffix = Math.random().toString(36).slice(2, 10);
    const role = `albedo_owner_${suffix}`;
    const database = `albedo_np_${suffix}`;
    const admin = new pg.Client({ connectionString: base.toString() });
    await admin.connect();
    await admin.query(`create role ${role} login nosuperuser createrole nobypassrls`);
    await admin.query(`create database ${database} owner ${role}`);
    const url = new URL(base.toString());
    url.username = role;
    url.pathname = `/${database}`;
    const p = startServerProcess({
      ...env,
      DATABASE_URL: url.toString(),
      APP_MASTER_KEY: TEST_MASTER_KEY,
      DATA_DIR: dataDir,
    });
    try {
      const server = await p.ready;
      const post = (path: string, body: unknown, token?: string) =>
        fetch(`${server}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
          body: JSON.stringify(body),
        });
      const get = (path: string, token: string) =>
        fetch(`${server}${path}`, { headers: { authorization: `Bearer ${token}` } });
      const password = 'owner-role-lantern-2026';
      const signup = await post('/api/v1/auth/signup', {
        email: 'np@example.com',
        password,
        name: 'Nora',
        workspaceName: 'NP',
      });
      expect(signup.status).toBe(201);
      const login = await post('/api/v1/auth/login', { email: 'np@example.com', password });
      expect(login.status).toBe(200);
      const { accessToken } = (await login.json()).data;
      expect((await (await get('/api/v1/me', accessToken)).json()).data).toMatchObject({
        role: 'owner',
        workspace: { name: 'NP' },
      });
      expect((await post('/api/v1/invites', { email: 'new@example.com', roleKey: 'member' }, accessToken)).status).toBe(
        201,
      );
      expect((await (await get('/api/v1/members', accessToken)).json()).data).toHaveLength(1);
      const audit = (await (await get('/api/v1/audit', accessToken)).json()).data.map(
        (e: { action: string }) => e.action,
      );
      expect(audit).toEqual(
        expect.arrayContaining(['workspace.created', 'auth.signup', 'auth.login', 'member.invited']),
      );
    } finally {
      p.child.kill('SIGTERM');
      await p.exited;
      await admin.query(`drop database if exists ${database} with (force)`);
      await admin.query(`drop role if exists ${role}`);
      await admin.end();
    }
  });
});
