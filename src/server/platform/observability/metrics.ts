// Prometheus metrics: HTTP count and latency by route and status, process metrics, the job queue
// by state, database connections, and model calls (tokens, cost). One registry per app instance,
// so tests can build many apps in one process.
import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { JOB_STATUSES } from '#server/db/schema/jobs.ts';
import type { Database } from '#server/platform/db/database.ts';
import type { JobQueue } from '#server/platform/jobs/queue.ts';

/** Running totals of this process's model calls for one provider and model. */
export interface UsageTotals {
  provider: string;
  model: string;
  calls: number;
  failures: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

/** Model calls this process made, as the usage service counts them. */
export interface ModelUsageSource {
  totals(): UsageTotals[];
}

export function registerMetrics(
  app: FastifyInstance,
  deps: { jobs: JobQueue; db: Database; usage: ModelUsageSource },
): Registry {
  const { jobs, db, usage } = deps;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  new Gauge({
    name: 'albedo_jobs',
    help: 'Jobs in the queue by job name and status',
    labelNames: ['name', 'status'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const row of await jobs.counts()) this.set({ name: row.name, status: row.status }, row.count);
    },
  });
  new Gauge({
    name: 'albedo_jobs_by_state',
    help: 'Jobs in the queue by state (queued, running, succeeded, failed, …), all job names together',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      // Every state, 0 included: a dashboard's "queued" line exists before the first job does.
      const byState = new Map<string, number>(JOB_STATUSES.map((status) => [status, 0]));
      for (const row of await jobs.counts()) byState.set(row.status, (byState.get(row.status) ?? 0) + row.count);
      for (const [status, count] of byState) this.set({ status }, count);
    },
  });
  new Gauge({
    name: 'albedo_db_connections',
    help: 'Database connections of this instance: open, idle, callers waiting for one, and the pool maximum',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const s = db.poolStats();
      this.set({ state: 'open' }, s.total);
      this.set({ state: 'idle' }, s.idle);
      this.set({ state: 'waiting' }, s.waiting);
      this.set({ state: 'max' }, s.max);
    },
  });
  const perModel = (name: string, help: string, value: (t: UsageTotals) => number[]) =>
    new Counter({
      name,
      help,
      labelNames: ['provider', 'model', 'kind'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const t of usage.totals()) {
          const [a = 0, b] = value(t);
          if (b === undefined) this.inc({ provider: t.provider, model: t.model }, a);
          else {
            this.inc({ provider: t.provider, model: t.model, kind: 'input' }, a);
            this.inc({ provider: t.provider, model: t.model, kind: 'output' }, b);
          }
        }
      },
    });
  perModel('albedo_ai_tokens_total', 'Model tokens used by this instance, input and output', (t) => [
    t.inputTokens,
    t.outputTokens,
  ]);
  perModel('albedo_ai_cost_usd_total', "Estimated model cost in USD of this instance's calls", (t) => [t.costUsd]);
  perModel('albedo_ai_calls_total', 'Model calls made by this instance (failed ones too)', (t) => [t.calls]);
  perModel('albedo_ai_call_failures_total', 'Model calls that failed', (t) => [t.failures]);
  new Gauge({
    name: 'albedo_jobs_active',
    help: 'Jobs running in this process now',
    registers: [registry],
    collect() {
      this.set(jobs.status().activeJobs);
    },
  });

  // Label children are cached per (method, route, status): resolving labels on every request
  // costs more than the observation itself.
  type Labels = 'method' | 'route' | 'status';
  const children = new Map<string, { count: Counter.Internal; latency: Histogram.Internal<Labels> }>();
  app.addHook('onResponse', (request, reply, done) => {
    // The route pattern, never the raw URL: ids in paths would explode the label set.
    const route = request.routeOptions.url ?? 'unmatched';
    const key = `${request.method} ${reply.statusCode} ${route}`;
    let child = children.get(key);
    if (!child) {
      const labels = { method: request.method, route, status: String(reply.statusCode) };
      child = { count: requests.labels(labels), latency: duration.labels(labels) };
      children.set(key, child);
    }
    child.count.inc();
    child.latency.observe(reply.elapsedTime / 1000);
    done();
  });

  return registry;
}
