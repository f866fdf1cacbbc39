// Bearer-token authentication for a scope of routes: every route registered through
// `protectedRoutes` requires a valid access token and gets `request.actor`.
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { RequestContext, SessionActor } from '#server/modules/auth/auth.service.ts';
import { Forbidden, Unauthorized } from '#server/platform/errors.ts';

export type { SessionActor };

declare module 'fastify' {
  interface FastifyRequest {
    actor: SessionActor | null;
  }
  interface FastifyContextConfig {
    /** Set on routes that require a signed-in actor. */
    auth?: boolean;
    /** Open to a member who still has to set up the second factor their workspace requires. */
    allowBeforeMfaSetup?: boolean;
  }
}

export interface Authenticator {
  authenticate(token: string, ctx: RequestContext): Promise<SessionActor | null>;
}

export function requestContext(request: FastifyRequest): RequestContext {
  const ua = request.headers['user-agent'];
  // The web app labels its calls so the audit log can tell the app from API clients (a label, not a credential).
  const channel = request.headers['x-albedo-client'] === 'web' ? 'web' : 'api';
  return { channel, requestId: request.id, ip: request.ip, ...(ua ? { userAgent: ua } : {}) };
}

export function actorOf(request: FastifyRequest): SessionActor {
  if (!request.actor) throw new Unauthorized();
  return request.actor;
}

/** For what only a person at a signed-in session may do (sign out, passwords, MFA, tokens). */
export function sessionActorOf(request: FastifyRequest): SessionActor & { sessionId: string } {
  const actor = actorOf(request);
  if (!actor.sessionId) {
    throw new Forbidden('This needs a signed-in session; a personal access token cannot do it.');
  }
  return actor as SessionActor & { sessionId: string };
}

export interface Guards {
  authenticator: Authenticator;
  /** Runs after authentication on every protected request (per-user and per-workspace limits). */
  afterAuth?: (request: FastifyRequest, reply: FastifyReply, actor: SessionActor) => Promise<void>;
}

/** Registers `register`'s routes behind authentication. */
export async function protectedRoutes(
  app: FastifyInstance,
  guards: Guards,
  register: (scope: FastifyInstance) => void | Promise<void>,
): Promise<void> {
  await app.register(async (scope) => {
    scope.addHook('onRoute', (route) => {
      route.config = { ...(route.config ?? {}), auth: true };
    });
    scope.addHook('onRequest', async (request, reply) => {
      const header = request.headers.authorization;
      const match = typeof header === 'string' ? /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header) : null;
      if (!match?.[1])
        throw new Unauthorized('Sign in to continue: send an access token as "Authorization: Bearer <token>"');
      const actor = await guards.authenticator.authenticate(match[1], requestContext(request));
      if (!actor) throw new Unauthorized('Your access token is invalid or expired. Refresh it or sign in again.');
      request.actor = actor;
      await guards.afterAuth?.(request, reply, actor);
      if (actor.mfaSetupRequired && !request.routeOptions.config.allowBeforeMfaSetup) {
        throw new Forbidden(
          'Your workspace requires two-factor authentication. Set it up in Settings → Security to continue.',
        );
      }
    });
    await register(scope);
  });
}

/** Every route the app serves, with whether it requires authentication (for docs and tests). */
export function collectRoutes(app: FastifyInstance): Array<{ method: string; url: string; auth: boolean }> {
  const seen: RouteOptions[] = [];
  app.addHook('onRoute', (route) => {
    seen.push(route);
  });
  const table: Array<{ method: string; url: string; auth: boolean }> = [];
  app.addHook('onReady', async () => {
    for (const r of seen) {
      for (const method of [r.method].flat()) {
        if (method === 'HEAD') continue;
        table.push({ method, url: r.url, auth: r.config?.auth === true });
      }
    }
  });
  return table;
}
