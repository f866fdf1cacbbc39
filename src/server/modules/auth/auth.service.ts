// Sign-up, sign-in (argon2id, lockout, no account oracle), rotating refresh tokens with reuse
// detection, sign-out, sessions, and turning an access token into an Actor on every request.
import { and, asc, desc, eq, isNull, sql } from 'drizzle-orm';
import { members, refreshTokens, roles, sessions, users } from '#server/db/schema/identity.ts';
import { workspaces } from '#server/db/schema/workspaces.ts';
import { SYSTEM_ROLES } from '#server/modules/access/system-roles.ts';
import { type Actor, type Channel, STALE_ACTOR_CODE, userIdOf } from '#server/platform/actor.ts';
import { recordAudit } from '#server/platform/audit.ts';
import { burnPasswordCheck, hashPassword, passwordProblem, verifyPassword } from '#server/platform/auth/passwords.ts';
import {
  ACCESS_TOKEN_TTL_SECONDS,
  hashToken,
  newOpaqueToken,
  REFRESH_TOKEN_TTL_MS,
  type TokenSigner,
} from '#server/platform/auth/tokens.ts';
import type { Database, Tx } from '#server/platform/db/database.ts';
import { asSystem, withWorkspace } from '#server/platform/db/tenancy.ts';
import { Conflict, NotFound, Unauthorized, ValidationError } from '#server/platform/errors.ts';
import type { AccountService } from './account.service.ts';
import type { MfaService } from './mfa.service.ts';

export const MAX_FAILED_LOGINS = 5;
export const LOCKOUT_MS = 15 * 60 * 1000;
/** A rotated refresh token presented again within this window is a concurrent refresh (two tabs), not theft. */
export const REFRESH_RACE_WINDOW_MS = 30 * 1000;
export const LOGIN_FAILED_MESSAGE =
  'Email or password is incorrect. After 5 failed attempts an account is locked for 15 minutes.';

export interface RequestContext {
  channel: Channel;
  requestId?: string;
  ip?: string;
  userAgent?: string;
}

export interface SignedIn {
  user: { id: string; email: string; name: string; emailVerified: boolean };
  workspace: { id: string; name: string };
  accessToken: string;
  accessTokenExpiresIn: number;
  refreshToken: string;
  sessionId: string;
}

export interface SessionInfo {
  id: string;
  createdAt: Date;
  lastUsedAt: Date;
  expiresAt: Date;
  ip: string | null;
  userAgent: string | null;
  current: boolean;
}

const normalizeEmail = (email: string) => email.trim().toLowerCase();

/** The actor of a signed-in request. `mfaSetupRequired`: the workspace requires a second factor this user lacks. */
interface ActorRow {
  role: string;
  permissions: string[];
  department: string | null;
  mfa_enabled: boolean;
  require_mfa: boolean;
  name: string;
  email: string;
  email_verified: boolean;
  workspace_name: string;
}

// The member behind a token (actorFor, personal access tokens): role permissions plus unexpired
// permission sets (a plain concatenation: a repeated permission is harmless, deduplicating costs a
// sort), profile, MFA state. A session's member is read by the SQL function albedo_session_actor
// (migration 0019), which builds the same columns and a fingerprint of them: change both together.
const actorColumns = (now: string) => `r.key as role, m.department, w.require_mfa, w.name as workspace_name,
  r.permissions || coalesce((
    select array_agg(p)
      from member_permission_sets mps
      join permission_sets ps on ps.id = mps.permission_set_id
      cross join unnest(ps.permissions) p
     where mps.member_id = m.id and (mps.expires_at is null or mps.expires_at > ${now})), '{}') as permissions,
  u.name, u.email, u.email_verified_at is not null as email_verified,
  exists (select 1 from user_mfa um where um.user_id = m.user_id and um.enabled_at is not null) as mfa_enabled`;
const ACTOR_JOINS = `join roles r on r.id = m.role_id
         join workspaces w on w.id = m.workspace_id
         join users u on u.id = m.user_id`;

function toActor(
  row: ActorRow,
  who: { userId: string; workspaceId: string; sessionId: string | null },
  ctx: RequestContext,
  sessionCheck?: SessionActor['sessionCheck'],
): SessionActor {
  // Built field by field on every request: spreads of the parts cost more than the rest of this.
  return {
    userId: who.userId,
    workspaceId: who.workspaceId,
    sessionId: who.sessionId,
    role: row.role,
    permissions: row.permissions,
    department: row.department,
    mfaSetupRequired: row.require_mfa && !row.mfa_enabled,
    profile: {
      name: row.name,
      email: row.email,
      emailVerified: row.email_verified,
      workspaceName: row.workspace_name,
      mfaEnabled: row.mfa_enabled,
    },
    channel: ctx.channel,
    requestId: ctx.requestId,
    ip: ctx.ip,
    userAgent: ctx.userAgent,
    sessionCheck,
  };
}

export type SessionActor = Actor & {
  /** Null when authenticated with a personal access token rather than a session. */
  sessionId: string | null;
  /** Set with a personal access token: the token's id and the scopes it is limited to. */
  tokenId?: string;
  mfaSetupRequired: boolean;
  /** Who is signed in, resolved with the session in the same query, so GET /me needs no other. */
  profile: { name: string; email: string; emailVerified: boolean; workspaceName: string; mfaEnabled: boolean };
};

export interface MfaChallenge {
  mfaRequired: true;
  mfaToken: string;
}

export const MFA_FAILED_MESSAGE =
  'That code is not right. Use the current code from your authenticator app, or a backup code.';

export function createAuthService(deps: {
  db: Database;
  tokens: TokenSigner;
  mfa: MfaService;
  account: Pick<AccountService, 'sendVerification'>;
  clock?: () => Date;
}) {
  const { db, tokens, mfa } = deps;
  const clock = deps.clock ?? (() => new Date());

  async function startSession(
    tx: Tx,
    user: { id: string; email: string; name: string; emailVerifiedAt: Date | null },
    workspace: { id: string; name: string },
    ctx: RequestContext,
  ): Promise<SignedIn> {
    const now = clock();
    const [session] = await tx
      .insert(sessions)
      .values({
        workspaceId: workspace.id,
        userId: user.id,
        ip: ctx.ip ?? null,
        userAgent: ctx.userAgent?.slice(0, 500) ?? null,
        createdAt: now,
        lastUsedAt: now,
        expiresAt: new Date(now.getTime() + REFRESH_TOKEN_TTL_MS),
      })
      .returning({ id: sessions.id });
    const sessionId = (session as { id: string }).id;
    const refreshToken = newOpaqueToken('rt');
    await tx
      .insert(refreshTokens)
      .values({ workspaceId: workspace.id, sessionId, tokenHash: hashToken(refreshToken), createdAt: now });
    return {
      user: { id: user.id, email: user.email, name: user.name, emailVerified: user.emailVerifiedAt !== null },
      workspace,
      accessToken: await tokens.sign({ userId: user.id, workspaceId: workspace.id, sessionId }, now),
      accessTokenExpiresIn: ACCESS_TOKEN_TTL_SECONDS,
      refreshToken,
      sessionId,
    };
  }

  async function signup(
    input: { email: string; password: string; name: string; workspaceName: string },
    ctx: RequestContext,
  ): Promise<SignedIn> {
    const email = normalizeEmail(input.email);
    const problem = await passwordProblem(input.password, { email, name: input.name });
    if (problem) throw new ValidationError([{ field: 'body.password', message: `Password ${problem}` }]);
    const passwordHash = await hashPassword(input.password);
    const workspaceId = crypto.randomUUID();
    try {
      return await asSystem(db, workspaceId, async (tx) => {
        const existing = await tx.select({ id: users.id }).from(users).where(sql`lower(${users.email}) = ${email}`);
        if (existing.length) throw new Conflict('An account with this email already exists. Sign in instead.');
        const now = clock();
        const [workspace] = await tx
          .insert(workspaces)
          .values({ id: workspaceId, name: input.workspaceName.trim(), createdAt: now, updatedAt: now })
          .returning({ id: workspaces.id, name: workspaces.name });
        const seeded = await tx
          .insert(roles)
          .values(
            SYSTEM_ROLES.map((r) => ({
              workspaceId,
              key: r.key,
              name: r.name,
              description: r.description,
              permissions: r.permissions,
              isSystem: true,
            })),
          )
          .returning({ id: roles.id, key: roles.key });
        const ownerRole = seeded.find((r) => r.key === 'owner') as { id: string };
        const [user] = await tx
          .insert(users)
          .values({ email, name: input.name.trim(), passwordHash, createdAt: now, updatedAt: now })
          .returning();
        const u = user as typeof users.$inferSelect;
        await tx
          .insert(members)
          .values({ workspaceId, userId: u.id, roleId: ownerRole.id, department: 'management', lastSignedInAt: now });
        const actor = { workspaceId, userId: u.id, ...ctx };
        await recordAudit(tx, actor, {
          action: 'workspace.created',
          entityType: 'workspace',
          entityId: workspaceId,
          metadata: { name: input.workspaceName.trim() },
        });
        await recordAudit(tx, actor, { action: 'auth.signup', entityType: 'user', entityId: u.id });
        await deps.account.sendVerification(tx, u, workspaceId);
        return startSession(tx, u, workspace as { id: string; name: string }, ctx);
      });
    } catch (err) {
      // Two sign-ups racing for one email: the unique index decides; the loser gets the same answer.
      if (/users_email_idx/.test(String((err as { cause?: Error }).cause?.message ?? (err as Error).message))) {
        throw new Conflict('An account with this email already exists. Sign in instead.');
      }
      throw err;
    }
  }

  async function login(
    input: { email: string; password: string; totp?: string | undefined },
    ctx: RequestContext,
  ): Promise<SignedIn | MfaChallenge> {
    const email = normalizeEmail(input.email);
    const [user] = await db.orm.select().from(users).where(sql`lower(${users.email}) = ${email}`).limit(1);
    if (!user) {
      await burnPasswordCheck(input.password);
      throw new Unauthorized(LOGIN_FAILED_MESSAGE);
    }
    const now = clock();
    const memberships = await db.orm
      .select({ workspaceId: members.workspaceId, name: workspaces.name })
      .from(members)
      .innerJoin(workspaces, eq(workspaces.id, members.workspaceId))
      .where(and(eq(members.userId, user.id), eq(members.status, 'active')))
      .orderBy(desc(sql`coalesce(${members.lastSignedInAt}, ${members.createdAt})`), asc(members.createdAt));
    const home = memberships[0];
    const locked = user.lockedUntil !== null && user.lockedUntil > now;
    // Always pay for one verification, so every failure path takes the same time.
    const ok = (await verifyPassword(user.passwordHash, input.password)) && !locked && home !== undefined;
    const auditWorkspace = home?.workspaceId ?? (await anyWorkspaceOf(user.id));
    if (!ok) {
      if (!locked) await recordFailure(user.id, auditWorkspace, ctx);
      else if (auditWorkspace) {
        await asSystem(db, auditWorkspace, (tx) =>
          recordAudit(
            tx,
            { workspaceId: auditWorkspace, userId: user.id, ...ctx },
            { action: 'auth.login_failed', entityType: 'user', entityId: user.id, metadata: { reason: 'locked' } },
          ),
        );
      }
      throw new Unauthorized(LOGIN_FAILED_MESSAGE);
    }
    if ((await mfa.status(user.id)).enabled) {
      if (!input.totp) {
        return {
          mfaRequired: true,
          mfaToken: await tokens.signMfa({ userId: user.id, workspaceId: home.workspaceId }, now),
        };
      }
      const factor = await mfa.checkSecondFactor(user.id, input.totp);
      if (!factor) {
        await recordFailure(user.id, home.workspaceId, ctx, 'mfa_code');
        throw new Unauthorized(MFA_FAILED_MESSAGE);
      }
      return completeSignIn(user, home, ctx, factor);
    }
    return completeSignIn(user, home, ctx, null);
  }

  /** Second step of a sign-in with two-factor authentication on. */
  async function verifyMfa(input: { mfaToken: string; code: string }, ctx: RequestContext): Promise<SignedIn> {
    const now = clock();
    const claims = await tokens.verifyMfa(input.mfaToken, now);
    const expired = 'This sign-in has expired. Enter your email and password again.';
    if (!claims) throw new Unauthorized(expired);
    const [row] = await db.orm
      .select({ user: users, name: workspaces.name, status: members.status })
      .from(users)
      .innerJoin(members, and(eq(members.userId, users.id), eq(members.workspaceId, claims.workspaceId)))
      .innerJoin(workspaces, eq(workspaces.id, members.workspaceId))
      .where(eq(users.id, claims.userId));
    if (row?.status !== 'active') throw new Unauthorized(expired);
    if (row.user.lockedUntil && row.user.lockedUntil > now) throw new Unauthorized(LOGIN_FAILED_MESSAGE);
    const factor = await mfa.checkSecondFactor(row.user.id, input.code);
    if (!factor) {
      await recordFailure(row.user.id, claims.workspaceId, ctx, 'mfa_code');
      throw new Unauthorized(MFA_FAILED_MESSAGE);
    }
    return completeSignIn(row.user, { workspaceId: claims.workspaceId, name: row.name }, ctx, factor);
  }

  async function completeSignIn(
    user: typeof users.$inferSelect,
    home: { workspaceId: string; name: string },
    ctx: RequestContext,
    secondFactor: 'totp' | 'backup_code' | null,
  ): Promise<SignedIn> {
    const now = clock();
    return asSystem(db, home.workspaceId, async (tx) => {
      await tx
        .update(users)
        .set({ failedLoginCount: 0, lockedUntil: null, updatedAt: now })
        .where(eq(users.id, user.id));
      await tx
        .update(members)
        .set({ lastSignedInAt: now })
        .where(and(eq(members.userId, user.id), eq(members.workspaceId, home.workspaceId)));
      const actor = { workspaceId: home.workspaceId, userId: user.id, ...ctx };
      await recordAudit(tx, actor, {
        action: 'auth.login',
        entityType: 'user',
        entityId: user.id,
        metadata: { secondFactor },
      });
      if (secondFactor === 'backup_code') {
        await recordAudit(tx, actor, { action: 'auth.mfa_backup_code_used', entityType: 'user', entityId: user.id });
      }
      return startSession(tx, user, { id: home.workspaceId, name: home.name }, ctx);
    });
  }

  async function anyWorkspaceOf(userId: string): Promise<string | undefined> {
    const [m] = await db.orm
      .select({ id: members.workspaceId })
      .from(members)
      .where(eq(members.userId, userId))
      .limit(1);
    return m?.id;
  }

  async function recordFailure(
    userId: string,
    workspaceId: string | undefined,
    ctx: RequestContext,
    reason: 'password' | 'mfa_code' = 'password',
  ): Promise<void> {
    const now = clock();
    // One statement decides the count and the lock, so parallel guesses cannot slip past the limit.
    const [row] = await db.query<{ failed_login_count: number; locked_until: Date | null }>(
      `update users set
         failed_login_count = case when failed_login_count + 1 >= $2 then 0 else failed_login_count + 1 end,
         locked_until = case when failed_login_count + 1 >= $2 then $3::timestamptz else locked_until end,
         updated_at = $4
       where id = $1 returning failed_login_count, locked_until`,
      [userId, MAX_FAILED_LOGINS, new Date(now.getTime() + LOCKOUT_MS), now],
    );
    if (!workspaceId) return;
    const lockedNow = row?.locked_until != null && new Date(row.locked_until) > now && row.failed_login_count === 0;
    await asSystem(db, workspaceId, async (tx) => {
      const actor = { workspaceId, userId, ...ctx };
      await recordAudit(tx, actor, {
        action: 'auth.login_failed',
        entityType: 'user',
        entityId: userId,
        metadata: { reason },
      });
      if (lockedNow) {
        await recordAudit(tx, actor, {
          action: 'auth.lockout',
          entityType: 'user',
          entityId: userId,
          metadata: { minutes: LOCKOUT_MS / 60_000 },
        });
      }
    });
  }

  async function refresh(refreshToken: string, ctx: RequestContext): Promise<SignedIn> {
    const now = clock();
    const hash = hashToken(refreshToken);
    // Claim the token: of two requests racing with it, exactly one sees a row.
    const [claimed] = await db.query<{ session_id: string; workspace_id: string }>(
      `update refresh_tokens set rotated_at = $2 where token_hash = $1 and rotated_at is null returning session_id, workspace_id`,
      [hash, now],
    );
    if (!claimed) {
      const [seen] = await db.query<{ session_id: string; workspace_id: string; rotated_at: Date }>(
        `select session_id, workspace_id, rotated_at from refresh_tokens where token_hash = $1`,
        [hash],
      );
      if (!seen) throw new Unauthorized('Your session has ended. Sign in again.');
      if (now.getTime() - new Date(seen.rotated_at).getTime() <= REFRESH_RACE_WINDOW_MS) {
        throw new Conflict('This refresh token was just used by another request; use the newer token.');
      }
      // A token rotated a while ago came back: someone kept a copy. End the whole session.
      await asSystem(db, seen.workspace_id, async (tx) => {
        const [s] = await tx
          .update(sessions)
          .set({ revokedAt: now, revokedReason: 'refresh_token_reuse' })
          .where(and(eq(sessions.id, seen.session_id), isNull(sessions.revokedAt)))
          .returning({ userId: sessions.userId });
        if (s) {
          await recordAudit(
            tx,
            { workspaceId: seen.workspace_id, userId: s.userId, ...ctx },
            {
              action: 'auth.refresh_token_reuse',
              entityType: 'session',
              entityId: seen.session_id,
            },
          );
        }
      });
      throw new Unauthorized('Your session has ended. Sign in again.');
    }
    return asSystem(db, claimed.workspace_id, async (tx) => {
      const [row] = await tx
        .select({ session: sessions, user: users, member: members, workspace: workspaces })
        .from(sessions)
        .innerJoin(users, eq(users.id, sessions.userId))
        .innerJoin(members, and(eq(members.userId, sessions.userId), eq(members.workspaceId, sessions.workspaceId)))
        .innerJoin(workspaces, eq(workspaces.id, sessions.workspaceId))
        .where(eq(sessions.id, claimed.session_id));
      if (!row || row.session.revokedAt || row.session.expiresAt <= now || row.member.status !== 'active') {
        throw new Unauthorized('Your session has ended. Sign in again.');
      }
      const next = newOpaqueToken('rt');
      await tx.insert(refreshTokens).values({
        workspaceId: claimed.workspace_id,
        sessionId: claimed.session_id,
        tokenHash: hashToken(next),
        createdAt: now,
      });
      await tx.update(sessions).set({ lastUsedAt: now }).where(eq(sessions.id, claimed.session_id));
      return {
        user: {
          id: row.user.id,
          email: row.user.email,
          name: row.user.name,
          emailVerified: row.user.emailVerifiedAt !== null,
        },
        workspace: { id: row.workspace.id, name: row.workspace.name },
        accessToken: await tokens.sign(
          { userId: row.user.id, workspaceId: row.workspace.id, sessionId: claimed.session_id },
          now,
        ),
        accessTokenExpiresIn: ACCESS_TOKEN_TTL_SECONDS,
        refreshToken: next,
        sessionId: claimed.session_id,
      };
    });
  }

  // The actors of recent sessions. A read request (GET) may start from one instead of looking its
  // session up first: the actor then carries a check (albedo_assert_session, same fingerprint as
  // the lookup) that its first query sends in the same round trip, so a revoked session or a
  // changed role still applies to the very next request, and a stale guess is answered again with
  // the actor as it is now (platform/http/authenticate.ts). Oldest out first.
  const remembered = new Map<string, { userId: string; workspaceId: string; row: ActorRow; fingerprint: string }>();
  const REMEMBERED_ACTORS = 10_000;

  /** Resolves a bearer token (session access token or personal access token) to an Actor, or null. */
  async function authenticate(
    bearer: string,
    ctx: RequestContext,
    options: { speculative?: boolean } = {},
  ): Promise<SessionActor | null> {
    const now = clock();
    if (bearer.startsWith('pat_')) return authenticatePersonalToken(bearer, ctx, now);
    const claims = await tokens.verify(bearer, now);
    if (!claims) return null;
    const who = { userId: claims.userId, workspaceId: claims.workspaceId, sessionId: claims.sessionId };
    const known = options.speculative ? remembered.get(claims.sessionId) : undefined;
    if (known && known.userId === claims.userId && known.workspaceId === claims.workspaceId) {
      return toActor(known.row, who, ctx, {
        statement: {
          name: 'albedo_assert_session',
          text: 'select albedo_assert_session($1, $2, $3, $4, $5)',
          values: [claims.sessionId, claims.userId, claims.workspaceId, now, known.fingerprint],
        },
        state: 'pending',
      });
    }
    // One round trip: a revoked session, a deactivated member, a changed role or an expired
    // permission set applies to the very next request.
    const [row] = await db.query<ActorRow & { fingerprint: string }>(
      'select * from albedo_session_actor($1, $2, $3, $4)',
      [claims.sessionId, claims.userId, claims.workspaceId, now],
      // Planned once per connection instead of on every request.
      { prepare: 'albedo_session_actor' },
    );
    remembered.delete(claims.sessionId);
    if (!row) return null;
    if (remembered.size >= REMEMBERED_ACTORS) remembered.delete(remembered.keys().next().value as string);
    remembered.set(claims.sessionId, {
      userId: claims.userId,
      workspaceId: claims.workspaceId,
      row,
      fingerprint: row.fingerprint,
    });
    return toActor(row, who, ctx);
  }

  /** For a request that never reached the database: whether its remembered actor still holds. */
  async function confirm(actor: Actor): Promise<boolean> {
    const check = actor.sessionCheck;
    if (!check || check.state === 'confirmed') return true;
    if (check.state === 'stale') return false;
    try {
      await db.query(check.statement.text, check.statement.values, { prepare: check.statement.name });
      check.state = 'confirmed';
      return true;
    } catch (err) {
      if ((err as { code?: string }).code !== STALE_ACTOR_CODE) throw err;
      check.state = 'stale';
      return false;
    }
  }

  /**
   * The actor for work a member started that runs later (imports, exports): their permissions as
   * they are when it runs, so a member removed or demoted meanwhile gets no more than they now have.
   */
  async function actorFor(
    who: {
      userId: string;
      workspaceId: string;
      scopes?: readonly string[] | undefined;
      requestId?: string | undefined;
    },
    channel: Channel,
  ): Promise<Actor | null> {
    const [row] = await db.query<ActorRow>(
      `select ${actorColumns('$3')}
         from members m
         ${ACTOR_JOINS}
        where m.user_id = $1 and m.workspace_id = $2 and m.status = 'active'`,
      [who.userId, who.workspaceId, clock()],
    );
    if (!row) return null;
    return {
      userId: who.userId,
      workspaceId: who.workspaceId,
      role: row.role,
      permissions: row.permissions,
      department: row.department,
      channel,
      ...(who.scopes ? { scopes: who.scopes } : {}),
      ...(who.requestId ? { requestId: who.requestId } : {}),
    };
  }

  async function authenticatePersonalToken(
    token: string,
    ctx: RequestContext,
    now: Date,
  ): Promise<SessionActor | null> {
    const [row] = await db.query<
      ActorRow & {
        token_id: string;
        user_id: string;
        workspace_id: string;
        scopes: string[];
        last_used_at: Date | null;
      }
    >(
      `select ${actorColumns('$2')}, t.id as token_id, t.user_id, t.workspace_id, t.scopes, t.last_used_at
         from personal_access_tokens t
         join members m on m.workspace_id = t.workspace_id and m.user_id = t.user_id and m.status = 'active'
         ${ACTOR_JOINS}
        where t.token_hash = $1 and t.revoked_at is null and (t.expires_at is null or t.expires_at > $2)`,
      [hashToken(token), now],
      { prepare: 'albedo_token_actor' },
    );
    if (!row) return null;
    // Last use is worth knowing, not worth a write per request: at most once a minute.
    if (!row.last_used_at || now.getTime() - new Date(row.last_used_at).getTime() > 60_000) {
      void db
        .query('update personal_access_tokens set last_used_at = $2 where id = $1', [row.token_id, now])
        .catch(() => {});
    }
    const actor = toActor(row, { userId: row.user_id, workspaceId: row.workspace_id, sessionId: null }, ctx);
    return { ...actor, tokenId: row.token_id, scopes: row.scopes };
  }

  async function logout(actor: Actor & { sessionId: string }): Promise<void> {
    await revoke(actor, actor.sessionId, 'logout');
  }

  async function revoke(actor: Actor, sessionId: string, reason: string): Promise<void> {
    const done = await asSystem(db, actor.workspaceId, async (tx) => {
      const [s] = await tx
        .update(sessions)
        .set({ revokedAt: clock(), revokedReason: reason })
        .where(
          and(
            eq(sessions.id, sessionId),
            eq(sessions.userId, userIdOf(actor)),
            eq(sessions.workspaceId, actor.workspaceId),
            isNull(sessions.revokedAt),
          ),
        )
        .returning({ id: sessions.id });
      if (s)
        await recordAudit(tx, actor, {
          action: reason === 'logout' ? 'auth.logout' : 'auth.session_revoked',
          entityType: 'session',
          entityId: sessionId,
        });
      return Boolean(s);
    });
    if (!done) throw new NotFound('Session');
  }

  async function listSessions(actor: Actor & { sessionId?: string }): Promise<SessionInfo[]> {
    const rows = await withWorkspace(db, actor, (tx) =>
      tx
        .select()
        .from(sessions)
        .where(
          and(
            eq(sessions.userId, userIdOf(actor)),
            isNull(sessions.revokedAt),
            sql`${sessions.expiresAt} > ${clock().toISOString()}`,
          ),
        )
        .orderBy(desc(sessions.lastUsedAt)),
    );
    return rows.map((s) => ({
      id: s.id,
      createdAt: s.createdAt,
      lastUsedAt: s.lastUsedAt,
      expiresAt: s.expiresAt,
      ip: s.ip,
      userAgent: s.userAgent,
      current: s.id === actor.sessionId,
    }));
  }

  /** The signed-in user, straight from the actor: authentication already read it with the session. */
  function me(actor: SessionActor) {
    return {
      id: userIdOf(actor),
      email: actor.profile.email,
      name: actor.profile.name,
      emailVerified: actor.profile.emailVerified,
      workspace: { id: actor.workspaceId, name: actor.profile.workspaceName },
      role: actor.role,
      department: actor.department,
      permissions: [...actor.permissions],
      mfaEnabled: actor.profile.mfaEnabled,
    };
  }

  /** Signs a user into a workspace they just joined (accepting an invitation proves the email). */
  async function startSessionFor(userId: string, workspaceId: string, ctx: RequestContext): Promise<SignedIn> {
    const [row] = await db.orm
      .select({ user: users, name: workspaces.name })
      .from(users)
      .innerJoin(members, and(eq(members.userId, users.id), eq(members.workspaceId, workspaceId)))
      .innerJoin(workspaces, eq(workspaces.id, workspaceId))
      .where(eq(users.id, userId));
    if (!row) throw new NotFound('Member');
    return completeSignIn(row.user, { workspaceId, name: row.name }, ctx, null);
  }

  return {
    signup,
    login,
    verifyMfa,
    startSessionFor,
    refresh,
    authenticate,
    confirm,
    actorFor,
    logout,
    revokeSession: (a: Actor, id: string) => revoke(a, id, 'revoked'),
    listSessions,
    me,
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
