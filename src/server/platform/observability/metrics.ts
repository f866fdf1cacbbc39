// Prometheus metrics: HTTP count and latency by route and status, process metrics, job counts.
// One registry per app instance, so tests can build many apps in one process.
import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { JobQueue } from '#server/platform/jobs/queue.ts';

export function registerMetrics(app: FastifyInstance, jobs: JobQueue): Registry {
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
