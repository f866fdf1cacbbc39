// Writes audit entries inside the caller's transaction, so an entry exists exactly when its change does.
import { sql } from 'drizzle-orm';
import { auditLog } from '#server/db/schema/audit.ts';
import type { Actor } from '#server/platform/actor.ts';
import type { Tx } from '#server/platform/db/database.ts';
import { newId } from '#server/platform/ids.ts';

export interface AuditEntry {
  action: string;
  entityType: string;
  entityId?: string | null;
  changes?: Record<string, { old: unknown; new: unknown }>;
  metadata?: Record<string, unknown>;
}

type AuditActor = Pick<Actor, 'workspaceId' | 'userId' | 'channel' | 'requestId' | 'ip' | 'userAgent'>;

export async function recordAudit(tx: Tx, actor: AuditActor, entry: AuditEntry): Promise<void> {
  await tx.insert(auditLog).values({
    workspaceId: actor.workspaceId,
    actorId: actor.userId,
    channel: actor.channel,
    action: entry.action,
    entityType: entry.entityType,
    entityId: entry.entityId ?? null,
    changes: entry.changes ?? null,
    metadata: entry.metadata ?? null,
    requestId: actor.requestId ?? null,
    ip: actor.ip ?? null,
    userAgent: actor.userAgent ?? null,
  });
}

/**
 * Many entries in one statement (bulk writes and imports); same rules as recordAudit. The rows go
 * as one JSON parameter expanded by jsonb_populate_recordset: building a multi-row VALUES list
 * cost more than the insert itself.
 */
export async function recordAuditMany(tx: Tx, actor: AuditActor, entries: AuditEntry[]): Promise<void> {
  for (let i = 0; i < entries.length; i += 1000) {
    const rows = entries.slice(i, i + 1000).map((entry) => ({
      id: newId(),
      workspace_id: actor.workspaceId,
      actor_id: actor.userId,
      channel: actor.channel,
      action: entry.action,
      entity_type: entry.entityType,
      entity_id: entry.entityId ?? null,
      changes: entry.changes ?? null,
      metadata: entry.metadata ?? null,
      request_id: actor.requestId ?? null,
      ip: actor.ip ?? null,
      user_agent: actor.userAgent ?? null,
    }));
    await tx.execute(sql`insert into audit_log (id, workspace_id, actor_id, channel, action, entity_type, entity_id, changes, metadata, request_id, ip, user_agent)
      select id, workspace_id, actor_id, channel, action, entity_type, entity_id, changes, metadata, request_id, ip, user_agent
        from jsonb_populate_recordset(null::audit_log, ${JSON.stringify(rows)}::jsonb)`);
  }
}
