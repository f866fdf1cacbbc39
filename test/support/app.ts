// Builds the real app on a fresh test database, with logs captured for assertions.
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '#server/app.ts';
import { type Config, loadConfig } from '#server/config.ts';
import { createJobQueue, type JobQueue } from '#server/platform/jobs/queue.ts';
import { createLogger } from '#server/platform/observability/logger.ts';
import type { RateLimiter } from '#server/platform/rate-limit.ts';
import { createTestDatabase, type TestDatabase } from './db.ts';

export const TEST_MASTER_KEY = Buffer.alloc(32, 7).toString('base64');

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig(
    {
      APP_MASTER_KEY: TEST_MASTER_KEY,
      LOG_LEVEL: 'info',
      NODE_ENV: 'test',
      // Suites sign in many times from one address; rate-limit tests set their own limits.
      RATE_LIMIT_AUTH_PER_MINUTE: '100000',
      RATE_LIMIT_USER_PER_MINUTE: '100000',
      RATE_LIMIT_WORKSPACE_PER_MINUTE: '100000',
      RATE_LIMIT_ASSISTANT_PER_MINUTE: '100000',
      ...env,
    },
    process.cwd(),
  );
}

export interface TestApp {
  app: FastifyInstance;
  db: TestDatabase;
  jobs: JobQueue;
  config: Config;
  /** Every log line the app wrote, parsed. */
  logs: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

export async function createTestApp(
  options: {
    env?: Record<string, string>;
    webRoot?: string;
    startJobs?: boolean;
    db?: TestDatabase;
    clock?: () => Date;
    rateLimiter?: RateLimiter;
    /** The job queue keeps the test clock too (jobs due "later" run when the clock gets there). */
    jobsFollowClock?: boolean;
  } = {},
): Promise<TestApp> {
  const config = testConfig(options.env);
  const db = options.db ?? (await createTestDatabase());
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) if (line.trim()) logs.push(JSON.parse(line));
      done();
    },
  });
  const logger = createLogger(config.logLevel, sink);
  const jobs = createJobQueue({
    db,
    logger,
    pollIntervalMs: 50,
    ...(options.jobsFollowClock && options.clock ? { clock: options.clock } : {}),
  });
  const app = await buildApp({
    config,
    db,
    jobs,
    logger,
    webRoot: options.webRoot ?? '/nonexistent-web-root',
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.rateLimiter ? { rateLimiter: options.rateLimiter } : {}),
  });
  if (options.startJobs) jobs.start();
  return {
    app,
    db,
    jobs,
    config,
    logs,
    async close() {
      await app.close();
      await jobs.stop(1000);
      if (!options.db) await db.dispose();
    },
  };
}
