// Workspace settings: name, time zone, currency, locale, the member limit, and whether members
// must use two-factor authentication.
import { eq } from 'drizzle-orm';
import { workspaces } from '#server/db/schema/workspaces.ts';
import { assertPermission } from '#server/platform/access/permissions.ts';
import type { Actor } from '#server/platform/actor.ts';
import { recordAudit } from '#server/platform/audit.ts';
import type { Database } from '#server/platform/db/database.ts';
import { withWorkspace } from '#server/platform/db/tenancy.ts';
import { NotFound, ValidationError } from '#server/platform/errors.ts';

export interface WorkspaceView {
  id: string;
  name: string;
  requireMfa: boolean;
  timezone: string;
  currency: string;
  locale: string;
  maxUsers: number | null;
  createdAt: Date;
}

export type WorkspaceChanges = Partial<Omit<WorkspaceView, 'id' | 'createdAt'>>;

const view = (ws: typeof workspaces.$inferSelect): WorkspaceView => ({
  id: ws.id,
  name: ws.name,
  requireMfa: ws.requireMfa,
  timezone: ws.timezone,
  currency: ws.currency,
  locale: ws.locale,
  maxUsers: ws.maxUsers,
  createdAt: ws.createdAt,
});

function validate(input: WorkspaceChanges): void {
  const problems = [];
  if (input.timezone !== undefined) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: input.timezone });
    } catch {
      problems.push({
        field: 'body.timezone',
        message: `"${input.timezone}" is not an IANA time zone, e.g. Europe/Berlin`,
      });
    }
  }
  if (input.currency !== undefined && !Intl.supportedValuesOf('currency').includes(input.currency)) {
    problems.push({
      field: 'body.currency',
      message: `"${input.currency}" is not an ISO 4217 currency code, e.g. EUR`,
    });
  }
  if (input.locale !== undefined) {
    try {
      new Intl.Locale(input.locale);
    } catch {
      problems.push({ field: 'body.locale', message: `"${input.locale}" is not a language tag, e.g. en-GB` });
    }
  }
  if (problems.length) throw new ValidationError(problems);
}

export function createWorkspacesService(deps: { db: Database; clock: () => Date }) {
  const { db, clock } = deps;

  async function get(actor: Actor): Promise<WorkspaceView> {
    return withWorkspace(db, actor, async (tx) => {
      // RLS shows the app role only its own workspace; the filter states the intent.
      const [ws] = await tx.select().from(workspaces).where(eq(workspaces.id, actor.workspaceId));
      if (!ws) throw new NotFound('Workspace');
      return view(ws);
    });
  }

  async function update(actor: Actor, input: WorkspaceChanges): Promise<WorkspaceView> {
    assertPermission(actor, 'admin:workspace:update');
    // The member limit is the plan's: only someone who may change billing sets it.
    if (input.maxUsers !== undefined) assertPermission(actor, 'billing:plan:update');
    validate(input);
    return withWorkspace(db, actor, async (tx) => {
      const [ws] = await tx.select().from(workspaces).where(eq(workspaces.id, actor.workspaceId));
      if (!ws) throw new NotFound('Workspace');
      const before = view(ws);
      const changes: Record<string, { old: unknown; new: unknown }> = {};
      for (const [key, value] of Object.entries(input) as Array<[keyof WorkspaceChanges, unknown]>) {
        if (value !== undefined && value !== before[key]) changes[key] = { old: before[key], new: value };
      }
      if (!Object.keys(changes).length) return before;
      const set = Object.fromEntries(Object.entries(changes).map(([k, c]) => [k, c.new]));
      const [updated] = await tx
        .update(workspaces)
        .set({ ...set, updatedAt: clock() })
        .where(eq(workspaces.id, actor.workspaceId))
        .returning();
      await recordAudit(tx, actor, {
        action: 'workspace.updated',
        entityType: 'workspace',
        entityId: actor.workspaceId,
        changes,
      });
      return view(updated as typeof workspaces.$inferSelect);
    });
  }

  return { get, update };
}

export type WorkspacesService = ReturnType<typeof createWorkspacesService>;
