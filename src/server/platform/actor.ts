// Who is acting: passed to every service call, from every way in (web, API, assistant, MCP, jobs).
import { Unauthorized } from './errors.ts';

export type Channel = 'web' | 'api' | 'assistant' | 'mcp' | 'job' | 'import' | 'system';

export interface Actor {
  /** Null for the system acting on a workspace's behalf (scheduled jobs). */
  userId: string | null;
  workspaceId: string;
  role: string;
  permissions: readonly string[];
  /** With a personal access token: the most it may do (checked on top of `permissions`). */
  scopes?: readonly string[];
  department: string | null;
  channel: Channel;
  requestId?: string;
  ip?: string;
  userAgent?: string;
  /**
   * Set when the actor was remembered from an earlier request rather than read for this one: the
   * statement that confirms the session still stands for exactly this actor. The first database
   * call made with the actor sends it in the same round trip as its own first query (tenancy.ts);
   * a request that makes none confirms it before answering (authenticate.ts).
   */
  sessionCheck?: SessionCheck;
}

export interface SessionCheck {
  /** Raises SQLSTATE AL001 (STALE_ACTOR_CODE) when the actor no longer matches the database. */
  readonly statement: { name: string; text: string; values: unknown[] };
  state: 'pending' | 'confirmed' | 'stale';
}

export const STALE_ACTOR_CODE = 'AL001';

/** An actor acting for a signed-in member (every web, API, assistant and MCP request). */
export type UserActor = Actor & { userId: string };

/**
 * The member an actor acts for. Services that only make sense for a person (their sessions, their
 * tokens, their feeds) read the user through this: a system actor (a job) gets a clear 401
 * instead of a query for a null id.
 */
export function userIdOf(actor: Pick<Actor, 'userId'>): string {
  if (!actor.userId) throw new Unauthorized('This needs a signed-in member.');
  return actor.userId;
}

export function isUserActor(actor: Actor): actor is UserActor {
  return typeof actor.userId === 'string';
}

/** The workspace-scoped actor used by jobs that act for no particular user. */
export function systemActor(workspaceId: string, channel: Channel = 'job'): Actor {
  return { userId: null, workspaceId, role: 'system', permissions: [], department: null, channel };
}
