// Members of a workspace: listing, invitations (hashed single-use tokens, 7 days), acceptance,
// role and department changes, deactivation (records kept, sessions revoked), ownership transfer.
import { and, asc, eq, gt, isNull, sql } from 'drizzle-orm';
import { invitations, members, roles, sessions, users } from '#server/db/schema/identity.ts';
import { workspaces } from '#server/db/schema/workspaces.ts';
import { assertPermission } from '#server/platform/access/permissions.ts';
import { type Actor, userIdOf } from '#server/platform/actor.ts';
import { recordAudit } from '#server/platform/audit.ts';
import { hashPassword, passwordProblem, verifyPassword } from '#server/platform/auth/passwords.ts';
import { hashToken, newOpaqueToken } from '#server/platform/auth/tokens.ts';
import { type Database, execRows, type Tx } from '#server/platform/db/database.ts';
import { asSystem, withWorkspace } from '#server/platform/db/tenancy.ts';
import { Conflict, Forbidden, NotFound, Unauthorized, ValidationError } from '#server/platform/errors.ts';
import type { Mailer } from '#server/platform/mail/mailer.ts';
import type { AuthService, RequestContext, SignedIn } from '../auth/auth.service.ts';

export const INVITATION_TTL_MS = 7 * 24 * 3600 * 1000;

export interface MemberView {
  id: string;
  userId: string;
  name: string;
  email: string;
  role: { id: string; key: string; name: string };
  department: string | null;
  status: 'active' | 'deactivated';
  lastSignedInAt: Date | null;
  createdAt: Date;
}

const invalidInvite = () =>
  new ValidationError([
    {
      field: 'body.token',
      message: 'This invitation has expired, was already used, or was withdrawn. Ask for a new one.',
    },
  ]);

export function createMembersService(deps: {
  db: Database;
  mailer: Mailer;
  auth: Pick<AuthService, 'startSessionFor'>;
  publicUrl: string;
  clock: () => Date;
}) {
  const { db, mailer, clock } = deps;

  async function findRole(tx: Tx, ref: { roleId?: string | undefined; roleKey?: string | undefined }) {
    const [role] = await tx
      .select()
      .from(roles)
      .where(ref.roleId ? eq(roles.id, ref.roleId) : eq(roles.key, ref.roleKey ?? ''));
    if (!role)
      throw new ValidationError([
        { field: ref.roleId ? 'body.roleId' : 'body.roleKey', message: 'No such role in this workspace' },
      ]);
    return role;
  }

  /** Only an owner can make an owner: an admin must not be able to promote anyone above themselves. */
  function assertMayGrant(actor: Actor, roleKey: string): void {
    if (roleKey === 'owner' && actor.role !== 'owner')
      throw new Forbidden('Only the owner can grant the owner role; transfer ownership instead.');
  }

  /**
   * The plan's member limit counts active members and pending invitations (other than one being
   * replaced), so an invitation that was sent can always be accepted.
   */
  async function assertSeatFree(tx: Tx, workspaceId: string, now: Date, replacingEmail?: string): Promise<void> {
    const [ws] = await tx
      .select({ maxUsers: workspaces.maxUsers })
      .from(workspaces)
      .where(eq(workspaces.id, workspaceId));
    if (!ws?.maxUsers) return;
    const [{ n } = { n: 0 }] = (
      await execRows<{ n: number }>(
        tx,
        sql`select (select count(*) from members where status = 'active')
               + (select count(*) from invitations
                   where accepted_at is null and revoked_at is null and expires_at > ${now.toISOString()}::timestamptz
                     and email <> ${replacingEmail ?? ''}) as n`,
      )
    ).map((r) => ({ n: Number(r.n) }));
    if (n >= ws.maxUsers) {
      throw new Conflict(`This workspace's plan allows ${ws.maxUsers} members, and every place is taken or invited.`);
    }
  }

  async function list(actor: Actor): Promise<MemberView[]> {
    assertPermission(actor, 'admin:users:read');
    return withWorkspace(db, actor, async (tx) => {
      const rows = await tx
        .select({ member: members, user: users, role: roles })
        .from(members)
        .innerJoin(users, eq(users.id, members.userId))
        .innerJoin(roles, eq(roles.id, members.roleId))
        .orderBy(asc(users.name), asc(members.id));
      return rows.map((r) => ({
        id: r.member.id,
        userId: r.user.id,
        name: r.user.name,
        email: r.user.email,
        role: { id: r.role.id, key: r.role.key, name: r.role.name },
        department: r.member.department,
        status: r.member.status,
        lastSignedInAt: r.member.lastSignedInAt,
        createdAt: r.member.createdAt,
      }));
    });
  }

  async function listRoles(actor: Actor) {
    assertPermission(actor, 'admin:users:read');
    return withWorkspace(db, actor, (tx) =>
      tx
        .select({
          id: roles.id,
          key: roles.key,
          name: roles.name,
          description: roles.description,
          permissions: roles.permissions,
          isSystem: roles.isSystem,
        })
        .from(roles)
        .orderBy(asc(roles.isSystem), asc(roles.name)),
    );
  }

  async function invite(
    actor: Actor,
    input: {
      email: string;
      roleId?: string | undefined;
      roleKey?: string | undefined;
      department?: string | null | undefined;
    },
  ) {
    assertPermission(actor, 'admin:users:create');
    const email = input.email.trim().toLowerCase();
    return withWorkspace(db, actor, async (tx) => {
      const role = await findRole(tx, input);
      assertMayGrant(actor, role.key);
      const existing = await tx
        .select({ id: members.id })
        .from(members)
        .innerJoin(users, eq(users.id, members.userId))
        .where(sql`lower(${users.email}) = ${email}`);
      if (existing.length) throw new Conflict(`${email} is already a member of this workspace.`);
      const now = clock();
      await assertSeatFree(tx, actor.workspaceId, now, email);
      // A new invitation replaces a pending one for the same address.
      await tx
        .update(invitations)
        .set({ revokedAt: now })
        .where(and(eq(invitations.email, email), isNull(invitations.acceptedAt), isNull(invitations.revokedAt)));
      const token = newOpaqueToken('inv');
      const [created] = await tx
        .insert(invitations)
        .values({
          workspaceId: actor.workspaceId,
          email,
          roleId: role.id,
          department: input.department ?? null,
          tokenHash: hashToken(token),
          invitedBy: userIdOf(actor),
          expiresAt: new Date(now.getTime() + INVITATION_TTL_MS),
          createdAt: now,
        })
        .returning();
      const inv = created as typeof invitations.$inferSelect;
      const [ws] = await tx
        .select({ name: workspaces.name })
        .from(workspaces)
        .where(eq(workspaces.id, actor.workspaceId));
      const [inviter] = await tx
        .select({ name: users.name })
        .from(users)
        .where(eq(users.id, userIdOf(actor)));
      await mailer.send(tx, {
        to: email,
        template: 'invitation',
        values: {
          inviter: inviter?.name ?? 'A colleague',
          workspace: ws?.name ?? 'a workspace',
          role: role.name,
          url: `${deps.publicUrl}/accept-invite?token=${encodeURIComponent(token)}`,
        },
        workspaceId: actor.workspaceId,
      });
      await recordAudit(tx, actor, {
        action: 'member.invited',
        entityType: 'invitation',
        entityId: inv.id,
        metadata: { email, role: role.key },
      });
      return {
        id: inv.id,
        email,
        role: { id: role.id, key: role.key, name: role.name },
        department: inv.department,
        expiresAt: inv.expiresAt,
        createdAt: inv.createdAt,
      };
    });
  }

  async function listInvitations(actor: Actor) {
    assertPermission(actor, 'admin:users:read');
    return withWorkspace(db, actor, async (tx) => {
      const rows = await tx
        .select({ inv: invitations, role: roles })
        .from(invitations)
        .innerJoin(roles, eq(roles.id, invitations.roleId))
        .where(and(isNull(invitations.acceptedAt), isNull(invitations.revokedAt), gt(invitations.expiresAt, clock())))
        .orderBy(asc(invitations.createdAt));
      return rows.map((r) => ({
        id: r.inv.id,
        email: r.inv.email,
        role: { id: r.role.id, key: r.role.key, name: r.role.name },
        department: r.inv.department,
        expiresAt: r.inv.expiresAt,
        createdAt: r.inv.createdAt,
      }));
    });
  }

  async function revokeInvitation(actor: Actor, id: string): Promise<void> {
    assertPermission(actor, 'admin:users:create');
    const done = await withWorkspace(db, actor, async (tx) => {
      const [row] = await tx
        .update(invitations)
        .set({ revokedAt: clock() })
        .where(and(eq(invitations.id, id), isNull(invitations.acceptedAt), isNull(invitations.revokedAt)))
        .returning({ id: invitations.id });
      if (row)
        await recordAudit(tx, actor, { action: 'member.invitation_revoked', entityType: 'invitation', entityId: id });
      return Boolean(row);
    });
    if (!done) throw new NotFound('Invitation');
  }

  /**
   * Public: accepts an invitation. A new address gets an account (name and password required);
   * an address with an account elsewhere proves itself with that account's password.
   */
  async function accept(
    input: { token: string; name?: string | undefined; password: string },
    ctx: RequestContext,
  ): Promise<SignedIn> {
    const now = clock();
    const [inv] = await db.orm
      .select()
      .from(invitations)
      .where(
        and(
          eq(invitations.tokenHash, hashToken(input.token)),
          isNull(invitations.acceptedAt),
          isNull(invitations.revokedAt),
          gt(invitations.expiresAt, now),
        ),
      );
    if (!inv) throw invalidInvite();
    const [existing] = await db.orm.select().from(users).where(sql`lower(${users.email}) = ${inv.email}`);
    let newUserHash: string | null = null;
    if (existing) {
      if (!(await verifyPassword(existing.passwordHash, input.password))) {
        throw new Unauthorized('That is not the password of the existing account for this email.');
      }
    } else {
      const fields = [];
      if (!input.name?.trim()) fields.push({ field: 'body.name', message: 'is required' });
      const problem = await passwordProblem(input.password, { email: inv.email });
      if (problem) fields.push({ field: 'body.password', message: `Password ${problem}` });
      if (fields.length) throw new ValidationError(fields);
      newUserHash = await hashPassword(input.password);
    }
    const userId = await asSystem(db, inv.workspaceId, async (tx) => {
      // Claim the invitation: of two acceptances racing, one wins.
      const [claimed] = await tx
        .update(invitations)
        .set({ acceptedAt: now })
        .where(and(eq(invitations.id, inv.id), isNull(invitations.acceptedAt), isNull(invitations.revokedAt)))
        .returning({ id: invitations.id });
      if (!claimed) throw invalidInvite();
      let uid = existing?.id;
      if (!uid) {
        const [u] = await tx
          .insert(users)
          .values({
            email: inv.email,
            name: (input.name as string).trim(),
            passwordHash: newUserHash as string,
            emailVerifiedAt: now,
            createdAt: now,
            updatedAt: now,
          })
          .returning({ id: users.id });
        uid = (u as { id: string }).id;
      }
      await tx
        .insert(members)
        .values({
          workspaceId: inv.workspaceId,
          userId: uid,
          roleId: inv.roleId,
          department: inv.department,
          createdAt: now,
          updatedAt: now,
        })
        .onConflictDoUpdate({
          target: [members.workspaceId, members.userId],
          set: { status: 'active', roleId: inv.roleId, department: inv.department, updatedAt: now },
        });
      await recordAudit(
        tx,
        { workspaceId: inv.workspaceId, userId: uid, ...ctx },
        { action: 'member.joined', entityType: 'invitation', entityId: inv.id },
      );
      return uid;
    });
    return deps.auth.startSessionFor(userId, inv.workspaceId, ctx);
  }

  async function loadMember(tx: Tx, memberId: string) {
    const [row] = await tx
      .select({ member: members, role: roles })
      .from(members)
      .innerJoin(roles, eq(roles.id, members.roleId))
      .where(eq(members.id, memberId));
    if (!row) throw new NotFound('Member');
    return row;
  }

  async function update(
    actor: Actor,
    memberId: string,
    input: { roleId?: string | undefined; roleKey?: string | undefined; department?: string | null | undefined },
  ) {
    assertPermission(actor, 'admin:users:update');
    await withWorkspace(db, actor, async (tx) => {
      const current = await loadMember(tx, memberId);
      const changes: Record<string, { old: unknown; new: unknown }> = {};
      const set: Partial<typeof members.$inferInsert> = { updatedAt: clock() };
      if (input.roleId || input.roleKey) {
        const role = await findRole(tx, input);
        if (role.id !== current.role.id) {
          if (current.role.key === 'owner')
            throw new Conflict("The owner's role changes only by transferring ownership.");
          assertMayGrant(actor, role.key);
          set.roleId = role.id;
          changes.role = { old: current.role.key, new: role.key };
        }
      }
      if (input.department !== undefined && input.department !== current.member.department) {
        set.department = input.department;
        changes.department = { old: current.member.department, new: input.department };
      }
      if (Object.keys(changes).length === 0) return;
      await tx.update(members).set(set).where(eq(members.id, memberId));
      await recordAudit(tx, actor, {
        action: changes.role ? 'member.role_changed' : 'member.updated',
        entityType: 'member',
        entityId: memberId,
        changes,
      });
    });
  }

  async function deactivate(actor: Actor, memberId: string): Promise<void> {
    assertPermission(actor, 'admin:users:delete');
    await withWorkspace(db, actor, async (tx) => {
      const { member, role } = await loadMember(tx, memberId);
      if (member.userId === actor.userId) throw new Conflict('You cannot deactivate yourself.');
      if (role.key === 'owner') throw new Conflict('The owner cannot be deactivated; transfer ownership first.');
      if (member.status === 'deactivated') return;
      const now = clock();
      await tx.update(members).set({ status: 'deactivated', updatedAt: now }).where(eq(members.id, memberId));
      // Their records stay; their sessions in this workspace end now.
      await tx
        .update(sessions)
        .set({ revokedAt: now, revokedReason: 'member_deactivated' })
        .where(and(eq(sessions.userId, member.userId), isNull(sessions.revokedAt)));
      await recordAudit(tx, actor, {
        action: 'member.deactivated',
        entityType: 'member',
        entityId: memberId,
        changes: { status: { old: 'active', new: 'deactivated' } },
      });
    });
  }

  async function transferOwnership(actor: Actor, memberId: string): Promise<void> {
    assertPermission(actor, 'workspace:ownership:transfer');
    await withWorkspace(db, actor, async (tx) => {
      const target = await loadMember(tx, memberId);
      if (target.member.status !== 'active') throw new Conflict('Ownership can go only to an active member.');
      if (target.member.userId === actor.userId) return;
      const owner = await findRole(tx, { roleKey: 'owner' });
      const admin = await findRole(tx, { roleKey: 'admin' });
      const now = clock();
      await tx.update(members).set({ roleId: owner.id, updatedAt: now }).where(eq(members.id, memberId));
      await tx
        .update(members)
        .set({ roleId: admin.id, updatedAt: now })
        .where(and(eq(members.userId, userIdOf(actor)), eq(members.workspaceId, actor.workspaceId)));
      await recordAudit(tx, actor, {
        action: 'workspace.ownership_transferred',
        entityType: 'member',
        entityId: memberId,
        changes: { role: { old: target.role.key, new: 'owner' } },
      });
    });
  }

  return { list, listRoles, invite, listInvitations, revokeInvitation, accept, update, deactivate, transferOwnership };
}

export type MembersService = ReturnType<typeof createMembersService>;
