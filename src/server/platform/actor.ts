// Who is acting: passed to every service call, from every way in (web, API, assistant, MCP, jobs).

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

/** The workspace-scoped actor used by jobs that act for no particular user. */
export function systemActor(workspaceId: string, channel: Channel = 'job'): Actor {
  return { userId: null, workspaceId, role: 'system', permissions: [], department: null, channel };
}
