// Saved views of the lists: a name for a search, filters, sort and columns, kept per user and,
// when shared, offered to everyone in the workspace. Only their owner changes or removes them.
import { and, asc, eq, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import { savedViews } from '#server/db/schema/crm.ts';
import { assertPermission } from '#server/platform/access/permissions.ts';
import type { Actor } from '#server/platform/actor.ts';
import { recordAudit } from '#server/platform/audit.ts';
import type { Database } from '#server/platform/db/database.ts';
import { sqlState } from '#server/platform/db/database.ts';
import { withWorkspace } from '#server/platform/db/tenancy.ts';
import { Conflict, Forbidden, NotFound, ValidationError } from '#server/platform/errors.ts';
import { kindByResource } from './kinds.ts';

/** What a view applies to its list; the list page reads it back as it saved it. */
export const viewQuerySchema = z.strictObject({
  q: z.string().max(200).optional(),
  filters: z.record(z.string().max(100), z.string().max(200).nullable()).optional(),
  sort: z.string().max(100).optional(),
  mine: z.boolean().optional(),
  hiddenColumns: z.array(z.string().max(100)).max(50).optional(),
});

export const viewInputSchema = z.strictObject({
  objectType: z.string().min(1).max(50),
  name: z.string().trim().min(1, 'give the view a name').max(100),
  shared: z.boolean().optional(),
  query: viewQuerySchema,
});

export type ViewRow = typeof savedViews.$inferSelect;

export function createViewsService(deps: { db: Database; clock: () => Date }) {
  const { db, clock } = deps;

  function checkKind(actor: Actor, objectType: string) {
    const kind = kindByResource(objectType);
    if (!kind) throw new ValidationError([{ field: 'body.objectType', message: 'is not an object type' }]);
    assertPermission(actor, `${kind.module}:${kind.resource}:read`);
  }

  const userOf = (actor: Actor): string => {
    if (!actor.userId) throw new Forbidden('Views belong to members.');
    return actor.userId;
  };

  /** The actor's views of a kind and the ones shared with the workspace, by name. */
  async function list(actor: Actor, objectType: string): Promise<Array<ViewRow & { mine: boolean }>> {
    checkKind(actor, objectType);
    const me = userOf(actor);
    const rows = await withWorkspace(db, actor, (tx) =>
      tx
        .select()
        .from(savedViews)
        .where(
          and(
            eq(savedViews.workspaceId, actor.workspaceId),
            eq(savedViews.objectType, objectType),
            or(eq(savedViews.ownerId, me), eq(savedViews.shared, true)),
          ),
        )
        .orderBy(asc(sql`lower(${savedViews.name})`)),
    );
    return rows.map((r) => ({ ...r, mine: r.ownerId === me }));
  }

  const duplicate = (err: unknown) => {
    if (sqlState(err) === '23505') throw new Conflict('You already have a view with this name for this list.');
    throw err;
  };

  async function create(actor: Actor, input: z.infer<typeof viewInputSchema>): Promise<ViewRow & { mine: boolean }> {
    checkKind(actor, input.objectType);
    const me = userOf(actor);
    const now = clock();
    const row = await withWorkspace(db, actor, async (tx) => {
      const [made] = await tx
        .insert(savedViews)
        .values({
          workspaceId: actor.workspaceId,
          ownerId: me,
          objectType: input.objectType,
          name: input.name,
          shared: input.shared ?? false,
          query: input.query,
          createdAt: now,
          updatedAt: now,
        })
        .returning()
        .catch(duplicate);
      const view = made as ViewRow;
      await recordAudit(tx, actor, {
        action: 'view.created',
        entityType: 'view',
        entityId: view.id,
        metadata: { objectType: view.objectType, name: view.name, shared: view.shared },
      });
      return view;
    });
    return { ...row, mine: true };
  }

  /** Reads a view for a change: only its owner may make one. */
  async function owned(tx: Parameters<Parameters<typeof withWorkspace>[2]>[0], actor: Actor, id: string) {
    const me = userOf(actor);
    const [view] = await tx
      .select()
      .from(savedViews)
      .where(and(eq(savedViews.id, id), eq(savedViews.workspaceId, actor.workspaceId)))
      .for('update');
    if (!view || (view.ownerId !== me && !view.shared)) throw new NotFound('View');
    if (view.ownerId !== me) throw new Forbidden('Only the member who saved this view can change it.');
    return view;
  }

  async function update(
    actor: Actor,
    id: string,
    input: Partial<Omit<z.infer<typeof viewInputSchema>, 'objectType'>>,
  ): Promise<ViewRow & { mine: boolean }> {
    const row = await withWorkspace(db, actor, async (tx) => {
      const view = await owned(tx, actor, id);
      const [changed] = await tx
        .update(savedViews)
        .set({
          ...(input.name !== undefined ? { name: input.name } : {}),
          ...(input.shared !== undefined ? { shared: input.shared } : {}),
          ...(input.query !== undefined ? { query: input.query } : {}),
          updatedAt: clock(),
        })
        .where(eq(savedViews.id, view.id))
        .returning()
        .catch(duplicate);
      await recordAudit(tx, actor, { action: 'view.updated', entityType: 'view', entityId: view.id });
      return changed as ViewRow;
    });
    return { ...row, mine: true };
  }

  async function remove(actor: Actor, id: string): Promise<void> {
    await withWorkspace(db, actor, async (tx) => {
      const view = await owned(tx, actor, id);
      await tx.delete(savedViews).where(eq(savedViews.id, view.id));
      await recordAudit(tx, actor, { action: 'view.deleted', entityType: 'view', entityId: view.id });
    });
  }

  return { list, create, update, remove };
}

export type ViewsService = ReturnType<typeof createViewsService>;
