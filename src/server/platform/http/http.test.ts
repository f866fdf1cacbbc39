import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Conflict } from '#server/platform/errors.ts';
import { projectRoot } from '#server/platform/paths.ts';
import { createTestApp, type TestApp } from '#test/support/app.ts';

let t: TestApp;
const webRoot = mkdtempSync(path.join(tmpdir(), 'albedo-web-'));
writeFileSync(path.join(webRoot, 'index.html'), '<!doctype html><title>Albedo test shell</title><div id="root"></div>');
mkdirSync(path.join(webRoot, 'assets'));
writeFileSync(path.join(webRoot, 'assets', 'app-abc123.js'), 'console.log("albedo")');
writeFileSync(path.join(webRoot, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');

beforeAll(async () => {
  t = await createTestApp({ env: { CORS_ORIGINS: 'https://app.example.com', BODY_LIMIT_BYTES: '2048' }, webRoot });
  // Routes that exercise the platform's handlers, added before the app is ready.
  const r = t.app.withTypeProvider<ZodTypeProvider>();
  r.post(
    '/api/v1/_test/people',
    {
      schema: {
        body: z.object({ email: z.email(), age: z.number().int().min(0), name: z.string().min(1) }),
        querystring: z.object({ dryRun: z.enum(['true', 'false']).optional() }),
        response: { 201: z.object({ data: z.object({ email: z.string() }) }) },
      },
    },
    async (request, reply) => reply.status(201).send({ data: { email: request.body.email } }),
  );
  r.get('/api/v1/_test/conflict', async () => {
    throw new Conflict('The record changed since you loaded it', { current: { version: 3 } });
  });
  r.get('/api/v1/_test/crash', async () => {
    throw new Error('select password_hash from users where id = 1 -- internal detail');
  });
  r.get('/api/v1/_test/cookie', async (request) => ({ got: request.cookies.theme ?? null }));
  r.post('/api/v1/_test/log', async (request) => {
    request.log.info({ body: request.body, headers: request.headers }, 'logging a secret-bearing object');
    return { ok: true };
  });
  await t.app.ready();
});
afterAll(() => t.close());

describe('request ids', () => {
  it('honours a sane incoming X-Request-Id and returns it', async () => {
    const res = await t.app.inject({ url: '/health', headers: { 'x-request-id': 'client-abc.123' } });
    expect(res.headers['x-request-id']).toBe('client-abc.123');
  });

  it('replaces an unsafe incoming id with its own', async () => {
    const res = await t.app.inject({ url: '/health', headers: { 'x-request-id': 'bad id\nwith newline' } });
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('puts the request id on every response, errors included, matching the body', async () => {
    const res = await t.app.inject({ url: '/api/v1/no-such-thing' });
    expect(res.statusCode).toBe(404);
    expect(res.json().requestId).toBe(res.headers['x-request-id']);
  });
});

describe('error envelope', () => {
  it('answers an unknown API route with a 404 envelope', async () => {
    const res = await t.app.inject({ method: 'DELETE', url: '/api/v1/nothing/here?x=1' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({
      error: { code: 'NOT_FOUND', message: 'No route for DELETE /api/v1/nothing/here' },
      requestId: expect.any(String),
    });
  });

  it('lists every invalid field of a request', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/_test/people',
      payload: { email: 'nope', age: -1 },
    });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.error.code).toBe('VALIDATION_ERROR');
    expect(body.error.message).toBe('3 fields are invalid');
    const fields = body.error.details.fields.map((f: { field: string }) => f.field).sort();
    expect(fields).toEqual(['body.age', 'body.email', 'body.name']);
    for (const f of body.error.details.fields) expect(f.message).toEqual(expect.any(String));
    // The query string is checked too, and named as such.
    const q = await t.app.inject({
      method: 'POST',
      url: '/api/v1/_test/people?dryRun=maybe',
      payload: { email: 'a@b.co', age: 1, name: 'Ada' },
    });
    expect(q.json().error).toMatchObject({
      code: 'VALIDATION_ERROR',
      details: { fields: [{ field: 'querystring.dryRun' }] },
    });
    expect(q.json().error.message).toMatch(/^querystring\.dryRun: /);
  });

  it('maps AppErrors to their status with details', async () => {
    const res = await t.app.inject({ url: '/api/v1/_test/conflict' });
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toEqual({
      code: 'CONFLICT',
      message: 'The record changed since you loaded it',
      details: { current: { version: 3 } },
    });
  });

  it('hides internals of an unexpected error and logs it with the request id', async () => {
    const res = await t.app.inject({ url: '/api/v1/_test/crash' });
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toMatch(/password_hash|select|stack|at /i);
    const { requestId } = res.json();
    expect(res.json().error.code).toBe('INTERNAL');
    expect(res.json().error.message).toContain(requestId);
    const logged = t.logs.find((l) => l.requestId === requestId && l.level === 'error');
    expect(JSON.stringify(logged)).toContain('password_hash');
  });

  it('rejects malformed JSON with 400 and an oversized body with 413', async () => {
    const bad = await t.app.inject({
      method: 'POST',
      url: '/api/v1/_test/people',
      headers: { 'content-type': 'application/json' },
      payload: '{"email": ',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('BAD_REQUEST');
    const big = await t.app.inject({
      method: 'POST',
      url: '/api/v1/_test/people',
      payload: { email: 'a@b.co', age: 1, name: 'x'.repeat(4096) },
    });
    expect(big.statusCode).toBe(413);
    expect(big.json().error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('rejects an unsupported content type with 415', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/_test/people',
      headers: { 'content-type': 'application/x-unknown' },
      payload: 'x',
    });
    expect(res.statusCode).toBe(415);
    expect(res.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });
});

describe('security headers, CORS and cookies', () => {
  it('sets helmet headers with a strict content security policy', async () => {
    const res = await t.app.inject({ url: '/health' });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  });

  it('gives API responses the API set: nothing may load or frame them', async () => {
    const res = await t.app.inject({ url: '/api/v1/openapi.json' });
    expect(res.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['cross-origin-opener-policy']).toBeUndefined();
    const missing = await t.app.inject({ url: '/api/v1/no-such-route' });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
  });

  it('allows only the configured origins', async () => {
    const ok = await t.app.inject({
      method: 'OPTIONS',
      url: '/api/v1/openapi.json',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'GET' },
    });
    expect(ok.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(ok.headers['access-control-allow-credentials']).toBe('true');
    const evil = await t.app.inject({ url: '/health', headers: { origin: 'https://evil.example.net' } });
    expect(evil.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('parses cookies', async () => {
    const res = await t.app.inject({ url: '/api/v1/_test/cookie', headers: { cookie: 'theme=dark; other=1' } });
    expect(res.json()).toEqual({ got: 'dark' });
  });
});

describe('logs', () => {
  it('redacts authorization headers, cookies, passwords and keys', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/_test/log',
      headers: { authorization: 'Bearer sekrit-token-value', cookie: 'refresh=sekrit-cookie-value' },
      payload: {
        password: 'sekrit-password-value',
        apiKey: 'sekrit-api-key',
        nested: { token: 'sekrit-nested' },
        name: 'visible',
      },
    });
    expect(res.statusCode).toBe(200);
    const line = t.logs.find((l) => l.msg === 'logging a secret-bearing object');
    const text = JSON.stringify(line);
    expect(text).toContain('visible');
    expect(text).toContain('[Redacted]');
    expect(text).not.toMatch(/sekrit/);
  });

  it('writes one line per request, labelled with the request id', async () => {
    const res = await t.app.inject({ url: '/api/v1/_test/cookie', headers: { 'x-request-id': 'trace-me-1' } });
    expect(res.statusCode).toBe(200);
    const lines = t.logs.filter((l) => l.requestId === 'trace-me-1');
    expect(lines).toEqual([
      expect.objectContaining({
        msg: 'request completed',
        req: expect.objectContaining({ method: 'GET', url: '/api/v1/_test/cookie' }),
        res: { statusCode: 200 },
      }),
    ]);
  });

  it('does not log successful health probes, but does log failing ones', async () => {
    await t.app.inject({ url: '/health', headers: { 'x-request-id': 'probe-1' } });
    expect(t.logs.filter((l) => l.requestId === 'probe-1')).toEqual([]);
    // This app's job queue is not started, so readiness fails, and that is worth a line.
    const failing = await t.app.inject({ url: '/health/ready', headers: { 'x-request-id': 'probe-2' } });
    expect(failing.statusCode).toBe(503);
    expect(t.logs.filter((l) => l.requestId === 'probe-2')).toEqual([
      expect.objectContaining({ res: { statusCode: 503 } }),
    ]);
  });
});

describe('OpenAPI and docs', () => {
  it('serves an OpenAPI 3.1 document that passes a validator', async () => {
    const res = await t.app.inject({ url: '/api/v1/openapi.json' });
    expect(res.statusCode).toBe(200);
    const spec = res.json();
    expect(spec.openapi).toBe('3.1.0');
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/health', '/health/ready', '/metrics']));
    const validator = new Validator();
    const result = await validator.validate(spec);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('documents real bodies and error answers: a client generated by openapi-typescript types a contact create', async () => {
    const spec = (await t.app.inject({ url: '/api/v1/openapi.json' })).json();
    const create = spec.paths['/api/v1/contacts'].post;
    expect(create.requestBody.content['application/json'].schema).toEqual({
      $ref: '#/components/schemas/ContactCreateInput',
    });
    expect(spec.components.schemas.ContactCreateInput.required).toEqual(['firstName']);
    expect(Object.keys(spec.components.schemas.ContactUpdateInput.properties)).toContain('version');
    for (const status of ['400', '401', '403', '404', '409', '429']) {
      expect(create.responses[status].content['application/json'].schema, status).toEqual({
        $ref: '#/components/schemas/Error',
      });
    }
    // openapi-typescript (with its own TypeScript 5, test/tools) writes the client types; tsc
    // checks code that uses them: a good create compiles, a bad one must not.
    const dir = mkdtempSync(path.join(tmpdir(), 'albedo-openapi-'));
    writeFileSync(path.join(dir, 'openapi.json'), JSON.stringify(spec));
    const tool = path.join(projectRoot, 'test/tools/openapi-typescript/node_modules/.bin');
    execFileSync(
      path.join(tool, 'openapi-typescript'),
      [path.join(dir, 'openapi.json'), '-o', path.join(dir, 'api.d.ts')],
      {
        stdio: 'pipe',
      },
    );
    writeFileSync(
      path.join(dir, 'client.ts'),
      [
        "import type { components, paths } from './api';",
        "type ContactCreate = paths['/api/v1/contacts']['post']['requestBody']['content']['application/json'];",
        "type Failure = paths['/api/v1/contacts']['post']['responses'][400]['content']['application/json'];",
        "type Contact = components['schemas']['Contact'];",
        "export const ok: ContactCreate = { firstName: 'Ada', email: 'ada@example.com', phones: ['+44 20 7946 0000'], tags: ['vip'] };",
        '// @ts-expect-error firstName is required',
        "export const missing: ContactCreate = { email: 'ada@example.com' };",
        '// @ts-expect-error there is no such field',
        "export const unknown: ContactCreate = { firstName: 'Ada', colour: 'red' };",
        '// @ts-expect-error phones is a list',
        "export const wrongType: ContactCreate = { firstName: 'Ada', phones: '+44' };",
        "export const failure: Failure = { error: { code: 'VALIDATION_ERROR', message: 'x' }, requestId: 'r' };",
        'export const name = (c: Contact): string | undefined => c.firstName;',
      ].join('\n'),
    );
    const tsc = spawnSync(
      path.join(tool, 'tsc'),
      [
        '--noEmit',
        '--strict',
        '--skipLibCheck',
        '--target',
        'es2022',
        '--module',
        'esnext',
        path.join(dir, 'client.ts'),
      ],
      { encoding: 'utf8' },
    );
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  });

  it('serves the browsable docs at /docs', async () => {
    const res = await t.app.inject({ url: '/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.body).toContain('swagger');
  });
});

describe('web app and SPA fallback', () => {
  it('serves index.html at / and for client routes', async () => {
    for (const url of ['/', '/contacts/123', '/settings/profile?tab=1']) {
      const res = await t.app.inject({ url, headers: { accept: 'text/html,application/xhtml+xml' } });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('Albedo test shell');
      expect(res.headers['cache-control']).toBe('no-cache');
    }
  });

  it('leaves API, docs and operations paths alone', async () => {
    for (const url of ['/api/v1/nothing-here', '/health/nope', '/docs/nope.js', '/metrics/x']) {
      const res = await t.app.inject({ url, headers: { accept: 'text/html' } });
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('NOT_FOUND');
    }
  });

  it('serves hashed assets as immutable and other files as revalidated', async () => {
    const asset = await t.app.inject({ url: '/assets/app-abc123.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.body).toBe('console.log("albedo")');
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const icon = await t.app.inject({ url: '/favicon.svg' });
    expect(icon.statusCode).toBe(200);
    expect(icon.headers['cache-control']).toBe('no-cache');
  });

  it('answers a missing asset with 404, not the app', async () => {
    const res = await t.app.inject({ url: '/assets/gone-1234.js', headers: { accept: '*/*' } });
    expect(res.statusCode).toBe(404);
  });
});

describe('metrics', () => {
  it('exposes request counts and latency by route pattern and status, process and job metrics', async () => {
    await t.app.inject({ url: '/health' });
    await t.app.inject({ url: '/api/v1/_test/conflict' });
    const res = await t.app.inject({ url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toMatch(/http_requests_total\{method="GET",route="\/health",status="200"\} \d+/);
    expect(res.body).toMatch(/http_requests_total\{method="GET",route="\/api\/v1\/_test\/conflict",status="409"\} \d+/);
    expect(res.body).toMatch(
      /http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/health",status="200"\}/,
    );
    expect(res.body).toContain('process_resident_memory_bytes');
    expect(res.body).toContain('albedo_jobs_active');
  });
});
