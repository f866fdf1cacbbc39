// Platform housekeeping: finished jobs are pruned after 30 days, and on PGlite, which has no
// autovacuum, the database is vacuumed and analyzed every night.
import { z } from 'zod';
import type { Database } from '#server/platform/db/database.ts';
import { vacuumAnalyze } from '#server/platform/db/maintenance.ts';
import { defineJob, type JobQueue } from './queue.ts';

export const JOB_RETENTION_DAYS = 30;

export function pruneJobsJob(db: Database, clock: () => Date = () => new Date()) {
  return defineJob({
    name: 'jobs.prune',
    payload: z.object({ olderThanDays: z.number().int().min(1).default(JOB_RETENTION_DAYS) }),
    maxAttempts: 3,
    async handler({ olderThanDays }) {
      const cutoff = new Date(clock().getTime() - olderThanDays * 86_400_000);
      const rows = await db.query<{ n: number }>(
        `with gone as (delete from jobs where status in ('succeeded', 'failed', 'cancelled') and finished_at < $1 returning 1)
         select count(*)::int as n from gone`,
        [cutoff],
      );
      return { deleted: rows[0]?.n ?? 0 };
    },
  });
}

export function vacuumJob(db: Database) {
  return defineJob({
    name: 'db.vacuum',
    payload: z.object({}),
    maxAttempts: 3,
    async handler() {
      const started = performance.now();
      await vacuumAnalyze(db);
      return { ms: Math.round(performance.now() - started) };
    },
  });
}

export async function registerHousekeeping(jobs: JobQueue, db: Database): Promise<void> {
  if (db.kind === 'pglite') {
    const vacuum = vacuumJob(db);
    jobs.register(vacuum);
    await jobs.schedule({ name: 'db.vacuum', cron: '45 3 * * *', timezone: 'UTC', job: vacuum, payload: {} });
  }
  const prune = pruneJobsJob(db);
  jobs.register(prune);
  await jobs.schedule({
    name: 'jobs.prune',
    cron: '15 3 * * *',
    timezone: 'UTC',
    job: prune,
    payload: { olderThanDays: JOB_RETENTION_DAYS },
  });
}
