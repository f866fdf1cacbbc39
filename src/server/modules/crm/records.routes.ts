// HTTP for every CRM object: /api/v1/<resource> lists, details, create, update (version or
// If-Match), delete, restore, and bulk. One set of routes per kind, all calling the record engine.
import type { FastifyInstance, FastifySchemaCompiler } from 'fastify';
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ValidationError } from '#server/platform/errors.ts';
import { actorOf, type Guards, protectedRoutes } from '#server/platform/http/authenticate.ts';
import { RECORD_KINDS } from './kinds.ts';
import { parseListQuery } from './query.ts';
import { BULK_LIMIT, RECORD_SCHEMAS, type RecordsService, recordOutputSchema } from './records.service.ts';

// A string body sent with this type goes out as it is, past the response serializer (typed as
// the schema's object by the type provider, hence the casts where one is sent).
const JSON_TYPE = 'application/json; charset=utf-8';
const id = z.object({ id: z.uuid({ message: 'must be an id' }) });
const listQuery = z.looseObject({
  limit: z.string().optional().describe('Rows per page, 1–200 (default 50)'),
  cursor: z.string().optional().describe('page.nextCursor of the previous page'),
  offset: z.string().optional().describe('Skip this many rows (cursor paging is faster and stable)'),
  page: z.string().optional().describe('1-based page number, with limit'),
  sort: z.string().optional().describe('Comma-separated fields, "-" for descending, e.g. -updatedAt,name'),
  q: z.string().max(200).optional().describe('Search names and emails (typo-tolerant)'),
  fields: z.string().optional().describe('Comma-separated fields to return'),
  count: z.enum(['true', 'false']).optional().describe('Also return page.total'),
  deleted: z.enum(['true', 'false']).optional().describe('List the trash instead'),
});
const pageOut = z.object({ nextCursor: z.string().nullable(), hasMore: z.boolean(), total: z.number().optional() });
const bulkError = z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() });
/**
 * Record bodies are documented with the kind's own create/update schema and validated by the
 * service with that same schema (for every channel, with its field-by-field errors). The route
 * checks only the envelope (`gate`: an object, or items with ids) and passes the values through
 * as sent; params and the query are checked here as on any route.
 */
function serviceValidatesBody(gate: z.ZodType): FastifySchemaCompiler<z.ZodType> {
  return (route) =>
    route.httpPart === 'body' ? validatorCompiler({ ...route, schema: gate }) : validatorCompiler(route);
}
const anObject = z.record(z.string(), z.unknown());
const createItems = z.object({ items: z.array(anObject).min(1).max(BULK_LIMIT) });
const updateItems = z.object({
  items: z
    .array(z.looseObject({ id: z.uuid({ message: 'must be an id' }) }))
    .min(1)
    .max(BULK_LIMIT),
});

/** `If-Match: "3"` or `If-Match: 3` → 3. */
function ifMatch(header: string | string[] | undefined): number | undefined {
  if (header === undefined) return undefined;
  const raw = String(Array.isArray(header) ? header[0] : header)
    .replace(/^W\//, '')
    .replace(/"/g, '')
    .trim();
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    throw new ValidationError([{ field: 'headers.if-match', message: 'must be the record version, e.g. "3"' }]);
  }
  return n;
}

export async function recordRoutes(
  app: FastifyInstance,
  deps: { records: RecordsService; guards: Guards },
): Promise<void> {
  const { records } = deps;
  await protectedRoutes(app, deps.guards, (scope) => {
    const p = scope.withTypeProvider<ZodTypeProvider>();
    for (const kind of RECORD_KINDS) {
      const base = `/api/v1/${kind.resource}`;
      const out = recordOutputSchema(kind);
      const { create, update } = RECORD_SCHEMAS.get(kind.resource) as { create: z.ZodObject; update: z.ZodObject };
      const tags = ['crm'];
      const bulkResult = z.array(
        z.object({ index: z.number(), ok: z.boolean(), data: out.optional(), error: bulkError.optional() }),
      );
      p.get(
        base,
        {
          schema: {
            tags,
            summary: `List ${kind.resource}`,
            description:
              'Filters: `filter[field]=a,b` (any of), `filter[field][gte]=…` (eq, ne, gt, gte, lt, lte, contains, empty), `filter[ownerId]=me`, `filter[tag]=x`, `filter[custom.key]=…`.',
            querystring: listQuery,
            response: { 200: z.object({ data: z.array(out), page: pageOut }) },
          },
        },
        // The body comes written (records.listJson); the schema above still documents it.
        async (request, reply) =>
          reply
            .type(JSON_TYPE)
            .send((await records.listJson(actorOf(request), kind.resource, parseListQuery(request.query))) as never),
      );
      p.post(
        base,
        {
          schema: {
            tags,
            summary: `Create a ${kind.singular}`,
            body: create,
            response: { 201: z.object({ data: out }) },
          },
          validatorCompiler: serviceValidatesBody(anObject) as never,
        },
        async (request, reply) =>
          reply.status(201).send({ data: await records.create(actorOf(request), kind.resource, request.body) }),
      );
      p.post(
        `${base}/bulk`,
        {
          schema: {
            tags,
            summary: `Create up to ${BULK_LIMIT} ${kind.resource}; a result per item`,
            body: z.object({ items: z.array(create).min(1).max(BULK_LIMIT) }),
            response: { 200: z.object({ data: bulkResult }) },
          },
          validatorCompiler: serviceValidatesBody(createItems) as never,
        },
        async (request) => ({ data: await records.bulkCreate(actorOf(request), kind.resource, request.body.items) }),
      );
      p.patch(
        `${base}/bulk`,
        {
          schema: {
            tags,
            summary: `Update up to ${BULK_LIMIT} ${kind.resource} (each item has its id); a result per item`,
            body: z.object({
              items: z
                .array(update.extend({ id: z.uuid({ message: 'must be an id' }) }))
                .min(1)
                .max(BULK_LIMIT),
            }),
            response: { 200: z.object({ data: bulkResult }) },
          },
          validatorCompiler: serviceValidatesBody(updateItems) as never,
        },
        async (request) => ({
          data: await records.bulkUpdate(
            actorOf(request),
            kind.resource,
            request.body.items as Array<{ id: string } & Record<string, unknown>>,
          ),
        }),
      );
      p.delete(
        `${base}/bulk`,
        {
          schema: {
            tags,
            summary: `Move up to ${BULK_LIMIT} ${kind.resource} to the trash; a result per item`,
            body: z.object({
              ids: z
                .array(z.uuid({ message: 'must be an id' }))
                .min(1)
                .max(BULK_LIMIT),
            }),
            response: { 200: z.object({ data: bulkResult }) },
          },
        },
        async (request) => ({ data: await records.bulkDelete(actorOf(request), kind.resource, request.body.ids) }),
      );
      p.get(
        `${base}/:id`,
        {
          schema: {
            tags,
            summary: `A ${kind.singular}, with related records when include=related`,
            params: id,
            querystring: z.object({ include: z.enum(['related']).optional() }),
            response: {
              200: z.object({
                data: out,
                related: z.record(z.string(), z.array(z.record(z.string(), z.unknown()))).optional(),
              }),
            },
          },
        },
        async (request, reply) => {
          const actor = actorOf(request);
          if (request.query.include === 'related') {
            return records.get(actor, kind.resource, request.params.id, { related: true });
          }
          return reply.type(JSON_TYPE).send((await records.getJson(actor, kind.resource, request.params.id)) as never);
        },
      );
      p.patch(
        `${base}/:id`,
        {
          schema: {
            tags,
            summary: `Change a ${kind.singular}; send its version (or If-Match) to get 409 on a stale write`,
            params: id,
            body: update,
            response: { 200: z.object({ data: out }) },
          },
          validatorCompiler: serviceValidatesBody(anObject) as never,
        },
        async (request) => ({
          data: await records.update(actorOf(request), kind.resource, request.params.id, request.body, {
            ifMatch: ifMatch(request.headers['if-match']),
          }),
        }),
      );
      p.delete(
        `${base}/:id`,
        {
          schema: {
            tags,
            summary: `Move a ${kind.singular} to the trash (restorable for 30 days)`,
            params: id,
            response: { 204: z.null() },
          },
        },
        async (request, reply) => {
          await records.remove(actorOf(request), kind.resource, request.params.id);
          return reply.status(204).send(null);
        },
      );
      p.post(
        `${base}/:id/restore`,
        {
          schema: {
            tags,
            summary: `Restore a ${kind.singular} from the trash`,
            params: id,
            response: { 200: z.object({ data: out }) },
          },
        },
        async (request) => ({ data: await records.restore(actorOf(request), kind.resource, request.params.id) }),
      );
    }
    p.get(
      '/api/v1/trash',
      {
        schema: {
          tags: ['crm'],
          summary: 'Deleted records you may restore, across objects, with their purge date',
          response: {
            200: z.object({
              data: z.array(
                z.object({
                  resource: z.string(),
                  id: z.uuid(),
                  title: z.string(),
                  deletedAt: z.date(),
                  purgeAt: z.date(),
                }),
              ),
            }),
          },
        },
      },
      async (request) => ({ data: await records.trash(actorOf(request)) }),
    );
  });
}
