// Record sharing for every kind of record: a module registers its table once ("contacts are
// shareable, here are the id and owner columns"), and sharing, listing and unsharing work the
// same way for all of them. Only someone with full access to a record can share it.
import { type AnyColumn, and, eq, sql } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import { recordShares, type ShareAccess, teams } from '#server/db/schema/access.ts';
import { members } from '#server/db/schema/identity.ts';
import type { Actor } from '#server/platform/actor.ts';
import { recordAudit } from '#server/platform/audit.ts';
import type { Database, Tx } from '#server/platform/db/database.ts';
import { withWorkspace } from '#server/platform/db/tenancy.ts';
import { NotFound, ValidationError } from '#server/platform/errors.ts';
import { assertPermission } from './permissions.ts';
import { type Need, visibleTo } from './visibility.ts';

export interface ShareableKind {
  module: string;
  /** Also the path segment and the `entity_type` of its shares, e.g. `contacts`. */
  resource: string;
  table: PgTable;
  idColumn: AnyColumn;
  ownerColumn: AnyColumn;
}

export interface ShareInput {
  granteeType: 'user' | 'team';
  granteeId: string;
  access: ShareAccess;
  expiresAt?: Date | null | undefined;
}

export interface ShareView {
  id: string;
  granteeType: 'user' | 'team';
  granteeId: string;
  access: ShareAccess;
  expiresAt: Date | null;
  createdAt: Date;
}

export function createSharesService(deps: { db: Database; clock: () => Date }) {
  const { db, clock } = deps;
  const kinds = new Map<string, ShareableKind>();

  function register(kind: ShareableKind): void {
    if (kinds.has(kind.resource)) throw new Error(`${kind.resource} is registered as shareable twice`);
    kinds.set(kind.resource, kind);
  }

  function kindOf(resource: string): ShareableKind {
    const kind = kinds.get(resource);
    if (!kind) throw new NotFound('Record type');
    return kind;
  }

  /** The record, if the actor may `need` it; otherwise the same NotFound a missing record gets. */
  async function requireRecord(tx: Tx, actor: Actor, kind: ShareableKind, recordId: string, need: Need): Promise<void> {
    const rows = await tx
      .select({ one: sql<number>`1` })
      .from(kind.table)
      .where(and(eq(kind.idColumn, recordId), visibleTo(actor, kind, need, clock())))
      .limit(1);
    if (!rows.length) throw new NotFound('Record');
  }

  async function share(actor: Actor, resource: string, recordId: string, input: ShareInput): Promise<ShareView> {
    const kind = kindOf(resource);
    assertPermission(actor, `${kind.module}:${kind.resource}:update`);
    if (input.expiresAt && input.expiresAt <= clock()) {
      throw new ValidationError([{ field: 'body.expiresAt', message: 'must be in the future' }]);
    }
    return withWorkspace(db, actor, async (tx) => {
      await requireRecord(tx, actor, kind, recordId, 'full');
      const grantee =
        input.granteeType === 'user'
          ? await tx
              .select({ id: members.userId })
              .from(members)
              .where(and(eq(members.userId, input.granteeId), eq(members.status, 'active')))
          : await tx.select({ id: teams.id }).from(teams).where(eq(teams.id, input.granteeId));
      if (!grantee.length) {
        throw new ValidationError([
          {
            field: 'body.granteeId',
            message: `No such ${input.granteeType === 'user' ? 'active member' : 'team'} in this workspace`,
          },
        ]);
      }
      const [created] = await tx
        .insert(recordShares)
        .values({
          workspaceId: actor.workspaceId,
          entityType: kind.resource,
          entityId: recordId,
          granteeType: input.granteeType,
          granteeId: input.granteeId,
          access: input.access,
          expiresAt: input.expiresAt ?? null,
          createdBy: actor.userId,
          createdAt: clock(),
        })
        .returning();
      const s = created as typeof recordShares.$inferSelect;
      await recordAudit(tx, actor, {
        action: 'record.shared',
        entityType: kind.resource,
        entityId: recordId,
        metadata: {
          shareId: s.id,
          granteeType: s.granteeType,
          granteeId: s.granteeId,
          access: s.access,
          expiresAt: s.expiresAt?.toISOString() ?? null,
        },
      });
      return view(s);
    });
  }

  async function list(actor: Actor, resource: string, recordId: string): Promise<ShareView[]> {
    const kind = kindOf(resource);
    assertPermission(actor, `${kind.module}:${kind.resource}:read`);
    return withWorkspace(db, actor, async (tx) => {
      await requireRecord(tx, actor, kind, recordId, 'read');
      const rows = await tx
        .select()
        .from(recordShares)
        .where(and(eq(recordShares.entityType, kind.resource), eq(recordShares.entityId, recordId)))
        .orderBy(sql`${recordShares.createdAt}`);
      return rows.map(view);
    });
  }

  async function unshare(actor: Actor, resource: string, recordId: string, shareId: string): Promise<void> {
    const kind = kindOf(resource);
    assertPermission(actor, `${kind.module}:${kind.resource}:update`);
    await withWorkspace(db, actor, async (tx) => {
      await requireRecord(tx, actor, kind, recordId, 'full');
      const gone = await tx
        .delete(recordShares)
        .where(
          and(
            eq(recordShares.id, shareId),
            eq(recordShares.entityType, kind.resource),
            eq(recordShares.entityId, recordId),
          ),
        )
        .returning({ id: recordShares.id });
      if (!gone.length) throw new NotFound('Share');
      await recordAudit(tx, actor, {
        action: 'record.unshared',
        entityType: kind.resource,
        entityId: recordId,
        metadata: { shareId },
      });
    });
  }

  function view(s: typeof recordShares.$inferSelect): ShareView {
    return {
      id: s.id,
      granteeType: s.granteeType,
      granteeId: s.granteeId,
      access: s.access,
      expiresAt: s.expiresAt,
      createdAt: s.createdAt,
    };
  }

  return { register, share, list, unshare, kinds: () => [...kinds.keys()] };
}

export type SharesService = ReturnType<typeof createSharesService>;
