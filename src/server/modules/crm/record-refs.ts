// Records as tools name them: found by id or by name, members by name or email, stages by name,
// field values as models write them, and the compact cards tools return. Shared by every module's
// tools (crm.tools.ts, calendar.tools.ts); all reads go through the services with the user's actor.
import type { MembersService } from '#server/modules/members/members.service.ts';
import type { Actor } from '#server/platform/actor.ts';
import { NotFound, ValidationError } from '#server/platform/errors.ts';
import { fromFloating } from '#server/platform/time.ts';
import type { ToolMention } from '#server/platform/tools.ts';
import { RECORD_KINDS, type RecordKind } from './kinds.ts';
import type { PipelinesService } from './pipelines.service.ts';
import type { RecordRow, RecordsService } from './records.service.ts';
import type { SearchService } from './search.service.ts';

/** Every record kind, from the declarations: tools accept exactly these. */
export const OBJECTS = RECORD_KINDS.map((k) => k.resource) as [string, ...string[]];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface RefDeps {
  records: RecordsService;
  search: SearchService;
  pipelines: PipelinesService;
  members: MembersService;
}

/** What a tool returns to the model and the chat's cards. */
export interface CompactRecord {
  object: string;
  id: string;
  name: string;
  link: string;
  fields?: Record<string, unknown>;
}

export function titleOf(object: string, row: Record<string, unknown>): string {
  const s = (v: unknown) => (typeof v === 'string' ? v : '');
  switch (object) {
    case 'contacts':
      return [s(row.firstName), s(row.lastName)].filter(Boolean).join(' ');
    case 'leads':
      return s(row.contactName) + (row.companyName ? ` (${s(row.companyName)})` : '');
    case 'tasks':
    case 'events':
      return s(row.title);
    case 'notes':
      return s(row.body).slice(0, 80);
    default:
      return s(row.name);
  }
}

/** The fields worth showing on a card, without bookkeeping columns or empty values. */
const HIDDEN = new Set([
  'id',
  'workspaceId',
  'createdBy',
  'deletedAt',
  'searchText',
  'searchTerms',
  'custom',
  'version',
]);
export function visibleFields(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (HIDDEN.has(k) || v === null || v === undefined || (Array.isArray(v) && v.length === 0)) continue;
    out[k] = v instanceof Date ? v.toISOString() : v;
  }
  return out;
}

export function compact(object: string, row: RecordRow, fields?: Record<string, unknown>): CompactRecord {
  const link =
    object === 'events'
      ? '/calendar'
      : object === 'notes'
        ? `/${String(row.entityType)}/${String(row.entityId)}`
        : `/${object}/${row.id as string}`;
  return { object, id: row.id, name: titleOf(object, row), link, ...(fields ? { fields } : {}) };
}

const LOCAL_DATETIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$/;

/**
 * A date and time as models write it: with an offset (kept), or without one, meaning wall-clock
 * time in `timezone` (made an ISO string with that zone's offset on that date).
 */
export function zonedDateTime(value: string, timezone: string): string {
  const m = LOCAL_DATETIME.exec(value.trim());
  if (!m) return value;
  const [y, mo, d, h, mi, s] = m.slice(1).map((x) => Number(x ?? 0)) as number[];
  return fromFloating(new Date(Date.UTC(y as number, (mo as number) - 1, d, h, mi, s)), timezone).toISOString();
}

/**
 * Field values as models send them: "5" for a number, "true" for a yes/no, a time without an
 * offset, one email where a list is kept. The service validates the result as for any client.
 */
export function coerceFields(kind: RecordKind, fields: Record<string, unknown>, timezone: string) {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    const type = kind.fields[key]?.type;
    let v = value;
    if (typeof v === 'string') {
      const text = v.trim();
      if ((type === 'int' || type === 'percent') && /^-?\d+(\.0+)?$/.test(text)) v = Number(text);
      else if (type === 'bool' && /^(true|false|yes|no)$/i.test(text)) v = /^(true|yes)$/i.test(text);
      else if (type === 'datetime') v = zonedDateTime(text, timezone);
      else if (type === 'emails' || type === 'phones' || type === 'userRefs') v = text ? [text] : [];
      else if (type === 'money') v = text.replace(/[\s,](?=\d{3}\b)/g, '');
    } else if (typeof v === 'number' && (type === 'text' || type === 'phone')) {
      v = String(v);
    }
    out[key] = v;
  }
  if (typeof out.tags === 'string') out.tags = [out.tags];
  return out;
}

export type RecordRefs = ReturnType<typeof recordRefs>;

/** Finders for one actor: each read runs with the actor's own visibility. */
export function recordRefs(deps: RefDeps, actor: Actor, onMention: (r: ToolMention) => void) {
  const { records } = deps;

  async function resolve(object: string, ref: { id?: string | undefined; name?: string | undefined }) {
    if (ref.id) return (await records.get(actor, object, ref.id)).data;
    if (!ref.name) throw new ValidationError([{ field: 'id', message: 'give the record id or its name' }]);
    const found = await records.list(actor, object, { q: ref.name, limit: 10 });
    const wanted = ref.name.trim().toLowerCase();
    const exact = found.data.filter((r) => titleOf(object, r).toLowerCase() === wanted);
    const pick = exact.length === 1 ? exact[0] : found.data.length === 1 ? found.data[0] : undefined;
    if (pick) return pick;
    if (!found.data.length) throw new NotFound(`${records.kindOf(object).label} named "${ref.name}"`);
    throw new ValidationError([
      {
        field: 'name',
        message: `"${ref.name}" matches several records; use an id: ${found.data
          .slice(0, 5)
          .map((r) => `${titleOf(object, r)} (${r.id})`)
          .join(', ')}`,
      },
    ]);
  }

  /** Finds a record by id or name; without a kind, searches every kind the user can read. */
  async function locate(input: {
    object?: string | undefined;
    id?: string | undefined;
    name?: string | undefined;
  }): Promise<{ object: string; row: RecordRow }> {
    if (input.object) return { object: input.object, row: await resolve(input.object, input) };
    if (input.id || !input.name) {
      throw new ValidationError([{ field: 'object', message: 'say which kind of record (object) this id is' }]);
    }
    const hits = (await deps.search.search(actor, { q: input.name, limit: 10 })).filter((h) => h.resource !== 'notes');
    const wanted = input.name.trim().toLowerCase();
    const exact = hits.filter((h) => h.title.toLowerCase() === wanted);
    const pick = exact.length === 1 ? exact[0] : hits.length === 1 ? hits[0] : undefined;
    if (!pick) {
      if (!hits.length) throw new NotFound(`Record named "${input.name}"`);
      throw new ValidationError([
        {
          field: 'name',
          message: `"${input.name}" matches several records; use an id: ${hits
            .slice(0, 5)
            .map((h) => `${h.resource} ${h.title} (${h.id})`)
            .join(', ')}`,
        },
      ]);
    }
    return { object: pick.resource, row: (await records.get(actor, pick.resource, pick.id)).data };
  }

  async function memberId(nameOrEmail: string): Promise<string> {
    if (UUID.test(nameOrEmail)) return nameOrEmail;
    const wanted = nameOrEmail.trim().toLowerCase();
    if (wanted === 'me' || wanted === 'myself') {
      if (!actor.userId) throw new ValidationError([{ field: 'member', message: 'no signed-in user' }]);
      return actor.userId;
    }
    const list = (await deps.members.list(actor)).filter((m) => m.status === 'active');
    const match =
      list.find((m) => m.email.toLowerCase() === wanted) ??
      list.find((m) => m.name.toLowerCase() === wanted) ??
      (() => {
        const partial = list.filter((m) => m.name.toLowerCase().includes(wanted));
        return partial.length === 1 ? partial[0] : undefined;
      })();
    if (!match) throw new NotFound(`Member "${nameOrEmail}"`);
    return match.userId;
  }

  async function stageId(nameOrId: string, pipelineId?: string): Promise<string> {
    const pipelines = await deps.pipelines.list(actor);
    const wanted = nameOrId.trim().toLowerCase().replace(/[_-]+/g, ' ');
    for (const p of pipelines) {
      if (pipelineId && p.id !== pipelineId) continue;
      const stage = p.stages.find((s) => s.id === nameOrId || s.name.toLowerCase() === wanted);
      if (stage) return stage.id;
    }
    const names = pipelines.flatMap((p) => p.stages.map((s) => s.name));
    throw new ValidationError([{ field: 'stage', message: `no stage "${nameOrId}"; stages are: ${names.join(', ')}` }]);
  }

  /** Lets the model name linked records ("organizationId": "Acme") instead of knowing their ids. */
  async function resolveLinks(object: string, fields: Record<string, unknown>): Promise<Record<string, unknown>> {
    const kind = records.kindOf(object);
    const out: Record<string, unknown> = { ...fields };
    for (const [key, value] of Object.entries(fields)) {
      const def = kind.fields[key];
      if (typeof value === 'string' && !UUID.test(value)) {
        if (def?.type === 'ref' && def.ref && OBJECTS.includes(def.ref)) {
          out[key] = (await resolve(def.ref, { name: value })).id;
        } else if (def?.type === 'ref' && def.ref === 'stages') {
          out[key] = await stageId(value);
        } else if (def?.type === 'userRef' || key === 'ownerId') {
          out[key] = await memberId(value);
        }
      } else if (def?.type === 'userRefs' && Array.isArray(value)) {
        out[key] = await Promise.all(value.map((v) => memberId(String(v))));
      }
    }
    return out;
  }

  /** Reports the record to the conversation's memory and returns it (notes are not referents). */
  const remember = (c: CompactRecord) => {
    if (c.object !== 'notes') onMention({ object: c.object, id: c.id, title: c.name });
    return c;
  };

  return { resolve, locate, memberId, stageId, resolveLinks, remember };
}
