// HTTP for members, invitations and the roles they can be given.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf, type Guards, protectedRoutes, requestContext } from '#server/platform/http/authenticate.ts';
import type { SignedIn } from '../auth/auth.service.ts';
import type { MembersService } from './members.service.ts';

const roleRef = z.object({ id: z.uuid(), key: z.string(), name: z.string() });
const member = z.object({
  id: z.uuid(),
  userId: z.uuid(),
  name: z.string(),
  email: z.string(),
  role: roleRef,
  department: z.string().nullable(),
  status: z.enum(['active', 'deactivated']),
  lastSignedInAt: z.date().nullable(),
  createdAt: z.date(),
});
const invitation = z.object({
  id: z.uuid(),
  email: z.string(),
  role: roleRef,
  department: z.string().nullable(),
  expiresAt: z.date(),
  createdAt: z.date(),
});
const department = z.string().trim().min(1).max(60).nullable().optional();
const roleChoice = {
  roleId: z.uuid().optional(),
  roleKey: z.string().trim().min(1).max(60).optional(),
};
const id = z.object({ id: z.uuid({ message: 'must be an id' }) });

export async function membersRoutes(
  app: FastifyInstance,
  deps: {
    members: MembersService;
    guards: Guards;
    limitPublic: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
    sendSignedIn: (reply: FastifyReply, result: SignedIn, status?: number) => unknown;
  },
): Promise<void> {
  const { members } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/api/v1/invites/accept',
    {
      onRequest: deps.limitPublic,
      schema: {
        tags: ['members'],
        summary: 'Accept an invitation: creates the account (or uses the existing one) and signs in',
        body: z.object({
          token: z.string().trim().min(10).max(200),
          name: z.string().trim().min(1).max(200).optional(),
          password: z.string().min(1, { message: 'is required' }).max(256),
        }),
      },
    },
    async (request, reply) => deps.sendSignedIn(reply, await members.accept(request.body, requestContext(request))),
  );

  await protectedRoutes(app, deps.guards, (scope) => {
    const p = scope.withTypeProvider<ZodTypeProvider>();
    p.get(
      '/api/v1/members',
      {
        schema: {
          tags: ['members'],
          summary: 'Members of the workspace',
          response: { 200: z.object({ data: z.array(member) }) },
        },
      },
      async (request) => ({ data: await members.list(actorOf(request)) }),
    );
    p.patch(
      '/api/v1/members/:id',
      {
        schema: {
          tags: ['members'],
          summary: "Change a member's role or department",
          params: id,
          body: z.object({ ...roleChoice, department }),
          response: { 204: z.null() },
        },
      },
      async (request, reply) => {
        await members.update(actorOf(request), request.params.id, request.body);
        return reply.status(204).send(null);
      },
    );
    p.delete(
      '/api/v1/members/:id',
      {
        schema: {
          tags: ['members'],
          summary: 'Deactivate a member: their records stay, their sessions end',
          params: id,
          response: { 204: z.null() },
        },
      },
      async (request, reply) => {
        await members.deactivate(actorOf(request), request.params.id);
        return reply.status(204).send(null);
      },
    );
    p.get(
      '/api/v1/roles',
      {
        schema: {
          tags: ['members'],
          summary: 'Roles of the workspace with their permissions',
          response: {
            200: z.object({
              data: z.array(
                z.object({
                  id: z.uuid(),
                  key: z.string(),
                  name: z.string(),
                  description: z.string(),
                  permissions: z.array(z.string()),
                  isSystem: z.boolean(),
                }),
              ),
            }),
          },
        },
      },
      async (request) => ({ data: await members.listRoles(actorOf(request)) }),
    );
    p.get(
      '/api/v1/invites',
      {
        schema: {
          tags: ['members'],
          summary: 'Pending invitations',
          response: { 200: z.object({ data: z.array(invitation) }) },
        },
      },
      async (request) => ({ data: await members.listInvitations(actorOf(request)) }),
    );
    p.post(
      '/api/v1/invites',
      {
        schema: {
          tags: ['members'],
          summary: 'Invite someone by email with a role (the link is mailed, valid 7 days)',
          body: z
            .object({ email: z.email({ message: 'must be an email address' }).max(254), ...roleChoice, department })
            .refine((b) => b.roleId || b.roleKey, { message: 'choose a role (roleId or roleKey)', path: ['roleKey'] }),
          response: { 201: z.object({ data: invitation }) },
        },
      },
      async (request, reply) => reply.status(201).send({ data: await members.invite(actorOf(request), request.body) }),
    );
    p.delete(
      '/api/v1/invites/:id',
      { schema: { tags: ['members'], summary: 'Withdraw an invitation', params: id, response: { 204: z.null() } } },
      async (request, reply) => {
        await members.revokeInvitation(actorOf(request), request.params.id);
        return reply.status(204).send(null);
      },
    );
  });
}
