// CRM records: organizations, contacts, leads, pipelines and stages, deals, projects, tasks, notes,
// plus custom field definitions, feedback, and import/export runs. Every record table shares the
// common columns (owner, version, soft delete, tags, custom values) and a generated search text.
import { type SQL, sql } from 'drizzle-orm';
import {
  boolean,
  customType,
  date,
  index,
  integer,
  jsonb,
  numeric,
  type PgColumn,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { createdAtColumn, idColumn, updatedAtColumn, workspaceColumn } from './columns.ts';
import { users } from './identity.ts';
import { tenantPolicy } from './tenancy.ts';

const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (value) => (Buffer.isBuffer(value) ? value : Buffer.from(value)),
});

export interface Address {
  street?: string | undefined;
  city?: string | undefined;
  region?: string | undefined;
  postalCode?: string | undefined;
  country?: string | undefined;
}

/** Columns every CRM record has (SPEC §3). */
export function recordColumns() {
  return {
    id: idColumn(),
    workspaceId: workspaceColumn(),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
    version: integer('version').notNull().default(1),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
    tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
    custom: jsonb('custom').$type<Record<string, unknown>>().notNull().default({}),
  };
}

/**
 * What search reads, kept by PostgreSQL itself: the record's searchable text lower-cased, and its
 * terms (albedo_search_terms, migration 0021), which a GIN index maps back to records. See
 * src/server/modules/crm/search-index.ts.
 */
export const searchColumns = (expression: SQL) => ({
  searchText: text('search_text').generatedAlwaysAs(expression),
  searchTerms: text('search_terms').array().generatedAlwaysAs(sql`albedo_search_terms(${expression})`),
});

/**
 * The indexes every record table needs: the default list order (live rows, newest change first),
 * owner filters (visibility), tags, trash, and search (the search terms).
 */
export function recordIndexes(
  name: string,
  t: {
    workspaceId: PgColumn;
    updatedAt: PgColumn;
    id: PgColumn;
    ownerId: PgColumn;
    tags: PgColumn;
    deletedAt: PgColumn;
    searchTerms: PgColumn;
  },
) {
  return [
    index(`${name}_list_idx`).on(t.workspaceId, t.updatedAt, t.id).where(sql`deleted_at is null`),
    index(`${name}_owner_idx`).on(t.workspaceId, t.ownerId),
    index(`${name}_tags_idx`).using('gin', t.tags),
    index(`${name}_trash_idx`).on(t.deletedAt).where(sql`deleted_at is not null`),
    index(`${name}_search_terms_idx`).using('gin', t.searchTerms),
    tenantPolicy(name),
  ];
}

export const organizations = pgTable(
  'organizations',
  {
    ...recordColumns(),
    name: text('name').notNull(),
    description: text('description'),
    industry: text('industry'),
    website: text('website'),
    domain: text('domain'),
    sizeBand: text('size_band'),
    annualRevenue: numeric('annual_revenue', { precision: 18, scale: 2 }),
    phone: text('phone'),
    address: jsonb('address').$type<Address>(),
    ...searchColumns(sql`lower(name || ' ' || coalesce(domain, ''))`),
  },
  (t) => [
    ...recordIndexes('organizations', t),
    index('organizations_name_idx').on(t.workspaceId, sql`lower(${t.name})`, t.id).where(sql`deleted_at is null`),
    index('organizations_domain_idx').on(t.workspaceId, sql`lower(${t.domain})`),
  ],
).enableRLS();

export const contacts = pgTable(
  'contacts',
  {
    ...recordColumns(),
    firstName: text('first_name').notNull(),
    lastName: text('last_name'),
    email: text('email'),
    otherEmails: text('other_emails').array().notNull().default(sql`'{}'::text[]`),
    phones: text('phones').array().notNull().default(sql`'{}'::text[]`),
    jobTitle: text('job_title'),
    organizationId: uuid('organization_id').references(() => organizations.id, { onDelete: 'set null' }),
    department: text('department'),
    leadStatus: text('lead_status'),
    lifecycleStage: text('lifecycle_stage'),
    leadScore: integer('lead_score'),
    address: jsonb('address').$type<Address>(),
    linkedinUrl: text('linkedin_url'),
    /** A picture of the person: a web address, or a data: URI of an image (from a vCard's PHOTO). */
    photo: text('photo'),
    xHandle: text('x_handle'),
    notes: text('notes'),
    lastContactedAt: timestamp('last_contacted_at', { withTimezone: true }),
    ...searchColumns(sql`lower(first_name || ' ' || coalesce(last_name, '') || ' ' || coalesce(email, ''))`),
  },
  (t) => [
    ...recordIndexes('contacts', t),
    // Matches the list's name sorts (last name, then first name; nulls as empty).
    index('contacts_name_idx')
      .on(t.workspaceId, sql`coalesce(lower(${t.lastName}), '')`, sql`lower(${t.firstName})`, t.id)
      .where(sql`deleted_at is null`),
    // Contacts by lifecycle stage in name order, the list every CRM keeps a view of: without it
    // the name index is walked past every contact of the other stages (801 rows read for a page of
    // 51 in the benchmark's workspace, against 51).
    index('contacts_stage_name_idx')
      .on(t.workspaceId, t.lifecycleStage, sql`coalesce(lower(${t.lastName}), '')`, sql`lower(${t.firstName})`, t.id)
      .where(sql`deleted_at is null`),
    index('contacts_email_idx').on(t.workspaceId, sql`lower(${t.email})`),
    index('contacts_organization_idx').on(t.organizationId),
  ],
).enableRLS();

export const leads = pgTable(
  'leads',
  {
    ...recordColumns(),
    companyName: text('company_name'),
    contactName: text('contact_name').notNull(),
    email: text('email'),
    phone: text('phone'),
    industry: text('industry'),
    location: text('location'),
    source: text('source').notNull().default('manual'),
    status: text('status').notNull().default('new'),
    followUpDate: date('follow_up_date'),
    lastContactedAt: timestamp('last_contacted_at', { withTimezone: true }),
    notes: text('notes'),
    convertedAt: timestamp('converted_at', { withTimezone: true }),
    convertedOrganizationId: uuid('converted_organization_id'),
    convertedContactId: uuid('converted_contact_id'),
    convertedDealId: uuid('converted_deal_id'),
    ...searchColumns(sql`lower(contact_name || ' ' || coalesce(company_name, '') || ' ' || coalesce(email, ''))`),
  },
  (t) => [...recordIndexes('leads', t), index('leads_status_idx').on(t.workspaceId, t.status)],
).enableRLS();

export const pipelines = pgTable(
  'pipelines',
  {
    id: idColumn(),
    workspaceId: workspaceColumn(),
    name: text('name').notNull(),
    isDefault: boolean('is_default').notNull().default(false),
    position: integer('position').notNull().default(0),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
  (t) => [
    uniqueIndex('pipelines_workspace_name_idx').on(t.workspaceId, sql`lower(${t.name})`),
    uniqueIndex('pipelines_one_default_idx').on(t.workspaceId).where(sql`is_default`),
    tenantPolicy('pipelines'),
  ],
).enableRLS();

export const STAGE_KINDS = ['open', 'won', 'lost'] as const;
export type StageKind = (typeof STAGE_KINDS)[number];

export const pipelineStages = pgTable(
  'pipeline_stages',
  {
    id: idColumn(),
    workspaceId: workspaceColumn(),
    pipelineId: uuid('pipeline_id')
      .notNull()
      .references(() => pipelines.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    position: integer('position').notNull(),
    probability: integer('probability').notNull().default(0),
    kind: text('kind').$type<StageKind>().notNull().default('open'),
  },
  (t) => [index('pipeline_stages_pipeline_idx').on(t.pipelineId, t.position), tenantPolicy('pipeline_stages')],
).enableRLS();

export const deals = pgTable(
  'deals',
  {
    ...recordColumns(),
    name: text('name').notNull(),
    amount: numeric('amount', { precision: 18, scale: 2 }),
    currency: text('currency').notNull().default('USD'),
    pipelineId: uuid('pipeline_id')
      .notNull()
      .references(() => pipelines.id),
    stageId: uuid('stage_id')
      .notNull()
      .references(() => pipelineStages.id),
    probability: integer('probability'),
    expectedCloseDate: date('expected_close_date'),
    actualCloseDate: date('actual_close_date'),
    contactId: uuid('contact_id').references(() => contacts.id, { onDelete: 'set null' }),
    organizationId: uuid('organization_id').references(() => organizations.id, { onDelete: 'set null' }),
    status: text('status').notNull().default('open'),
    lostReason: text('lost_reason'),
    nextStep: text('next_step'),
    stageChangedAt: timestamp('stage_changed_at', { withTimezone: true }),
    ...searchColumns(sql`lower(name)`),
  },
  (t) => [
    ...recordIndexes('deals', t),
    index('deals_stage_idx').on(t.workspaceId, t.stageId),
    index('deals_organization_idx').on(t.organizationId),
    index('deals_contact_idx').on(t.contactId),
  ],
).enableRLS();

export const projects = pgTable(
  'projects',
  {
    ...recordColumns(),
    name: text('name').notNull(),
    description: text('description'),
    status: text('status').notNull().default('planned'),
    organizationId: uuid('organization_id').references(() => organizations.id, { onDelete: 'set null' }),
    assigneeIds: uuid('assignee_ids').array().notNull().default(sql`'{}'::uuid[]`),
    startDate: date('start_date'),
    dueDate: date('due_date'),
    ...searchColumns(sql`lower(name)`),
  },
  (t) => [...recordIndexes('projects', t), index('projects_assignees_idx').using('gin', t.assigneeIds)],
).enableRLS();

export const tasks = pgTable(
  'tasks',
  {
    ...recordColumns(),
    title: text('title').notNull(),
    description: text('description'),
    status: text('status').notNull().default('todo'),
    priority: text('priority').notNull().default('medium'),
    assigneeId: uuid('assignee_id').references(() => users.id, { onDelete: 'set null' }),
    projectId: uuid('project_id').references(() => projects.id, { onDelete: 'set null' }),
    relatedType: text('related_type'),
    relatedId: uuid('related_id'),
    dueAt: timestamp('due_at', { withTimezone: true }),
    completedAt: timestamp('completed_at', { withTimezone: true }),
    remindAt: timestamp('remind_at', { withTimezone: true }),
    ...searchColumns(sql`lower(title)`),
  },
  (t) => [
    ...recordIndexes('tasks', t),
    index('tasks_assignee_idx').on(t.workspaceId, t.assigneeId, t.dueAt),
    index('tasks_project_idx').on(t.projectId),
    index('tasks_related_idx').on(t.relatedId),
  ],
).enableRLS();

export const notes = pgTable(
  'notes',
  {
    ...recordColumns(),
    entityType: text('entity_type').notNull(),
    entityId: uuid('entity_id').notNull(),
    kind: text('kind').notNull().default('note'),
    body: text('body').notNull(),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull().defaultNow(),
    ...searchColumns(sql`lower(left(body, 2000))`),
  },
  (t) => [...recordIndexes('notes', t), index('notes_entity_idx').on(t.entityId, t.occurredAt)],
).enableRLS();

export const CUSTOM_FIELD_TYPES = [
  'text',
  'long_text',
  'number',
  'currency',
  'date',
  'boolean',
  'select',
  'multi_select',
  'url',
  'email',
  'phone',
] as const;
export type CustomFieldType = (typeof CUSTOM_FIELD_TYPES)[number];

export const customFields = pgTable(
  'custom_fields',
  {
    id: idColumn(),
    workspaceId: workspaceColumn(),
    objectType: text('object_type').notNull(),
    key: text('key').notNull(),
    label: text('label').notNull(),
    type: text('type').$type<CustomFieldType>().notNull(),
    required: boolean('required').notNull().default(false),
    options: text('options').array().notNull().default(sql`'{}'::text[]`),
    position: integer('position').notNull().default(0),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
  (t) => [uniqueIndex('custom_fields_key_idx').on(t.workspaceId, t.objectType, t.key), tenantPolicy('custom_fields')],
).enableRLS();

export const feedback = pgTable(
  'feedback',
  {
    id: idColumn(),
    workspaceId: workspaceColumn(),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'set null' }),
    category: text('category').notNull().default('idea'),
    message: text('message').notNull(),
    page: text('page'),
    status: text('status').notNull().default('new'),
    createdAt: createdAtColumn(),
    reviewedAt: timestamp('reviewed_at', { withTimezone: true }),
  },
  (t) => [index('feedback_workspace_idx').on(t.workspaceId, t.createdAt), tenantPolicy('feedback')],
).enableRLS();

/** Import and export runs: the file travels with the run so any instance's worker can process it. */
export const dataTransfers = pgTable(
  'data_transfers',
  {
    id: idColumn(),
    workspaceId: workspaceColumn(),
    direction: text('direction').$type<'import' | 'export'>().notNull(),
    objectType: text('object_type').notNull(),
    format: text('format').notNull(),
    fileName: text('file_name').notNull(),
    content: bytea('content'),
    options: jsonb('options').$type<Record<string, unknown>>().notNull().default({}),
    status: text('status').notNull().default('queued'),
    jobId: uuid('job_id'),
    /**
     * The run of an import that holds it: a run handed back by a shutdown may still be finishing
     * a chunk while the next run goes on, and only the run named here may end the import.
     */
    runId: uuid('run_id'),
    totalRows: integer('total_rows'),
    processedRows: integer('processed_rows').notNull().default(0),
    createdRows: integer('created_rows').notNull().default(0),
    updatedRows: integer('updated_rows').notNull().default(0),
    skippedRows: integer('skipped_rows').notNull().default(0),
    failedRows: integer('failed_rows').notNull().default(0),
    errors: jsonb('errors').$type<Array<{ row: number; field?: string; message: string }>>().notNull().default([]),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAtColumn(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [index('data_transfers_workspace_idx').on(t.workspaceId, t.createdAt), tenantPolicy('data_transfers')],
).enableRLS();

/**
 * The chunks of an import that committed, each written in the chunk's own transaction: an import
 * that runs again (its server stopped mid-way) skips them and takes their counts and errors from
 * here, so no row is imported twice. Deleted when the import ends.
 */
export const dataTransferChunks = pgTable(
  'data_transfer_chunks',
  {
    workspaceId: workspaceColumn(),
    transferId: uuid('transfer_id')
      .notNull()
      .references(() => dataTransfers.id, { onDelete: 'cascade' }),
    /** The chunk's first row, counted from 0 in the file. */
    firstRow: integer('first_row').notNull(),
    rows: integer('rows').notNull(),
    createdRows: integer('created_rows').notNull().default(0),
    updatedRows: integer('updated_rows').notNull().default(0),
    skippedRows: integer('skipped_rows').notNull().default(0),
    failedRows: integer('failed_rows').notNull().default(0),
    errors: jsonb('errors').$type<Array<{ row: number; field?: string; message: string }>>().notNull().default([]),
  },
  (t) => [primaryKey({ columns: [t.transferId, t.firstRow] }), tenantPolicy('data_transfer_chunks')],
).enableRLS();

/**
 * A saved view of a list: its search, filters, sort and columns, under a name. Its owner's, and
 * everyone's in the workspace when shared.
 */
export const savedViews = pgTable(
  'saved_views',
  {
    id: idColumn(),
    workspaceId: workspaceColumn(),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    objectType: text('object_type').notNull(),
    name: text('name').notNull(),
    shared: boolean('shared').notNull().default(false),
    /** { q?, filters?, sort?, mine?, hiddenColumns? }: what the list page applies. */
    query: jsonb('query').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
  (t) => [
    index('saved_views_list_idx').on(t.workspaceId, t.objectType),
    uniqueIndex('saved_views_owner_name_idx').on(t.workspaceId, t.ownerId, t.objectType, sql`lower(${t.name})`),
    tenantPolicy('saved_views'),
  ],
).enableRLS();
