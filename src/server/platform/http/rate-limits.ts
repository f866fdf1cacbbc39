// HTTP rate limits: per IP on sign-in endpoints, per user and per workspace on the API.
// Answers 429 with Retry-After; every limited response carries X-RateLimit-* headers.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RateLimited } from '#server/platform/errors.ts';
import type { RateLimiter, RateLimitResult } from '#server/platform/rate-limit.ts';
import type { SessionActor } from './authenticate.ts';

const MINUTE = 60_000;

function apply(reply: FastifyReply, result: RateLimitResult): void {
  reply.header('x-ratelimit-limit', String(result.limit));
  reply.header('x-ratelimit-remaining', String(result.remaining));
  reply.header('x-ratelimit-reset', String(Math.ceil(result.resetMs / 1000)));
  if (!result.allowed) throw new RateLimited(Math.max(1, Math.ceil(result.resetMs / 1000)));
}

export function createRateLimitGuards(
  limiter: RateLimiter,
  limits: { authPerIp: number; perUser: number; perWorkspace: number; assistantPerUser?: number },
) {
  return {
    /** preHandler for assistant turns: messages per user per minute (each may call a paid model). */
    async assistantByUser(request: FastifyRequest, reply: FastifyReply): Promise<void> {
      const userId = request.actor?.userId ?? request.ip;
      apply(reply, await limiter.hit(`assistant:${userId}`, limits.assistantPerUser ?? 60, MINUTE));
    },
    /** onRequest hook for public sign-in endpoints. */
    async byIp(request: FastifyRequest, reply: FastifyReply): Promise<void> {
      apply(reply, await limiter.hit(`auth:ip:${request.ip}`, limits.authPerIp, MINUTE));
    },
    /**
     * onRequest hook for token refresh: it needs a 256-bit token, so it is no guessing target, and
     * every page load of the web app calls it; a roomier per-IP budget only stops floods.
     */
    async refreshByIp(request: FastifyRequest, reply: FastifyReply): Promise<void> {
      apply(reply, await limiter.hit(`refresh:ip:${request.ip}`, limits.authPerIp * 10, MINUTE));
    },
    /** After authentication: the user's and the workspace's budgets; the headers show the tighter one. */
    async byActor(_request: FastifyRequest, reply: FastifyReply, actor: SessionActor): Promise<void> {
      const [user, workspace] = await Promise.all([
        limiter.hit(`user:${actor.userId}`, limits.perUser, MINUTE),
        limiter.hit(`ws:${actor.workspaceId}`, limits.perWorkspace, MINUTE),
      ]);
      const blocked = [user, workspace].filter((r) => !r.allowed).sort((a, b) => b.resetMs - a.resetMs)[0];
      apply(reply, blocked ?? (user.remaining <= workspace.remaining ? user : workspace));
    },
  };
}
