// Administration of access: custom roles, permission sets (granted to members, optionally until a
// date), and teams (with parent teams, leaders and members), which drive record visibility.
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { memberPermissionSets, permissionSets, teamMembers, teams } from '#server/db/schema/access.ts';
import { members, roles, users } from '#server/db/schema/identity.ts';
import { assertPermission, isPermission } from '#server/platform/access/permissions.ts';
import type { Actor } from '#server/platform/actor.ts';
import { recordAudit } from '#server/platform/audit.ts';
import type { Database, Tx } from '#server/platform/db/database.ts';
import { withWorkspace } from '#server/platform/db/tenancy.ts';
import { Conflict, NotFound, ValidationError } from '#server/platform/errors.ts';

function checkPermissions(list: string[]): void {
  const problems = list.flatMap((p, i) =>
    isPermission(p)
      ? []
      : [{ field: `body.permissions.${i}`, message: `"${p}" is not a permission (module:resource:action)` }],
  );
  if (problems.length) throw new ValidationError(problems);
}

/** Names must be unique per workspace; the unique index decides, and says so in words. */
function uniqueName(err: unknown, what: string): never {
  const message = String((err as { cause?: Error }).cause?.message ?? (err as Error).message);
  if (/duplicate key|unique/i.test(message)) throw new Conflict(`A ${what} with this name already exists.`);
  throw err;
}

const slug = (name: string) =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '')
    .slice(0, 50) || 'role';

export interface TeamView {
  id: string;
  name: string;
  parentId: string | null;
  members: Array<{ userId: string; name: string; isLeader: boolean }>;
}

export function createAccessService(deps: { db: Database; clock: () => Date }) {
  const { db, clock } = deps;

  // ---- roles ----

  async function createRole(
    actor: Actor,
    input: { name: string; description?: string | undefined; permissions: string[] },
  ) {
    assertPermission(actor, 'admin:roles:create');
    checkPermissions(input.permissions);
    return withWorkspace(db, actor, async (tx) => {
      const taken = await tx.select({ key: roles.key }).from(roles);
      let key = `custom_${slug(input.name)}`;
      for (let n = 2; taken.some((r) => r.key === key); n++) key = `custom_${slug(input.name)}_${n}`;
      const [role] = await tx
        .insert(roles)
        .values({
          workspaceId: actor.workspaceId,
          key,
          name: input.name,
          description: input.description ?? '',
          permissions: [...new Set(input.permissions)],
          isSystem: false,
        })
        .returning();
      const r = role as typeof roles.$inferSelect;
      await recordAudit(tx, actor, {
        action: 'role.created',
        entityType: 'role',
        entityId: r.id,
        metadata: { key, permissions: r.permissions },
      });
      return r;
    });
  }

  async function updateRole(
    actor: Actor,
    id: string,
    input: { name?: string | undefined; description?: string | undefined; permissions?: string[] | undefined },
  ) {
    assertPermission(actor, 'admin:roles:update');
    if (input.permissions) checkPermissions(input.permissions);
    return withWorkspace(db, actor, async (tx) => {
      const [role] = await tx.select().from(roles).where(eq(roles.id, id));
      if (!role) throw new NotFound('Role');
      if (role.isSystem) throw new Conflict('System roles cannot be changed; create a custom role instead.');
      const changes: Record<string, { old: unknown; new: unknown }> = {};
      if (input.name !== undefined && input.name !== role.name) changes.name = { old: role.name, new: input.name };
      if (input.description !== undefined && input.description !== role.description)
        changes.description = { old: role.description, new: input.description };
      if (input.permissions && JSON.stringify(input.permissions) !== JSON.stringify(role.permissions)) {
        changes.permissions = { old: role.permissions, new: [...new Set(input.permissions)] };
      }
      if (!Object.keys(changes).length) return role;
      const [updated] = await tx
        .update(roles)
        .set({
          ...(changes.name ? { name: input.name } : {}),
          ...(changes.description ? { description: input.description } : {}),
          ...(changes.permissions ? { permissions: changes.permissions.new as string[] } : {}),
          updatedAt: clock(),
        })
        .where(eq(roles.id, id))
        .returning();
      await recordAudit(tx, actor, { action: 'role.updated', entityType: 'role', entityId: id, changes });
      return updated as typeof roles.$inferSelect;
    });
  }

  async function deleteRole(actor: Actor, id: string): Promise<void> {
    assertPermission(actor, 'admin:roles:delete');
    await withWorkspace(db, actor, async (tx) => {
      const [role] = await tx.select().from(roles).where(eq(roles.id, id));
      if (!role) throw new NotFound('Role');
      if (role.isSystem) throw new Conflict('System roles cannot be deleted.');
      const [used] = await tx.select({ n: sql<number>`count(*)::int` }).from(members).where(eq(members.roleId, id));
      if ((used?.n ?? 0) > 0) throw new Conflict(`${used?.n} member(s) have this role; give them another role first.`);
      await tx.delete(roles).where(eq(roles.id, id));
      await recordAudit(tx, actor, {
        action: 'role.deleted',
        entityType: 'role',
        entityId: id,
        metadata: { key: role.key },
      });
    });
  }

  // ---- permission sets ----

  async function listPermissionSets(actor: Actor) {
    assertPermission(actor, 'admin:users:read');
    return withWorkspace(db, actor, (tx) => tx.select().from(permissionSets).orderBy(asc(permissionSets.name)));
  }

  async function createPermissionSet(
    actor: Actor,
    input: { name: string; description?: string | undefined; permissions: string[] },
  ) {
    assertPermission(actor, 'admin:permission_sets:create');
    checkPermissions(input.permissions);
    try {
      return await withWorkspace(db, actor, async (tx) => {
        const [created] = await tx
          .insert(permissionSets)
          .values({
            workspaceId: actor.workspaceId,
            name: input.name,
            description: input.description ?? '',
            permissions: [...new Set(input.permissions)],
          })
          .returning();
        const ps = created as typeof permissionSets.$inferSelect;
        await recordAudit(tx, actor, {
          action: 'permission_set.created',
          entityType: 'permission_set',
          entityId: ps.id,
          metadata: { permissions: ps.permissions },
        });
        return ps;
      });
    } catch (err) {
      uniqueName(err, 'permission set');
    }
  }

  async function grantPermissionSet(
    actor: Actor,
    memberId: string,
    input: { permissionSetId: string; expiresAt?: Date | null | undefined },
  ) {
    assertPermission(actor, 'admin:users:update');
    if (input.expiresAt && input.expiresAt <= clock()) {
      throw new ValidationError([{ field: 'body.expiresAt', message: 'must be in the future' }]);
    }
    await withWorkspace(db, actor, async (tx) => {
      const [member] = await tx.select({ id: members.id }).from(members).where(eq(members.id, memberId));
      if (!member) throw new NotFound('Member');
      const [ps] = await tx.select().from(permissionSets).where(eq(permissionSets.id, input.permissionSetId));
      if (!ps)
        throw new ValidationError([
          { field: 'body.permissionSetId', message: 'No such permission set in this workspace' },
        ]);
      await tx
        .insert(memberPermissionSets)
        .values({
          workspaceId: actor.workspaceId,
          memberId,
          permissionSetId: ps.id,
          expiresAt: input.expiresAt ?? null,
          grantedBy: actor.userId,
          createdAt: clock(),
        })
        .onConflictDoUpdate({
          target: [memberPermissionSets.memberId, memberPermissionSets.permissionSetId],
          set: { expiresAt: input.expiresAt ?? null, grantedBy: actor.userId },
        });
      await recordAudit(tx, actor, {
        action: 'member.permission_set_granted',
        entityType: 'member',
        entityId: memberId,
        metadata: { permissionSet: ps.name, expiresAt: input.expiresAt?.toISOString() ?? null },
      });
    });
  }

  async function revokePermissionSet(actor: Actor, memberId: string, permissionSetId: string): Promise<void> {
    assertPermission(actor, 'admin:users:update');
    const done = await withWorkspace(db, actor, async (tx) => {
      const gone = await tx
        .delete(memberPermissionSets)
        .where(
          and(eq(memberPermissionSets.memberId, memberId), eq(memberPermissionSets.permissionSetId, permissionSetId)),
        )
        .returning({ id: memberPermissionSets.memberId });
      if (gone.length) {
        await recordAudit(tx, actor, {
          action: 'member.permission_set_revoked',
          entityType: 'member',
          entityId: memberId,
          metadata: { permissionSetId },
        });
      }
      return gone.length > 0;
    });
    if (!done) throw new NotFound('Permission set grant');
  }

  // ---- teams ----

  async function teamViews(tx: Tx): Promise<TeamView[]> {
    const all = await tx.select().from(teams).orderBy(asc(teams.name));
    const people = await tx
      .select({
        teamId: teamMembers.teamId,
        userId: teamMembers.userId,
        isLeader: teamMembers.isLeader,
        name: users.name,
      })
      .from(teamMembers)
      .innerJoin(users, eq(users.id, teamMembers.userId))
      .orderBy(asc(users.name));
    return all.map((t) => ({
      id: t.id,
      name: t.name,
      parentId: t.parentId,
      members: people
        .filter((p) => p.teamId === t.id)
        .map(({ userId, name, isLeader }) => ({ userId, name, isLeader })),
    }));
  }

  async function listTeams(actor: Actor): Promise<TeamView[]> {
    assertPermission(actor, 'admin:teams:read');
    return withWorkspace(db, actor, teamViews);
  }

  /** A parent must exist here and must not be the team itself or one of its descendants. */
  async function checkParent(tx: Tx, teamId: string | null, parentId: string | null | undefined): Promise<void> {
    if (!parentId) return;
    const [parent] = await tx.select({ id: teams.id }).from(teams).where(eq(teams.id, parentId));
    if (!parent) throw new ValidationError([{ field: 'body.parentId', message: 'No such team in this workspace' }]);
    if (!teamId) return;
    const ancestors = (await tx.execute(sql`with recursive up as (
          select id, parent_id from teams where id = ${parentId}
          union select t.id, t.parent_id from teams t join up on t.id = up.parent_id)
        select id from up`)) as unknown as { rows: Array<{ id: string }> };
    if (ancestors.rows.some((a) => a.id === teamId)) {
      throw new ValidationError([
        { field: 'body.parentId', message: 'A team cannot sit under itself or one of its own sub-teams' },
      ]);
    }
  }

  async function createTeam(actor: Actor, input: { name: string; parentId?: string | null | undefined }) {
    assertPermission(actor, 'admin:teams:create');
    try {
      return await withWorkspace(db, actor, async (tx) => {
        await checkParent(tx, null, input.parentId);
        const [created] = await tx
          .insert(teams)
          .values({ workspaceId: actor.workspaceId, name: input.name, parentId: input.parentId ?? null })
          .returning();
        const team = created as typeof teams.$inferSelect;
        await recordAudit(tx, actor, {
          action: 'team.created',
          entityType: 'team',
          entityId: team.id,
          metadata: { name: team.name, parentId: team.parentId },
        });
        return { id: team.id, name: team.name, parentId: team.parentId, members: [] } satisfies TeamView;
      });
    } catch (err) {
      uniqueName(err, 'team');
    }
  }

  async function updateTeam(
    actor: Actor,
    id: string,
    input: { name?: string | undefined; parentId?: string | null | undefined },
  ) {
    assertPermission(actor, 'admin:teams:update');
    try {
      await withWorkspace(db, actor, async (tx) => {
        const [team] = await tx.select().from(teams).where(eq(teams.id, id));
        if (!team) throw new NotFound('Team');
        if (input.parentId !== undefined) await checkParent(tx, id, input.parentId);
        const changes: Record<string, { old: unknown; new: unknown }> = {};
        if (input.name !== undefined && input.name !== team.name) changes.name = { old: team.name, new: input.name };
        if (input.parentId !== undefined && input.parentId !== team.parentId)
          changes.parentId = { old: team.parentId, new: input.parentId };
        if (!Object.keys(changes).length) return;
        await tx
          .update(teams)
          .set({
            ...(changes.name ? { name: input.name } : {}),
            ...(changes.parentId ? { parentId: input.parentId ?? null } : {}),
            updatedAt: clock(),
          })
          .where(eq(teams.id, id));
        await recordAudit(tx, actor, { action: 'team.updated', entityType: 'team', entityId: id, changes });
      });
    } catch (err) {
      uniqueName(err, 'team');
    }
  }

  async function deleteTeam(actor: Actor, id: string): Promise<void> {
    assertPermission(actor, 'admin:teams:delete');
    await withWorkspace(db, actor, async (tx) => {
      const gone = await tx.delete(teams).where(eq(teams.id, id)).returning({ name: teams.name });
      if (!gone.length) throw new NotFound('Team');
      await recordAudit(tx, actor, {
        action: 'team.deleted',
        entityType: 'team',
        entityId: id,
        metadata: { name: gone[0]?.name },
      });
    });
  }

  /** Replaces the team's members and leaders with the given list. */
  async function setTeamMembers(actor: Actor, id: string, list: Array<{ userId: string; isLeader: boolean }>) {
    assertPermission(actor, 'admin:teams:update');
    return withWorkspace(db, actor, async (tx) => {
      const [team] = await tx.select().from(teams).where(eq(teams.id, id));
      if (!team) throw new NotFound('Team');
      const ids = [...new Set(list.map((m) => m.userId))];
      const known = ids.length
        ? await tx
            .select({ userId: members.userId })
            .from(members)
            .where(and(inArray(members.userId, ids), eq(members.status, 'active')))
        : [];
      const unknown = ids.filter((u) => !known.some((k) => k.userId === u));
      if (unknown.length) {
        throw new ValidationError(
          unknown.map((u) => ({ field: 'body.members', message: `${u} is not an active member of this workspace` })),
        );
      }
      const before = await tx.select().from(teamMembers).where(eq(teamMembers.teamId, id));
      await tx.delete(teamMembers).where(eq(teamMembers.teamId, id));
      if (list.length) {
        await tx.insert(teamMembers).values(
          ids.map((userId) => ({
            workspaceId: actor.workspaceId,
            teamId: id,
            userId,
            isLeader: list.some((m) => m.userId === userId && m.isLeader),
          })),
        );
      }
      await recordAudit(tx, actor, {
        action: 'team.members_changed',
        entityType: 'team',
        entityId: id,
        changes: {
          members: {
            old: before.map((m) => ({ userId: m.userId, isLeader: m.isLeader })),
            new: ids.map((userId) => ({ userId, isLeader: list.some((m) => m.userId === userId && m.isLeader) })),
          },
        },
      });
      return (await teamViews(tx)).find((t) => t.id === id) as TeamView;
    });
  }

  return {
    createRole,
    updateRole,
    deleteRole,
    listPermissionSets,
    createPermissionSet,
    grantPermissionSet,
    revokePermissionSet,
    listTeams,
    createTeam,
    updateTeam,
    deleteTeam,
    setTeamMembers,
  };
}

export type AccessService = ReturnType<typeof createAccessService>;
