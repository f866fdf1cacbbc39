// Workspace settings: name and whether members must use two-factor authentication.
import { eq } from 'drizzle-orm';
import { workspaces } from '#server/db/schema/workspaces.ts';
import { assertPermission } from '#server/platform/access/permissions.ts';
import type { Actor } from '#server/platform/actor.ts';
import { recordAudit } from '#server/platform/audit.ts';
import type { Database } from '#server/platform/db/database.ts';
import { withWorkspace } from '#server/platform/db/tenancy.ts';
import { NotFound } from '#server/platform/errors.ts';

export interface WorkspaceView {
  id: string;
  name: string;
  requireMfa: boolean;
  createdAt: Date;
}

export function createWorkspacesService(deps: { db: Database; clock: () => Date }) {
  const { db, clock } = deps;

  async function get(actor: Actor): Promise<WorkspaceView> {
    return withWorkspace(db, actor, async (tx) => {
      // RLS shows the app role only its own workspace; the filter states the intent.
      const [ws] = await tx.select().from(workspaces).where(eq(workspaces.id, actor.workspaceId));
      if (!ws) throw new NotFound('Workspace');
      return { id: ws.id, name: ws.name, requireMfa: ws.requireMfa, createdAt: ws.createdAt };
    });
  }

  async function update(
    actor: Actor,
    input: { name?: string | undefined; requireMfa?: boolean | undefined },
  ): Promise<WorkspaceView> {
    assertPermission(actor, 'admin:workspace:update');
    return withWorkspace(db, actor, async (tx) => {
      const [ws] = await tx.select().from(workspaces).where(eq(workspaces.id, actor.workspaceId));
      if (!ws) throw new NotFound('Workspace');
      const changes: Record<string, { old: unknown; new: unknown }> = {};
      if (input.name !== undefined && input.name !== ws.name) changes.name = { old: ws.name, new: input.name };
      if (input.requireMfa !== undefined && input.requireMfa !== ws.requireMfa)
        changes.requireMfa = { old: ws.requireMfa, new: input.requireMfa };
      if (Object.keys(changes).length) {
        await tx
          .update(workspaces)
          .set({
            ...(changes.name ? { name: input.name } : {}),
            ...(changes.requireMfa ? { requireMfa: input.requireMfa } : {}),
            updatedAt: clock(),
          })
          .where(eq(workspaces.id, actor.workspaceId));
        await recordAudit(tx, actor, {
          action: 'workspace.updated',
          entityType: 'workspace',
          entityId: actor.workspaceId,
          changes,
        });
      }
      return {
        id: ws.id,
        name: input.name ?? ws.name,
        requireMfa: input.requireMfa ?? ws.requireMfa,
        createdAt: ws.createdAt,
      };
    });
  }

  return { get, update };
}

export type WorkspacesService = ReturnType<typeof createWorkspacesService>;
