// Bearer-token authentication for a scope of routes: every route registered through
// `protectedRoutes` requires a valid access token and gets `request.actor`.
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteHandlerMethod, RouteOptions } from 'fastify';
import type { RequestContext, SessionActor } from '#server/modules/auth/auth.service.ts';
import { Forbidden, StaleActor, Unauthorized } from '#server/platform/errors.ts';

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
  /**
   * `speculative`: the actor may be remembered from an earlier request and carry a session check
   * that its first database call sends (for reads, which can be answered again if it fails).
   */
  authenticate(token: string, ctx: RequestContext, options?: { speculative?: boolean }): Promise<SessionActor | null>;
  /** Runs a remembered actor's pending session check on its own; false when the actor is stale. */
  confirm(actor: SessionActor): Promise<boolean>;
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
      if (isRead(route.method)) route.handler = answeredAgainIfStale(route.handler, guards);
    });
    scope.addHook('onRequest', async (request, reply) => {
      let actor = await guards.authenticator.authenticate(bearerOf(request), requestContext(request), {
        speculative: isRead(request.method),
      });
      // The second-factor gate refuses only on the actor as it is now.
      if (actor?.mfaSetupRequired && actor.sessionCheck) {
        actor = await guards.authenticator.authenticate(bearerOf(request), requestContext(request));
      }
      if (!actor) throw new Unauthorized('Your access token is invalid or expired. Refresh it or sign in again.');
      request.actor = actor;
      await guards.afterAuth?.(request, reply, actor);
      requireMfaSetupDone(request, actor);
    });
    // A read that never reached the database has not run its remembered actor's check yet: it
    // runs here, before anything is sent.
    scope.addHook('onSend', async (request) => {
      const actor = request.actor;
      if (actor?.sessionCheck?.state === 'pending' && !(await guards.authenticator.confirm(actor))) {
        throw new StaleActor();
      }
    });
    await register(scope);
  });
}

const isReadMethod = (m: string) => m === 'GET' || m === 'HEAD';
const isRead = (method: string | string[]) =>
  typeof method === 'string' ? isReadMethod(method) : method.every(isReadMethod);

function bearerOf(request: FastifyRequest): string {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer ([A-Za-z0-9._~+/=-]+)$/.exec(header) : null;
  if (!match?.[1])
    throw new Unauthorized('Sign in to continue: send an access token as "Authorization: Bearer <token>"');
  return match[1];
}

function requireMfaSetupDone(request: FastifyRequest, actor: SessionActor): void {
  if (actor.mfaSetupRequired && !request.routeOptions.config.allowBeforeMfaSetup) {
    throw new Forbidden(
      'Your workspace requires two-factor authentication. Set it up in Settings → Security to continue.',
    );
  }
}

/**
 * A read handler that is run again, with the actor looked up afresh, when its remembered actor
 * turns out stale. The check runs with the handler's first query and fails it before anything
 * else, and a read changes nothing, so running it again is safe.
 */
function answeredAgainIfStale(handler: RouteHandlerMethod, guards: Guards): RouteHandlerMethod {
  // Whether the request's remembered actor, not checked by any query yet, turns out stale now.
  const staleNow = async (actor: SessionActor | null) =>
    actor?.sessionCheck?.state === 'pending' && !(await guards.authenticator.confirm(actor));
  return async function (this: FastifyInstance, request, reply) {
    try {
      const result = await handler.call(this, request, reply);
      // A handler that answered without the database (GET /me) has its actor confirmed here.
      if (reply.sent || !(await staleNow(request.actor))) return result;
    } catch (err) {
      // A refusal (403, 404) made on a remembered actor before any query is confirmed first.
      if (reply.sent || !(err instanceof StaleActor || (await staleNow(request.actor)))) throw err;
    }
    // Stale: the actor as it is now, looked up, and the read answered again.
    const actor = await guards.authenticator.authenticate(bearerOf(request), requestContext(request));
    if (!actor) throw new Unauthorized('Your access token is invalid or expired. Refresh it or sign in again.');
    request.actor = actor;
    requireMfaSetupDone(request, actor);
    return handler.call(this, request, reply);
  };
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
