// Platform housekeeping: on PGlite, which has no autovacuum, the nightly vacuum is scheduled and
// keeps the planner's statistics and the tables' visibility maps; on PostgreSQL autovacuum does it.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '#test/support/clock.ts';
import { createTestDatabase, type TestDatabase, usingPostgres } from '#test/support/db.ts';
import { registerHousekeeping, vacuumJob } from './housekeeping.jobs.ts';
import { createJobQueue } from './queue.ts';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.dispose());

const queue = () => createJobQueue({ db, logger: pino({ level: 'silent' }), clock: manualClock(), pollIntervalMs: 20 });

describe('housekeeping', () => {
  it('schedules the nightly vacuum on PGlite only', async () => {
    await registerHousekeeping(queue(), db);
    const names = (await db.query<{ name: string }>('select name from job_schedules order by name')).map((r) => r.name);
    expect(names).toEqual(usingPostgres ? ['jobs.prune'] : ['db.vacuum', 'jobs.prune']);
  });

  it.runIf(!usingPostgres)('vacuums and analyzes the database', async () => {
    await db.query(
      `insert into workspaces (id, name) select gen_random_uuid(), 'Vacuum ' || i from generate_series(1, 200) i`,
    );
    // What the planner knows of the table (a row count of -1: never analyzed) and how many of its
    // pages a vacuum marked all-visible (none: never vacuumed). Catalog rows, not lagging counters.
    const planner = async () =>
      (
        await db.query<{ rows: number; visible: number }>(
          `select reltuples::int as rows, relallvisible::int as visible from pg_class where relname = 'workspaces'`,
        )
      )[0];
    expect(await planner()).toEqual({ rows: -1, visible: 0 });

    const q = queue();
    const vacuum = vacuumJob(db);
    q.register(vacuum);
    const job = await q.enqueue(vacuum, {});
    await q.runDue(true);
    expect((await q.get(job?.id as string))?.status).toBe('succeeded');
    const after = await planner();
    expect(after?.rows).toBeGreaterThanOrEqual(200);
    expect(after?.visible).toBeGreaterThan(0);
  });
});
