// The `albedo` command line as a process, against a real database it shares with the app.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptSecret } from '#server/platform/crypto.ts';
import { openDatabase } from '#server/platform/db/database.ts';
import { createTestApp, TEST_MASTER_KEY } from '#test/support/app.ts';
import { createTestDatabase, type TestDatabase, usingPostgres } from '#test/support/db.ts';
import { runCli } from '#test/support/process.ts';

const dataDir = mkdtempSync(path.join(tmpdir(), 'albedo-cli-'));
let pgDb: TestDatabase | undefined;
let env: Record<string, string> = {};

const cli = (args: string[], stdin?: string, extraEnv: Record<string, string> = {}) =>
  runCli(args, { DATA_DIR: dataDir, ...env, ...extraEnv }, stdin);

/** Signs in through the real app on the CLI's database. */
async function canLogin(email: string, password: string): Promise<boolean> {
  const db = pgDb ?? (await openDatabase({ kind: 'pglite', dataDir: path.join(dataDir, 'db') }));
  const t = await createTestApp({ db: pgDb ?? Object.assign(db, { url: null, dispose: () => db.close() }) });
  try {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });
    return res.statusCode === 200;
  } finally {
    await t.app.close();
    if (!pgDb) await db.close();
  }
}

beforeAll(async () => {
  if (usingPostgres) {
    pgDb = await createTestDatabase();
    env = { DATABASE_URL: pgDb.url as string, APP_MASTER_KEY: TEST_MASTER_KEY };
  }
});
afterAll(async () => {
  await pgDb?.dispose();
});

describe('albedo CLI', () => {
  it('creates a workspace and its owner with a piped password', async () => {
    const res = await cli(
      ['create-admin', '--email', 'ops@example.com', '--name', 'Ops', '--workspace', 'Ops Co', '--password-stdin'],
      'ops-harbour-lantern-99\n',
    );
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/Created workspace "Ops Co" \([0-9a-f-]{36}\) with owner ops@example.com/);
    expect(res.stdout).not.toContain('ops-harbour-lantern-99');
    expect(await canLogin('ops@example.com', 'ops-harbour-lantern-99')).toBe(true);
  });

  it('resets a password to a generated one, shown once', async () => {
    const res = await cli(['reset-password', '--email', 'OPS@example.com']);
    expect(res.code).toBe(0);
    const password = /New password \(shown once\): (\S+)/.exec(res.stdout)?.[1] as string;
    expect(password.length).toBeGreaterThanOrEqual(20);
    expect(await canLogin('ops@example.com', 'ops-harbour-lantern-99')).toBe(false);
    expect(await canLogin('ops@example.com', password)).toBe(true);
  });

  it('refuses a weak password and bad usage with clear messages', async () => {
    const weak = await cli(['reset-password', '--email', 'ops@example.com', '--password-stdin'], 'password');
    expect(weak.code).toBe(1);
    expect(weak.stderr).toContain('Password must be at least 12 characters');
    const missing = await cli(['create-admin', '--email', 'x@example.com']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('missing --name, --workspace');
    const nobody = await cli(['reset-password', '--email', 'ghost@example.com']);
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toContain('User with that email not found');
    const unknown = await cli(['launch-rockets']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "launch-rockets"');
  });

  it('fills a workspace with coherent demo data only when asked', async () => {
    const res = await cli(['seed-demo', '--email', 'ops@example.com']);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(
      'Filled "Ops Co" with demo data: 12 organizations, 36 contacts, 15 leads, 20 deals, 4 projects, 20 tasks',
    );
    const reset = await cli(
      ['reset-password', '--email', 'ops@example.com', '--password-stdin'],
      'ops-harbour-lantern-77',
    );
    expect(reset.code).toBe(0);
    const db = pgDb ?? (await openDatabase({ kind: 'pglite', dataDir: path.join(dataDir, 'db') }));
    const t = await createTestApp({ db: pgDb ?? Object.assign(db, { url: null, dispose: () => db.close() }) });
    try {
      const login = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: 'ops@example.com', password: 'ops-harbour-lantern-77' },
      });
      const auth = { authorization: `Bearer ${login.json().data.accessToken}` };
      const deals = (await t.app.inject({ url: '/api/v1/deals?limit=200&count=true', headers: auth })).json();
      expect(deals.page.total).toBe(20);
      const orgIds = new Set(
        (await t.app.inject({ url: '/api/v1/organizations?limit=200', headers: auth }))
          .json()
          .data.map((o: { id: string }) => o.id),
      );
      // Every deal belongs to a company of the dataset and has an amount.
      for (const d of deals.data) {
        expect(orgIds.has(d.organizationId)).toBe(true);
        expect(Number(d.amount)).toBeGreaterThan(0);
      }
      const project = (await t.app.inject({ url: '/api/v1/projects?limit=1', headers: auth })).json().data[0];
      const detail = (
        await t.app.inject({ url: `/api/v1/projects/${project.id}?include=related`, headers: auth })
      ).json();
      expect(detail.related.tasks).toHaveLength(5);
    } finally {
      await t.app.close();
      if (!pgDb) await db.close();
    }
    const nobody = await cli(['seed-demo', '--email', 'ghost@example.com']);
    expect(nobody.code).toBe(2);
    expect(nobody.stderr).toContain('no active member with email ghost@example.com');
  });

  it('rotates the master key: stored AI provider keys open with the new key only', async () => {
    const db = pgDb ?? (await openDatabase({ kind: 'pglite', dataDir: path.join(dataDir, 'db') }));
    const t = await createTestApp({ db: pgDb ?? Object.assign(db, { url: null, dispose: () => db.close() }) });
    let workspaceId = '';
    try {
      const login = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: 'ops@example.com', password: 'ops-harbour-lantern-77' },
      });
      workspaceId = login.json().data.workspace.id;
      const put = await t.app.inject({
        method: 'PUT',
        url: '/api/v1/ai/providers/openai',
        headers: { authorization: `Bearer ${login.json().data.accessToken}` },
        payload: { apiKey: 'sk-rotate-me-123' },
      });
      expect(put.statusCode, put.body).toBe(200);
    } finally {
      await t.app.close();
      if (!pgDb) await db.close();
    }
    const newKey = Buffer.alloc(32, 9);
    // The app above sealed with the test key, so the CLI runs with it as the current key.
    const res = await cli(['rotate-master-key', '--new-key-stdin'], newKey.toString('base64'), {
      APP_MASTER_KEY: TEST_MASTER_KEY,
    });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('Re-sealed 1 AI provider keys and 0 authenticator secrets under the new key.');
    const check = pgDb ?? (await openDatabase({ kind: 'pglite', dataDir: path.join(dataDir, 'db') }));
    try {
      const [row] = await check.query<{ api_key_sealed: string }>('select api_key_sealed from ai_providers');
      const binding = `ai-provider-key:${workspaceId}`;
      expect(decryptSecret(newKey, row?.api_key_sealed as string, binding)).toBe('sk-rotate-me-123');
      expect(() =>
        decryptSecret(Buffer.from(TEST_MASTER_KEY, 'base64'), row?.api_key_sealed as string, binding),
      ).toThrow();
    } finally {
      if (!pgDb) await check.close();
    }
  });

  it('lists the outbox', async () => {
    const res = await cli(['outbox', '5']);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('Subject: Your Albedo password was changed');
    expect(res.stdout).toContain('To: ops@example.com');
  });
});
