// The CRM's tools: thin definitions over the records, search, leads and pipelines services, called
// with the user's actor, so permissions, visibility, validation and audit are the API's own.
// Results are compact (id, name, link, what changed).
import { z } from 'zod';
import type { MembersService } from '#server/modules/members/members.service.ts';
import { ValidationError } from '#server/platform/errors.ts';
import { type ToolDefinition, toolsOf } from '#server/platform/tools.ts';
import { NOTE_KINDS, RECORD_KINDS, RELATABLE, TASK_STATUSES } from './kinds.ts';
import type { LeadsService } from './leads.service.ts';
import { MERGEABLE, type MergeService } from './merge.service.ts';
import type { PipelinesService } from './pipelines.service.ts';
import { FILTER_OPS, type Filter } from './query.ts';
import { coerceFields, compact, OBJECTS, recordRefs, visibleFields } from './record-refs.ts';
import type { RecordsService } from './records.service.ts';
import type { SearchService } from './search.service.ts';

export interface CrmToolDeps {
  records: RecordsService;
  merge: MergeService;
  search: SearchService;
  leads: LeadsService;
  pipelines: PipelinesService;
  members: MembersService;
  clock: () => Date;
}

export const MAX_LIST = 25;

/** `action` on every record kind, or on the named ones: a tool is offered if the user holds one. */
export function kindPermissions(action: string, resources: readonly string[] = OBJECTS): string[] {
  return RECORD_KINDS.filter((k) => resources.includes(k.resource)).map((k) => `${k.module}:${k.resource}:${action}`);
}

export const objectSchema = z.enum(OBJECTS).describe('The kind of record');
export const recordRef = {
  id: z.uuid().optional().describe('The record id (from an earlier result); preferred'),
  name: z.string().min(1).max(200).optional().describe('The record name, when the id is not known'),
};
export const when = z
  .string()
  .datetime({ offset: true })
  .describe('ISO 8601, e.g. 2026-11-24T15:00:00+01:00 (without an offset: the workspace time zone)');
const fieldsSchema = z
  .record(z.string(), z.unknown())
  .describe('Field values by field key, e.g. {"firstName":"Jan","email":"jan@example.com"}');
const parentObject = z.enum(RELATABLE);
const whereSchema = z
  .array(
    z.strictObject({
      field: z.string().min(1).max(100),
      op: z.enum(FILTER_OPS),
      value: z.union([z.string(), z.number(), z.boolean()]),
    }),
  )
  .max(10)
  .optional()
  .describe('Conditions beyond equality, e.g. [{"field":"closeDate","op":"lte","value":"2026-12-31"}]');

/** The list filters a tool's `filters` (field equals value), `where` and `mine` say. */
function filtersOf(input: {
  filters?: Record<string, string | number | boolean> | undefined;
  where?: Array<{ field: string; op: Filter['op']; value: string | number | boolean }> | undefined;
  mine?: boolean | undefined;
}): Filter[] {
  const filters: Filter[] = Object.entries(input.filters ?? {}).map(([field, value]) => ({
    field,
    op: 'eq',
    value: String(value),
  }));
  for (const w of input.where ?? []) filters.push({ field: w.field, op: w.op, value: String(w.value) });
  if (input.mine) filters.push({ field: 'ownerId', op: 'eq', value: 'me' });
  return filters;
}

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

const bulkOutcome = (results: Array<{ ok: boolean; index: number; error?: unknown }>, ids: string[]) =>
  results.filter((r) => !r.ok).map((r) => ({ id: ids[r.index], error: r.ok ? null : r.error }));

const tool = toolsOf<CrmToolDeps>();
const refsOf = (run: Parameters<ToolDefinition<CrmToolDeps>['execute']>[0]) =>
  recordRefs(run.deps, run.actor, run.mention);

const searchRecords = tool({
  name: 'search_records',
  title: 'Search',
  group: 'read',
  permissions: kindPermissions('read'),
  confirm: false,
  readOnly: true,
  untrustedOutput: true,
  description:
    'Search every kind of record the user can see by name, email or other text (typo-tolerant). Returns the best matches with ids.',
  input: z.strictObject({
    query: z.string().min(1).max(200),
    objects: z.array(objectSchema).max(8).optional(),
    limit: z.number().int().min(1).max(MAX_LIST).optional(),
  }),
  output: 'results: matching records (object, id, name, detail, link)',
  async execute({ actor, deps }, input) {
    const hits = await deps.search.search(actor, { q: input.query, types: input.objects, limit: input.limit ?? 10 });
    return {
      results: hits.map((h) => ({
        object: h.resource,
        id: h.id,
        name: h.title,
        detail: h.subtitle,
        link: `/${h.resource}/${h.id}`,
      })),
    };
  },
});

const listRecords = tool({
  name: 'list_records',
  title: 'List',
  group: 'read',
  permissions: kindPermissions('read'),
  confirm: false,
  readOnly: true,
  untrustedOutput: true,
  description:
    'List records of one kind, optionally filtered (field equals value), searched and sorted. Use mine=true for the user\'s own records. Sort like "-updatedAt" or "name". The field keys are listed with create_record.',
  input: z.strictObject({
    object: objectSchema,
    query: z.string().max(200).optional(),
    filters: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    where: whereSchema,
    sort: z.string().max(100).optional(),
    mine: z.boolean().optional(),
    limit: z.number().int().min(1).max(MAX_LIST).optional(),
  }),
  output: 'total and records (object, id, name, link, fields)',
  async execute({ actor, deps }, input) {
    const filters = filtersOf(input);
    const result = await deps.records.list(actor, input.object, {
      q: input.query || undefined,
      filters,
      sort: input.sort,
      limit: input.limit ?? 10,
      count: true,
    });
    return {
      total: result.page.total,
      records: result.data.map((r) => compact(input.object, r, visibleFields(r))),
    };
  },
});

const countRecords = tool({
  name: 'count_records',
  title: 'Count',
  group: 'read',
  permissions: kindPermissions('read'),
  confirm: false,
  readOnly: true,
  untrustedOutput: false,
  description:
    'How many records of one kind match (the same filters as list_records), and with sum="amount" their total amount by currency, e.g. the value of open deals closing this quarter.',
  input: z.strictObject({
    object: objectSchema,
    filters: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    where: whereSchema,
    mine: z.boolean().optional(),
    sum: z.enum(['amount']).optional(),
  }),
  output: 'count, and sums by currency when asked',
  async execute({ actor, deps }, input) {
    const filters = filtersOf(input);
    const counted = await deps.records.list(actor, input.object, { filters, limit: 1, count: true });
    const sums = input.sum
      ? (await deps.records.summarize(actor, input.object, { groupBy: 'currency', sum: input.sum, filters })).map(
          (g) => ({ currency: g.key, amount: g.sum ?? '0', count: g.count }),
        )
      : undefined;
    return { object: input.object, count: counted.page.total ?? 0, ...(sums ? { sums } : {}) };
  },
});

const getRecord = tool({
  name: 'get_record',
  title: 'Open record',
  group: 'read',
  permissions: kindPermissions('read'),
  confirm: false,
  readOnly: true,
  untrustedOutput: true,
  description:
    'Get one record with all its fields; with related=true also its related records and its latest notes (timeline).',
  input: z.strictObject({ object: objectSchema.optional(), ...recordRef, related: z.boolean().optional() }),
  output: 'record (with fields); with related=true, related records by kind and notes',
  async execute(run, input) {
    const { actor, deps } = run;
    const refs = refsOf(run);
    const { object, row } = await refs.locate(input);
    const full = await deps.records.get(actor, object, row.id, { related: input.related ?? false });
    const related: Record<string, unknown[]> | undefined = full.related
      ? Object.fromEntries(
          Object.entries(full.related).map(([k, rows]) => [
            k,
            rows.slice(0, 10).map((r) => compact(deps.records.kindOf(k).resource, r)),
          ]),
        )
      : undefined;
    // The timeline: notes are what a "summarise this account" question is about.
    if (related && (RELATABLE as readonly string[]).includes(object)) {
      const notes = await deps.records.list(actor, 'notes', {
        filters: [
          { field: 'entityType', op: 'eq', value: object },
          { field: 'entityId', op: 'eq', value: row.id },
        ],
        sort: '-occurredAt',
        limit: 10,
      });
      related.notes = notes.data.map((n) => ({
        id: n.id,
        kind: n.kind,
        body: String(n.body ?? '').slice(0, 2000),
        occurredAt: n.occurredAt instanceof Date ? n.occurredAt.toISOString() : n.occurredAt,
      }));
    }
    return {
      record: refs.remember(compact(object, full.data, visibleFields(full.data))),
      ...(related ? { related } : {}),
    };
  },
});

const createRecord = tool({
  name: 'create_record',
  title: 'Create',
  group: 'write',
  permissions: kindPermissions('create'),
  confirm: false,
  readOnly: false,
  untrustedOutput: false,
  description: ({ records }) =>
    `Create a record. Linked records (organizationId, contactId, projectId, stageId, assigneeId, ownerId) may be given by name. Fields:\n${fieldGuide(records)}`,
  input: z.strictObject({ object: objectSchema, fields: fieldsSchema }),
  output: 'created: the new record',
  async execute(run, input) {
    const refs = refsOf(run);
    const kind = run.deps.records.kindOf(input.object);
    // On create an empty value is no value: models send null for the fields they leave out.
    const given = Object.fromEntries(Object.entries(input.fields).filter(([, v]) => v !== null && v !== undefined));
    const fields = await refs.resolveLinks(input.object, coerceFields(kind, given, run.timezone));
    const row = await run.deps.records.create(run.actor, input.object, fields);
    return { created: refs.remember(compact(input.object, row, visibleFields(row))) };
  },
});

const updateRecord = tool({
  name: 'update_record',
  title: 'Update',
  group: 'write',
  permissions: kindPermissions('update'),
  confirm: false,
  readOnly: false,
  untrustedOutput: false,
  description:
    'Change fields of one record (only the fields given; null clears a field). Linked records may be given by name. Use the field keys listed for create_record.',
  input: z.strictObject({ object: objectSchema.optional(), ...recordRef, fields: fieldsSchema }),
  output: 'updated: the record; changed: the new values',
  async execute(run, input) {
    const refs = refsOf(run);
    const { object, row } = await refs.locate(input);
    const kind = run.deps.records.kindOf(object);
    const fields = await refs.resolveLinks(object, coerceFields(kind, input.fields, run.timezone));
    const updated = await run.deps.records.update(run.actor, object, row.id, fields);
    const changed = Object.fromEntries(Object.keys(fields).map((k) => [k, updated[k]]));
    return { updated: refs.remember(compact(object, updated)), changed };
  },
});

const deleteRecord = tool({
  name: 'delete_record',
  title: 'Delete',
  group: 'destructive',
  permissions: kindPermissions('delete'),
  confirm: true,
  readOnly: false,
  untrustedOutput: false,
  description: 'Move one record to the trash (it can be restored for 30 days). Asks the user to confirm first.',
  input: z.strictObject({ object: objectSchema.optional(), ...recordRef }),
  output: 'deleted: the record moved to the trash',
  async execute(run, input) {
    const refs = refsOf(run);
    const { object, row } = await refs.locate(input);
    await run.deps.records.remove(run.actor, object, row.id);
    return { deleted: refs.remember(compact(object, row)) };
  },
});

const restoreRecord = tool({
  name: 'restore_record',
  title: 'Restore',
  group: 'write',
  permissions: kindPermissions('delete'),
  confirm: false,
  readOnly: false,
  untrustedOutput: false,
  description: 'Restore a record from the trash by id.',
  input: z.strictObject({ object: objectSchema, id: z.uuid() }),
  output: 'restored: the record',
  async execute(run, input) {
    const row = await run.deps.records.restore(run.actor, input.object, input.id);
    return { restored: refsOf(run).remember(compact(input.object, row)) };
  },
});

const addNote = tool({
  name: 'add_note',
  title: 'Add note',
  group: 'write',
  permissions: kindPermissions('create', ['notes']),
  confirm: false,
  readOnly: false,
  untrustedOutput: false,
  description: 'Add a note or activity (call, meeting, email, message) to the timeline of a record.',
  input: z.strictObject({
    object: parentObject.optional(),
    ...recordRef,
    body: z.string().min(1).max(20_000),
    kind: z.enum(NOTE_KINDS).optional(),
  }),
  output: 'note: the new note; on: the record it is on',
  async execute(run, input) {
    const refs = refsOf(run);
    const { object, row: parent } = await refs.locate(input);
    if (!(RELATABLE as readonly string[]).includes(object)) {
      throw new ValidationError([
        { field: 'object', message: 'notes go on contacts, organizations, leads, deals or projects' },
      ]);
    }
    const note = await run.deps.records.create(run.actor, 'notes', {
      entityType: object,
      entityId: parent.id,
      body: input.body,
      ...(input.kind ? { kind: input.kind } : {}),
    });
    return { note: compact('notes', note), on: refs.remember(compact(object, parent)) };
  },
});

const convertLead = tool({
  name: 'convert_lead',
  title: 'Convert lead',
  group: 'sales',
  permissions: kindPermissions('update', ['leads']),
  confirm: false,
  readOnly: false,
  untrustedOutput: false,
  description: 'Convert a lead into an organization, a contact and (unless createDeal is false) a deal, in one step.',
  input: z.strictObject({
    ...recordRef,
    createDeal: z.boolean().optional(),
    dealName: z.string().max(200).optional(),
    amount: z.union([z.string(), z.number()]).optional(),
    currency: z.string().length(3).optional(),
  }),
  output: 'lead, organization, contact and deal',
  async execute(run, input) {
    const refs = refsOf(run);
    const lead = await refs.resolve('leads', input);
    const result = await run.deps.leads.convert(run.actor, lead.id, {
      createDeal: input.createDeal,
      dealName: input.dealName,
      amount: input.amount,
      currency: input.currency,
    });
    return {
      lead: compact('leads', result.lead),
      organization: result.organization ? refs.remember(compact('organizations', result.organization)) : null,
      contact: result.contact ? refs.remember(compact('contacts', result.contact)) : null,
      deal: result.deal ? refs.remember(compact('deals', result.deal)) : null,
    };
  },
});

const moveDealStage = tool({
  name: 'move_deal_stage',
  title: 'Move deal',
  group: 'sales',
  permissions: kindPermissions('update', ['deals']),
  confirm: false,
  readOnly: false,
  untrustedOutput: false,
  description: 'Move a deal to another stage of its pipeline (by stage name), e.g. "Negotiation" or "Won".',
  input: z.strictObject({ ...recordRef, stage: z.string().min(1).max(100) }),
  output: 'updated: the deal; changed: its stage, status and probability',
  async execute(run, input) {
    const refs = refsOf(run);
    const deal = await refs.resolve('deals', input);
    const stage = await refs.stageId(input.stage, deal.pipelineId as string | undefined);
    const updated = await run.deps.records.update(run.actor, 'deals', deal.id, { stageId: stage });
    return {
      updated: refs.remember(compact('deals', updated)),
      changed: { stageId: updated.stageId, status: updated.status, probability: updated.probability },
      stage: input.stage,
    };
  },
});

const assign = tool({
  name: 'assign',
  title: 'Assign',
  group: 'write',
  permissions: kindPermissions('update'),
  confirm: false,
  readOnly: false,
  untrustedOutput: false,
  description:
    'Assign a record to a workspace member (by name or email): a task gets an assignee, a project gains an assignee, other records change owner.',
  input: z.strictObject({ object: objectSchema, ...recordRef, member: z.string().min(1).max(200) }),
  output: 'updated: the record; changed: the assignment',
  async execute(run, input) {
    const refs = refsOf(run);
    const row = await refs.resolve(input.object, input);
    const userId = await refs.memberId(input.member);
    const fields =
      input.object === 'tasks'
        ? { assigneeId: userId }
        : input.object === 'projects'
          ? { assigneeIds: [...new Set([...((row.assigneeIds as string[]) ?? []), userId])] }
          : { ownerId: userId };
    const updated = await run.deps.records.update(run.actor, input.object, row.id, fields);
    return { updated: refs.remember(compact(input.object, updated)), changed: fields };
  },
});

const myTasks = tool({
  name: 'my_tasks',
  title: 'My tasks',
  group: 'read',
  permissions: kindPermissions('read', ['tasks']),
  confirm: false,
  readOnly: true,
  untrustedOutput: true,
  description: "The user's open tasks (assigned to them), optionally due today, this week or overdue.",
  input: z.strictObject({
    range: z.enum(['today', 'this_week', 'overdue', 'all']).optional(),
    status: z.enum(TASK_STATUSES).optional(),
  }),
  output: 'tasks (with status, priority, due time)',
  async execute({ actor, deps }, input) {
    if (!actor.userId) return { tasks: [] };
    const now = deps.clock();
    const filters: Filter[] = [{ field: 'assigneeId', op: 'eq', value: actor.userId }];
    if (input.status) filters.push({ field: 'status', op: 'eq', value: input.status });
    else filters.push({ field: 'status', op: 'ne', value: 'done' });
    const dayEnd = new Date(now);
    dayEnd.setUTCHours(23, 59, 59, 999);
    if (input.range === 'today') filters.push({ field: 'dueAt', op: 'lte', value: dayEnd.toISOString() });
    if (input.range === 'this_week') {
      filters.push({ field: 'dueAt', op: 'lte', value: new Date(dayEnd.getTime() + 6 * 86_400_000).toISOString() });
    }
    if (input.range === 'overdue') filters.push({ field: 'dueAt', op: 'lt', value: now.toISOString() });
    const result = await deps.records.list(actor, 'tasks', { filters, sort: 'dueAt', limit: MAX_LIST });
    return {
      tasks: result.data.map((r) =>
        compact('tasks', r, {
          status: r.status,
          priority: r.priority,
          dueAt: r.dueAt instanceof Date ? r.dueAt.toISOString() : r.dueAt,
        }),
      ),
    };
  },
});

const pipelineSummary = tool({
  name: 'pipeline_summary',
  title: 'Pipeline',
  group: 'read',
  permissions: kindPermissions('read', ['deals']),
  confirm: false,
  readOnly: true,
  untrustedOutput: false,
  description: 'Open deals per pipeline stage: how many and their total amount (deals the user can see).',
  input: z.strictObject({}),
  output: 'pipelines with their stages: deal count and amount',
  async execute({ actor, deps }) {
    const [groups, pipelines] = await Promise.all([
      deps.records.summarize(actor, 'deals', { groupBy: 'stageId', sum: 'amount' }),
      deps.pipelines.list(actor),
    ]);
    const byStage = new Map(groups.map((g) => [g.key, g]));
    return {
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
  },
});

const kpiSummary = tool({
  name: 'kpi_summary',
  title: 'Key figures',
  group: 'read',
  permissions: kindPermissions('read', ['deals', 'leads', 'tasks']),
  confirm: false,
  readOnly: true,
  untrustedOutput: false,
  description:
    'Key figures across the records the user can see: deals by status with amounts, leads by status, open and overdue tasks.',
  input: z.strictObject({}),
  output: 'deals by status, leads by status, open and overdue tasks',
  async execute({ actor, deps }) {
    const now = deps.clock();
    const open: Filter = { field: 'status', op: 'ne', value: 'done' };
    const [deals, leads, openTasks, overdue] = await Promise.all([
      deps.records.summarize(actor, 'deals', { groupBy: 'status', sum: 'amount' }),
      deps.records.summarize(actor, 'leads', { groupBy: 'status' }),
      deps.records.list(actor, 'tasks', { filters: [open], limit: 1, count: true }),
      deps.records.list(actor, 'tasks', {
        filters: [open, { field: 'dueAt', op: 'lt', value: now.toISOString() }],
        limit: 1,
        count: true,
      }),
    ]);
    return {
      deals: Object.fromEntries(deals.map((d) => [d.key ?? 'none', { count: d.count, amount: d.sum ?? '0' }])),
      leads: Object.fromEntries(leads.map((l) => [l.key ?? 'none', l.count])),
      tasks: { open: openTasks.page.total ?? 0, overdue: overdue.page.total ?? 0 },
    };
  },
});

const createReminder = tool({
  name: 'create_reminder',
  title: 'Reminder',
  group: 'write',
  permissions: kindPermissions('create', ['tasks']),
  confirm: false,
  readOnly: false,
  untrustedOutput: false,
  description:
    'Remind the user of something at a time: creates a task assigned to them, due and reminding at that time.',
  input: z.strictObject({
    title: z.string().min(1).max(300),
    at: when,
    object: parentObject.optional(),
    ...recordRef,
  }),
  output: 'created: the reminder task',
  async execute(run, input) {
    const refs = refsOf(run);
    const related = input.object && (input.id || input.name) ? await refs.resolve(input.object, input) : undefined;
    const at = input.at;
    const task = await run.deps.records.create(run.actor, 'tasks', {
      title: input.title,
      dueAt: at,
      remindAt: at,
      ...(run.actor.userId ? { assigneeId: run.actor.userId } : {}),
      ...(related && input.object ? { relatedType: input.object, relatedId: related.id } : {}),
    });
    return { created: refs.remember(compact('tasks', task, { dueAt: input.at })) };
  },
});

const bulkUpdateRecords = tool({
  name: 'bulk_update_records',
  title: 'Bulk update',
  group: 'destructive',
  permissions: kindPermissions('update'),
  confirm: true,
  readOnly: false,
  untrustedOutput: false,
  description: 'Change the same fields on several records at once (up to 100). Asks the user to confirm first.',
  input: z.strictObject({ object: objectSchema, ids: z.array(z.uuid()).min(1).max(100), fields: fieldsSchema }),
  output: 'updated: how many; failed: the ids that were not, with why',
  async execute(run, input) {
    const kind = run.deps.records.kindOf(input.object);
    const fields = await refsOf(run).resolveLinks(input.object, coerceFields(kind, input.fields, run.timezone));
    const results = await run.deps.records.bulkUpdate(
      run.actor,
      input.object,
      input.ids.map((id) => ({ id, ...fields })),
    );
    return { updated: results.filter((r) => r.ok).length, failed: bulkOutcome(results, input.ids) };
  },
});

const bulkDeleteRecords = tool({
  name: 'bulk_delete_records',
  title: 'Bulk delete',
  group: 'destructive',
  permissions: kindPermissions('delete'),
  confirm: true,
  readOnly: false,
  untrustedOutput: false,
  description: 'Move several records to the trash at once (up to 100). Asks the user to confirm first.',
  input: z.strictObject({ object: objectSchema, ids: z.array(z.uuid()).min(1).max(100) }),
  output: 'deleted: how many; failed: the ids that were not, with why',
  async execute(run, input) {
    const results = await run.deps.records.bulkDelete(run.actor, input.object, input.ids);
    return { deleted: results.filter((r) => r.ok).length, failed: bulkOutcome(results, input.ids) };
  },
});

const mergeRecords = tool({
  name: 'merge_records',
  title: 'Merge',
  group: 'destructive',
  permissions: MERGEABLE.map((r) => `crm:${r}:delete`),
  confirm: true,
  readOnly: false,
  untrustedOutput: false,
  description:
    'Merge two duplicate contacts (or organizations) into one: the first is kept, the second merged into it and moved to the trash; its notes, tasks, deals, events and shares move over. Per field, keep says whose value wins ("target" the kept one, "source" the other); otherwise the kept one\'s, or the other\'s where it has none. Asks the user to confirm first.',
  input: z.strictObject({
    object: z.enum(MERGEABLE),
    target: z.strictObject(recordRef).describe('The record kept'),
    source: z.strictObject(recordRef).describe('The duplicate merged into it'),
    keep: z.record(z.string(), z.enum(['target', 'source'])).optional(),
  }),
  output: 'merged: the record kept; moved: how many linked records moved',
  async execute(run, input) {
    const refs = refsOf(run);
    const target = await refs.resolve(input.object, input.target);
    const source = await refs.resolve(input.object, input.source);
    const result = await run.deps.merge.merge(run.actor, input.object, target.id, {
      sourceId: source.id,
      keep: input.keep,
    });
    return { merged: refs.remember(compact(input.object, result.data)), moved: result.moved };
  },
});

/** The CRM's tools, in the order models are shown them. */
export const CRM_TOOLS = [
  searchRecords,
  listRecords,
  countRecords,
  getRecord,
  createRecord,
  updateRecord,
  deleteRecord,
  restoreRecord,
  addNote,
  convertLead,
  moveDealStage,
  assign,
  myTasks,
  pipelineSummary,
  kpiSummary,
  createReminder,
  bulkUpdateRecords,
  bulkDeleteRecords,
  mergeRecords,
];
