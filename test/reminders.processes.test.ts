// Reminders with two server processes on one PostgreSQL: each fires exactly once, on time or
// (missed while nothing ran) late. Needs PostgreSQL: the embedded database serves one process.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_MASTER_KEY } from '#test/support/app.ts';
import { createTestDatabase, type TestDatabase, usingPostgres } from '#test/support/db.ts';
import { type ServerProcess, startServerProcess } from '#test/support/process.ts';

describe.runIf(usingPostgres)('reminders with two server processes', () => {
  let db: TestDatabase;
  const processes: ServerProcess[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    for (const p of processes) {
      p.child.kill('SIGTERM');
      await p.exited;
    }
    await db.dispose();
  });

  it('fires every reminder once, however many processes scan and run jobs', async () => {
    const env = {
      DATABASE_URL: db.url as string,
      APP_MASTER_KEY: TEST_MASTER_KEY,
      DATA_DIR: mkdtempSync(path.join(tmpdir(), 'albedo-two-')),
      JOBS_POLL_INTERVAL_MS: '100',
      // Scan every two seconds (instead of every minute) so the test does not wait.
      REMINDER_SCAN_CRON: '*/2 * * * * *',
    };
    processes.push(startServerProcess(env), startServerProcess(env));
    const [a, b] = await Promise.all(processes.map((p) => p.ready));
    const signup = await fetch(`${a}/api/v1/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        email: 'two@example.com',
        password: 'two-process-lantern-42',
        name: 'Two',
        workspaceName: 'Two',
      }),
    });
    expect(signup.status).toBe(201);
    const headers = {
      authorization: `Bearer ${(await signup.json()).data.accessToken}`,
      'content-type': 'application/json',
    };
    const now = Date.now();
    const create = async (title: string, startAt: number, reminders: number[]) => {
      const res = await fetch(`${b}/api/v1/events`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          title,
          startAt: new Date(startAt).toISOString(),
          endAt: new Date(startAt + 1800_000).toISOString(),
          reminders,
        }),
      });
      expect(res.status).toBe(201);
    };
    // Six due a few seconds from now (at their start), two that were due twenty minutes ago.
    for (let i = 0; i < 6; i++) await create(`Soon ${i}`, now + 5000 + i * 500, [0]);
    await create('Missed A', now + 10 * 60_000, [30]);
    await create('Missed B', now + 5 * 60_000, [25]);

    let list: Array<{ title: string; late: boolean }> = [];
    const deadline = Date.now() + 40_000;
    while (Date.now() < deadline) {
      list = (await (await fetch(`${a}/api/v1/notifications?limit=100`, { headers })).json()).data;
      if (list.length >= 8) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    // Both processes scanned many times by now; give a duplicate the chance to show up.
    await new Promise((r) => setTimeout(r, 3000));
    list = (await (await fetch(`${a}/api/v1/notifications?limit=100`, { headers })).json()).data;
    expect(list.map((n) => n.title).sort()).toEqual([
      'Missed A',
      'Missed B',
      'Soon 0',
      'Soon 1',
      'Soon 2',
      'Soon 3',
      'Soon 4',
      'Soon 5',
    ]);
    expect(
      list
        .filter((n) => n.late)
        .map((n) => n.title)
        .sort(),
    ).toEqual(['Missed A', 'Missed B']);
    const fired = await db.query<{ locked_by: string }>(
      `select locked_by from jobs where name = 'calendar.reminder.fire' and status = 'succeeded'`,
    );
    expect(fired).toHaveLength(8);
    const mails = await db.query(`select 1 from outbox_emails where template = 'reminder'`);
    expect(mails).toHaveLength(8);
    // Two servers starting under a loaded CI machine take a while; the waits above are bounded.
  }, 120_000);
});
