// The assistant's tools: thin adapters over the module services, called with the user's Actor
// (channel `assistant`), so permissions, visibility, validation and audit are the API's own.
// Results are compact (id, name, link, what changed); failures are returned to the model as data.
import { type ToolSet, tool, zodSchema } from 'ai';
import { z } from 'zod';
import type { MentionedRecord } from '#server/db/schema/assistant.ts';
import type { CalendarService } from '#server/modules/calendar/calendar.service.ts';
import type { LeadsService } from '#server/modules/crm/leads.service.ts';
import type { PipelinesService } from '#server/modules/crm/pipelines.service.ts';
import type { Filter } from '#server/modules/crm/query.ts';
import type { RecordRow, RecordsService } from '#server/modules/crm/records.service.ts';
import type { SearchService } from '#server/modules/crm/search.service.ts';
import type { MembersService } from '#server/modules/members/members.service.ts';
import type { Actor } from '#server/platform/actor.ts';
import { AppError, NotFound, ValidationError } from '#server/platform/errors.ts';
import { isoInZone, toFloating } from '#server/platform/time.ts';

export const OBJECTS = ['contacts', 'organizations', 'leads', 'deals', 'projects', 'tasks', 'notes', 'events'] as const;
export type ObjectName = (typeof OBJECTS)[number];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_LIST = 25;

export interface ToolDeps {
  calendar: CalendarService;
  records: RecordsService;
  search: SearchService;
  leads: LeadsService;
  pipelines: PipelinesService;
  members: MembersService;
  clock: () => Date;
}

export interface ToolContext {
  actor: Actor;
  /** Called for every record a tool touched, so follow-ups ("his phone") resolve to it. */
  mention: (record: MentionedRecord) => void;
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
function visibleFields(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (HIDDEN.has(k) || v === null || v === undefined || (Array.isArray(v) && v.length === 0)) continue;
    out[k] = v instanceof Date ? v.toISOString() : v;
  }
  return out;
}

function compact(object: string, row: RecordRow, fields?: Record<string, unknown>): CompactRecord {
  const link =
    object === 'notes' ? `/${String(row.entityType)}/${String(row.entityId)}` : `/${object}/${row.id as string}`;
  return { object, id: row.id, name: titleOf(object, row), link, ...(fields ? { fields } : {}) };
}

function failure(error: unknown) {
  if (error instanceof AppError) {
    return { ok: false as const, error: { code: error.code, message: error.message, details: error.details } };
  }
  throw error;
}

const objectSchema = z.enum(OBJECTS).describe('The kind of record');
const recordRef = {
  id: z.string().uuid().optional().describe('The record id (from an earlier result); preferred'),
  name: z.string().min(1).max(200).optional().describe('The record name, when the id is not known'),
};
const fieldsSchema = z
  .record(z.string(), z.unknown())
  .describe('Field values by field key, e.g. {"firstName":"Jan","email":"jan@example.com"}');

/**
 * Tool input schemas, built and converted to JSON Schema once per process (the AI SDK memoises
 * the conversion on the wrapper), not on every model call.
 */
const when = z.string().datetime({ offset: true }).describe('ISO 8601 with offset, e.g. 2026-11-24T15:00:00+01:00');
const INPUTS = {
  whats_on: zodSchema(
    z.strictObject({
      from: when.describe('Start of the period (ISO 8601 with offset)'),
      to: when.describe('End of the period (ISO 8601 with offset)'),
    }),
  ),
  find_free_slot: zodSchema(
    z.strictObject({
      members: z.array(z.string().min(1).max(200)).min(1).max(20).describe('Member names or emails; "me" for the user'),
      durationMinutes: z.number().int().min(5).max(480),
      from: when,
      to: when,
    }),
  ),
  create_event: zodSchema(
    z.strictObject({
      title: z.string().min(1).max(300),
      startAt: when,
      endAt: when.optional(),
      location: z.string().max(500).optional(),
      rrule: z.string().max(200).optional().describe('e.g. FREQ=WEEKLY;BYDAY=MO'),
      reminders: z.array(z.number().int().min(0).max(40_320)).max(5).optional().describe('Minutes before the start'),
      attendees: z.array(z.string().min(1).max(254)).max(50).optional().describe('Member names, or email addresses'),
    }),
  ),
  move_event: zodSchema(z.strictObject({ ...recordRef, startAt: when, endAt: when.optional() })),
  cancel_event: zodSchema(z.strictObject({ ...recordRef })),
  search_records: zodSchema(
    z.strictObject({
      query: z.string().min(1).max(200),
      objects: z.array(objectSchema).max(8).optional(),
      limit: z.number().int().min(1).max(MAX_LIST).optional(),
    }),
  ),
  list_records: zodSchema(
    z.strictObject({
      object: objectSchema,
      query: z.string().max(200).optional(),
      filters: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
      sort: z.string().max(100).optional(),
      mine: z.boolean().optional(),
      limit: z.number().int().min(1).max(MAX_LIST).optional(),
    }),
  ),
  get_record: zodSchema(
    z.strictObject({ object: objectSchema.optional(), ...recordRef, related: z.boolean().optional() }),
  ),
  create_record: zodSchema(z.strictObject({ object: objectSchema, fields: fieldsSchema })),
  update_record: zodSchema(z.strictObject({ object: objectSchema.optional(), ...recordRef, fields: fieldsSchema })),
  delete_record: zodSchema(z.strictObject({ object: objectSchema.optional(), ...recordRef })),
  restore_record: zodSchema(z.strictObject({ object: objectSchema, id: z.string().uuid() })),
  add_note: zodSchema(
    z.strictObject({
      object: z.enum(['contacts', 'organizations', 'leads', 'deals', 'projects']).optional(),
      ...recordRef,
      body: z.string().min(1).max(20_000),
      kind: z.enum(['note', 'call', 'meeting', 'email', 'message']).optional(),
    }),
  ),
  convert_lead: zodSchema(
    z.strictObject({
      ...recordRef,
      createDeal: z.boolean().optional(),
      dealName: z.string().max(200).optional(),
      amount: z.union([z.string(), z.number()]).optional(),
      currency: z.string().length(3).optional(),
    }),
  ),
  move_deal_stage: zodSchema(z.strictObject({ ...recordRef, stage: z.string().min(1).max(100) })),
  assign: zodSchema(z.strictObject({ object: objectSchema, ...recordRef, member: z.string().min(1).max(200) })),
  my_tasks: zodSchema(
    z.strictObject({
      range: z.enum(['today', 'this_week', 'overdue', 'all']).optional(),
      status: z.enum(['todo', 'in_progress', 'blocked', 'done']).optional(),
    }),
  ),
  pipeline_summary: zodSchema(z.strictObject({})),
  kpi_summary: zodSchema(z.strictObject({})),
  create_reminder: zodSchema(
    z.strictObject({
      title: z.string().min(1).max(300),
      at: z.string().datetime({ offset: true }),
      object: z.enum(['contacts', 'organizations', 'leads', 'deals', 'projects']).optional(),
      ...recordRef,
    }),
  ),
  bulk_update_records: zodSchema(
    z.strictObject({
      object: objectSchema,
      ids: z.array(z.string().uuid()).min(1).max(100),
      fields: fieldsSchema,
    }),
  ),
  bulk_delete_records: zodSchema(
    z.strictObject({ object: objectSchema, ids: z.array(z.string().uuid()).min(1).max(100) }),
  ),
};

/** Field keys per object, for the tool descriptions (the service validates the values). */
const guides = new WeakMap<RecordsService, string>();
function fieldGuide(records: RecordsService): string {
  const known = guides.get(records);
  if (known) return known;
  const guide = OBJECTS.map((o) => {
    const kind = records.kindOf(o);
    // Fields the calendar manages itself (occurrence overrides, skipped dates) are left to its tools.
    const keys = Object.entries(kind.fields)
      .filter(([k, f]) => !f.readOnly && !['exdates', 'seriesId', 'originalStartAt'].includes(k))
      .map(([k, f]) => (f.type === 'enum' && f.values ? `${k} (${f.values.join('|')})` : k));
    return `${o}: ${keys.join(', ')}`;
  }).join('\n');
  guides.set(records, guide);
  return guide;
}

/** Tool names by group, for the department profiles. */
export const TOOL_GROUPS = {
  read: [
    'search_records',
    'list_records',
    'get_record',
    'my_tasks',
    'pipeline_summary',
    'kpi_summary',
    'whats_on',
    'find_free_slot',
  ],
  write: [
    'create_record',
    'update_record',
    'add_note',
    'assign',
    'create_reminder',
    'restore_record',
    'create_event',
    'move_event',
  ],
  sales: ['convert_lead', 'move_deal_stage'],
  destructive: ['delete_record', 'bulk_update_records', 'bulk_delete_records', 'cancel_event'],
} as const;

/** Tools that pause for the user's confirmation before they run. */
export const CONFIRMED_TOOLS = new Set<string>(TOOL_GROUPS.destructive);

export function buildTools(deps: ToolDeps, ctx: ToolContext, allowed?: ReadonlySet<string>): ToolSet {
  const { records, clock } = deps;
  const { actor } = ctx;

  async function resolve(object: ObjectName, ref: { id?: string | undefined; name?: string | undefined }) {
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
    object?: ObjectName | undefined;
    id?: string | undefined;
    name?: string | undefined;
  }): Promise<{ object: ObjectName; row: RecordRow }> {
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
    const object = pick.resource as ObjectName;
    return { object, row: (await records.get(actor, object, pick.id)).data };
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

  /** Lets the model name linked records ("organizationId": "Acme") instead of knowing their ids. */
  async function resolveLinks(object: ObjectName, fields: Record<string, unknown>): Promise<Record<string, unknown>> {
    const kind = records.kindOf(object);
    const out: Record<string, unknown> = { ...fields };
    for (const [key, value] of Object.entries(fields)) {
      const def = kind.fields[key];
      if (typeof value === 'string' && !UUID.test(value)) {
        if (def?.type === 'ref' && def.ref && (OBJECTS as readonly string[]).includes(def.ref)) {
          out[key] = (await resolve(def.ref as ObjectName, { name: value })).id;
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

  const remember = (c: CompactRecord) => {
    if (c.object !== 'notes') ctx.mention({ object: c.object, id: c.id, title: c.name });
    return c;
  };

  const guide = fieldGuide(records);
  const all: ToolSet = {
    search_records: tool({
      description:
        'Search every kind of record the user can see by name, email or other text (typo-tolerant). Returns the best matches with ids.',
      inputSchema: INPUTS.search_records,
      execute: async (input) => {
        try {
          const hits = await deps.search.search(actor, {
            q: input.query,
            types: input.objects,
            limit: input.limit ?? 10,
          });
          return {
            ok: true as const,
            results: hits.map((h) => ({
              object: h.resource,
              id: h.id,
              name: h.title,
              detail: h.subtitle,
              link: `/${h.resource}/${h.id}`,
            })),
          };
        } catch (error) {
          return failure(error);
        }
      },
    }),
    list_records: tool({
      description:
        'List records of one kind, optionally filtered (field equals value), searched and sorted. Use mine=true for the user\'s own records. Sort like "-updatedAt" or "name". The field keys are listed with create_record.',
      inputSchema: INPUTS.list_records,
      execute: async (input) => {
        try {
          const filters: Filter[] = Object.entries(input.filters ?? {}).map(([field, value]) => ({
            field,
            op: 'eq',
            value: String(value),
          }));
          if (input.mine) filters.push({ field: 'ownerId', op: 'eq', value: 'me' });
          const result = await records.list(actor, input.object, {
            q: input.query || undefined,
            filters,
            sort: input.sort,
            limit: input.limit ?? 10,
            count: true,
          });
          return {
            ok: true as const,
            total: result.page.total,
            records: result.data.map((r) => compact(input.object, r, visibleFields(r))),
          };
        } catch (error) {
          return failure(error);
        }
      },
    }),
    get_record: tool({
      description: 'Get one record with all its fields (and, with related=true, its related records and notes).',
      inputSchema: INPUTS.get_record,
      execute: async (input) => {
        try {
          const { object, row } = await locate(input);
          const full = await records.get(actor, object, row.id, { related: input.related ?? false });
          const related = full.related
            ? Object.fromEntries(
                Object.entries(full.related).map(([k, rows]) => [
                  k,
                  rows.slice(0, 10).map((r) => compact(records.kindOf(k === 'notes' ? 'notes' : k).resource, r)),
                ]),
              )
            : undefined;
          return {
            ok: true as const,
            record: remember(compact(object, full.data, visibleFields(full.data))),
            ...(related ? { related } : {}),
          };
        } catch (error) {
          return failure(error);
        }
      },
    }),
    create_record: tool({
      description: `Create a record. Linked records (organizationId, contactId, projectId, stageId, assigneeId, ownerId) may be given by name. Fields:\n${guide}`,
      inputSchema: INPUTS.create_record,
      execute: async (input) => {
        try {
          const row = await records.create(actor, input.object, await resolveLinks(input.object, input.fields));
          return { ok: true as const, created: remember(compact(input.object, row, visibleFields(row))) };
        } catch (error) {
          return failure(error);
        }
      },
    }),
    update_record: tool({
      description:
        'Change fields of one record (only the fields given). Linked records may be given by name. Use the field keys listed for list_records.',
      inputSchema: INPUTS.update_record,
      execute: async (input) => {
        try {
          const { object, row } = await locate(input);
          const fields = await resolveLinks(object, input.fields);
          const updated = await records.update(actor, object, row.id, fields);
          const changed = Object.fromEntries(Object.keys(fields).map((k) => [k, updated[k]]));
          return { ok: true as const, updated: remember(compact(object, updated)), changed };
        } catch (error) {
          return failure(error);
        }
      },
    }),
    delete_record: tool({
      description: 'Move one record to the trash (it can be restored for 30 days). Asks the user to confirm first.',
      inputSchema: INPUTS.delete_record,
      needsApproval: true,
      execute: async (input) => {
        try {
          const { object, row } = await locate(input);
          await records.remove(actor, object, row.id);
          return { ok: true as const, deleted: remember(compact(object, row)) };
        } catch (error) {
          return failure(error);
        }
      },
    }),
    restore_record: tool({
      description: 'Restore a record from the trash by id.',
      inputSchema: INPUTS.restore_record,
      execute: async (input) => {
        try {
          const row = await records.restore(actor, input.object, input.id);
          return { ok: true as const, restored: remember(compact(input.object, row)) };
        } catch (error) {
          return failure(error);
        }
      },
    }),
    add_note: tool({
      description: 'Add a note or activity (call, meeting, email, message) to the timeline of a record.',
      inputSchema: INPUTS.add_note,
      execute: async (input) => {
        try {
          const { object, row: parent } = await locate(input);
          if (object === 'tasks' || object === 'notes') {
            throw new ValidationError([
              { field: 'object', message: 'notes go on contacts, organizations, leads, deals or projects' },
            ]);
          }
          const note = await records.create(actor, 'notes', {
            entityType: object,
            entityId: parent.id,
            body: input.body,
            ...(input.kind ? { kind: input.kind } : {}),
          });
          return { ok: true as const, note: compact('notes', note), on: remember(compact(object, parent)) };
        } catch (error) {
          return failure(error);
        }
      },
    }),
    convert_lead: tool({
      description:
        'Convert a lead into an organization, a contact and (unless createDeal is false) a deal, in one step.',
      inputSchema: INPUTS.convert_lead,
      execute: async (input) => {
        try {
          const lead = await resolve('leads', input);
          const result = await deps.leads.convert(actor, lead.id, {
            createDeal: input.createDeal,
            dealName: input.dealName,
            amount: input.amount,
            currency: input.currency,
          });
          return {
            ok: true as const,
            lead: compact('leads', result.lead),
            organization: result.organization ? remember(compact('organizations', result.organization)) : null,
            contact: result.contact ? remember(compact('contacts', result.contact)) : null,
            deal: result.deal ? remember(compact('deals', result.deal)) : null,
          };
        } catch (error) {
          return failure(error);
        }
      },
    }),
    move_deal_stage: tool({
      description: 'Move a deal to another stage of its pipeline (by stage name), e.g. "Negotiation" or "Won".',
      inputSchema: INPUTS.move_deal_stage,
      execute: async (input) => {
        try {
          const deal = await resolve('deals', input);
          const stage = await stageId(input.stage, deal.pipelineId as string | undefined);
          const updated = await records.update(actor, 'deals', deal.id, { stageId: stage });
          return {
            ok: true as const,
            updated: remember(compact('deals', updated)),
            changed: { stageId: updated.stageId, status: updated.status, probability: updated.probability },
            stage: input.stage,
          };
        } catch (error) {
          return failure(error);
        }
      },
    }),
    assign: tool({
      description:
        'Assign a record to a workspace member (by name or email): a task gets an assignee, a project gains an assignee, other records change owner.',
      inputSchema: INPUTS.assign,
      execute: async (input) => {
        try {
          const row = await resolve(input.object, input);
          const userId = await memberId(input.member);
          const fields =
            input.object === 'tasks'
              ? { assigneeId: userId }
              : input.object === 'projects'
                ? { assigneeIds: [...new Set([...((row.assigneeIds as string[]) ?? []), userId])] }
                : { ownerId: userId };
          const updated = await records.update(actor, input.object, row.id, fields);
          return { ok: true as const, updated: remember(compact(input.object, updated)), changed: fields };
        } catch (error) {
          return failure(error);
        }
      },
    }),
    my_tasks: tool({
      description: "The user's open tasks (assigned to them), optionally due today, this week or overdue.",
      inputSchema: INPUTS.my_tasks,
      execute: async (input) => {
        try {
          if (!actor.userId) return { ok: true as const, tasks: [] };
          const now = clock();
          const filters: Filter[] = [{ field: 'assigneeId', op: 'eq', value: actor.userId }];
          if (input.status) filters.push({ field: 'status', op: 'eq', value: input.status });
          else filters.push({ field: 'status', op: 'ne', value: 'done' });
          const dayEnd = new Date(now);
          dayEnd.setUTCHours(23, 59, 59, 999);
          if (input.range === 'today') filters.push({ field: 'dueAt', op: 'lte', value: dayEnd.toISOString() });
          if (input.range === 'this_week') {
            filters.push({
              field: 'dueAt',
              op: 'lte',
              value: new Date(dayEnd.getTime() + 6 * 86_400_000).toISOString(),
            });
          }
          if (input.range === 'overdue') filters.push({ field: 'dueAt', op: 'lt', value: now.toISOString() });
          const result = await records.list(actor, 'tasks', { filters, sort: 'dueAt', limit: MAX_LIST });
          return {
            ok: true as const,
            tasks: result.data.map((r) =>
              compact('tasks', r, {
                status: r.status,
                priority: r.priority,
                dueAt: r.dueAt instanceof Date ? r.dueAt.toISOString() : r.dueAt,
              }),
            ),
          };
        } catch (error) {
          return failure(error);
        }
      },
    }),
    pipeline_summary: tool({
      description: 'Open deals per pipeline stage: how many and their total amount (deals the user can see).',
      inputSchema: INPUTS.pipeline_summary,
      execute: async () => {
        try {
          const [groups, pipelines] = await Promise.all([
            records.summarize(actor, 'deals', { groupBy: 'stageId', sum: 'amount' }),
            deps.pipelines.list(actor),
          ]);
          const byStage = new Map(groups.map((g) => [g.key, g]));
          return {
            ok: true as const,
            pipelines: pipelines.map((p) => ({
              name: p.name,
              stages: p.stages.map((s) => ({
                stage: s.name,
                kind: s.kind,
                deals: byStage.get(s.id)?.count ?? 0,
                amount: byStage.get(s.id)?.sum ?? '0',
              })),
            })),
          };
        } catch (error) {
          return failure(error);
        }
      },
    }),
    kpi_summary: tool({
      description:
        'Key figures across the records the user can see: deals by status with amounts, leads by status, open and overdue tasks.',
      inputSchema: INPUTS.kpi_summary,
      execute: async () => {
        try {
          const now = clock();
          const [deals, leads, openTasks, overdue] = await Promise.all([
            records.summarize(actor, 'deals', { groupBy: 'status', sum: 'amount' }),
            records.summarize(actor, 'leads', { groupBy: 'status' }),
            records.list(actor, 'tasks', {
              filters: [{ field: 'status', op: 'ne', value: 'done' }],
              limit: 1,
              count: true,
            }),
            records.list(actor, 'tasks', {
              filters: [
                { field: 'status', op: 'ne', value: 'done' },
                { field: 'dueAt', op: 'lt', value: now.toISOString() },
              ],
              limit: 1,
              count: true,
            }),
          ]);
          return {
            ok: true as const,
            deals: Object.fromEntries(deals.map((d) => [d.key ?? 'none', { count: d.count, amount: d.sum ?? '0' }])),
            leads: Object.fromEntries(leads.map((l) => [l.key ?? 'none', l.count])),
            tasks: { open: openTasks.page.total ?? 0, overdue: overdue.page.total ?? 0 },
          };
        } catch (error) {
          return failure(error);
        }
      },
    }),
    whats_on: tool({
      description: "The user's events and tasks due in a period (e.g. tomorrow), in the workspace time zone.",
      inputSchema: INPUTS.whats_on,
      execute: async (input) => {
        try {
          const result = await deps.calendar.range(actor, { from: new Date(input.from), to: new Date(input.to) });
          return {
            ok: true as const,
            timezone: result.timezone,
            items: result.items.slice(0, 50).map((i) => ({
              object: i.type === 'task' ? 'tasks' : 'events',
              id: i.eventId ?? i.taskId ?? i.id,
              name: i.title,
              link: i.type === 'task' ? i.link : '/calendar',
              fields: { start: i.start, end: i.end, location: i.location, recurring: i.recurring },
            })),
          };
        } catch (error) {
          return failure(error);
        }
      },
    }),
    find_free_slot: tool({
      description:
        'The first times in a period when all the given members are free for the duration, on weekdays 09:00–17:00 in the workspace time zone.',
      inputSchema: INPUTS.find_free_slot,
      execute: async (input) => {
        try {
          const ids = await Promise.all(input.members.map(memberId));
          const from = new Date(input.from);
          const to = new Date(input.to);
          const busy = await deps.calendar.busy(actor, ids, from, to);
          const zone = await deps.calendar.timezoneOf(actor);
          const length = input.durationMinutes * 60_000;
          const slots: Array<{ start: string; end: string }> = [];
          // Walk the period in quarter hours, within working hours, skipping busy times.
          for (
            let t = Math.ceil(from.getTime() / 900_000) * 900_000;
            t + length <= to.getTime() && slots.length < 3;
            t += 900_000
          ) {
            const local = toFloating(new Date(t), zone);
            const endLocal = toFloating(new Date(t + length), zone);
            const day = local.getUTCDay();
            const startHour = local.getUTCHours() + local.getUTCMinutes() / 60;
            const endHour = endLocal.getUTCHours() + endLocal.getUTCMinutes() / 60 || 24;
            if (day === 0 || day === 6 || startHour < 9 || endHour > 17 || endLocal.getUTCDate() !== local.getUTCDate())
              continue;
            const clash = busy.some((b) => b.start.getTime() < t + length && b.end.getTime() > t);
            if (clash) continue;
            slots.push({ start: isoInZone(new Date(t), zone), end: isoInZone(new Date(t + length), zone) });
            t += length - 900_000;
          }
          return { ok: true as const, timezone: zone, slots };
        } catch (error) {
          return failure(error);
        }
      },
    }),
    create_event: tool({
      description:
        'Create a calendar event. Attendees are members (by name) or email addresses. Give times with their offset.',
      inputSchema: INPUTS.create_event,
      execute: async (input) => {
        try {
          const attendees = await Promise.all(
            (input.attendees ?? []).map(async (who) => {
              if (/^[^@\s]+@[^@\s]+$/.test(who)) return { email: who.toLowerCase() };
              const userId = await memberId(who);
              const member = (await deps.members.list(actor)).find((m) => m.userId === userId);
              return { email: member?.email ?? who, name: member?.name, userId };
            }),
          );
          const start = new Date(input.startAt);
          const row = await records.create(actor, 'events', {
            title: input.title,
            startAt: input.startAt,
            endAt: input.endAt ?? new Date(start.getTime() + 3600_000).toISOString(),
            ...(input.location ? { location: input.location } : {}),
            ...(input.rrule ? { rrule: input.rrule } : {}),
            ...(input.reminders ? { reminders: input.reminders } : {}),
            ...(attendees.length ? { attendees } : {}),
          });
          return {
            ok: true as const,
            created: remember({
              object: 'events',
              id: row.id,
              name: input.title,
              link: '/calendar',
              fields: { startAt: input.startAt },
            }),
          };
        } catch (error) {
          return failure(error);
        }
      },
    }),
    move_event: tool({
      description: 'Move a (non-repeating) event to a new time; the length stays unless an end is given.',
      inputSchema: INPUTS.move_event,
      execute: async (input) => {
        try {
          const row = await resolve('events', input);
          const start = new Date(input.startAt);
          const length = (row.endAt as Date).getTime() - (row.startAt as Date).getTime();
          const updated = await records.update(actor, 'events', row.id, {
            startAt: input.startAt,
            endAt: input.endAt ?? new Date(start.getTime() + length).toISOString(),
          });
          return {
            ok: true as const,
            updated: remember({ object: 'events', id: updated.id, name: String(updated.title), link: '/calendar' }),
            changed: { startAt: updated.startAt, endAt: updated.endAt },
          };
        } catch (error) {
          return failure(error);
        }
      },
    }),
    cancel_event: tool({
      description: 'Cancel (delete) an event, a whole series if it repeats. Asks the user to confirm first.',
      inputSchema: INPUTS.cancel_event,
      needsApproval: true,
      execute: async (input) => {
        try {
          const row = await resolve('events', input);
          await records.remove(actor, 'events', row.id);
          return {
            ok: true as const,
            deleted: { object: 'events', id: row.id, name: String(row.title), link: '/calendar' },
          };
        } catch (error) {
          return failure(error);
        }
      },
    }),
    create_reminder: tool({
      description:
        'Remind the user of something at a time: creates a task assigned to them, due and reminding at that time (ISO 8601 with offset).',
      inputSchema: INPUTS.create_reminder,
      execute: async (input) => {
        try {
          const related = input.object && (input.id || input.name) ? await resolve(input.object, input) : undefined;
          const task = await records.create(actor, 'tasks', {
            title: input.title,
            dueAt: input.at,
            remindAt: input.at,
            ...(actor.userId ? { assigneeId: actor.userId } : {}),
            ...(related && input.object ? { relatedType: input.object, relatedId: related.id } : {}),
          });
          return { ok: true as const, created: remember(compact('tasks', task, { dueAt: input.at })) };
        } catch (error) {
          return failure(error);
        }
      },
    }),
    bulk_update_records: tool({
      description: 'Change the same fields on several records at once (up to 100). Asks the user to confirm first.',
      inputSchema: INPUTS.bulk_update_records,
      needsApproval: true,
      execute: async (input) => {
        try {
          const fields = await resolveLinks(input.object, input.fields);
          const results = await records.bulkUpdate(
            actor,
            input.object,
            input.ids.map((id) => ({ id, ...fields })),
          );
          return {
            ok: true as const,
            updated: results.filter((r) => r.ok).length,
            failed: results.filter((r) => !r.ok).map((r) => ({ id: input.ids[r.index], error: r.ok ? null : r.error })),
          };
        } catch (error) {
          return failure(error);
        }
      },
    }),
    bulk_delete_records: tool({
      description: 'Move several records to the trash at once (up to 100). Asks the user to confirm first.',
      inputSchema: INPUTS.bulk_delete_records,
      needsApproval: true,
      execute: async (input) => {
        try {
          const results = await records.bulkDelete(actor, input.object, input.ids);
          return {
            ok: true as const,
            deleted: results.filter((r) => r.ok).length,
            failed: results.filter((r) => !r.ok).map((r) => ({ id: input.ids[r.index], error: r.ok ? null : r.error })),
          };
        } catch (error) {
          return failure(error);
        }
      },
    }),
  };
  if (!allowed) return all;
  return Object.fromEntries(Object.entries(all).filter(([name]) => allowed.has(name)));
}
