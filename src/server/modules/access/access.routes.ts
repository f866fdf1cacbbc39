// HTTP for custom roles, permission sets and teams.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf, type Guards, protectedRoutes } from '#server/platform/http/authenticate.ts';
import type { AccessService } from './access.service.ts';

const id = z.object({ id: z.uuid({ message: 'must be an id' }) });
const permissions = z.array(z.string().trim().min(1).max(100)).max(200);
const roleOut = z.object({
  id: z.uuid(),
  key: z.string(),
  name: z.string(),
  description: z.string(),
  permissions: z.array(z.string()),
  isSystem: z.boolean(),
});
const setOut = z.object({ id: z.uuid(), name: z.string(), description: z.string(), permissions: z.array(z.string()) });
const teamOut = z.object({
  id: z.uuid(),
  name: z.string(),
  parentId: z.uuid().nullable(),
  members: z.array(z.object({ userId: z.uuid(), name: z.string(), isLeader: z.boolean() })),
});
const noContent = { 204: z.null() };

export async function accessRoutes(
  app: FastifyInstance,
  deps: { access: AccessService; guards: Guards },
): Promise<void> {
  const { access } = deps;
  await protectedRoutes(app, deps.guards, (scope) => {
    const p = scope.withTypeProvider<ZodTypeProvider>();
    p.post(
      '/api/v1/roles',
      {
        schema: {
          tags: ['access'],
          summary: 'Create a custom role',
          body: z.object({
            name: z.string().trim().min(1).max(100),
            description: z.string().max(500).optional(),
            permissions,
          }),
          response: { 201: z.object({ data: roleOut }) },
        },
      },
      async (request, reply) =>
        reply.status(201).send({ data: await access.createRole(actorOf(request), request.body) }),
    );
    p.patch(
      '/api/v1/roles/:id',
      {
        schema: {
          tags: ['access'],
          summary: 'Change a custom role',
          params: id,
          body: z.object({
            name: z.string().trim().min(1).max(100).optional(),
            description: z.string().max(500).optional(),
            permissions: permissions.optional(),
          }),
          response: { 200: z.object({ data: roleOut }) },
        },
      },
      async (request) => ({ data: await access.updateRole(actorOf(request), request.params.id, request.body) }),
    );
    p.delete(
      '/api/v1/roles/:id',
      { schema: { tags: ['access'], summary: 'Delete a custom role no member has', params: id, response: noContent } },
      async (request, reply) => {
        await access.deleteRole(actorOf(request), request.params.id);
        return reply.status(204).send(null);
      },
    );

    p.get(
      '/api/v1/permission-sets',
      {
        schema: {
          tags: ['access'],
          summary: 'Permission sets',
          response: { 200: z.object({ data: z.array(setOut) }) },
        },
      },
      async (request) => ({ data: await access.listPermissionSets(actorOf(request)) }),
    );
    p.post(
      '/api/v1/permission-sets',
      {
        schema: {
          tags: ['access'],
          summary: 'Create a permission set: permissions granted to members on top of their role',
          body: z.object({
            name: z.string().trim().min(1).max(100),
            description: z.string().max(500).optional(),
            permissions,
          }),
          response: { 201: z.object({ data: setOut }) },
        },
      },
      async (request, reply) =>
        reply.status(201).send({ data: await access.createPermissionSet(actorOf(request), request.body) }),
    );
    p.post(
      '/api/v1/members/:id/permission-sets',
      {
        schema: {
          tags: ['access'],
          summary: 'Grant a permission set to a member, optionally until a date',
          params: id,
          body: z.object({ permissionSetId: z.uuid(), expiresAt: z.coerce.date().nullable().optional() }),
          response: noContent,
        },
      },
      async (request, reply) => {
        await access.grantPermissionSet(actorOf(request), request.params.id, request.body);
        return reply.status(204).send(null);
      },
    );
    p.delete(
      '/api/v1/members/:id/permission-sets/:setId',
      {
        schema: {
          tags: ['access'],
          summary: 'Take a permission set back from a member',
          params: z.object({ id: z.uuid(), setId: z.uuid() }),
          response: noContent,
        },
      },
      async (request, reply) => {
        await access.revokePermissionSet(actorOf(request), request.params.id, request.params.setId);
        return reply.status(204).send(null);
      },
    );

    p.get(
      '/api/v1/teams',
      {
        schema: {
          tags: ['access'],
          summary: 'Teams with their members and leaders',
          response: { 200: z.object({ data: z.array(teamOut) }) },
        },
      },
      async (request) => ({ data: await access.listTeams(actorOf(request)) }),
    );
    p.post(
      '/api/v1/teams',
      {
        schema: {
          tags: ['access'],
          summary: 'Create a team, optionally under a parent team',
          body: z.object({ name: z.string().trim().min(1).max(100), parentId: z.uuid().nullable().optional() }),
          response: { 201: z.object({ data: teamOut }) },
        },
      },
      async (request, reply) =>
        reply.status(201).send({ data: await access.createTeam(actorOf(request), request.body) }),
    );
    p.patch(
      '/api/v1/teams/:id',
      {
        schema: {
          tags: ['access'],
          summary: 'Rename a team or move it under another',
          params: id,
          body: z.object({
            name: z.string().trim().min(1).max(100).optional(),
            parentId: z.uuid().nullable().optional(),
          }),
          response: noContent,
        },
      },
      async (request, reply) => {
        await access.updateTeam(actorOf(request), request.params.id, request.body);
        return reply.status(204).send(null);
      },
    );
    p.delete(
      '/api/v1/teams/:id',
      {
        schema: {
          tags: ['access'],
          summary: 'Delete a team (sub-teams move to the top)',
          params: id,
          response: noContent,
        },
      },
      async (request, reply) => {
        await access.deleteTeam(actorOf(request), request.params.id);
        return reply.status(204).send(null);
      },
    );
    p.put(
      '/api/v1/teams/:id/members',
      {
        schema: {
          tags: ['access'],
          summary: "Set a team's members and leaders",
          params: id,
          body: z.object({
            members: z.array(z.object({ userId: z.uuid(), isLeader: z.boolean().default(false) })).max(1000),
          }),
          response: { 200: z.object({ data: teamOut }) },
        },
      },
      async (request) => ({
        data: await access.setTeamMembers(actorOf(request), request.params.id, request.body.members),
      }),
    );
  });
}
