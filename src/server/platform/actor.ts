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
}

/** The workspace-scoped actor used by jobs that act for no particular user. */
export function systemActor(workspaceId: string, channel: Channel = 'job'): Actor {
  return { userId: null, workspaceId, role: 'system', permissions: [], department: null, channel };
}
