// Writes audit entries inside the caller's transaction, so an entry exists exactly when its change does.
import { auditLog } from '#server/db/schema/audit.ts';
import type { Actor } from '#server/platform/actor.ts';
import type { Tx } from '#server/platform/db/database.ts';

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

/** Many entries in one statement (bulk writes and imports); same rules as recordAudit. */
export async function recordAuditMany(tx: Tx, actor: AuditActor, entries: AuditEntry[]): Promise<void> {
  for (let i = 0; i < entries.length; i += 500) {
    await tx.insert(auditLog).values(
      entries.slice(i, i + 500).map((entry) => ({
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
      })),
    );
  }
}
