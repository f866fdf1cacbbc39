// Two-factor authentication: TOTP enrolment (secret encrypted at rest, otpauth URI and QR code),
// confirmation, ten single-use backup codes, disabling, and checking a second factor at sign-in.
import { and, eq, isNull } from 'drizzle-orm';
import { mfaBackupCodes, userMfa, users } from '#server/db/schema/identity.ts';
import { type Actor, userIdOf } from '#server/platform/actor.ts';
import { recordAudit } from '#server/platform/audit.ts';
import { verifyPassword } from '#server/platform/auth/passwords.ts';
import { hashBackupCode, newBackupCodes, newTotpSecret, otpauthUri, verifyTotp } from '#server/platform/auth/totp.ts';
import { decryptSecret, encryptSecret } from '#server/platform/crypto.ts';
import type { Database } from '#server/platform/db/database.ts';
import { asSystem } from '#server/platform/db/tenancy.ts';
import { Conflict, ValidationError } from '#server/platform/errors.ts';

export function createMfaService(deps: { db: Database; masterKey: Buffer; clock: () => Date }) {
  const { db, masterKey, clock } = deps;
  const epoch = () => Math.floor(clock().getTime() / 1000);

  async function status(userId: string): Promise<{ enabled: boolean }> {
    const [row] = await db.orm.select({ enabledAt: userMfa.enabledAt }).from(userMfa).where(eq(userMfa.userId, userId));
    return { enabled: Boolean(row?.enabledAt) };
  }

  /** Starts (or restarts) enrolment: a new secret, not active until confirmed with a code. */
  async function setup(actor: Actor) {
    const userId = userIdOf(actor);
    const [existing] = await db.orm.select().from(userMfa).where(eq(userMfa.userId, userId));
    if (existing?.enabledAt)
      throw new Conflict('Two-factor authentication is already on. Turn it off first to set up a new authenticator.');
    const [user] = await db.orm.select({ email: users.email }).from(users).where(eq(users.id, userId));
    const secret = await newTotpSecret();
    const sealed = encryptSecret(masterKey, secret, userId);
    await db.orm
      .insert(userMfa)
      .values({ userId, secretEncrypted: sealed, createdAt: clock() })
      .onConflictDoUpdate({
        target: userMfa.userId,
        set: { secretEncrypted: sealed, lastTimeStep: null, createdAt: clock() },
      });
    const uri = await otpauthUri(secret, user?.email ?? userId);
    const QRCode = (await import('qrcode')).default;
    return { secret, otpauthUri: uri, qrCodeDataUrl: await QRCode.toDataURL(uri, { margin: 1, width: 240 }) };
  }

  /** Confirms enrolment with a code from the app; returns the backup codes, shown this once. */
  async function enable(actor: Actor, code: string): Promise<{ backupCodes: string[] }> {
    const userId = userIdOf(actor);
    const [row] = await db.orm.select().from(userMfa).where(eq(userMfa.userId, userId));
    if (!row) throw new ValidationError([{ field: 'body.code', message: 'Start the setup first' }]);
    if (row.enabledAt) throw new Conflict('Two-factor authentication is already on.');
    const step = await verifyTotp(decryptSecret(masterKey, row.secretEncrypted, userId), code, { epoch: epoch() });
    if (step === null)
      throw new ValidationError([
        {
          field: 'body.code',
          message: 'That code is not right; check the time on your device and try the current code',
        },
      ]);
    const codes = newBackupCodes();
    await asSystem(db, actor.workspaceId, async (tx) => {
      await tx.update(userMfa).set({ enabledAt: clock(), lastTimeStep: step }).where(eq(userMfa.userId, userId));
      await tx.delete(mfaBackupCodes).where(eq(mfaBackupCodes.userId, userId));
      await tx.insert(mfaBackupCodes).values(codes.map((c) => ({ userId, codeHash: hashBackupCode(c) })));
      await recordAudit(tx, actor, { action: 'auth.mfa_enabled', entityType: 'user', entityId: userId });
    });
    return { backupCodes: codes };
  }

  async function disable(actor: Actor, input: { password: string; code: string }): Promise<void> {
    const userId = userIdOf(actor);
    const [user] = await db.orm.select({ passwordHash: users.passwordHash }).from(users).where(eq(users.id, userId));
    const passwordOk = user ? await verifyPassword(user.passwordHash, input.password) : false;
    const codeOk = await checkSecondFactor(userId, input.code);
    if (!passwordOk || !codeOk) {
      throw new ValidationError([
        ...(passwordOk ? [] : [{ field: 'body.password', message: 'Password is not right' }]),
        ...(codeOk ? [] : [{ field: 'body.code', message: 'Code is not right' }]),
      ]);
    }
    await asSystem(db, actor.workspaceId, async (tx) => {
      await tx.delete(userMfa).where(eq(userMfa.userId, userId));
      await tx.delete(mfaBackupCodes).where(eq(mfaBackupCodes.userId, userId));
      await recordAudit(tx, actor, { action: 'auth.mfa_disabled', entityType: 'user', entityId: userId });
    });
  }

  /** True for a current TOTP code not used before, or an unused backup code (which is then spent). */
  async function checkSecondFactor(userId: string, code: string): Promise<'totp' | 'backup_code' | null> {
    const trimmed = code.trim();
    if (/^\d{6}$/.test(trimmed)) {
      const [row] = await db.orm.select().from(userMfa).where(eq(userMfa.userId, userId));
      if (!row?.enabledAt) return null;
      const secret = decryptSecret(masterKey, row.secretEncrypted, userId);
      const step = await verifyTotp(secret, trimmed, { epoch: epoch(), afterTimeStep: row.lastTimeStep });
      if (step === null) return null;
      // Compare-and-set: of two requests racing with one code, only one moves the step forward.
      const moved = await db.query(
        `update user_mfa set last_time_step = $2 where user_id = $1 and (last_time_step is null or last_time_step < $2) returning user_id`,
        [userId, step],
      );
      return moved.length ? 'totp' : null;
    }
    const spent = await db.orm
      .update(mfaBackupCodes)
      .set({ usedAt: clock() })
      .where(
        and(
          eq(mfaBackupCodes.userId, userId),
          eq(mfaBackupCodes.codeHash, hashBackupCode(trimmed)),
          isNull(mfaBackupCodes.usedAt),
        ),
      )
      .returning({ id: mfaBackupCodes.id });
    return spent.length ? 'backup_code' : null;
  }

  return { status, setup, enable, disable, checkSecondFactor };
}

export type MfaService = ReturnType<typeof createMfaService>;
