// TOTP (RFC 6238) through otplib: 30-second steps, ±1 step of clock drift, SHA-1 and 6 digits as
// authenticator apps expect, and replay protection by remembering the last accepted step.
import { createHash, randomBytes } from 'node:crypto';

// otplib is loaded when a second factor is first used, not at start.
const otp = () => import('otplib');

export const TOTP_PERIOD = 30;

export type TotpAlgorithm = 'sha1' | 'sha256' | 'sha512';

export async function newTotpSecret(): Promise<string> {
  return (await otp()).generateSecret({ length: 20 });
}

export async function otpauthUri(secret: string, account: string, issuer = 'Albedo'): Promise<string> {
  return (await otp()).generateURI({ issuer, label: account, secret });
}

export interface TotpOptions {
  /** Unix time in seconds (tests pass their clock). */
  epoch: number;
  digits?: 6 | 8;
  algorithm?: TotpAlgorithm;
}

export async function totpCode(secret: string | Uint8Array, options: TotpOptions): Promise<string> {
  return (await otp()).generate({
    secret,
    epoch: options.epoch,
    digits: options.digits ?? 6,
    algorithm: options.algorithm ?? 'sha1',
    period: TOTP_PERIOD,
  });
}

/**
 * Checks a code within ±1 step. Returns the matched time step, or null. A step at or before
 * `afterTimeStep` is refused: a code is accepted once only (RFC 6238 §5.2).
 */
export async function verifyTotp(
  secret: string | Uint8Array,
  code: string,
  options: TotpOptions & { afterTimeStep?: number | null },
): Promise<number | null> {
  if (!/^\d{6,8}$/.test(code)) return null;
  const result = await (await otp())
    .verify({
      secret,
      token: code,
      epoch: options.epoch,
      digits: options.digits ?? 6,
      algorithm: options.algorithm ?? 'sha1',
      period: TOTP_PERIOD,
      epochTolerance: TOTP_PERIOD,
      ...(options.afterTimeStep != null ? { afterTimeStep: options.afterTimeStep } : {}),
    })
    .catch(() => ({ valid: false as const }));
  return result.valid ? (result as { timeStep: number }).timeStep : null;
}

/** Ten single-use backup codes like `k7dq-9x2m-wp4f`: shown once, stored as SHA-256. */
export function newBackupCodes(count = 10): string[] {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  return Array.from({ length: count }, () => {
    const bytes = randomBytes(12);
    const chars = [...bytes].map((b) => alphabet[b % alphabet.length]).join('');
    return `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8, 12)}`;
  });
}

export function hashBackupCode(code: string): string {
  return createHash('sha256')
    .update(
      code
        .trim()
        .toLowerCase()
        .replace(/[^a-z0-9]/g, ''),
    )
    .digest('hex');
}
