// HTTP for sign-up, sign-in, refresh, sign-out, the current user and their sessions.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { REFRESH_TOKEN_TTL_MS } from '#server/platform/auth/tokens.ts';
import { Unauthorized } from '#server/platform/errors.ts';
import {
  actorOf,
  type Guards,
  protectedRoutes,
  requestContext,
  sessionActorOf,
} from '#server/platform/http/authenticate.ts';
import type { AuthService, SignedIn } from './auth.service.ts';
import type { MfaService } from './mfa.service.ts';

export const REFRESH_COOKIE = 'albedo_refresh';
/**
 * Readable by the page, holding no secret: tells the web app that a refresh cookie exists, so a
 * first visit does not ask to refresh a session it does not have (a 401 in the console).
 */
export const SESSION_HINT_COOKIE = 'albedo_session';

const email = z.email({ message: 'must be an email address' }).max(254);
const signedIn = z.object({
  data: z.object({
    user: z.object({ id: z.uuid(), email: z.string(), name: z.string(), emailVerified: z.boolean() }),
    workspace: z.object({ id: z.uuid(), name: z.string() }),
    accessToken: z.string(),
    accessTokenExpiresIn: z.number().int().describe('seconds'),
    refreshToken: z.string(),
  }),
});
const mfaChallenge = z.object({ data: z.object({ mfaRequired: z.literal(true), mfaToken: z.string() }) });
const meSchema = z.object({
  data: z.object({
    id: z.uuid(),
    email: z.string(),
    name: z.string(),
    emailVerified: z.boolean(),
    workspace: z.object({ id: z.uuid(), name: z.string() }),
    role: z.string(),
    department: z.string().nullable(),
    permissions: z.array(z.string()),
    mfaEnabled: z.boolean(),
  }),
});
const sessionSchema = z.object({
  id: z.uuid(),
  createdAt: z.date(),
  lastUsedAt: z.date(),
  expiresAt: z.date(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  current: z.boolean(),
});

/** Answers a sign-in: the refresh token goes in an httpOnly cookie for web clients and in the body for API clients. */
export function signedInResponder(secureCookies: boolean) {
  return (reply: FastifyReply, result: SignedIn, status = 200) => {
    reply.setCookie(REFRESH_COOKIE, result.refreshToken, {
      httpOnly: true,
      secure: secureCookies,
      sameSite: 'strict',
      path: '/api/v1/auth',
      maxAge: Math.floor(REFRESH_TOKEN_TTL_MS / 1000),
    });
    reply.setCookie(SESSION_HINT_COOKIE, '1', {
      httpOnly: false,
      secure: secureCookies,
      sameSite: 'strict',
      path: '/',
      maxAge: Math.floor(REFRESH_TOKEN_TTL_MS / 1000),
    });
    const { sessionId: _sessionId, ...data } = result;
    return reply.status(status).send({ data });
  };
}

export interface AuthRouteDeps {
  auth: AuthService;
  mfa: MfaService;
  secureCookies: boolean;
  guards: Guards;
  /** onRequest hook limiting the public sign-in endpoints (per IP). */
  limitPublic: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  /** onRequest hook limiting token refresh (per IP, roomier). */
  limitRefresh: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
}

export async function authRoutes(app: FastifyInstance, deps: AuthRouteDeps): Promise<void> {
  const { auth, mfa } = deps;
  const beforeMfa = { allowBeforeMfaSetup: true };
  const r = app.withTypeProvider<ZodTypeProvider>();
  const limited = { onRequest: deps.limitPublic };

  const sendSignedIn = signedInResponder(deps.secureCookies);

  r.post(
    '/api/v1/auth/signup',
    {
      ...limited,
      schema: {
        tags: ['auth'],
        summary: 'Create a workspace and its owner, and sign in',
        body: z.object({
          email,
          password: z.string().min(1, { message: 'is required' }).max(256),
          name: z.string().trim().min(1, { message: 'is required' }).max(200),
          workspaceName: z.string().trim().min(1, { message: 'is required' }).max(200),
        }),
        response: { 201: signedIn },
      },
    },
    async (request, reply) => sendSignedIn(reply, await auth.signup(request.body, requestContext(request)), 201),
  );

  r.post(
    '/api/v1/auth/login',
    {
      ...limited,
      schema: {
        tags: ['auth'],
        summary: 'Sign in with email and password',
        description:
          'With two-factor authentication on, answers `{ data: { mfaRequired: true, mfaToken } }` unless `totp` (a current code or a backup code) is sent; finish with POST /auth/mfa/verify.',
        body: z.object({
          email,
          password: z.string().min(1, { message: 'is required' }).max(256),
          totp: z.string().trim().min(6).max(20).optional(),
        }),
        response: { 200: z.union([signedIn, mfaChallenge]) },
      },
    },
    async (request, reply) => {
      const result = await auth.login(request.body, requestContext(request));
      if ('mfaRequired' in result) return reply.send({ data: result });
      return sendSignedIn(reply, result);
    },
  );

  r.post(
    '/api/v1/auth/mfa/verify',
    {
      ...limited,
      schema: {
        tags: ['auth'],
        summary: 'Finish a sign-in with a TOTP code or a backup code',
        body: z.object({ mfaToken: z.string().min(1).max(2000), code: z.string().trim().min(6).max(20) }),
        response: { 200: signedIn },
      },
    },
    async (request, reply) => sendSignedIn(reply, await auth.verifyMfa(request.body, requestContext(request))),
  );

  r.post(
    '/api/v1/auth/refresh',
    {
      onRequest: deps.limitRefresh,
      schema: {
        tags: ['auth'],
        summary: 'Exchange a refresh token (body or cookie) for a new token pair',
        description:
          'The refresh token rotates: the old one stops working. Presenting a rotated token again ends the session.',
        body: z.object({ refreshToken: z.string().min(1).max(200).optional() }).nullish(),
        response: { 200: signedIn },
      },
    },
    async (request, reply) => {
      const token = request.body?.refreshToken ?? request.cookies[REFRESH_COOKIE];
      try {
        if (!token) throw new Unauthorized('No refresh token: send it in the body or the cookie.');
        return sendSignedIn(reply, await auth.refresh(token, requestContext(request)));
      } catch (err) {
        // The session is gone: the page stops asking until the next sign-in.
        if (err instanceof Unauthorized) reply.clearCookie(SESSION_HINT_COOKIE, { path: '/' });
        throw err;
      }
    },
  );

  await protectedRoutes(app, deps.guards, (scope) => {
    const p = scope.withTypeProvider<ZodTypeProvider>();
    p.post(
      '/api/v1/auth/logout',
      {
        config: beforeMfa,
        schema: { tags: ['auth'], summary: 'Sign out: end the current session', response: { 204: z.null() } },
      },
      async (request, reply) => {
        await auth.logout(sessionActorOf(request));
        reply.clearCookie(REFRESH_COOKIE, { path: '/api/v1/auth' });
        reply.clearCookie(SESSION_HINT_COOKIE, { path: '/' });
        return reply.status(204).send(null);
      },
    );
    p.get(
      '/api/v1/me',
      {
        config: beforeMfa,
        schema: {
          tags: ['me'],
          summary: 'The signed-in user with workspace, role, department and permissions',
          response: { 200: meSchema },
        },
      },
      async (request) => ({ data: auth.me(actorOf(request)) }),
    );
    p.post(
      '/api/v1/me/mfa/setup',
      {
        config: beforeMfa,
        schema: {
          tags: ['me'],
          summary: 'Start two-factor enrolment: a new TOTP secret, its otpauth URI and a QR code',
          response: {
            200: z.object({
              data: z.object({ secret: z.string(), otpauthUri: z.string(), qrCodeDataUrl: z.string() }),
            }),
          },
        },
      },
      async (request) => ({ data: await mfa.setup(sessionActorOf(request)) }),
    );
    p.post(
      '/api/v1/me/mfa/enable',
      {
        config: beforeMfa,
        schema: {
          tags: ['me'],
          summary: 'Confirm enrolment with a code; returns 10 single-use backup codes, shown once',
          body: z.object({
            code: z
              .string()
              .trim()
              .regex(/^\d{6}$/, { message: 'must be the 6-digit code from your app' }),
          }),
          response: { 200: z.object({ data: z.object({ backupCodes: z.array(z.string()) }) }) },
        },
      },
      async (request) => ({ data: await mfa.enable(sessionActorOf(request), request.body.code) }),
    );
    p.post(
      '/api/v1/me/mfa/disable',
      {
        schema: {
          tags: ['me'],
          summary: 'Turn two-factor authentication off (password and a current code or backup code)',
          body: z.object({ password: z.string().min(1).max(256), code: z.string().trim().min(6).max(20) }),
          response: { 204: z.null() },
        },
      },
      async (request, reply) => {
        await mfa.disable(sessionActorOf(request), request.body);
        return reply.status(204).send(null);
      },
    );
    p.get(
      '/api/v1/me/sessions',
      {
        schema: {
          tags: ['me'],
          summary: 'Your active sessions',
          response: { 200: z.object({ data: z.array(sessionSchema) }) },
        },
      },
      async (request) => ({ data: await auth.listSessions(sessionActorOf(request)) }),
    );
    p.delete(
      '/api/v1/me/sessions/:id',
      {
        schema: {
          tags: ['me'],
          summary: 'End one of your sessions',
          params: z.object({ id: z.uuid({ message: 'must be a session id' }) }),
          response: { 204: z.null() },
        },
      },
      async (request, reply) => {
        await auth.revokeSession(sessionActorOf(request), request.params.id);
        return reply.status(204).send(null);
      },
    );
  });
}
