// Password hashing (argon2id) and the password policy: 12+ characters, not a common password.
import { hash, verify } from '@node-rs/argon2';

// OWASP's argon2id baseline (19 MiB, 2 passes, 1 lane): ~40 ms per hash on this machine class,
// slow enough to make offline guessing expensive, fast enough for sign-in under load.
// algorithm 2 is Argon2id (the package's const enum cannot be imported under verbatimModuleSyntax).
const OPTIONS = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 256;

// ~49,000 most common passwords, shipped with @zxcvbn-ts/language-common; loaded on first use
// rather than at start (decompressing it costs ~20 ms).
let common: Promise<Set<string>> | undefined;
function commonPasswords(): Promise<Set<string>> {
  common ??= import('@zxcvbn-ts/language-common').then(
    ({ dictionary }) => new Set(dictionary['passwords-common'].map((p) => p.toLowerCase())),
  );
  return common;
}

/** Why a password is refused, or null when it is acceptable. */
export async function passwordProblem(
  password: string,
  context: { email?: string; name?: string } = {},
): Promise<string | null> {
  if (password.length < MIN_PASSWORD_LENGTH) return `must be at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > MAX_PASSWORD_LENGTH) return `must be at most ${MAX_PASSWORD_LENGTH} characters`;
  const lower = password.toLowerCase();
  // "dragon123456" is "dragon" with a counter: as weak as the word.
  const stem = lower.replace(/[\d\W_]+$/, '');
  const COMMON = await commonPasswords();
  if (COMMON.has(lower) || (stem.length >= 4 && COMMON.has(stem))) return 'is too common; choose a less guessable one';
  if (/^(.)\1+$/.test(password)) return 'must not be one repeated character';
  const local = context.email?.split('@')[0]?.toLowerCase();
  if (local && local.length >= 4 && lower.includes(local)) return 'must not contain your email address';
  return null;
}

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

let dummy: Promise<string> | undefined;
/**
 * Verifies against a throwaway hash of the same cost, so a sign-in for an email with no account
 * takes as long as one for a real account (no timing oracle).
 */
export async function burnPasswordCheck(password: string): Promise<void> {
  dummy ??= hashPassword('albedo-timing-equaliser-not-a-password');
  await verifyPassword(await dummy, password);
}
