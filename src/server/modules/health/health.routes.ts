// Operations endpoints outside /api/v1: liveness, readiness (database, migrations, job queue), metrics.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import type { Database } from '#server/platform/db/database.ts';
import type { JobQueue } from '#server/platform/jobs/queue.ts';

interface Deps {
  db: Database;
  jobs: JobQueue;
  metrics: Registry;
  version: string;
  expectedMigrations: number;
}

const check = z.object({ ok: z.boolean(), detail: z.string().optional() });
const readiness = z.object({
  status: z.enum(['ready', 'not_ready']),
  failing: z.array(z.string()),
  checks: z.object({ database: check, migrations: check, jobs: check }),
});

export function healthRoutes(app: FastifyInstance, deps: Deps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const startedAt = Date.now();

  r.get(
    '/health',
    {
      schema: {
        tags: ['operations'],
        summary: 'Liveness: the process is up and serving',
        response: { 200: z.object({ status: z.literal('ok'), version: z.string(), uptimeSeconds: z.number() }) },
      },
    },
    async () => ({
      status: 'ok' as const,
      version: deps.version,
      uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
    }),
  );

  r.get(
    '/health/ready',
    {
      schema: {
        tags: ['operations'],
        summary: 'Readiness: database round trip, migrations current, job queue running',
        description: 'Answers 503 naming the failing checks when the instance should not take traffic.',
        response: { 200: readiness, 503: readiness },
      },
    },
    async (_request, reply) => {
      const checks: z.infer<typeof readiness>['checks'] = {
        database: { ok: true },
        migrations: { ok: true },
        jobs: { ok: true },
      };
      // One round trip answers both the database and the migrations check.
      try {
        const rows = await deps.db.query<{ n: number }>('select count(*)::int as n from drizzle.__drizzle_migrations');
        const applied = rows[0]?.n ?? 0;
        if (applied !== deps.expectedMigrations) {
          checks.migrations = { ok: false, detail: `${applied} of ${deps.expectedMigrations} migrations applied` };
        }
      } catch (err) {
        checks.database = { ok: false, detail: (err as Error).message };
        checks.migrations = { ok: false, detail: 'unknown: database unreachable' };
      }
      const q = deps.jobs.status();
      const staleAfterMs = deps.jobs.pollIntervalMs * 3 + 5000;
      if (!q.running) checks.jobs = { ok: false, detail: 'job queue is not running' };
      else if (q.lastPollError) checks.jobs = { ok: false, detail: `last poll failed: ${q.lastPollError}` };
      else if (q.lastPollAt && Date.now() - q.lastPollAt.getTime() > staleAfterMs) {
        checks.jobs = {
          ok: false,
          detail: `no poll for ${Math.round((Date.now() - q.lastPollAt.getTime()) / 1000)} s`,
        };
      }
      const failing = Object.entries(checks)
        .filter(([, c]) => !c.ok)
        .map(([name]) => name);
      return reply
        .status(failing.length ? 503 : 200)
        .send({ status: failing.length ? 'not_ready' : 'ready', failing, checks });
    },
  );

  app.get(
    '/metrics',
    { schema: { tags: ['operations'], summary: 'Prometheus metrics (text exposition format)' } },
    async (_request, reply) => {
      const body = await deps.metrics.metrics();
      return reply.type(deps.metrics.contentType).send(body);
    },
  );
}
