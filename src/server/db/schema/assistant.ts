// The assistant's data: conversations with every message (tool calls and results included), the
// workspace's model providers (keys sealed at rest), its AI settings, and one usage row per model call.
import { sql } from 'drizzle-orm';
import {
  boolean,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { createdAtColumn, idColumn, updatedAtColumn, workspaceColumn } from './columns.ts';
import { users } from './identity.ts';
import { tenantPolicy } from './tenancy.ts';
import { workspaces } from './workspaces.ts';

/** A record the conversation has mentioned, most recent first: what "him" or "it" refers to. */
export interface MentionedRecord {
  object: string;
  id: string;
  title: string;
}

export const conversations = pgTable(
  'conversations',
  {
    id: idColumn(),
    workspaceId: workspaceColumn(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    title: text('title').notNull().default('New conversation'),
    /** Department agent profile; null = the user's department. */
    agent: text('agent'),
    /** Preferred provider for this conversation; null = the workspace's routing. */
    provider: text('provider'),
    /** Summary of the oldest `summarizedCount` messages, which are no longer sent to the model. */
    summary: text('summary'),
    summarizedCount: integer('summarized_count').notNull().default(0),
    recentRecords: jsonb('recent_records').$type<MentionedRecord[]>().notNull().default([]),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
  (t) => [index('conversations_user_idx').on(t.workspaceId, t.userId, t.updatedAt), tenantPolicy('conversations')],
).enableRLS();

export const conversationMessages = pgTable(
  'conversation_messages',
  {
    /** The UI message id (the AI SDK's), unique within the workspace. */
    id: text('id').primaryKey(),
    workspaceId: workspaceColumn(),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    role: text('role').$type<'user' | 'assistant' | 'system'>().notNull(),
    /** The AI SDK UI message parts: text, tool calls with input, output, approval state. */
    parts: jsonb('parts').$type<unknown[]>().notNull(),
    metadata: jsonb('metadata').$type<Record<string, unknown>>(),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
  (t) => [
    uniqueIndex('conversation_messages_position_idx').on(t.conversationId, t.position),
    tenantPolicy('conversation_messages'),
  ],
).enableRLS();

export const aiProviders = pgTable(
  'ai_providers',
  {
    id: idColumn(),
    workspaceId: workspaceColumn(),
    /** anthropic | openai | google | kimi | compatible */
    name: text('name').notNull(),
    enabled: boolean('enabled').notNull().default(true),
    model: text('model').notNull(),
    baseUrl: text('base_url'),
    /** AES-256-GCM under APP_MASTER_KEY, bound to the workspace id; never returned by the API. */
    apiKeySealed: text('api_key_sealed'),
    /** Place in the fallback chain, lowest first. */
    position: integer('position').notNull().default(0),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
  (t) => [uniqueIndex('ai_providers_name_idx').on(t.workspaceId, t.name), tenantPolicy('ai_providers')],
).enableRLS();

export interface RoutingRule {
  /** `chinese` = the message is mostly Chinese text; `department` = the user's department agent. */
  when: { language?: 'chinese' | undefined; department?: string | undefined };
  provider: string;
  model?: string | undefined;
}

export const aiSettings = pgTable(
  'ai_settings',
  {
    workspaceId: uuid('workspace_id')
      .primaryKey()
      .references(() => workspaces.id, { onDelete: 'cascade' }),
    /** USD per calendar month (UTC); null = no budget. */
    monthlyBudgetUsd: numeric('monthly_budget_usd', { precision: 12, scale: 2 }),
    routing: jsonb('routing').$type<RoutingRule[]>().notNull().default([]),
    updatedAt: updatedAtColumn(),
  },
  () => [tenantPolicy('ai_settings')],
).enableRLS();

export const aiUsage = pgTable(
  'ai_usage',
  {
    id: idColumn(),
    workspaceId: workspaceColumn(),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'set null' }),
    conversationId: uuid('conversation_id'),
    department: text('department'),
    agent: text('agent'),
    provider: text('provider').notNull(),
    model: text('model').notNull(),
    purpose: text('purpose').notNull().default('chat'),
    inputTokens: integer('input_tokens').notNull().default(0),
    outputTokens: integer('output_tokens').notNull().default(0),
    costUsd: numeric('cost_usd', { precision: 14, scale: 6 }).notNull().default(sql`0`),
    latencyMs: integer('latency_ms').notNull().default(0),
    success: boolean('success').notNull(),
    error: text('error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('ai_usage_workspace_idx').on(t.workspaceId, t.createdAt), tenantPolicy('ai_usage')],
).enableRLS();
