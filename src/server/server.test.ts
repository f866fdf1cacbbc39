import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '#test/support/app.ts';
import { createShutdown } from './server.ts';

let t: TestApp;
let base: string;
let releaseSlow!: () => void;
let slowStarted!: () => void;
const slowHasStarted = new Promise<void>((r) => {
  slowStarted = r;
});

beforeAll(async () => {
  t = await createTestApp({ startJobs: true });
  t.app.get('/api/v1/_test/slow', async () => {
    slowStarted();
    await new Promise<void>((r) => {
      releaseSlow = r;
    });
    return { finished: true };
  });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
});
afterAll(() => t.close());

describe('graceful shutdown', () => {
  it('finishes in-flight requests, refuses new connections, stops jobs and closes the database', async () => {
    const inFlight = fetch(`${base}/api/v1/_test/slow`);
    await slowHasStarted;
    const shutdown = createShutdown({
      app: t.app,
      jobs: t.jobs,
      db: t.db,
      logger: t.app.log as never,
      timeoutMs: 10_000,
    });
    const done = shutdown('SIGTERM');
    // Shutdown waits for the request in flight.
    await new Promise((r) => setTimeout(r, 100));
    releaseSlow();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ finished: true });
    await done;
    await expect(fetch(`${base}/health`)).rejects.toThrow();
    expect(t.jobs.status().running).toBe(false);
    await expect(t.db.query('select 1')).rejects.toThrow();
    // Calling it twice is harmless (SIGTERM then SIGINT).
    await expect(shutdown('SIGINT')).resolves.toBeUndefined();
  });
});
