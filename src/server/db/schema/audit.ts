// The audit log: one row per change or security event, written in the same transaction as the change.
import { index, jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { createdAtColumn, idColumn, workspaceColumn } from './columns.ts';
import { tenantPolicy } from './tenancy.ts';

export const auditLog = pgTable(
  'audit_log',
  {
    id: idColumn(),
    workspaceId: workspaceColumn(),
    /** The acting user; null for the system (jobs, migrations). Kept after the user is gone. */
    actorId: uuid('actor_id'),
    channel: text('channel').notNull(),
    action: text('action').notNull(),
    entityType: text('entity_type').notNull(),
    entityId: uuid('entity_id'),
    /** Field-level changes: `{ field: { old, new } }`. Secrets are never written here. */
    changes: jsonb('changes').$type<Record<string, { old: unknown; new: unknown }>>(),
    metadata: jsonb('metadata').$type<Record<string, unknown>>(),
    requestId: text('request_id'),
    ip: text('ip'),
    userAgent: text('user_agent'),
    createdAt: createdAtColumn(),
  },
  (t) => [
    index('audit_log_workspace_created_idx').on(t.workspaceId, t.createdAt.desc(), t.id.desc()),
    index('audit_log_entity_idx').on(t.workspaceId, t.entityType, t.entityId),
    tenantPolicy('audit_log'),
  ],
).enableRLS();
