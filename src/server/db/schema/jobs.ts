// The durable job queue and its cron schedules. System tables: the queue runs as the connecting
// role and sees every workspace's jobs; the app role sees only its workspace's (RLS, not forced).
import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { tenantPolicy } from './tenancy.ts';

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export interface JobProgress {
  current: number;
  total: number | null;
  message?: string;
}

export const jobs = pgTable(
  'jobs',
  {
    id: uuid('id').primaryKey(),
    /** Null for instance-wide jobs (cron housekeeping). */
    workspaceId: uuid('workspace_id'),
    name: text('name').notNull(),
    payload: jsonb('payload').notNull().default({}),
    status: text('status').$type<JobStatus>().notNull().default('queued'),
    priority: integer('priority').notNull().default(0),
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull().default(5),
    runAt: timestamp('run_at', { withTimezone: true }).notNull(),
    lockedBy: text('locked_by'),
    lockedUntil: timestamp('locked_until', { withTimezone: true }),
    /** Deduplicates enqueues: one live job per key (cron occurrences, "at most one import per file"). */
    singletonKey: text('singleton_key'),
    progress: jsonb('progress').$type<JobProgress>(),
    result: jsonb('result'),
    lastError: text('last_error'),
    createdBy: uuid('created_by'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    index('jobs_ready_idx').on(t.runAt, t.priority).where(sql`status = 'queued'`),
    index('jobs_lease_idx').on(t.lockedUntil).where(sql`status = 'running'`),
    index('jobs_workspace_idx').on(t.workspaceId, t.createdAt),
    uniqueIndex('jobs_singleton_key_idx').on(t.singletonKey),
    tenantPolicy('jobs'),
  ],
).enableRLS();

export const jobSchedules = pgTable('job_schedules', {
  name: text('name').primaryKey(),
  cron: text('cron').notNull(),
  timezone: text('timezone').notNull(),
  jobName: text('job_name').notNull(),
  payload: jsonb('payload').notNull().default({}),
  enabled: boolean('enabled').notNull().default(true),
  nextRunAt: timestamp('next_run_at', { withTimezone: true }).notNull(),
  lastRunAt: timestamp('last_run_at', { withTimezone: true }),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});
