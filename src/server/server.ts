// The server around the app (fastify/demo's split: app.ts builds the Fastify app, tests use it
// alone): config → database → migrations → jobs → app → listen, and the reverse on a signal (stop
// accepting, finish in-flight requests and jobs, close the database) within a bound.
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { buildApp } from '#server/app.ts';
import type { Config } from '#server/config.ts';
import { type Database, openDatabase } from '#server/platform/db/database.ts';
import { runMigrations } from '#server/platform/db/migrate.ts';
import { registerHousekeeping } from '#server/platform/jobs/housekeeping.jobs.ts';
import { createJobQueue, type JobQueue } from '#server/platform/jobs/queue.ts';

export interface RunningServer {
  app: FastifyInstance;
  db: Database;
  jobs: JobQueue;
  url: string;
  shutdown(reason: string): Promise<void>;
}

export async function startServer(
  config: Config,
  logger: Logger,
  options: { webRoot?: string } = {},
): Promise<RunningServer> {
  const t0 = performance.now();
  if (config.masterKeySource === 'generated') {
    logger.warn(
      { file: `${config.dataDir}/master.key` },
      'APP_MASTER_KEY is not set: generated one and stored it in DATA_DIR. Back it up with the data; set APP_MASTER_KEY in production.',
    );
  }
  const db = await openDatabase(config.database);
  try {
    const applied = await runMigrations(db);
    if (applied > 0) logger.info({ applied }, 'database migrations applied');
    const jobs = createJobQueue({
      db,
      logger: logger.child({ component: 'jobs' }),
      pollIntervalMs: config.jobs.pollIntervalMs,
      concurrency: config.jobs.concurrency,
    });
    await registerHousekeeping(jobs, db);
    const app = await buildApp({ config, db, jobs, logger, ...(options.webRoot ? { webRoot: options.webRoot } : {}) });
    const address = await app.listen({ port: config.port, host: config.host });
    jobs.start();
    logger.info(
      { url: address, database: db.kind, startupMs: Math.round(performance.now() - t0) },
      `Albedo is ready at ${config.publicUrl}`,
    );
    return {
      app,
      db,
      jobs,
      url: address,
      shutdown: createShutdown({ app, jobs, db, logger, timeoutMs: config.shutdownTimeoutMs }),
    };
  } catch (err) {
    await db.close().catch(() => {});
    throw err;
  }
}

export function createShutdown(parts: {
  app: FastifyInstance;
  jobs: JobQueue;
  db: Database;
  logger: Logger;
  timeoutMs: number;
}): (reason: string) => Promise<void> {
  let closing: Promise<void> | undefined;
  return (reason) => {
    closing ??= (async () => {
      const { app, jobs, db, logger, timeoutMs } = parts;
      const started = Date.now();
      logger.info({ reason }, 'shutting down: no new requests; finishing in-flight work');
      // Stop accepting and wait for in-flight requests; idle keep-alive sockets are closed at once.
      await app.close();
      // Jobs get what is left of the budget, keeping a second for closing the database.
      await jobs.stop(Math.max(0, timeoutMs - (Date.now() - started) - 1000));
      await db.close();
      logger.info({ ms: Date.now() - started }, 'shutdown complete');
    })();
    return closing;
  };
}
