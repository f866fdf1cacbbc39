// HTTP for workspace settings and ownership transfer.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf, type Guards, protectedRoutes } from '#server/platform/http/authenticate.ts';
import type { MembersService } from '../members/members.service.ts';
import type { WorkspacesService } from './workspaces.service.ts';

const workspace = z.object({
  id: z.uuid(),
  name: z.string(),
  requireMfa: z.boolean(),
  timezone: z.string(),
  currency: z.string(),
  locale: z.string(),
  maxUsers: z.number().int().nullable(),
  createdAt: z.date(),
});

export async function workspacesRoutes(
  app: FastifyInstance,
  deps: { workspaces: WorkspacesService; members: MembersService; guards: Guards },
): Promise<void> {
  await protectedRoutes(app, deps.guards, (scope) => {
    const p = scope.withTypeProvider<ZodTypeProvider>();
    p.get(
      '/api/v1/workspace',
      {
        config: { allowBeforeMfaSetup: true },
        schema: {
          tags: ['workspace'],
          summary: 'The current workspace',
          response: { 200: z.object({ data: workspace }) },
        },
      },
      async (request) => ({ data: await deps.workspaces.get(actorOf(request)) }),
    );
    p.patch(
      '/api/v1/workspace',
      {
        schema: {
          tags: ['workspace'],
          summary: 'Change workspace settings',
          body: z.object({
            name: z.string().trim().min(1).max(200).optional(),
            requireMfa: z.boolean().optional(),
            timezone: z.string().trim().min(1).max(64).optional(),
            currency: z.string().trim().toUpperCase().length(3).optional(),
            locale: z.string().trim().min(2).max(35).optional(),
            maxUsers: z.number().int().min(1).max(1_000_000).nullable().optional(),
          }),
          response: { 200: z.object({ data: workspace }) },
        },
      },
      async (request) => ({ data: await deps.workspaces.update(actorOf(request), request.body) }),
    );
    p.post(
      '/api/v1/workspace/transfer-ownership',
      {
        schema: {
          tags: ['workspace'],
          summary: 'Make another member the owner; you become an admin',
          body: z.object({ memberId: z.uuid() }),
          response: { 204: z.null() },
        },
      },
      async (request, reply) => {
        await deps.members.transferOwnership(actorOf(request), request.body.memberId);
        return reply.status(204).send(null);
      },
    );
  });
}
