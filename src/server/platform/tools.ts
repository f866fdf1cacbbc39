// Tools: what the assistant (and later MCP clients) can do, one definition per tool, kept beside the
// module service it calls (modules/<name>/<name>.tools.ts). Adapters turn the catalogue into a
// channel's tools (assistant/tool-adapter.ts); none of them holds a fact about a tool.
import type { z } from 'zod';
import { hasPermission } from './access/permissions.ts';
import type { Actor } from './actor.ts';

/** For the department agents' instructions and the catalogue listing. */
export type ToolGroup = 'read' | 'write' | 'sales' | 'destructive';

/** A record a tool touched: follow-ups ("his phone") resolve to it. */
export interface ToolMention {
  object: string;
  id: string;
  title: string;
}

/** What a tool's execute gets besides its input. */
export interface ToolRun<D> {
  /** The user, with channel `assistant` or `mcp`: every service call checks its permissions. */
  actor: Actor;
  deps: D;
  /** The workspace time zone: times without an offset mean wall-clock time here. */
  timezone: string;
  mention(record: ToolMention): void;
}

export interface ToolDefinition<D = never, I = never> {
  name: string;
  /** A short label for people (the chat's cards, MCP clients). */
  title: string;
  group: ToolGroup;
  /**
   * Offered only to a user who holds at least one of these; the service still checks the exact
   * permission of each call.
   */
  permissions: readonly string[];
  /** Always pauses for the user's confirmation before it runs (deletes, bulk changes). */
  confirm: boolean;
  /** Changes nothing. A tool that writes also pauses once the turn has read untrusted content. */
  readOnly: boolean;
  /** Its result carries text other people wrote (record fields, notes, titles): data that may try to instruct. */
  untrustedOutput: boolean;
  description: string | ((deps: D) => string);
  /** Arguments; the adapters accept what models commonly send (see tool-input.ts). */
  input: z.ZodObject;
  /** One line on what it returns, for listings. */
  output: string;
  /** The result as data; AppErrors thrown here reach the model as `{ ok: false, error }`. */
  execute(run: ToolRun<D>, input: I): Promise<Record<string, unknown>>;
}

/**
 * The definer of a module's tools: `const tool = toolsOf<CrmToolDeps>()`, then
 * `tool({ name, …, input, execute })`, with execute typed by the module's dependencies and its
 * own input schema.
 */
export function toolsOf<D>() {
  return <S extends z.ZodObject>(
    def: Omit<ToolDefinition<D, z.output<S>>, 'input'> & { input: S },
  ): ToolDefinition<D, z.output<S>> => def;
}

/** Whether the actor may be offered the tool: a permission (and token scope) covering one it lists. */
export function mayUse(actor: Pick<Actor, 'permissions' | 'scopes'>, def: { permissions: readonly string[] }): boolean {
  return def.permissions.some(
    (p) => hasPermission(actor.permissions, p) && (!actor.scopes || hasPermission(actor.scopes, p)),
  );
}
