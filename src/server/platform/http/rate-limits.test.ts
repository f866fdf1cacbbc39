import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryRateLimiter, createRedisRateLimiter } from '#server/platform/rate-limit.ts';
import { createTestApp, type TestApp } from '#test/support/app.ts';
import { manualClock } from '#test/support/clock.ts';

const PASSWORD = 'granite-meadow-kettle-77';
const clock = manualClock(new Date());
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({
    clock,
    rateLimiter: createMemoryRateLimiter(clock),
    env: { RATE_LIMIT_AUTH_PER_MINUTE: '3', RATE_LIMIT_USER_PER_MINUTE: '4', RATE_LIMIT_WORKSPACE_PER_MINUTE: '6' },
  });
});
afterAll(() => t.close());

const login = (ip: string) =>
  t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    remoteAddress: ip,
    payload: { email: 'x@example.com', password: 'whatever-password' },
  });

describe('rate limits', () => {
  it('limits sign-in endpoints per IP address, with Retry-After and X-RateLimit headers', async () => {
    const ip = '203.0.113.7';
    const first = await login(ip);
    expect(first.headers['x-ratelimit-limit']).toBe('3');
    expect(first.headers['x-ratelimit-remaining']).toBe('2');
    await login(ip);
    await login(ip);
    const blocked = await login(ip);
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().error.code).toBe('RATE_LIMITED');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(blocked.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(blocked.headers['x-ratelimit-remaining']).toBe('0');
    // Another address has its own budget; the window ends after a minute.
    expect((await login('203.0.113.8')).statusCode).toBe(401);
    clock.advance(60_001);
    expect((await login(ip)).statusCode).toBe(401);
  });

  it('limits API calls per user and per workspace', async () => {
    const signup = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      remoteAddress: '198.51.100.1',
      payload: { email: 'busy@example.com', password: PASSWORD, name: 'Busy', workspaceName: 'Busy Co' },
    });
    const { accessToken } = signup.json().data;
    const me = () => t.app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${accessToken}` } });
    for (let i = 0; i < 4; i++) expect((await me()).statusCode).toBe(200);
    const blocked = await me();
    expect(blocked.statusCode).toBe(429);
    expect(blocked.headers['retry-after']).toBeDefined();
    clock.advance(60_001);
    expect((await me()).statusCode).toBe(200);
  });
});

// Runs where Redis is available (CI's PostgreSQL pass sets REDIS_URL): the limit holds across instances.
describe.runIf(Boolean(process.env.REDIS_URL))('rate limits in Redis', () => {
  it('counts hits from two instances against one window', async () => {
    const prefix = `albedo-test:${randomUUID()}:`;
    const a = await createRedisRateLimiter(process.env.REDIS_URL as string, prefix);
    const b = await createRedisRateLimiter(process.env.REDIS_URL as string, prefix);
    try {
      const results = [];
      for (let i = 0; i < 3; i++) {
        results.push(await a.hit('k', 4, 60_000));
        results.push(await b.hit('k', 4, 60_000));
      }
      expect(results.map((r) => r.allowed)).toEqual([true, true, true, true, false, false]);
      expect(results[0]?.resetMs).toBeGreaterThan(59_000);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
