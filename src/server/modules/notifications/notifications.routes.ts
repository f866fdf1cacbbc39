// HTTP and WebSocket for notifications: the list with the unread count, marking read, the
// preferences per kind and channel, and `GET /ws`, which pushes new ones live.
import type { WebsocketHandler } from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf, type Guards, protectedRoutes, requestContext } from '#server/platform/http/authenticate.ts';
import type { RealtimeHub } from '#server/platform/realtime/hub.ts';
import { NOTIFICATION_KINDS, type NotificationsService } from './notifications.service.ts';

const out = z.object({
  id: z.uuid(),
  kind: z.string(),
  title: z.string(),
  body: z.string().nullable(),
  link: z.string().nullable(),
  dueAt: z.date().nullable(),
  late: z.boolean(),
  readAt: z.date().nullable(),
  createdAt: z.date(),
});
const preference = z.object({ kind: z.enum(NOTIFICATION_KINDS), inApp: z.boolean(), email: z.boolean() });

export async function notificationsRoutes(
  app: FastifyInstance,
  deps: { notifications: NotificationsService; hub: RealtimeHub; guards: Guards },
) {
  const { notifications } = deps;
  await protectedRoutes(app, deps.guards, (scope) => {
    const p = scope.withTypeProvider<ZodTypeProvider>();
    const tags = ['notifications'];
    p.get(
      '/api/v1/notifications',
      {
        schema: {
          tags,
          summary: 'My notifications, newest first, with the unread count',
          querystring: z.object({
            unread: z.enum(['true', 'false']).optional(),
            limit: z.coerce.number().int().min(1).max(200).optional(),
          }),
          response: { 200: z.object({ data: z.array(out), unread: z.number() }) },
        },
      },
      async (request) =>
        notifications.list(actorOf(request), { unread: request.query.unread === 'true', limit: request.query.limit }),
    );
    p.post(
      '/api/v1/notifications/read',
      {
        schema: {
          tags,
          summary: 'Mark notifications read (by id, or all)',
          body: z.strictObject({ ids: z.array(z.uuid()).max(500).optional(), all: z.boolean().optional() }),
          response: { 200: z.object({ unread: z.number() }) },
        },
      },
      async (request) => notifications.markRead(actorOf(request), request.body),
    );
    p.get(
      '/api/v1/notifications/preferences',
      {
        schema: {
          tags,
          summary: 'Channels per kind of notification',
          response: { 200: z.object({ data: z.array(preference) }) },
        },
      },
      async (request) => ({ data: await notifications.preferences(actorOf(request)) }),
    );
    p.put(
      '/api/v1/notifications/preferences',
      {
        schema: {
          tags,
          summary: 'Set the channels for one kind of notification',
          body: preference.strict(),
          response: { 200: z.object({ data: z.array(preference) }) },
        },
      },
      async (request) => ({ data: await notifications.setPreference(actorOf(request), request.body) }),
    );
  });

  // Browsers cannot send headers on a WebSocket: the first frame carries the access token.
  // At /api/v1/ws with the rest of the API (docs/api.md); /ws, its first address, keeps working.
  const live: WebsocketHandler = (socket, request) => {
    let unsubscribe: (() => void) | null = null;
    const send = (value: unknown) => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(value));
    };
    socket.on('close', () => unsubscribe?.());
    socket.on('message', async (raw: Buffer) => {
      let frame: { type?: string; token?: string };
      try {
        frame = JSON.parse(raw.toString('utf8'));
      } catch {
        return send({ type: 'error', error: { code: 'VALIDATION_ERROR', message: 'send JSON frames' } });
      }
      if (frame.type !== 'auth' || typeof frame.token !== 'string') {
        return send({
          type: 'error',
          error: { code: 'VALIDATION_ERROR', message: 'the first frame is {"type":"auth","token":"…"}' },
        });
      }
      if (unsubscribe) return;
      const actor = await deps.guards.authenticator.authenticate(frame.token, requestContext(request));
      if (!actor?.userId) {
        send({ type: 'error', error: { code: 'UNAUTHORIZED', message: 'Your access token is invalid or expired.' } });
        return socket.close(4401, 'unauthorized');
      }
      unsubscribe = deps.hub.subscribe(actor.workspaceId, actor.userId, (m) =>
        send({ type: m.type, ...(m.payload as object) }),
      );
      const { unread } = await notifications.list(actor, { limit: 1 });
      send({ type: 'ready', unread });
    });
  };
  for (const url of ['/api/v1/ws', '/ws']) app.get(url, { websocket: true, schema: { hide: true } }, live);
}
