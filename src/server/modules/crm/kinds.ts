// The CRM objects, declared once: fields with their types, relations, display names and the few
// rules particular to one object. The record engine (records.service.ts) turns each declaration
// into validation, lists, search, bulk, trash and audit; routes, tools and imports follow from it.
import { eq, type SQL, sql } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
// rrule is CommonJS: Node's ESM loader sees only its default export.
import rrule from 'rrule';
import { events } from '#server/db/schema/calendar.ts';
import { contacts, deals, leads, notes, organizations, pipelines, projects, tasks } from '#server/db/schema/crm.ts';
import { workspaces } from '#server/db/schema/workspaces.ts';
import { visibleTo } from '#server/platform/access/visibility.ts';
import type { Actor } from '#server/platform/actor.ts';
import type { Tx } from '#server/platform/db/database.ts';
import { isTimezone } from '#server/platform/time.ts';
import type { FieldDef } from './fields.ts';
import { ensureDefaultPipeline, firstOpenStage, stageById } from './pipelines.service.ts';

const { RRule } = rrule;

export const LIFECYCLE_STAGES = ['subscriber', 'lead', 'mql', 'sql', 'opportunity', 'customer'] as const;
export const LEAD_SOURCES = ['linkedin', 'website', 'referral', 'event', 'manual', 'import'] as const;
export const LEAD_STATUSES = ['new', 'contacted', 'qualified', 'proposal', 'closed_won', 'closed_lost'] as const;
export const DEAL_STATUSES = ['open', 'won', 'lost'] as const;
export const PROJECT_STATUSES = ['planned', 'in_progress', 'on_hold', 'completed', 'cancelled'] as const;
export const TASK_STATUSES = ['todo', 'in_progress', 'blocked', 'done'] as const;
export const TASK_PRIORITIES = ['low', 'medium', 'high', 'urgent'] as const;
export const NOTE_KINDS = ['note', 'call', 'meeting', 'email', 'message'] as const;
export const SIZE_BANDS = ['1-10', '11-50', '51-200', '201-500', '501-1000', '1001-5000', '5000+'] as const;

/** Objects a task or note may be attached to. */
export const RELATABLE = ['contacts', 'organizations', 'deals', 'leads', 'projects'] as const;

export interface WriteContext {
  tx: Tx;
  actor: Actor;
  now: Date;
  /** The stored record on update; undefined on create. */
  existing?: Record<string, unknown> | undefined;
}

export interface RecordKind {
  module: 'crm' | 'calendar';
  /** Path segment, permission resource and share entity type, e.g. `contacts`. */
  resource: string;
  /** Audit entity type and event prefix, e.g. `contact`. */
  singular: string;
  label: string;
  table: PgTable;
  idColumn: PgColumn;
  ownerColumn: PgColumn;
  workspaceColumn: PgColumn;
  deletedAtColumn: PgColumn;
  updatedAtColumn: PgColumn;
  versionColumn: PgColumn;
  tagsColumn: PgColumn;
  customColumn: PgColumn;
  searchColumn: PgColumn;
  /** The record's search terms (search-index.ts). */
  searchTermsColumn: PgColumn;
  fields: Record<string, FieldDef>;
  /** Display name of a row (search results, links, audit). */
  titleSql: SQL;
  /** A second line for search results. */
  subtitleSql: SQL;
  /** Custom fields may be defined for this object. */
  customFields: boolean;
  /** Who else may read a record besides the owner/team/share/read_all rule (assignees, parents). */
  extraVisibility?: (actor: Actor) => SQL | null;
  /** Related lists shown on the detail view: another kind's records whose `field` is this id. */
  related?: Array<{ name: string; resource: string; field: string; sort?: string }>;
  /** Links whose target type is another field's value (a task's related record, a note's record). */
  polyRef?: { typeField: string; idField: string };
  /** Derived values and rules across fields, run inside the write's transaction. */
  beforeWrite?: (ctx: WriteContext, values: Record<string, unknown>) => Promise<void>;
}

function common(table: typeof contacts) {
  return {
    module: 'crm' as const,
    table,
    idColumn: table.id,
    ownerColumn: table.ownerId,
    workspaceColumn: table.workspaceId,
    deletedAtColumn: table.deletedAt,
    updatedAtColumn: table.updatedAt,
    versionColumn: table.version,
    tagsColumn: table.tags,
    customColumn: table.custom,
    searchColumn: table.searchText,
    searchTermsColumn: table.searchTerms,
  };
}

type AnyRecordTable = typeof contacts;
const t = <T>(table: T) => table as unknown as AnyRecordTable;

export const organizationKind: RecordKind = {
  ...common(t(organizations)),
  resource: 'organizations',
  singular: 'organization',
  label: 'Organization',
  fields: {
    name: { column: organizations.name, type: 'text', label: 'Name', required: true, sortable: true },
    description: { column: organizations.description, type: 'longText', label: 'Description', nullable: true },
    industry: { column: organizations.industry, type: 'text', label: 'Industry', sortable: true, nullable: true },
    website: { column: organizations.website, type: 'url', label: 'Website', nullable: true },
    domain: { column: organizations.domain, type: 'text', label: 'Domain', max: 253, sortable: true, nullable: true },
    sizeBand: {
      column: organizations.sizeBand,
      type: 'enum',
      values: SIZE_BANDS,
      label: 'Size',
      sortable: true,
      nullable: true,
    },
    annualRevenue: {
      column: organizations.annualRevenue,
      type: 'money',
      label: 'Annual revenue',
      sortable: true,
      nullable: true,
    },
    phone: { column: organizations.phone, type: 'phone', label: 'Phone', nullable: true },
    address: { column: organizations.address, type: 'address', label: 'Address', nullable: true },
  },
  titleSql: sql`${organizations.name}`,
  subtitleSql: sql`coalesce(${organizations.domain}, ${organizations.industry}, '')`,
  customFields: true,
  related: [
    { name: 'contacts', resource: 'contacts', field: 'organizationId', sort: 'firstName' },
    { name: 'deals', resource: 'deals', field: 'organizationId' },
    { name: 'projects', resource: 'projects', field: 'organizationId' },
  ],
  async beforeWrite(_ctx, values) {
    // The domain is what duplicates are found by: keep it bare ("acme.com"), derived from the website.
    if (typeof values.domain === 'string') values.domain = bareDomain(values.domain);
    else if (values.domain === undefined && typeof values.website === 'string' && !_ctx.existing?.domain) {
      values.domain = bareDomain(values.website);
    }
  },
};

export function bareDomain(value: string): string {
  return value
    .trim()
    .toLowerCase()
    .replace(/^[a-z]+:\/\//, '')
    .replace(/^www\./, '')
    .replace(/[/?#:].*$/, '');
}

export const contactKind: RecordKind = {
  ...common(t(contacts)),
  resource: 'contacts',
  singular: 'contact',
  label: 'Contact',
  fields: {
    firstName: {
      column: contacts.firstName,
      type: 'text',
      label: 'First name',
      required: true,
      sortable: true,
      max: 100,
    },
    lastName: { column: contacts.lastName, type: 'text', label: 'Last name', sortable: true, max: 100, nullable: true },
    email: { column: contacts.email, type: 'email', label: 'Email', sortable: true, nullable: true },
    otherEmails: { column: contacts.otherEmails, type: 'emails', label: 'Other emails' },
    phones: { column: contacts.phones, type: 'phones', label: 'Phones' },
    jobTitle: { column: contacts.jobTitle, type: 'text', label: 'Job title', sortable: true, nullable: true },
    organizationId: {
      column: contacts.organizationId,
      type: 'ref',
      ref: 'organizations',
      label: 'Organization',
      nullable: true,
    },
    department: { column: contacts.department, type: 'text', label: 'Department', nullable: true },
    leadStatus: {
      column: contacts.leadStatus,
      type: 'enum',
      values: LEAD_STATUSES,
      label: 'Lead status',
      sortable: true,
      nullable: true,
    },
    lifecycleStage: {
      column: contacts.lifecycleStage,
      type: 'enum',
      values: LIFECYCLE_STAGES,
      label: 'Lifecycle stage',
      sortable: true,
      nullable: true,
    },
    leadScore: { column: contacts.leadScore, type: 'int', label: 'Lead score', sortable: true, nullable: true },
    address: { column: contacts.address, type: 'address', label: 'Address', nullable: true },
    linkedinUrl: { column: contacts.linkedinUrl, type: 'url', label: 'LinkedIn', nullable: true },
    photo: { column: contacts.photo, type: 'image', label: 'Photo', nullable: true },
    xHandle: { column: contacts.xHandle, type: 'text', label: 'X', max: 50, nullable: true },
    notes: { column: contacts.notes, type: 'longText', label: 'Notes', nullable: true },
    lastContactedAt: {
      column: contacts.lastContactedAt,
      type: 'datetime',
      label: 'Last contacted',
      sortable: true,
      nullable: true,
    },
  },
  titleSql: sql`trim(${contacts.firstName} || ' ' || coalesce(${contacts.lastName}, ''))`,
  subtitleSql: sql`coalesce(${contacts.email}, ${contacts.jobTitle}, '')`,
  customFields: true,
  related: [
    { name: 'deals', resource: 'deals', field: 'contactId' },
    { name: 'tasks', resource: 'tasks', field: 'relatedId' },
  ],
};

export const leadKind: RecordKind = {
  ...common(t(leads)),
  resource: 'leads',
  singular: 'lead',
  label: 'Lead',
  fields: {
    contactName: { column: leads.contactName, type: 'text', label: 'Contact name', required: true, sortable: true },
    companyName: { column: leads.companyName, type: 'text', label: 'Company', sortable: true, nullable: true },
    email: { column: leads.email, type: 'email', label: 'Email', sortable: true, nullable: true },
    phone: { column: leads.phone, type: 'phone', label: 'Phone', nullable: true },
    industry: { column: leads.industry, type: 'text', label: 'Industry', nullable: true },
    location: { column: leads.location, type: 'text', label: 'Location', nullable: true },
    source: { column: leads.source, type: 'enum', values: LEAD_SOURCES, label: 'Source', sortable: true },
    status: { column: leads.status, type: 'enum', values: LEAD_STATUSES, label: 'Status', sortable: true },
    followUpDate: { column: leads.followUpDate, type: 'date', label: 'Follow-up date', sortable: true, nullable: true },
    lastContactedAt: {
      column: leads.lastContactedAt,
      type: 'datetime',
      label: 'Last contacted',
      sortable: true,
      nullable: true,
    },
    notes: { column: leads.notes, type: 'longText', label: 'Notes', nullable: true },
    convertedAt: {
      column: leads.convertedAt,
      type: 'datetime',
      label: 'Converted',
      readOnly: true,
      sortable: true,
      nullable: true,
    },
    convertedOrganizationId: {
      column: leads.convertedOrganizationId,
      type: 'ref',
      ref: 'organizations',
      label: 'Converted organization',
      readOnly: true,
      nullable: true,
    },
    convertedContactId: {
      column: leads.convertedContactId,
      type: 'ref',
      ref: 'contacts',
      label: 'Converted contact',
      readOnly: true,
      nullable: true,
    },
    convertedDealId: {
      column: leads.convertedDealId,
      type: 'ref',
      ref: 'deals',
      label: 'Converted deal',
      readOnly: true,
      nullable: true,
    },
  },
  titleSql: sql`${leads.contactName}`,
  subtitleSql: sql`coalesce(${leads.companyName}, ${leads.email}, '')`,
  customFields: true,
};

export const dealKind: RecordKind = {
  ...common(t(deals)),
  resource: 'deals',
  singular: 'deal',
  label: 'Deal',
  fields: {
    name: { column: deals.name, type: 'text', label: 'Name', required: true, sortable: true },
    amount: { column: deals.amount, type: 'money', label: 'Amount', sortable: true, nullable: true },
    currency: { column: deals.currency, type: 'currency', label: 'Currency' },
    pipelineId: { column: deals.pipelineId, type: 'ref', ref: 'pipelines', label: 'Pipeline' },
    stageId: { column: deals.stageId, type: 'ref', ref: 'stages', label: 'Stage' },
    probability: { column: deals.probability, type: 'percent', label: 'Probability', sortable: true, nullable: true },
    expectedCloseDate: {
      column: deals.expectedCloseDate,
      type: 'date',
      label: 'Expected close',
      sortable: true,
      nullable: true,
    },
    actualCloseDate: {
      column: deals.actualCloseDate,
      type: 'date',
      label: 'Closed on',
      sortable: true,
      nullable: true,
    },
    contactId: { column: deals.contactId, type: 'ref', ref: 'contacts', label: 'Contact', nullable: true },
    organizationId: {
      column: deals.organizationId,
      type: 'ref',
      ref: 'organizations',
      label: 'Organization',
      nullable: true,
    },
    status: { column: deals.status, type: 'enum', values: DEAL_STATUSES, label: 'Status', readOnly: true },
    lostReason: { column: deals.lostReason, type: 'text', label: 'Lost reason', max: 500, nullable: true },
    nextStep: { column: deals.nextStep, type: 'text', label: 'Next step', max: 500, nullable: true },
    stageChangedAt: {
      column: deals.stageChangedAt,
      type: 'datetime',
      label: 'Stage changed',
      readOnly: true,
      sortable: true,
      nullable: true,
    },
  },
  titleSql: sql`${deals.name}`,
  subtitleSql: sql`coalesce(${deals.amount}::text || ' ' || ${deals.currency}, '')`,
  customFields: true,
  related: [{ name: 'tasks', resource: 'tasks', field: 'relatedId' }],
  // Pipeline and stage go together; entering a stage sets its probability, status and dates.
  async beforeWrite(ctx, values) {
    const { tx, existing } = ctx;
    if (values.pipelineId !== undefined) {
      const [pipeline] = await tx
        .select({ id: pipelines.id })
        .from(pipelines)
        .where(eq(pipelines.id, values.pipelineId as string));
      if (!pipeline) throw new RelationProblem('pipelineId', 'not found');
    }
    let pipelineId = (values.pipelineId as string | undefined) ?? (existing?.pipelineId as string | undefined);
    if (!pipelineId) {
      pipelineId = await ensureDefaultPipeline(tx, ctx.actor.workspaceId);
      values.pipelineId = pipelineId;
    }
    const pipelineMoved = existing !== undefined && pipelineId !== existing.pipelineId;
    if (values.stageId === undefined && (!existing || pipelineMoved)) {
      const first = await firstOpenStage(tx, pipelineId);
      if (!first) throw new RelationProblem('pipelineId', 'has no stages');
      values.stageId = first.id;
    }
    if (values.stageId === undefined || values.stageId === existing?.stageId) return;
    const stage = await stageById(tx, values.stageId as string);
    if (!stage || stage.pipelineId !== pipelineId)
      throw new RelationProblem('stageId', "is not a stage of the deal's pipeline");
    values.stageChangedAt = ctx.now;
    values.status = stage.kind;
    if (values.probability === undefined) values.probability = stage.probability;
    if (values.actualCloseDate === undefined) {
      values.actualCloseDate = stage.kind === 'open' ? null : ctx.now.toISOString().slice(0, 10);
    }
  },
};

export const projectKind: RecordKind = {
  ...common(t(projects)),
  resource: 'projects',
  singular: 'project',
  label: 'Project',
  fields: {
    name: { column: projects.name, type: 'text', label: 'Name', required: true, sortable: true },
    description: { column: projects.description, type: 'longText', label: 'Description', nullable: true },
    status: { column: projects.status, type: 'enum', values: PROJECT_STATUSES, label: 'Status', sortable: true },
    organizationId: {
      column: projects.organizationId,
      type: 'ref',
      ref: 'organizations',
      label: 'Organization',
      nullable: true,
    },
    assigneeIds: { column: projects.assigneeIds, type: 'userRefs', label: 'Assignees' },
    startDate: { column: projects.startDate, type: 'date', label: 'Start date', sortable: true, nullable: true },
    dueDate: { column: projects.dueDate, type: 'date', label: 'Due date', sortable: true, nullable: true },
  },
  titleSql: sql`${projects.name}`,
  subtitleSql: sql`${projects.status}`,
  customFields: true,
  // Assignees work on the project, so they see it.
  extraVisibility: (actor) => (actor.userId ? sql`${actor.userId}::uuid = any(${projects.assigneeIds})` : null),
  related: [{ name: 'tasks', resource: 'tasks', field: 'projectId', sort: 'dueAt' }],
};

export const taskKind: RecordKind = {
  ...common(t(tasks)),
  resource: 'tasks',
  singular: 'task',
  label: 'Task',
  fields: {
    title: { column: tasks.title, type: 'text', label: 'Title', required: true, sortable: true, max: 300 },
    description: { column: tasks.description, type: 'longText', label: 'Description', nullable: true },
    status: { column: tasks.status, type: 'enum', values: TASK_STATUSES, label: 'Status', sortable: true },
    priority: { column: tasks.priority, type: 'enum', values: TASK_PRIORITIES, label: 'Priority', sortable: true },
    assigneeId: { column: tasks.assigneeId, type: 'userRef', label: 'Assignee', nullable: true },
    projectId: { column: tasks.projectId, type: 'ref', ref: 'projects', label: 'Project', nullable: true },
    relatedType: { column: tasks.relatedType, type: 'enum', values: RELATABLE, label: 'Related type', nullable: true },
    relatedId: { column: tasks.relatedId, type: 'polyRef', label: 'Related record', nullable: true },
    dueAt: { column: tasks.dueAt, type: 'datetime', label: 'Due', sortable: true, nullable: true },
    completedAt: {
      column: tasks.completedAt,
      type: 'datetime',
      label: 'Completed',
      readOnly: true,
      sortable: true,
      nullable: true,
    },
    remindAt: { column: tasks.remindAt, type: 'datetime', label: 'Reminder', nullable: true },
  },
  titleSql: sql`${tasks.title}`,
  subtitleSql: sql`${tasks.status} || ' · ' || ${tasks.priority}`,
  customFields: true,
  // The assignee works on the task, so they see it.
  extraVisibility: (actor) => (actor.userId ? sql`${tasks.assigneeId} = ${actor.userId}` : null),
  polyRef: { typeField: 'relatedType', idField: 'relatedId' },
  async beforeWrite(ctx, values) {
    const status = (values.status ?? ctx.existing?.status) as string | undefined;
    if (values.status !== undefined) values.completedAt = status === 'done' ? ctx.now : null;
    const type = values.relatedType !== undefined ? values.relatedType : ctx.existing?.relatedType;
    const id = values.relatedId !== undefined ? values.relatedId : ctx.existing?.relatedId;
    if ((type == null) !== (id == null)) {
      throw new RelationProblem(type == null ? 'relatedType' : 'relatedId', 'give both relatedType and relatedId');
    }
  },
};

export const noteKind: RecordKind = {
  ...common(t(notes)),
  resource: 'notes',
  singular: 'note',
  label: 'Note',
  fields: {
    entityType: { column: notes.entityType, type: 'enum', values: RELATABLE, label: 'Record type', required: true },
    entityId: { column: notes.entityId, type: 'polyRef', label: 'Record', required: true },
    kind: { column: notes.kind, type: 'enum', values: NOTE_KINDS, label: 'Kind', sortable: true },
    body: { column: notes.body, type: 'longText', label: 'Body', required: true },
    occurredAt: { column: notes.occurredAt, type: 'datetime', label: 'Occurred at', sortable: true },
  },
  polyRef: { typeField: 'entityType', idField: 'entityId' },
  titleSql: sql`left(${notes.body}, 80)`,
  subtitleSql: sql`${notes.kind}`,
  customFields: false,
};

export const ATTENDEE_STATUSES = ['needs-action', 'accepted', 'declined', 'tentative'] as const;

/** Fields whose change is news to attendees: an invitation update carries a higher SEQUENCE. */
const SCHEDULE_FIELDS = [
  'title',
  'startAt',
  'endAt',
  'allDay',
  'timezone',
  'location',
  'rrule',
  'exdates',
  'attendees',
];

export const eventKind: RecordKind = {
  ...common(t(events)),
  module: 'calendar',
  resource: 'events',
  singular: 'event',
  label: 'Event',
  fields: {
    title: { column: events.title, type: 'text', label: 'Title', required: true, sortable: true, max: 300 },
    description: { column: events.description, type: 'longText', label: 'Description', nullable: true },
    startAt: { column: events.startAt, type: 'datetime', label: 'Starts', required: true, sortable: true },
    endAt: { column: events.endAt, type: 'datetime', label: 'Ends', required: true, sortable: true },
    allDay: { column: events.allDay, type: 'bool', label: 'All day' },
    timezone: { column: events.timezone, type: 'text', label: 'Time zone', max: 64 },
    location: { column: events.location, type: 'text', label: 'Location', max: 500, nullable: true },
    rrule: { column: events.rrule, type: 'text', label: 'Repeats (RRULE)', max: 500, nullable: true },
    exdates: { column: events.exdates, type: 'datetimes', label: 'Skipped occurrences' },
    seriesId: { column: events.seriesId, type: 'ref', ref: 'events', label: 'Series', nullable: true },
    originalStartAt: { column: events.originalStartAt, type: 'datetime', label: 'Replaces occurrence', nullable: true },
    attendees: { column: events.attendees, type: 'attendees', label: 'Attendees' },
    reminders: { column: events.reminders, type: 'minutes', label: 'Reminders (minutes before)' },
    relatedType: { column: events.relatedType, type: 'enum', values: RELATABLE, label: 'Related type', nullable: true },
    relatedId: { column: events.relatedId, type: 'polyRef', label: 'Related record', nullable: true },
    sequence: { column: events.sequence, type: 'int', label: 'Revision', readOnly: true },
    icalUid: { column: events.icalUid, type: 'text', label: 'Imported UID', max: 1000, nullable: true },
  },
  titleSql: sql`${events.title}`,
  subtitleSql: sql`to_char(${events.startAt} at time zone ${events.timezone}, 'YYYY-MM-DD HH24:MI')`,
  customFields: true,
  // Member attendees see the events they are invited to.
  extraVisibility: (actor) =>
    actor.userId ? sql`${events.attendees} @> ${JSON.stringify([{ userId: actor.userId }])}::jsonb` : null,
  polyRef: { typeField: 'relatedType', idField: 'relatedId' },
  async beforeWrite(ctx, values) {
    // A new event's times are read in the workspace's zone unless it names its own.
    if (!ctx.existing && values.timezone === undefined) {
      const [w] = await ctx.tx
        .select({ timezone: workspaces.timezone })
        .from(workspaces)
        .where(eq(workspaces.id, ctx.actor.workspaceId));
      values.timezone = w?.timezone ?? 'UTC';
    }
    const get = (k: string) => (values[k] !== undefined ? values[k] : ctx.existing?.[k]);
    const start = get('startAt') as Date | undefined;
    const end = get('endAt') as Date | undefined;
    if (start && end && end.getTime() < start.getTime())
      throw new RelationProblem('endAt', 'must not be before the start');
    const timezone = get('timezone') as string | undefined;
    if (values.timezone !== undefined && (!timezone || !isTimezone(timezone))) {
      throw new RelationProblem('timezone', 'must be an IANA time zone such as Europe/Warsaw');
    }
    const rule = values.rrule as string | null | undefined;
    if (rule) {
      const problem = checkRrule(rule);
      if (problem) throw new RelationProblem('rrule', problem);
    }
    if ((get('seriesId') == null) !== (get('originalStartAt') == null)) {
      throw new RelationProblem('originalStartAt', 'an occurrence override needs both seriesId and originalStartAt');
    }
    if (values.exdates !== undefined) values.exdates = (values.exdates as string[]).map((d) => new Date(d));
    if (ctx.existing && SCHEDULE_FIELDS.some((f) => values[f] !== undefined)) {
      values.sequence = Number(ctx.existing.sequence ?? 0) + 1;
    }
    const type = values.relatedType !== undefined ? values.relatedType : ctx.existing?.relatedType;
    const id = values.relatedId !== undefined ? values.relatedId : ctx.existing?.relatedId;
    if ((type == null) !== (id == null)) {
      throw new RelationProblem(type == null ? 'relatedType' : 'relatedId', 'give both relatedType and relatedId');
    }
  },
};

/** Why an RRULE cannot be used, or null. DTSTART comes from the event, so it may not be in it. */
export function checkRrule(rule: string): string | null {
  if (/DTSTART|\n/i.test(rule)) return 'give only the rule (e.g. FREQ=WEEKLY;BYDAY=MO), without DTSTART';
  try {
    const options = RRule.parseString(rule.replace(/^RRULE:/i, ''));
    if (options.freq === undefined) return 'needs FREQ (e.g. FREQ=WEEKLY)';
    if (options.freq > RRule.DAILY) return 'may repeat at most daily';
    return null;
  } catch {
    return 'is not a valid RRULE (e.g. FREQ=WEEKLY;BYDAY=MO,WE)';
  }
}

/** Thrown by a kind's rules; the engine reports it as a field-level validation error. */
export class RelationProblem extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export const RECORD_KINDS: RecordKind[] = [
  organizationKind,
  contactKind,
  leadKind,
  dealKind,
  projectKind,
  taskKind,
  noteKind,
  eventKind,
];

export function kindByResource(resource: string): RecordKind | undefined {
  return RECORD_KINDS.find((k) => k.resource === resource);
}

/** Read access to a record of `kind`: the shared owner/team/share/read_all rule, or the kind's own. */
export function readableBy(actor: Actor, kind: RecordKind, now?: Date): SQL {
  const extra = kind.extraVisibility?.(actor);
  const base = visibleTo(actor, kind, 'read', now);
  return extra ? sql`(${base} or ${extra})` : base;
}

// A note is part of its record's timeline: whoever may read the record reads its notes.
noteKind.extraVisibility = (actor) =>
  sql`(${sql.join(
    RELATABLE.map((resource) => {
      const parent = kindByResource(resource) as RecordKind;
      return sql`(${notes.entityType} = ${resource} and exists (select 1 from ${parent.table} where ${parent.idColumn} = ${notes.entityId} and ${parent.deletedAtColumn} is null and ${readableBy(actor, parent)}))`;
    }),
    sql` or `,
  )})`;
