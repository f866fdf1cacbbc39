import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { workspaces } from '#server/db/schema/workspaces.ts';
import { openDatabase } from '#server/platform/db/database.ts';
import { withWorkspace } from '#server/platform/db/tenancy.ts';
import { manualClock } from '#test/support/clock.ts';
import { createTestDatabase, type TestDatabase, usingPostgres } from '#test/support/db.ts';
import { createJobQueue, defineJob, type JobQueue, nextOccurrence, permanentFailure } from './queue.ts';

const logger = pino({ level: 'silent' });
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.dispose());
beforeEach(async () => {
  await db.query('delete from jobs');
  await db.query('delete from job_schedules');
});

function queue(
  clock: ReturnType<typeof manualClock>,
  extra: Partial<Parameters<typeof createJobQueue>[0]> = {},
): JobQueue {
  return createJobQueue({ db, logger, clock, pollIntervalMs: 20, ...extra });
}

describe('job queue', () => {
  it('runs an enqueued job once, recording progress and result', async () => {
    const clock = manualClock();
    const q = queue(clock);
    const seen: string[] = [];
    const job = defineJob({
      name: 'test.greet',
      payload: z.object({ name: z.string() }),
      async handler({ name }, ctx) {
        await ctx.progress({ current: 1, total: 2, message: 'half way' });
        seen.push(name);
        return { greeting: `hello ${name}` };
      },
    });
    q.register(job);
    const record = await q.enqueue(job, { name: 'Ada' });
    expect(record?.status).toBe('queued');
    expect(await q.runDue(true)).toBe(1);
    expect(await q.runDue(true)).toBe(0);
    const done = await q.get(record?.id as string);
    expect(seen).toEqual(['Ada']);
    expect(done).toMatchObject({
      status: 'succeeded',
      attempts: 1,
      result: { greeting: 'hello Ada' },
      progress: { current: 1, total: 2, message: 'half way' },
    });
    expect(done?.finishedAt).toEqual(clock());
  });

  it('refuses a payload that does not match the job definition, and stores nothing', async () => {
    const q = queue(manualClock());
    const job = defineJob({
      name: 'test.strict',
      payload: z.object({ n: z.number().int() }),
      handler: async () => null,
    });
    q.register(job);
    await expect(q.enqueue(job, { n: 1.5 })).rejects.toMatchObject({ code: 'VALIDATION_ERROR' });
    expect(await db.query('select * from jobs')).toHaveLength(0);
  });

  it('does not run a job before its time', async () => {
    const clock = manualClock();
    const q = queue(clock);
    const job = defineJob({ name: 'test.later', payload: z.object({}), handler: async () => 'ran' });
    q.register(job);
    await q.enqueue(job, {}, { delayMs: 60_000 });
    expect(await q.runDue(true)).toBe(0);
    clock.advance(60_000);
    expect(await q.runDue(true)).toBe(1);
  });

  it('retries a failing job with exponential backoff, then fails it for good', async () => {
    const clock = manualClock();
    const q = queue(clock);
    let calls = 0;
    const job = defineJob({
      name: 'test.flaky',
      payload: z.object({}),
      maxAttempts: 3,
      retryDelayMs: 1000,
      async handler() {
        calls++;
        throw new Error(`failure ${calls}`);
      },
    });
    q.register(job);
    const record = await q.enqueue(job, {});
    const id = record?.id as string;

    await q.runDue(true);
    let state = await q.get(id);
    expect(state).toMatchObject({ status: 'queued', attempts: 1, lastError: 'failure 1' });
    expect((state?.runAt.getTime() ?? 0) - clock().getTime()).toBe(1000);

    clock.advance(999);
    expect(await q.runDue(true)).toBe(0);
    clock.advance(1);
    await q.runDue(true);
    state = await q.get(id);
    expect(state).toMatchObject({ status: 'queued', attempts: 2, lastError: 'failure 2' });
    expect((state?.runAt.getTime() ?? 0) - clock().getTime()).toBe(2000);

    clock.advance(2000);
    await q.runDue(true);
    state = await q.get(id);
    expect(state).toMatchObject({ status: 'failed', attempts: 3, lastError: 'failure 3' });
    clock.advance(3_600_000);
    expect(await q.runDue(true)).toBe(0);
    expect(calls).toBe(3);
  });

  it('fails at once, without retrying, on a permanent failure', async () => {
    const q = queue(manualClock());
    const job = defineJob({
      name: 'test.permanent',
      payload: z.object({}),
      handler: async () => {
        throw permanentFailure('the record is gone');
      },
    });
    q.register(job);
    const record = await q.enqueue(job, {});
    await q.runDue(true);
    expect(await q.get(record?.id as string)).toMatchObject({
      status: 'failed',
      attempts: 1,
      lastError: 'the record is gone',
    });
  });

  it('creates at most one job per singleton key', async () => {
    const q = queue(manualClock());
    const job = defineJob({ name: 'test.once', payload: z.object({}), handler: async () => null });
    q.register(job);
    expect(await q.enqueue(job, {}, { singletonKey: 'import:file-1' })).not.toBeNull();
    expect(await q.enqueue(job, {}, { singletonKey: 'import:file-1' })).toBeNull();
    expect(await db.query('select * from jobs')).toHaveLength(1);
  });

  it('reclaims a job whose worker died (lease expired) and runs it elsewhere', async () => {
    const clock = manualClock();
    const job = defineJob({ name: 'test.lease', payload: z.object({}), handler: async () => 'done' });
    // Worker A claims the job, then "dies": simulated by claiming through SQL with its lease.
    await db.query(
      `insert into jobs (id, name, payload, status, attempts, max_attempts, run_at, locked_by, locked_until, created_at, updated_at)
       values (gen_random_uuid(), 'test.lease', '{}', 'running', 1, 5, $1, 'dead-worker', $2, $1, $1)`,
      [clock(), new Date(clock().getTime() + 60_000)],
    );
    const b = queue(clock, { leaseMs: 60_000 });
    b.register(job);
    expect(await b.runDue(true)).toBe(0);
    clock.advance(60_001);
    expect(await b.runDue(true)).toBe(1);
    const [row] = await db.query<{ status: string; attempts: number }>('select status, attempts from jobs');
    expect(row).toEqual({ status: 'succeeded', attempts: 2 });
  });

  it('hands an interrupted job back on shutdown without spending its attempt', async () => {
    const q = createJobQueue({ db, logger, pollIntervalMs: 20 });
    let started!: () => void;
    const running = new Promise<void>((r) => {
      started = r;
    });
    const job = defineJob({
      name: 'test.long',
      payload: z.object({}),
      handler: (_p, ctx) =>
        new Promise((_resolve, reject) => {
          started();
          ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason));
        }),
    });
    q.register(job);
    const record = await q.enqueue(job, {});
    q.start();
    await running;
    await q.stop(50);
    expect(await q.get(record?.id as string)).toMatchObject({ status: 'queued', attempts: 0 });
  });

  it('runs jobs in the background once started, woken by enqueue', async () => {
    const q = createJobQueue({ db, logger, pollIntervalMs: 10_000 });
    let resolve!: (v: string) => void;
    const ran = new Promise<string>((r) => {
      resolve = r;
    });
    const job = defineJob({
      name: 'test.bg',
      payload: z.object({ v: z.string() }),
      handler: async ({ v }) => resolve(v),
    });
    q.register(job);
    q.start();
    await q.enqueue(job, { v: 'now' });
    // The poll interval is 10 s: only the wake-up on enqueue can run it this soon.
    await expect(ran).resolves.toBe('now');
    await q.stop();
    expect(q.status().running).toBe(false);
  });

  it('enqueues inside a workspace transaction: the job exists only if the change commits', async () => {
    const ws = '01936b7e-0000-7000-8000-000000000001';
    await db.orm.insert(workspaces).values({ id: ws, name: 'Tx' }).onConflictDoNothing();
    const q = queue(manualClock());
    const job = defineJob({ name: 'test.tx', payload: z.object({}), handler: async () => null });
    q.register(job);
    await expect(
      withWorkspace(db, { workspaceId: ws }, async (tx) => {
        await q.enqueue(job, {}, { tx, workspaceId: ws });
        throw new Error('change failed');
      }),
    ).rejects.toThrow('change failed');
    expect(await db.query('select * from jobs')).toHaveLength(0);
    await withWorkspace(db, { workspaceId: ws }, (tx) => q.enqueue(job, {}, { tx, workspaceId: ws }));
    expect(await db.query('select workspace_id from jobs')).toEqual([{ workspace_id: ws }]);
  });
});

describe('cron schedules', () => {
  it('reads the expression in its time zone, across daylight saving changes', () => {
    // 09:00 in London is 09:00 UTC in winter and 08:00 UTC in summer (BST from 29 March 2026).
    expect(nextOccurrence('0 9 * * *', 'Europe/London', new Date('2026-03-27T12:00:00Z')).toISOString()).toBe(
      '2026-03-28T09:00:00.000Z',
    );
    expect(nextOccurrence('0 9 * * *', 'Europe/London', new Date('2026-03-28T12:00:00Z')).toISOString()).toBe(
      '2026-03-29T08:00:00.000Z',
    );
    // Monday 08:00 in New York (EST, UTC-5 after 1 Nov 2026).
    expect(nextOccurrence('0 8 * * 1', 'America/New_York', new Date('2026-11-03T00:00:00Z')).toISOString()).toBe(
      '2026-11-09T13:00:00.000Z',
    );
  });

  it('rejects a bad expression or time zone with a field error', async () => {
    const q = queue(manualClock());
    const job = defineJob({ name: 'test.cron-bad', payload: z.object({}), handler: async () => null });
    q.register(job);
    await expect(
      q.schedule({ name: 'bad', cron: '61 * * * *', timezone: 'UTC', job, payload: {} }),
    ).rejects.toMatchObject({
      code: 'VALIDATION_ERROR',
      details: { fields: [{ field: 'cron' }] },
    });
    await expect(
      q.schedule({ name: 'bad', cron: '0 9 * * *', timezone: 'Mars/Olympus', job, payload: {} }),
    ).rejects.toMatchObject({
      code: 'VALIDATION_ERROR',
      details: { fields: [{ field: 'timezone' }] },
    });
    expect(await db.query('select * from job_schedules')).toHaveLength(0);
  });

  it('enqueues each occurrence once, even with two queues polling the same database', async () => {
    const clock = manualClock('2026-06-01T06:30:00Z');
    const runs: string[] = [];
    const job = defineJob({
      name: 'test.daily',
      payload: z.object({ report: z.string() }),
      handler: async ({ report }) => {
        runs.push(report);
      },
    });
    const q1 = queue(clock);
    q1.register(job);
    const second = usingPostgres ? await openDatabase({ kind: 'postgres', url: db.url as string, poolMax: 2 }) : db;
    const q2 = createJobQueue({ db: second, logger, clock, pollIntervalMs: 20 });
    q2.register(job);
    await q1.schedule({
      name: 'daily-report',
      cron: '0 9 * * *',
      timezone: 'Europe/Paris',
      job,
      payload: { report: 'kpi' },
    });
    // 09:00 in Paris in June is 07:00 UTC.
    expect((await db.query<{ next_run_at: Date }>('select next_run_at from job_schedules'))[0]?.next_run_at).toEqual(
      new Date('2026-06-01T07:00:00Z'),
    );
    await Promise.all([q1.runDue(true), q2.runDue(true)]);
    expect(runs).toEqual([]);
    clock.set('2026-06-01T07:00:00Z');
    await Promise.all([q1.runDue(true), q2.runDue(true), q1.runDue(true), q2.runDue(true)]);
    expect(runs).toEqual(['kpi']);
    const [schedule] = await db.query<{ next_run_at: Date }>('select next_run_at from job_schedules');
    expect(schedule?.next_run_at).toEqual(new Date('2026-06-02T07:00:00Z'));
    // Down for three days: the missed occurrences collapse into one run, then it is back on time.
    clock.set('2026-06-05T10:00:00Z');
    await Promise.all([q1.runDue(true), q2.runDue(true)]);
    expect(runs).toEqual(['kpi', 'kpi']);
    expect((await db.query<{ next_run_at: Date }>('select next_run_at from job_schedules'))[0]?.next_run_at).toEqual(
      new Date('2026-06-06T07:00:00Z'),
    );
    if (second !== db) await second.close();
  });

  it('keeps the pending occurrence when re-registered unchanged, and moves it when the timing changes', async () => {
    const clock = manualClock('2026-01-10T00:00:00Z');
    const q = queue(clock);
    const job = defineJob({ name: 'test.resched', payload: z.object({}), handler: async () => null });
    q.register(job);
    await q.schedule({ name: 'r', cron: '0 12 * * *', timezone: 'UTC', job, payload: {} });
    clock.advance(13 * 3_600_000); // past noon, but nobody polled
    await q.schedule({ name: 'r', cron: '0 12 * * *', timezone: 'UTC', job, payload: {} });
    expect((await db.query<{ next_run_at: Date }>('select next_run_at from job_schedules'))[0]?.next_run_at).toEqual(
      new Date('2026-01-10T12:00:00Z'),
    );
    await q.schedule({ name: 'r', cron: '0 18 * * *', timezone: 'UTC', job, payload: {} });
    expect((await db.query<{ next_run_at: Date }>('select next_run_at from job_schedules'))[0]?.next_run_at).toEqual(
      new Date('2026-01-10T18:00:00Z'),
    );
  });
});
