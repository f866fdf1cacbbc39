// Reading the audit log: admins filter by actor, action, entity and time, newest first, by cursor.
import { and, desc, eq, gte, lt, lte, or, type SQL } from 'drizzle-orm';
import { auditLog } from '#server/db/schema/audit.ts';
import { users } from '#server/db/schema/identity.ts';
import { outboxEmails } from '#server/db/schema/mail.ts';
import { assertPermission } from '#server/platform/access/permissions.ts';
import type { Actor } from '#server/platform/actor.ts';
import { recordAudit } from '#server/platform/audit.ts';
import { csvDocument } from '#server/platform/csv.ts';
import type { Database } from '#server/platform/db/database.ts';
import { withWorkspace } from '#server/platform/db/tenancy.ts';
import { ValidationError } from '#server/platform/errors.ts';

export interface AuditFilters {
  actorId?: string | undefined;
  action?: string | undefined;
  entityType?: string | undefined;
  entityId?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  limit: number;
  cursor?: string | undefined;
}

function decodeCursor(cursor: string): { at: Date; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    const date = new Date(at);
    if (Number.isNaN(date.getTime()) || typeof id !== 'string') throw new Error('bad');
    return { at: date, id };
  } catch {
    throw new ValidationError([{ field: 'querystring.cursor', message: 'is not a cursor this API gave out' }]);
  }
}

export const EXPORT_LIMIT = 100_000;

const encodeCursor = (at: Date, id: string) =>
  Buffer.from(JSON.stringify([at.toISOString(), id])).toString('base64url');

export function createAuditService(deps: { db: Database }) {
  const { db } = deps;

  function filtersToWhere(f: Omit<AuditFilters, 'limit' | 'cursor'>): SQL[] {
    const where: SQL[] = [];
    if (f.actorId) where.push(eq(auditLog.actorId, f.actorId));
    if (f.action) where.push(eq(auditLog.action, f.action));
    if (f.entityType) where.push(eq(auditLog.entityType, f.entityType));
    if (f.entityId) where.push(eq(auditLog.entityId, f.entityId));
    if (f.from) where.push(gte(auditLog.createdAt, f.from));
    if (f.to) where.push(lte(auditLog.createdAt, f.to));
    return where;
  }

  async function list(actor: Actor, f: AuditFilters) {
    assertPermission(actor, 'admin:audit:read');
    const where = filtersToWhere(f);
    if (f.cursor) {
      const c = decodeCursor(f.cursor);
      // Keyset on (created_at, id) descending: stable while new entries arrive.
      where.push(or(lt(auditLog.createdAt, c.at), and(eq(auditLog.createdAt, c.at), lt(auditLog.id, c.id))) as SQL);
    }
    const rows = await withWorkspace(db, actor, (tx) =>
      tx
        .select({ entry: auditLog, actorName: users.name, actorEmail: users.email })
        .from(auditLog)
        .leftJoin(users, eq(users.id, auditLog.actorId))
        .where(and(eq(auditLog.workspaceId, actor.workspaceId), ...where))
        .orderBy(desc(auditLog.createdAt), desc(auditLog.id))
        .limit(f.limit + 1),
    );
    const page = rows.slice(0, f.limit);
    const last = page.at(-1);
    return {
      data: page.map((r) => ({
        id: r.entry.id,
        action: r.entry.action,
        entityType: r.entry.entityType,
        entityId: r.entry.entityId,
        actor: r.entry.actorId ? { id: r.entry.actorId, name: r.actorName, email: r.actorEmail } : null,
        channel: r.entry.channel,
        changes: r.entry.changes,
        metadata: r.entry.metadata,
        requestId: r.entry.requestId,
        ip: r.entry.ip,
        userAgent: r.entry.userAgent,
        createdAt: r.entry.createdAt,
      })),
      page: {
        nextCursor: rows.length > f.limit && last ? encodeCursor(last.entry.createdAt, last.entry.id) : null,
        hasMore: rows.length > f.limit,
      },
    };
  }

  /** The workspace's mail outbox, for admins (where mail waits when SMTP is not configured). */
  async function outbox(actor: Actor, limit: number) {
    assertPermission(actor, 'admin:users:read');
    return withWorkspace(db, actor, (tx) =>
      tx
        .select({
          id: outboxEmails.id,
          to: outboxEmails.to,
          subject: outboxEmails.subject,
          text: outboxEmails.text,
          template: outboxEmails.template,
          status: outboxEmails.status,
          createdAt: outboxEmails.createdAt,
          sentAt: outboxEmails.sentAt,
        })
        .from(outboxEmails)
        .orderBy(desc(outboxEmails.createdAt))
        .limit(limit),
    );
  }

  /**
   * The filtered log as CSV, newest first, at most EXPORT_LIMIT rows. The export is itself a
   * security event and is audited in the same transaction.
   */
  async function exportCsv(
    actor: Actor,
    f: Omit<AuditFilters, 'limit' | 'cursor'>,
  ): Promise<{ csv: string; rows: number; truncated: boolean }> {
    assertPermission(actor, 'admin:audit:read');
    return withWorkspace(db, actor, async (tx) => {
      const rows = await tx
        .select({ entry: auditLog, actorEmail: users.email })
        .from(auditLog)
        .leftJoin(users, eq(users.id, auditLog.actorId))
        .where(and(eq(auditLog.workspaceId, actor.workspaceId), ...filtersToWhere(f)))
        .orderBy(desc(auditLog.createdAt), desc(auditLog.id))
        .limit(EXPORT_LIMIT + 1);
      const truncated = rows.length > EXPORT_LIMIT;
      const header = [
        'time',
        'actor',
        'action',
        'entity_type',
        'entity_id',
        'channel',
        'changes',
        'metadata',
        'ip',
        'user_agent',
        'request_id',
      ];
      const lines = rows
        .slice(0, EXPORT_LIMIT)
        .map((r) => [
          r.entry.createdAt.toISOString(),
          r.actorEmail ?? r.entry.actorId ?? 'system',
          r.entry.action,
          r.entry.entityType,
          r.entry.entityId ?? '',
          r.entry.channel,
          r.entry.changes ? JSON.stringify(r.entry.changes) : '',
          r.entry.metadata ? JSON.stringify(r.entry.metadata) : '',
          r.entry.ip ?? '',
          r.entry.userAgent ?? '',
          r.entry.requestId ?? '',
        ]);
      await recordAudit(tx, actor, {
        action: 'audit.exported',
        entityType: 'audit_log',
        metadata: { filters: f, rows: lines.length },
      });
      return { csv: csvDocument([header, ...lines]), rows: lines.length, truncated };
    });
  }

  return { list, exportCsv, outbox };
}

export type AuditService = ReturnType<typeof createAuditService>;
