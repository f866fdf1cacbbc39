// Account upkeep by email: address verification, forgotten passwords, and password changes.
// Tokens are single-use, expiring, and stored only as SHA-256.
import { and, eq, gt, isNull, ne, sql } from 'drizzle-orm';
import { z } from 'zod';
import { members, sessions, type USER_TOKEN_PURPOSES, users, userTokens } from '#server/db/schema/identity.ts';
import { type Actor, userIdOf } from '#server/platform/actor.ts';
import { recordAudit } from '#server/platform/audit.ts';
import { hashPassword, passwordProblem, verifyPassword } from '#server/platform/auth/passwords.ts';
import { hashToken, newOpaqueToken } from '#server/platform/auth/tokens.ts';
import type { Database, Tx } from '#server/platform/db/database.ts';
import { asSystem } from '#server/platform/db/tenancy.ts';
import { NotFound, ValidationError } from '#server/platform/errors.ts';
import { defineJob, type JobQueue } from '#server/platform/jobs/queue.ts';
import type { Mailer } from '#server/platform/mail/mailer.ts';
import type { RequestContext } from './auth.service.ts';

export const EMAIL_VERIFY_TTL_MS = 24 * 3600 * 1000;
export const PASSWORD_RESET_TTL_MS = 3600 * 1000;

type Purpose = (typeof USER_TOKEN_PURPOSES)[number];

export async function issueUserToken(
  tx: Tx,
  userId: string,
  purpose: Purpose,
  ttlMs: number,
  now: Date,
): Promise<string> {
  const token = newOpaqueToken(purpose === 'password_reset' ? 'pr' : 'ev');
  // A new link replaces older unused ones for the same purpose.
  await tx
    .update(userTokens)
    .set({ usedAt: now })
    .where(and(eq(userTokens.userId, userId), eq(userTokens.purpose, purpose), isNull(userTokens.usedAt)));
  await tx.insert(userTokens).values({
    userId,
    purpose,
    tokenHash: hashToken(token),
    expiresAt: new Date(now.getTime() + ttlMs),
    createdAt: now,
  });
  return token;
}

export function createAccountService(deps: {
  db: Database;
  mailer: Mailer;
  jobs: JobQueue;
  publicUrl: string;
  clock: () => Date;
}) {
  const { db, mailer, jobs, publicUrl, clock } = deps;

  /** Spends a token: returns its user, or null when unknown, used, expired or for another purpose. */
  async function consume(tx: Tx, token: string, purpose: Purpose): Promise<string | null> {
    const [row] = await tx
      .update(userTokens)
      .set({ usedAt: clock() })
      .where(
        and(
          eq(userTokens.tokenHash, hashToken(token)),
          eq(userTokens.purpose, purpose),
          isNull(userTokens.usedAt),
          gt(userTokens.expiresAt, clock()),
        ),
      )
      .returning({ userId: userTokens.userId });
    return row?.userId ?? null;
  }

  async function homeWorkspace(userId: string): Promise<string | null> {
    const [m] = await db.orm
      .select({ id: members.workspaceId })
      .from(members)
      .where(eq(members.userId, userId))
      .limit(1);
    return m?.id ?? null;
  }

  async function sendVerification(
    tx: Tx,
    user: { id: string; email: string; name: string },
    workspaceId: string,
  ): Promise<void> {
    const token = await issueUserToken(tx, user.id, 'email_verify', EMAIL_VERIFY_TTL_MS, clock());
    await mailer.send(tx, {
      to: user.email,
      template: 'verify-email',
      values: { name: user.name, url: `${publicUrl}/verify-email?token=${encodeURIComponent(token)}` },
      workspaceId,
    });
  }

  async function verifyEmail(token: string): Promise<void> {
    const ok = await db.orm.transaction(async (tx) => {
      const userId = await consume(tx, token, 'email_verify');
      if (!userId) return false;
      await tx.update(users).set({ emailVerifiedAt: clock(), updatedAt: clock() }).where(eq(users.id, userId));
      return true;
    });
    if (!ok)
      throw new ValidationError([
        { field: 'body.token', message: 'This link has expired or was already used. Ask for a new one.' },
      ]);
  }

  async function resendVerification(actor: Actor): Promise<void> {
    const [user] = await db.orm
      .select()
      .from(users)
      .where(eq(users.id, userIdOf(actor)));
    if (!user || user.emailVerifiedAt) return;
    await asSystem(db, actor.workspaceId, (tx) => sendVerification(tx, user, actor.workspaceId));
  }

  /** Always succeeds from the caller's view: whether the email has an account is never revealed. */
  // The request only enqueues this job, for known and unknown addresses alike, so the answer and
  // its timing are the same either way; the job finds out whether there is anyone to mail.
  const resetMailJob = defineJob({
    name: 'auth.password_reset_mail',
    payload: z.object({
      email: z.string(),
      ctx: z.object({
        channel: z.string(),
        requestId: z.string().optional(),
        ip: z.string().optional(),
        userAgent: z.string().optional(),
      }),
    }),
    maxAttempts: 3,
    handler: async ({ email, ctx }) => {
      await sendResetMail(email, ctx as RequestContext);
    },
  });
  jobs.register(resetMailJob);

  async function forgotPassword(email: string, ctx: RequestContext): Promise<void> {
    await jobs.enqueue(resetMailJob, { email: email.trim().toLowerCase(), ctx });
  }

  async function sendResetMail(email: string, ctx: RequestContext): Promise<void> {
    const [user] = await db.orm.select().from(users).where(sql`lower(${users.email}) = ${email}`);
    if (!user) return;
    const workspaceId = await homeWorkspace(user.id);
    const run = async (tx: Tx) => {
      const token = await issueUserToken(tx, user.id, 'password_reset', PASSWORD_RESET_TTL_MS, clock());
      await mailer.send(tx, {
        to: user.email,
        template: 'password-reset',
        values: { name: user.name, url: `${publicUrl}/reset-password?token=${encodeURIComponent(token)}` },
        workspaceId,
      });
      if (workspaceId) {
        await recordAudit(
          tx,
          { workspaceId, userId: user.id, ...ctx },
          { action: 'auth.password_reset_requested', entityType: 'user', entityId: user.id },
        );
      }
    };
    await (workspaceId ? asSystem(db, workspaceId, run) : db.orm.transaction(run));
  }

  /** Sets a new password hash, clears any lockout, signs out every session, notifies, audits. */
  async function replacePassword(
    tx: Tx,
    user: { id: string; email: string; name: string },
    passwordHash: string,
    workspaceId: string | null,
    ctx: RequestContext,
  ): Promise<void> {
    const now = clock();
    await tx
      .update(users)
      .set({ passwordHash, failedLoginCount: 0, lockedUntil: null, updatedAt: now })
      .where(eq(users.id, user.id));
    // Whoever knew the old password is signed out everywhere.
    await tx
      .update(sessions)
      .set({ revokedAt: now, revokedReason: 'password_reset' })
      .where(and(eq(sessions.userId, user.id), isNull(sessions.revokedAt)));
    await mailer.send(tx, { to: user.email, template: 'password-changed', values: { name: user.name }, workspaceId });
    if (workspaceId) {
      await recordAudit(
        tx,
        { workspaceId, userId: user.id, ...ctx },
        { action: 'auth.password_reset', entityType: 'user', entityId: user.id },
      );
    }
  }

  /** For operators (`albedo reset-password`): set a user's password directly. */
  async function setPassword(email: string, password: string, ctx: RequestContext): Promise<void> {
    const [user] = await db.orm.select().from(users).where(sql`lower(${users.email}) = ${email.trim().toLowerCase()}`);
    if (!user) throw new NotFound('User with that email');
    const problem = await passwordProblem(password, { email: user.email });
    if (problem) throw new ValidationError([{ field: 'password', message: `Password ${problem}` }]);
    const passwordHash = await hashPassword(password);
    const workspaceId = await homeWorkspace(user.id);
    const run = (tx: Tx) => replacePassword(tx, user, passwordHash, workspaceId, ctx);
    await (workspaceId ? asSystem(db, workspaceId, run) : db.orm.transaction(run));
  }

  async function resetPassword(input: { token: string; password: string }, ctx: RequestContext): Promise<void> {
    const [pending] = await db.orm
      .select({ user: users })
      .from(userTokens)
      .innerJoin(users, eq(users.id, userTokens.userId))
      .where(and(eq(userTokens.tokenHash, hashToken(input.token)), eq(userTokens.purpose, 'password_reset')));
    const problem = pending ? await passwordProblem(input.password, { email: pending.user.email }) : null;
    if (problem) throw new ValidationError([{ field: 'body.password', message: `Password ${problem}` }]);
    const passwordHash = await hashPassword(input.password);
    const workspaceId = pending ? await homeWorkspace(pending.user.id) : null;
    const run = async (tx: Tx) => {
      const userId = await consume(tx, input.token, 'password_reset');
      if (!userId || !pending) return false;
      await replacePassword(tx, pending.user, passwordHash, workspaceId, ctx);
      return true;
    };
    const ok = await (workspaceId ? asSystem(db, workspaceId, run) : db.orm.transaction(run));
    if (!ok)
      throw new ValidationError([
        { field: 'body.token', message: 'This link has expired or was already used. Ask for a new one.' },
      ]);
  }

  async function changePassword(
    actor: Actor & { sessionId: string },
    input: { currentPassword: string; newPassword: string },
  ): Promise<void> {
    const [user] = await db.orm
      .select()
      .from(users)
      .where(eq(users.id, userIdOf(actor)));
    if (!user || !(await verifyPassword(user.passwordHash, input.currentPassword))) {
      throw new ValidationError([{ field: 'body.currentPassword', message: 'Current password is not right' }]);
    }
    const problem = await passwordProblem(input.newPassword, { email: user.email });
    if (problem) throw new ValidationError([{ field: 'body.newPassword', message: `Password ${problem}` }]);
    const passwordHash = await hashPassword(input.newPassword);
    await asSystem(db, actor.workspaceId, async (tx) => {
      const now = clock();
      await tx.update(users).set({ passwordHash, updatedAt: now }).where(eq(users.id, user.id));
      await tx
        .update(sessions)
        .set({ revokedAt: now, revokedReason: 'password_changed' })
        .where(and(eq(sessions.userId, user.id), isNull(sessions.revokedAt), ne(sessions.id, actor.sessionId)));
      await mailer.send(tx, {
        to: user.email,
        template: 'password-changed',
        values: { name: user.name },
        workspaceId: actor.workspaceId,
      });
      await recordAudit(tx, actor, { action: 'auth.password_changed', entityType: 'user', entityId: user.id });
    });
  }

  async function updateProfile(actor: Actor, input: { name: string }): Promise<void> {
    await asSystem(db, actor.workspaceId, async (tx) => {
      const [before] = await tx
        .select({ name: users.name })
        .from(users)
        .where(eq(users.id, userIdOf(actor)));
      if (!before || before.name === input.name) return;
      await tx
        .update(users)
        .set({ name: input.name, updatedAt: clock() })
        .where(eq(users.id, userIdOf(actor)));
      await recordAudit(tx, actor, {
        action: 'user.updated',
        entityType: 'user',
        entityId: actor.userId,
        changes: { name: { old: before.name, new: input.name } },
      });
    });
  }

  return {
    sendVerification,
    verifyEmail,
    resendVerification,
    forgotPassword,
    resetPassword,
    setPassword,
    changePassword,
    updateProfile,
  };
}

export type AccountService = ReturnType<typeof createAccountService>;
