// HTTP for email verification, forgotten and changed passwords.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  actorOf,
  type Guards,
  protectedRoutes,
  requestContext,
  sessionActorOf,
} from '#server/platform/http/authenticate.ts';
import type { AccountService } from './account.service.ts';
import type { PersonalTokensService } from './personal-tokens.service.ts';

const token = z.string().trim().min(10, { message: 'is not a valid link token' }).max(200);

export async function accountRoutes(
  app: FastifyInstance,
  deps: {
    account: AccountService;
    tokens: PersonalTokensService;
    guards: Guards;
    limitPublic: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  },
): Promise<void> {
  const { account } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const limited = { onRequest: deps.limitPublic };

  r.post(
    '/api/v1/auth/password/forgot',
    {
      ...limited,
      schema: {
        tags: ['auth'],
        summary: 'Send a password reset link',
        description: 'Answers 202 whether or not the email has an account, so it cannot be used to find accounts.',
        body: z.object({ email: z.email({ message: 'must be an email address' }).max(254) }),
        response: { 202: z.object({ data: z.object({ sent: z.literal(true) }) }) },
      },
    },
    async (request, reply) => {
      await account.forgotPassword(request.body.email, requestContext(request));
      return reply.status(202).send({ data: { sent: true as const } });
    },
  );

  r.post(
    '/api/v1/auth/password/reset',
    {
      ...limited,
      schema: {
        tags: ['auth'],
        summary: 'Choose a new password with the link from the reset mail; signs out every session',
        body: z.object({ token, password: z.string().min(1, { message: 'is required' }).max(256) }),
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await account.resetPassword(request.body, requestContext(request));
      return reply.status(204).send(null);
    },
  );

  r.post(
    '/api/v1/auth/email/verify',
    {
      ...limited,
      schema: {
        tags: ['auth'],
        summary: 'Confirm an email address with the link from the verification mail',
        body: z.object({ token }),
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      await account.verifyEmail(request.body.token);
      return reply.status(204).send(null);
    },
  );

  await protectedRoutes(app, deps.guards, (scope) => {
    const p = scope.withTypeProvider<ZodTypeProvider>();
    p.post(
      '/api/v1/me/email/verification',
      {
        config: { allowBeforeMfaSetup: true },
        schema: { tags: ['me'], summary: 'Send the verification mail again', response: { 202: z.null() } },
      },
      async (request, reply) => {
        await account.resendVerification(actorOf(request));
        return reply.status(202).send(null);
      },
    );
    p.patch(
      '/api/v1/me',
      {
        config: { allowBeforeMfaSetup: true },
        schema: {
          tags: ['me'],
          summary: 'Change your profile (name)',
          body: z.object({ name: z.string().trim().min(1, { message: 'is required' }).max(200) }),
          response: { 204: z.null() },
        },
      },
      async (request, reply) => {
        await account.updateProfile(actorOf(request), request.body);
        return reply.status(204).send(null);
      },
    );
    const tokenView = z.object({
      id: z.uuid(),
      name: z.string(),
      scopes: z.array(z.string()),
      expiresAt: z.date().nullable(),
      lastUsedAt: z.date().nullable(),
      createdAt: z.date(),
    });
    p.get(
      '/api/v1/me/tokens',
      {
        schema: {
          tags: ['me'],
          summary: 'Your personal access tokens',
          response: { 200: z.object({ data: z.array(tokenView) }) },
        },
      },
      async (request) => ({ data: await deps.tokens.list(sessionActorOf(request)) }),
    );
    p.post(
      '/api/v1/me/tokens',
      {
        schema: {
          tags: ['me'],
          summary: 'Create a personal access token (shown once), limited to the given permission scopes',
          body: z.object({
            name: z.string().trim().min(1, { message: 'is required' }).max(100),
            scopes: z.array(z.string().trim().min(1).max(100)).min(1, { message: 'choose at least one scope' }).max(50),
            expiresInDays: z.number().int().min(1).max(365).default(90),
          }),
          response: { 201: z.object({ data: tokenView.extend({ token: z.string() }) }) },
        },
      },
      async (request, reply) =>
        reply.status(201).send({ data: await deps.tokens.create(sessionActorOf(request), request.body) }),
    );
    p.delete(
      '/api/v1/me/tokens/:id',
      {
        schema: {
          tags: ['me'],
          summary: 'Revoke a personal access token',
          params: z.object({ id: z.uuid({ message: 'must be an id' }) }),
          response: { 204: z.null() },
        },
      },
      async (request, reply) => {
        await deps.tokens.revoke(sessionActorOf(request), request.params.id);
        return reply.status(204).send(null);
      },
    );
    p.post(
      '/api/v1/me/password',
      {
        schema: {
          tags: ['me'],
          summary: 'Change your password; every other session is signed out',
          body: z.object({
            currentPassword: z.string().min(1, { message: 'is required' }).max(256),
            newPassword: z.string().min(1, { message: 'is required' }).max(256),
          }),
          response: { 204: z.null() },
        },
      },
      async (request, reply) => {
        await account.changePassword(sessionActorOf(request), request.body);
        return reply.status(204).send(null);
      },
    );
  });
}
