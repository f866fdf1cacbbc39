// HTTP for sharing one kind of record: /api/v1/<resource>/:id/shares. Registered by each module
// that makes its records shareable, through app.shareable(kind).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SHARE_ACCESS } from '#server/db/schema/access.ts';
import type { SharesService } from '#server/platform/access/shares.ts';
import { actorOf, type Guards, protectedRoutes } from '#server/platform/http/authenticate.ts';

const share = z.object({
  id: z.uuid(),
  granteeType: z.enum(['user', 'team']),
  granteeId: z.uuid(),
  access: z.enum(SHARE_ACCESS),
  expiresAt: z.date().nullable(),
  createdAt: z.date(),
});

export async function shareRoutes(
  app: FastifyInstance,
  deps: { shares: SharesService; guards: Guards },
  resource: string,
): Promise<void> {
  const { shares } = deps;
  const id = z.object({ id: z.uuid({ message: 'must be an id' }) });
  await protectedRoutes(app, deps.guards, (scope) => {
    const p = scope.withTypeProvider<ZodTypeProvider>();
    p.get(
      `/api/v1/${resource}/:id/shares`,
      {
        schema: {
          tags: ['sharing'],
          summary: `Who a record of ${resource} is shared with`,
          params: id,
          response: { 200: z.object({ data: z.array(share) }) },
        },
      },
      async (request) => ({ data: await shares.list(actorOf(request), resource, request.params.id) }),
    );
    p.post(
      `/api/v1/${resource}/:id/shares`,
      {
        schema: {
          tags: ['sharing'],
          summary: `Share a record of ${resource} with a member or a team (read, read_write or full; optional expiry)`,
          params: id,
          body: z.object({
            granteeType: z.enum(['user', 'team']),
            granteeId: z.uuid(),
            access: z.enum(SHARE_ACCESS),
            expiresAt: z.coerce.date().nullable().optional(),
          }),
          response: { 201: z.object({ data: share }) },
        },
      },
      async (request, reply) =>
        reply
          .status(201)
          .send({ data: await shares.share(actorOf(request), resource, request.params.id, request.body) }),
    );
    p.delete(
      `/api/v1/${resource}/:id/shares/:shareId`,
      {
        schema: {
          tags: ['sharing'],
          summary: 'Stop sharing',
          params: z.object({ id: z.uuid(), shareId: z.uuid() }),
          response: { 204: z.null() },
        },
      },
      async (request, reply) => {
        await shares.unshare(actorOf(request), resource, request.params.id, request.params.shareId);
        return reply.status(204).send(null);
      },
    );
  });
}
