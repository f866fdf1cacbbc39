// The durable job queue: a table on the app's own database (PGlite or PostgreSQL), claimed with
// FOR UPDATE SKIP LOCKED under a lease, retried with exponential backoff, plus cron schedules with
// time zones. Why not pg-boss: see docs/decisions.md.
import { hostname } from 'node:os';
import { CronExpressionParser } from 'cron-parser';
import { eq, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { type JobProgress, type JobStatus, jobSchedules, jobs } from '#server/db/schema/jobs.ts';
import { type Database, execRows, type Tx } from '#server/platform/db/database.ts';
import { ValidationError } from '#server/platform/errors.ts';
import { newId } from '#server/platform/ids.ts';

export interface JobRecord {
  id: string;
  workspaceId: string | null;
  name: string;
  payload: unknown;
  status: JobStatus;
  priority: number;
  attempts: number;
  maxAttempts: number;
  runAt: Date;
  progress: JobProgress | null;
  result: unknown;
  lastError: string | null;
  createdBy: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  updatedAt: Date;
}

export interface JobContext {
  job: JobRecord;
  /** Aborted when the job times out or the process shuts down; long handlers should check it. */
  signal: AbortSignal;
  /** Records progress visible through the job record (GET /api/v1/jobs/:id). */
  progress(progress: JobProgress): Promise<void>;
}

export interface JobDefinition<P> {
  name: string;
  payload: z.ZodType<P>;
  handler: (payload: P, ctx: JobContext) => Promise<unknown>;
  /** Total tries including the first. Default 5. */
  maxAttempts?: number;
  /** Backoff base: the n-th retry waits retryDelayMs × 2^(n-1), capped at maxRetryDelayMs. */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** A run longer than this is aborted and counts as a failed attempt. Default 15 min. */
  timeoutMs?: number;
}

export function defineJob<P>(definition: JobDefinition<P>): JobDefinition<P> {
  return definition;
}

export interface EnqueueOptions {
  workspaceId?: string | null;
  runAt?: Date;
  delayMs?: number;
  priority?: number;
  /** At most one job is ever created per key; a second enqueue with the key returns null. */
  singletonKey?: string;
  createdBy?: string | null;
  /** Enqueue inside a service's transaction: the job exists only if the change commits. */
  tx?: Tx;
}

export interface ScheduleOptions<P> {
  /** Unique schedule name, e.g. `trash.purge` or `kpi-report:<workspaceId>`. */
  name: string;
  /** Five-field (minute precision) or six-field (seconds) cron expression. */
  cron: string;
  /** IANA time zone the expression is read in, e.g. Europe/London. */
  timezone: string;
  job: JobDefinition<P>;
  payload: P;
  workspaceId?: string | null;
}

export interface QueueStatus {
  running: boolean;
  lastPollAt: Date | null;
  lastPollError: string | null;
  activeJobs: number;
}

export interface JobQueueOptions {
  db: Database;
  logger: Logger;
  clock?: () => Date;
  pollIntervalMs?: number;
  concurrency?: number;
  leaseMs?: number;
  workerId?: string;
}

export type JobQueue = ReturnType<typeof createJobQueue>;

const DEFAULTS = { maxAttempts: 5, retryDelayMs: 10_000, maxRetryDelayMs: 3_600_000, timeoutMs: 15 * 60_000 };

export function createJobQueue(options: JobQueueOptions) {
  const { db, logger } = options;
  const clock = options.clock ?? (() => new Date());
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const concurrency = options.concurrency ?? 4;
  const leaseMs = options.leaseMs ?? 60_000;
  const workerId = options.workerId ?? `${hostname()}:${process.pid}:${newId().slice(-8)}`;
  const definitions = new Map<string, JobDefinition<unknown>>();
  const active = new Map<string, { controller: AbortController; done: Promise<void> }>();
  let timer: NodeJS.Timeout | undefined;
  let started = false;
  let polling: Promise<void> | undefined;
  let pollAgain = false;
  let lastPollAt: Date | null = null;
  let lastPollError: string | null = null;
  let stopping = false;

  function register<P>(definition: JobDefinition<P>): void {
    if (definitions.has(definition.name)) throw new Error(`Job ${definition.name} is registered twice`);
    definitions.set(definition.name, definition as JobDefinition<unknown>);
  }

  async function enqueue<P>(
    definition: JobDefinition<P>,
    payload: P,
    opts: EnqueueOptions = {},
  ): Promise<JobRecord | null> {
    const parsed = definition.payload.safeParse(payload);
    if (!parsed.success) {
      throw new ValidationError(
        parsed.error.issues.map((i) => ({ field: ['payload', ...i.path].join('.'), message: i.message })),
      );
    }
    const now = clock();
    const runAt = opts.runAt ?? new Date(now.getTime() + (opts.delayMs ?? 0));
    const rows = await (opts.tx ?? db.orm)
      .insert(jobs)
      .values({
        id: newId(),
        workspaceId: opts.workspaceId ?? null,
        name: definition.name,
        payload: parsed.data as object,
        priority: opts.priority ?? 0,
        maxAttempts: definition.maxAttempts ?? DEFAULTS.maxAttempts,
        runAt,
        singletonKey: opts.singletonKey ?? null,
        createdBy: opts.createdBy ?? null,
        createdAt: now,
        updatedAt: now,
      })
      .onConflictDoNothing({ target: jobs.singletonKey })
      .returning();
    const row = rows[0];
    if (row && started && !opts.tx && runAt <= now) wake();
    return row ? (row as JobRecord) : null;
  }

  async function get(id: string): Promise<JobRecord | null> {
    const rows = await db.orm.select().from(jobs).where(eq(jobs.id, id)).limit(1);
    return (rows[0] as JobRecord | undefined) ?? null;
  }

  async function schedule<P>(opts: ScheduleOptions<P>): Promise<void> {
    const next = nextOccurrence(opts.cron, opts.timezone, clock());
    const parsed = opts.job.payload.safeParse(opts.payload);
    if (!parsed.success)
      throw new ValidationError([{ field: 'payload', message: parsed.error.issues[0]?.message ?? 'invalid' }]);
    const payload = { workspaceId: opts.workspaceId ?? null, data: parsed.data };
    await db.orm
      .insert(jobSchedules)
      .values({
        name: opts.name,
        cron: opts.cron,
        timezone: opts.timezone,
        jobName: opts.job.name,
        payload,
        nextRunAt: next,
        updatedAt: clock(),
      })
      .onConflictDoUpdate({
        target: jobSchedules.name,
        set: {
          jobName: sql`excluded.job_name`,
          payload: sql`excluded.payload`,
          enabled: true,
          updatedAt: sql`excluded.updated_at`,
          // Keep the pending occurrence unless the timing itself changed.
          nextRunAt: sql`case when ${jobSchedules.cron} = excluded.cron and ${jobSchedules.timezone} = excluded.timezone then ${jobSchedules.nextRunAt} else excluded.next_run_at end`,
          cron: sql`excluded.cron`,
          timezone: sql`excluded.timezone`,
        },
      });
  }

  async function unschedule(name: string): Promise<void> {
    await db.orm.delete(jobSchedules).where(eq(jobSchedules.name, name));
  }

  /** Turns due schedule occurrences into jobs; a row lock plus the singleton key make it once-only across instances. */
  async function enqueueDueSchedules(now: Date): Promise<number> {
    return db.orm.transaction(async (tx) => {
      const due = await execRows<{
        name: string;
        cron: string;
        timezone: string;
        job_name: string;
        payload: { workspaceId: string | null; data: unknown };
        next_run_at: Date | string;
      }>(
        tx,
        sql`select name, cron, timezone, job_name, payload, next_run_at from job_schedules
            where enabled and next_run_at <= ${now.toISOString()}::timestamptz
            order by next_run_at for update skip locked`,
      );
      for (const s of due) {
        const occurrence = new Date(s.next_run_at);
        const definition = definitions.get(s.job_name);
        if (definition) {
          await tx
            .insert(jobs)
            .values({
              id: newId(),
              workspaceId: s.payload.workspaceId,
              name: s.job_name,
              payload: (s.payload.data ?? {}) as object,
              maxAttempts: definition.maxAttempts ?? DEFAULTS.maxAttempts,
              runAt: occurrence,
              singletonKey: `schedule:${s.name}:${occurrence.toISOString()}`,
              createdAt: now,
              updatedAt: now,
            })
            .onConflictDoNothing({ target: jobs.singletonKey });
        } else {
          logger.warn(
            { schedule: s.name, job: s.job_name },
            'schedule names a job this process does not know; skipped',
          );
        }
        // Missed occurrences (the server was down) collapse into the one just enqueued.
        const next = nextOccurrence(s.cron, s.timezone, now);
        await tx
          .update(jobSchedules)
          .set({ nextRunAt: next, lastRunAt: occurrence, updatedAt: now })
          .where(eq(jobSchedules.name, s.name));
      }
      return due.length;
    });
  }

  async function claim(limit: number, now: Date): Promise<JobRecord[]> {
    const names = [...definitions.keys()];
    if (names.length === 0 || limit <= 0) return [];
    const leaseUntil = new Date(now.getTime() + leaseMs);
    // A running job whose lease ran out lost its worker (crash, kill -9): it is claimed again.
    const rows = await db.query(
      `with next as (
         select id from jobs
          where name = any($1::text[])
            and ((status = 'queued' and run_at <= $2) or (status = 'running' and locked_until < $2))
          order by priority desc, run_at
          limit $3
          for update skip locked)
       update jobs j
          set status = 'running', attempts = j.attempts + 1, locked_by = $4, locked_until = $5,
              started_at = coalesce(j.started_at, $2), updated_at = $2
         from next where j.id = next.id
       returning j.*`,
      [names, now, limit, workerId, leaseUntil],
    );
    return rows.map(fromRow);
  }

  async function runOne(job: JobRecord, controller: AbortController): Promise<void> {
    const definition = definitions.get(job.name) as JobDefinition<unknown>;
    const timeoutMs = definition.timeoutMs ?? DEFAULTS.timeoutMs;
    const log = logger.child({ jobId: job.id, job: job.name, attempt: job.attempts });
    const heartbeat = setInterval(
      () => {
        db.query(`update jobs set locked_until = $1 where id = $2 and locked_by = $3`, [
          new Date(clock().getTime() + leaseMs),
          job.id,
          workerId,
        ]).catch((err) => log.warn({ err }, 'job lease renewal failed'));
      },
      Math.max(50, Math.floor(leaseMs / 3)),
    );
    heartbeat.unref();
    const timeout = setTimeout(() => controller.abort(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    timeout.unref();
    try {
      if (job.attempts > job.maxAttempts) throw new PermanentFailure('its worker was lost on every attempt');
      const parsed = definition.payload.safeParse(job.payload);
      if (!parsed.success) throw new PermanentFailure(`payload is invalid: ${parsed.error.issues[0]?.message}`);
      const ctx: JobContext = {
        job,
        signal: controller.signal,
        progress: async (p) => {
          await db.query(`update jobs set progress = $1, updated_at = $2 where id = $3 and locked_by = $4`, [
            JSON.stringify(p),
            clock(),
            job.id,
            workerId,
          ]);
        },
      };
      const result = await raceAbort(definition.handler(parsed.data, ctx), controller.signal);
      const now = clock();
      await db.query(
        `update jobs set status = 'succeeded', result = $1, finished_at = $2, updated_at = $2,
                locked_by = null, locked_until = null, last_error = null
          where id = $3 and locked_by = $4`,
        [result === undefined ? null : JSON.stringify(result), now, job.id, workerId],
      );
      log.info({ ms: now.getTime() - (job.startedAt ?? now).getTime() }, 'job succeeded');
    } catch (err) {
      if (
        stopping &&
        !(err instanceof PermanentFailure) &&
        controller.signal.aborted &&
        isShutdownAbort(controller.signal)
      ) {
        // Interrupted by shutdown, not failed: hand it back without spending the attempt.
        await db.query(
          `update jobs set status = 'queued', attempts = attempts - 1, locked_by = null, locked_until = null, updated_at = $1
            where id = $2 and locked_by = $3`,
          [clock(), job.id, workerId],
        );
        log.info('job interrupted by shutdown; requeued');
        return;
      }
      const message = err instanceof Error ? err.message : String(err);
      const now = clock();
      const retry = !(err instanceof PermanentFailure) && job.attempts < job.maxAttempts;
      if (retry) {
        const base = definition.retryDelayMs ?? DEFAULTS.retryDelayMs;
        const delay = Math.min(base * 2 ** (job.attempts - 1), definition.maxRetryDelayMs ?? DEFAULTS.maxRetryDelayMs);
        await db.query(
          `update jobs set status = 'queued', run_at = $1, last_error = $2, updated_at = $3,
                  locked_by = null, locked_until = null
            where id = $4 and locked_by = $5`,
          [new Date(now.getTime() + delay), message, now, job.id, workerId],
        );
        log.warn({ err: message, retryInMs: delay }, 'job failed; will retry');
      } else {
        await db.query(
          `update jobs set status = 'failed', last_error = $1, finished_at = $2, updated_at = $2,
                  locked_by = null, locked_until = null
            where id = $3 and locked_by = $4`,
          [message, now, job.id, workerId],
        );
        log.error({ err: message }, 'job failed permanently');
      }
    } finally {
      clearInterval(heartbeat);
      clearTimeout(timeout);
    }
  }

  function startJob(job: JobRecord): Promise<void> {
    const controller = new AbortController();
    const done = runOne(job, controller)
      .catch((err) => logger.error({ err, jobId: job.id }, 'job bookkeeping failed'))
      .finally(() => {
        active.delete(job.id);
        if (started) wake();
      });
    active.set(job.id, { controller, done });
    return done;
  }

  /**
   * One scheduler + claim cycle. Returns the jobs it started. With `wait`, also waits for them:
   * tests drive the queue this way with a controlled clock instead of sleeping.
   */
  async function runDue(wait = false): Promise<number> {
    const now = clock();
    await enqueueDueSchedules(now);
    const claimed = await claim(concurrency - active.size, now);
    const runs = claimed.map(startJob);
    if (wait) await Promise.all(runs);
    return claimed.length;
  }

  function poll(): Promise<void> {
    if (polling) {
      pollAgain = true;
      return polling;
    }
    polling = (async () => {
      do {
        pollAgain = false;
        try {
          const n = await runDue();
          lastPollAt = clock();
          lastPollError = null;
          if (n > 0 && active.size < concurrency) pollAgain = true;
        } catch (err) {
          lastPollError = err instanceof Error ? err.message : String(err);
          logger.error({ err }, 'job queue poll failed');
        }
      } while (pollAgain && started);
    })().finally(() => {
      polling = undefined;
    });
    return polling;
  }

  function wake(): void {
    if (!started) return;
    if (active.size >= concurrency) return;
    void poll();
  }

  function loop(): void {
    timer = setTimeout(async () => {
      await poll();
      if (started) loop();
    }, pollIntervalMs);
  }

  function start(): void {
    if (started) return;
    started = true;
    stopping = false;
    void poll();
    loop();
  }

  /** Stops claiming, lets running jobs finish within `graceMs`, then interrupts and requeues the rest. */
  async function stop(graceMs = 5000): Promise<void> {
    started = false;
    stopping = true;
    if (timer) clearTimeout(timer);
    await polling;
    const running = [...active.values()];
    if (running.length === 0) return;
    let graceTimer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      graceTimer = setTimeout(resolve, graceMs);
    });
    await Promise.race([Promise.all(running.map((r) => r.done)), grace]);
    clearTimeout(graceTimer);
    for (const r of active.values()) r.controller.abort(SHUTDOWN);
    await Promise.all([...active.values()].map((r) => r.done));
  }

  function status(): QueueStatus {
    return { running: started, lastPollAt, lastPollError, activeJobs: active.size };
  }

  async function counts(): Promise<Array<{ name: string; status: JobStatus; count: number }>> {
    return db.query(
      `select name, status, count(*)::int as count from jobs group by name, status order by name, status`,
    );
  }

  return {
    workerId,
    pollIntervalMs,
    register,
    enqueue,
    get,
    schedule,
    unschedule,
    runDue,
    start,
    stop,
    status,
    counts,
  };
}

const SHUTDOWN = new Error('shutting down');
/** Whether a job's signal fired because the server is stopping (the job is handed back and runs again). */
export function isShutdownAbort(signal: AbortSignal): boolean {
  return signal.reason === SHUTDOWN;
}

class PermanentFailure extends Error {}

/** Marks an error that retrying cannot fix (bad input, missing record): the job fails at once. */
export function permanentFailure(message: string): Error {
  return new PermanentFailure(message);
}

function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

export function nextOccurrence(cron: string, timezone: string, after: Date): Date {
  if (!isValidTimeZone(timezone)) {
    throw new ValidationError([{ field: 'timezone', message: `"${timezone}" is not an IANA time zone` }]);
  }
  try {
    return CronExpressionParser.parse(cron, { currentDate: after, tz: timezone }).next().toDate();
  } catch (err) {
    throw new ValidationError([
      { field: 'cron', message: `"${cron}" is not a valid cron expression (${(err as Error).message})` },
    ]);
  }
}

function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function fromRow(r: Record<string, unknown>): JobRecord {
  const date = (v: unknown) => (v == null ? null : new Date(v as string));
  return {
    id: r.id as string,
    workspaceId: (r.workspace_id as string | null) ?? null,
    name: r.name as string,
    payload: r.payload,
    status: r.status as JobStatus,
    priority: r.priority as number,
    attempts: r.attempts as number,
    maxAttempts: r.max_attempts as number,
    runAt: date(r.run_at) as Date,
    progress: (r.progress as JobProgress | null) ?? null,
    result: r.result ?? null,
    lastError: (r.last_error as string | null) ?? null,
    createdBy: (r.created_by as string | null) ?? null,
    createdAt: date(r.created_at) as Date,
    startedAt: date(r.started_at),
    finishedAt: date(r.finished_at),
    updatedAt: date(r.updated_at) as Date,
  };
}
