// HTTP for the calendar: the range view, edits of recurring occurrences, the private ICS feed
// (its URL is the credential, so that one route is public), and .ics import is still to come.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AuthService } from '#server/modules/auth/auth.service.ts';
import { eventKind } from '#server/modules/crm/kinds.ts';
import { recordOutputSchema } from '#server/modules/crm/records.service.ts';
import { NotFound } from '#server/platform/errors.ts';
import { actorOf, type Guards, protectedRoutes } from '#server/platform/http/authenticate.ts';
import { readUpload } from '#server/platform/http/upload.ts';
import type { CalendarService } from './calendar.service.ts';

const item = z.object({
  id: z.string(),
  type: z.enum(['event', 'task']),
  eventId: z.string().optional(),
  taskId: z.string().optional(),
  title: z.string(),
  start: z.string(),
  end: z.string().nullable(),
  allDay: z.boolean(),
  location: z.string().nullable(),
  recurring: z.boolean(),
  occurrenceStart: z.string().optional(),
  seriesId: z.string().nullable().optional(),
  status: z.string().optional(),
  link: z.string(),
});
const occurrenceBody = z.object({
  occurrenceStart: z.string(),
  scope: z.enum(['this', 'following', 'all']),
  changes: z.record(z.string(), z.unknown()).optional(),
});

export async function calendarRoutes(
  app: FastifyInstance,
  deps: { calendar: CalendarService; auth: Pick<AuthService, 'actorFor'>; guards: Guards },
) {
  const { calendar } = deps;
  await protectedRoutes(app, deps.guards, (scope) => {
    const p = scope.withTypeProvider<ZodTypeProvider>();
    const tags = ['calendar'];
    p.get(
      '/api/v1/calendar',
      {
        // The schema documents the answer; a month view holds thousands of items, and checking
        // each against it again on the way out cost more than building them.
        serializerCompiler: () => (data) => JSON.stringify(data),
        schema: {
          tags,
          summary: 'Events (recurrences expanded) and tasks due in [from, to), times in the workspace time zone',
          querystring: z.object({ from: z.coerce.date(), to: z.coerce.date() }),
          response: { 200: z.object({ data: z.array(item), timezone: z.string() }) },
        },
      },
      async (request) => {
        const result = await calendar.range(actorOf(request), request.query);
        return { data: result.items, timezone: result.timezone };
      },
    );
    p.post(
      '/api/v1/events/:id/occurrences',
      {
        schema: {
          tags,
          summary: 'Change one occurrence of a recurring event, this and the following ones, or all',
          params: z.object({ id: z.uuid({ message: 'must be an id' }) }),
          body: occurrenceBody,
          response: { 200: z.object({ data: recordOutputSchema(eventKind) }) },
        },
      },
      async (request) => ({ data: await calendar.editOccurrence(actorOf(request), request.params.id, request.body) }),
    );
    p.delete(
      '/api/v1/events/:id/occurrences/:start',
      {
        schema: {
          tags,
          summary:
            'Cancel the occurrence starting at :start (ISO 8601) of a recurring event, this and the following ones, or all',
          params: z.object({ id: z.uuid({ message: 'must be an id' }), start: z.string().max(40) }),
          querystring: z.object({ scope: z.enum(['this', 'following', 'all']).default('this') }),
        },
      },
      async (request, reply) => {
        await calendar.deleteOccurrence(actorOf(request), request.params.id, {
          occurrenceStart: request.params.start,
          scope: request.query.scope,
        });
        return reply.status(204).send();
      },
    );
    p.post(
      '/api/v1/calendar/import',
      {
        schema: {
          tags,
          summary:
            'Import the events of an .ics file (multipart/form-data with `file`); events imported before (same UID) are updated. Sends no invitations.',
          consumes: ['multipart/form-data'],
          response: {
            200: z.object({
              data: z.object({
                created: z.number(),
                updated: z.number(),
                failed: z.array(z.object({ title: z.string(), message: z.string() })),
                events: z.array(z.object({ id: z.string(), title: z.string() })),
              }),
            }),
          },
        },
      },
      async (request) => {
        const { file } = await readUpload(request, 'the .ics file');
        return { data: await calendar.importIcs(actorOf(request), file.content) };
      },
    );
    p.get(
      '/api/v1/calendar/feed',
      {
        schema: {
          tags,
          summary: 'Whether your private ICS feed is on',
          response: { 200: z.object({ data: z.object({ active: z.boolean(), createdAt: z.date().nullable() }) }) },
        },
      },
      async (request) => ({ data: await calendar.feedStatus(actorOf(request)) }),
    );
    p.post(
      '/api/v1/calendar/feed',
      {
        schema: {
          tags,
          summary: 'A new private ICS subscription URL (shown once; the previous one stops working)',
          response: { 201: z.object({ data: z.object({ url: z.string(), createdAt: z.date() }) }) },
        },
      },
      async (request, reply) => reply.status(201).send({ data: await calendar.createFeed(actorOf(request)) }),
    );
    p.delete(
      '/api/v1/calendar/feed',
      { schema: { tags, summary: 'Turn the private ICS feed off' } },
      async (request, reply) => {
        await calendar.revokeFeed(actorOf(request));
        return reply.status(204).send();
      },
    );
  });

  // The feed's URL is its credential: calendar apps cannot send a token header.
  app.get(
    '/api/v1/calendar/feed/:file',
    { schema: { hide: true, params: z.object({ file: z.string().max(200) }) } },
    async (request, reply) => {
      const { file } = request.params as { file: string };
      const token = file.replace(/\.ics$/, '');
      const body = await calendar.feed(token, (who) => deps.auth.actorFor(who, 'api'));
      if (body === null) throw new NotFound('Calendar feed');
      return reply
        .header('content-type', 'text/calendar; charset=utf-8')
        .header('cache-control', 'private, max-age=300')
        .header('content-disposition', 'inline; filename="albedo.ics"')
        .send(body);
    },
  );
}
