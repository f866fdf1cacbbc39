import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '#test/support/app.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ startJobs: true });
});
afterAll(() => t.close());

describe('health endpoints', () => {
  it('/health answers liveness with the version', async () => {
    const res = await t.app.inject({ url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      status: 'ok',
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      uptimeSeconds: expect.any(Number),
    });
  });

  it('/health/ready is ready when the database, migrations and job queue are', async () => {
    const res = await t.app.inject({ url: '/health/ready' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      status: 'ready',
      failing: [],
      checks: { database: { ok: true }, migrations: { ok: true }, jobs: { ok: true } },
    });
  });

  it('names the migrations check when the schema is behind', async () => {
    const [last] = await t.db.query<{ id: number; hash: string; created_at: string }>(
      'select id, hash, created_at from drizzle.__drizzle_migrations order by created_at desc limit 1',
    );
    await t.db.query('delete from drizzle.__drizzle_migrations where id = $1', [last?.id]);
    try {
      const res = await t.app.inject({ url: '/health/ready' });
      expect(res.statusCode).toBe(503);
      expect(res.json().failing).toEqual(['migrations']);
      expect(res.json().checks.migrations.detail).toMatch(/^\d+ of \d+ migrations applied$/);
    } finally {
      await t.db.query('insert into drizzle.__drizzle_migrations (id, hash, created_at) values ($1, $2, $3)', [
        last?.id,
        last?.hash,
        last?.created_at,
      ]);
    }
  });

  it('answers 503 naming the job queue when it is not running', async () => {
    await t.jobs.stop();
    const res = await t.app.inject({ url: '/health/ready' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({
      status: 'not_ready',
      failing: ['jobs'],
      checks: { jobs: { ok: false, detail: 'job queue is not running' } },
    });
    t.jobs.start();
  });

  it('answers 503 naming the database when it is gone', async () => {
    await t.jobs.stop();
    await t.db.close();
    const res = await t.app.inject({ url: '/health/ready' });
    expect(res.statusCode).toBe(503);
    expect(res.json().failing).toEqual(['database', 'migrations', 'jobs']);
  });
});
