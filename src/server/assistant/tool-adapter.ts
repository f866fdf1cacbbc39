// The tool catalogue as AI SDK tools: offered by the user's permissions, arguments read as models
// write them, failures returned to the model as data (written once, here), and confirmation asked
// for deletes and bulk changes always, and for every write once the turn has read untrusted content.
import { type JSONSchema7, jsonSchema, type ModelMessage, type ToolSet, tool } from 'ai';
import { z } from 'zod';
import { CALENDAR_TOOLS, type CalendarToolDeps } from '#server/modules/calendar/calendar.tools.ts';
import { CRM_TOOLS, type CrmToolDeps } from '#server/modules/crm/crm.tools.ts';
import type { Actor } from '#server/platform/actor.ts';
import { AppError } from '#server/platform/errors.ts';
import { mayUse, type ToolDefinition, type ToolMention } from '#server/platform/tools.ts';
import { coerceToSchema, describeIssues } from './tool-input.ts';

export type ToolDeps = CrmToolDeps & CalendarToolDeps;
// biome-ignore lint/suspicious/noExplicitAny: each definition's execute is typed by its own schema
type AnyTool = ToolDefinition<ToolDeps, any>;

/** Every tool, in the order models are shown them. */
export const CATALOGUE: readonly AnyTool[] = [...CRM_TOOLS, ...CALENDAR_TOOLS];

const byName = new Map(CATALOGUE.map((t) => [t.name, t]));
export const toolDefinition = (name: string): AnyTool | undefined => byName.get(name);

/** The tools this user may be offered (a viewer gets no write tools). */
export function toolsFor(actor: Pick<Actor, 'permissions' | 'scopes'>): AnyTool[] {
  return CATALOGUE.filter((def) => mayUse(actor, def));
}

/** JSON Schema per tool, made once: regex patterns dropped where a format says the same. */
const schemas = new WeakMap<AnyTool, JSONSchema7>();
function schemaOf(def: AnyTool): JSONSchema7 {
  let schema = schemas.get(def);
  if (!schema) {
    const raw = z.toJSONSchema(def.input, { target: 'draft-7', io: 'input' }) as Record<string, unknown>;
    delete raw.$schema;
    schema = JSON.parse(JSON.stringify(raw), (key, value) =>
      key === 'pattern' || key === 'propertyNames' ? undefined : value,
    ) as JSONSchema7;
    schemas.set(def, schema);
  }
  return schema;
}

/** Whether this turn (since the user's last message) has put untrusted tool output before the model. */
export function turnReadUntrusted(messages: readonly ModelMessage[]): boolean {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i] as ModelMessage;
    if (m.role === 'user') return false;
    if (m.role !== 'tool') continue;
    for (const part of m.content) {
      if (part.type === 'tool-result' && byName.get(part.toolName)?.untrustedOutput) return true;
    }
  }
  return false;
}

export interface AdapterContext {
  actor: Actor;
  timezone: string;
  mention(record: ToolMention): void;
}

/** Errors in the tool's own terms: the REST prefix `body.` names the tool's `fields` (or nothing). */
function failure(def: AnyTool, error: AppError) {
  const prefix = 'fields' in def.input.shape ? 'fields.' : '';
  const rename = (s: string) => s.replace(/\bbody\.(?:items\.\d+\.)?/g, prefix);
  const fields = (error.details as { fields?: Array<{ field: string; message: string }> } | undefined)?.fields;
  const details = fields
    ? { ...(error.details as object), fields: fields.map((f) => ({ field: rename(f.field), message: f.message })) }
    : error.details;
  return {
    ok: false as const,
    error: { code: error.code, message: rename(error.message), ...(details !== undefined ? { details } : {}) },
  };
}

/** The AI SDK tools for one turn of one user. */
export function toAiTools(deps: ToolDeps, ctx: AdapterContext, defs: readonly AnyTool[] = toolsFor(ctx.actor)) {
  const run = { actor: ctx.actor, deps, timezone: ctx.timezone, mention: ctx.mention };
  const set: ToolSet = {};
  for (const def of defs) {
    const schema = schemaOf(def);
    set[def.name] = tool({
      description: typeof def.description === 'function' ? def.description(deps) : def.description,
      inputSchema: jsonSchema<Record<string, unknown>>(schema, {
        validate: (value) => {
          const parsed = def.input.safeParse(coerceToSchema(value ?? {}, schema, ctx.timezone));
          return parsed.success
            ? { success: true, value: parsed.data }
            : { success: false, error: new Error(describeIssues(parsed.error)) };
        },
      }),
      needsApproval: def.confirm ? true : def.readOnly ? false : (_input, { messages }) => turnReadUntrusted(messages),
      execute: async (input) => {
        try {
          return { ok: true as const, ...(await def.execute(run, input as never)) };
        } catch (error) {
          if (error instanceof AppError) return failure(def, error);
          throw error;
        }
      },
    });
  }
  return set;
}
