import Fastify from 'fastify';
import { serializerCompiler as zodSerializerCompiler } from 'fastify-type-provider-zod';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { serializerCompiler } from './serializer.ts';

const record = z.object({
  id: z.string(),
  name: z.string().nullable(),
  score: z.number().nullable(),
  createdAt: z.date(),
  dueAt: z.date().nullable(),
  tags: z.array(z.string()),
  address: z.object({ city: z.string().optional(), country: z.string().optional() }).nullable(),
  custom: z.record(z.string(), z.unknown()),
  status: z.enum(['open', 'done']),
});
const response = z.object({
  data: z.array(record),
  page: z.object({ nextCursor: z.string().nullable(), hasMore: z.boolean(), total: z.number().optional() }),
});

const rows = [
  {
    id: 'a',
    name: 'Anna "Ann" <b>',
    score: 7,
    createdAt: new Date('2026-12-03T08:00:00.123Z'),
    dueAt: null,
    tags: ['vip', 'ąę'],
    address: { city: 'Kraków', country: 'PL', secret: 'not declared' },
    custom: { budget: 12.5, nested: { a: [1, null] }, flag: true },
    status: 'open',
    passwordHash: 'must never be sent',
  },
  {
    id: 'b',
    name: null,
    score: null,
    createdAt: new Date('2026-01-01T00:00:00.000Z'),
    dueAt: new Date('2026-02-01T10:30:00.000Z'),
    tags: [],
    address: null,
    custom: {},
    status: 'done',
  },
];

async function serialize(compiler: typeof serializerCompiler, data: unknown): Promise<string> {
  const app = Fastify();
  app.setSerializerCompiler(compiler);
  app.get('/x', { schema: { response: { 200: response } } }, async () => data);
  const res = await app.inject({ url: '/x' });
  await app.close();
  return res.body;
}

describe('response serializer', () => {
  it('writes what the Zod serializer wrote: declared fields only, ISO dates, nulls, free-form custom fields', async () => {
    const data = { data: rows, page: { nextCursor: null, hasMore: false, extra: 1 } };
    const fast = await serialize(serializerCompiler, data);
    expect(JSON.parse(fast)).toEqual(JSON.parse(await serialize(zodSerializerCompiler, data)));
    expect(fast).not.toContain('passwordHash');
    expect(fast).not.toContain('not declared');
    const parsed = JSON.parse(fast);
    expect(parsed.data[0].createdAt).toBe('2026-12-03T08:00:00.123Z');
    expect(parsed.data[0].custom).toEqual({ budget: 12.5, nested: { a: [1, null] }, flag: true });
    expect(parsed.data[1]).toMatchObject({ name: null, score: null, address: null, dueAt: '2026-02-01T10:30:00.000Z' });
    expect(parsed.page).toEqual({ nextCursor: null, hasMore: false });
  });

  it('refuses a response missing a required field instead of sending a partial record', async () => {
    const app = Fastify();
    app.setSerializerCompiler(serializerCompiler);
    app.get('/x', { schema: { response: { 200: response } } }, async () => ({ data: [{ id: 'a' }], page: {} }));
    const res = await app.inject({ url: '/x' });
    await app.close();
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('"id":"a"');
  });
});
