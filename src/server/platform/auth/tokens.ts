// Access tokens (JWT, HS256 pinned, 15 minutes) and opaque refresh / one-time tokens stored hashed.
import { createHash, hkdfSync, randomBytes, webcrypto } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';

export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
export const REFRESH_TOKEN_TTL_MS = 7 * 24 * 3600 * 1000;
export const AUDIENCE = 'albedo-api';
const ALGORITHM = 'HS256';

export interface AccessClaims {
  userId: string;
  workspaceId: string;
  sessionId: string;
}

export const MFA_TOKEN_TTL_SECONDS = 5 * 60;

export interface TokenSigner {
  sign(claims: AccessClaims, now?: Date): Promise<string>;
  /** The claims, or null for any token that is missing, malformed, forged, expired or not an access token. */
  verify(token: string, now?: Date): Promise<AccessClaims | null>;
  /** A short-lived token proving the password was right, exchanged for a session with a second factor. */
  signMfa(claims: { userId: string; workspaceId: string }, now?: Date): Promise<string>;
  verifyMfa(token: string, now?: Date): Promise<{ userId: string; workspaceId: string } | null>;
}

/** The access-token key: derived from the master key, so each purpose has a key of its own. */
export function accessTokenKey(masterKey: Buffer): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', masterKey, 'albedo', 'access-token-v1', 32));
}

// A WebCrypto key imported once: given raw bytes or a KeyObject, jose (on Node's WebCrypto)
// converts it to a CryptoKey on every sign and verify, which showed in request profiles.
const keyObject = (bytes: Uint8Array): Promise<CryptoKey> =>
  webcrypto.subtle.importKey('raw', bytes, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);

/** How many verified access tokens are remembered (about 0.5 KB each). */
const VERIFIED_CACHE_SIZE = 10_000;

export function createTokenSigner(masterKey: Buffer, issuer: string): TokenSigner {
  const key = keyObject(accessTokenKey(masterKey));
  // A token is sent with every request of its 15 minutes; checking its signature again each time
  // (WebCrypto HMAC behind promises) was ~10 % of a request's CPU. A verified token is remembered
  // by its exact text, so a changed or forged token is a miss; the time claims are still checked
  // on every use. Oldest first out (a Map keeps insertion order).
  const verified = new Map<string, { claims: AccessClaims; nbf: number; exp: number }>();
  const mfaKey = keyObject(new Uint8Array(hkdfSync('sha256', masterKey, 'albedo', 'mfa-token-v1', 32)));
  return {
    async signMfa(claims, now = new Date()) {
      const iat = Math.floor(now.getTime() / 1000);
      return new SignJWT({ wid: claims.workspaceId, typ: 'mfa' })
        .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
        .setIssuer(issuer)
        .setAudience(`${AUDIENCE}/mfa`)
        .setSubject(claims.userId)
        .setIssuedAt(iat)
        .setExpirationTime(iat + MFA_TOKEN_TTL_SECONDS)
        .sign(await mfaKey);
    },
    async verifyMfa(token, now = new Date()) {
      try {
        const { payload } = await jwtVerify(token, await mfaKey, {
          algorithms: [ALGORITHM],
          issuer,
          audience: `${AUDIENCE}/mfa`,
          currentDate: now,
          requiredClaims: ['sub', 'exp'],
        });
        if (payload.typ !== 'mfa' || typeof payload.wid !== 'string' || !payload.sub) return null;
        return { userId: payload.sub, workspaceId: payload.wid };
      } catch (err) {
        if (err instanceof joseErrors.JOSEError || err instanceof TypeError) return null;
        throw err;
      }
    },
    async sign(claims, now = new Date()) {
      const iat = Math.floor(now.getTime() / 1000);
      return new SignJWT({ wid: claims.workspaceId, sid: claims.sessionId, typ: 'access' })
        .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
        .setIssuer(issuer)
        .setAudience(AUDIENCE)
        .setSubject(claims.userId)
        .setIssuedAt(iat)
        .setNotBefore(iat)
        .setExpirationTime(iat + ACCESS_TOKEN_TTL_SECONDS)
        .sign(await key);
    },
    async verify(token, now = new Date()) {
      const seconds = Math.floor(now.getTime() / 1000);
      const known = verified.get(token);
      if (known) return seconds >= known.nbf && seconds < known.exp ? known.claims : null;
      try {
        const { payload } = await jwtVerify(token, await key, {
          algorithms: [ALGORITHM],
          issuer,
          audience: AUDIENCE,
          currentDate: now,
          requiredClaims: ['sub', 'exp', 'iat', 'nbf'],
        });
        if (
          payload.typ !== 'access' ||
          typeof payload.wid !== 'string' ||
          typeof payload.sid !== 'string' ||
          !payload.sub
        ) {
          return null;
        }
        const claims = { userId: payload.sub, workspaceId: payload.wid, sessionId: payload.sid };
        if (verified.size >= VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value as string);
        verified.set(token, { claims, nbf: payload.nbf as number, exp: payload.exp as number });
        return claims;
      } catch (err) {
        if (err instanceof joseErrors.JOSEError || err instanceof TypeError) return null;
        throw err;
      }
    },
  };
}

/** A random opaque token with a readable prefix (`rt_` refresh, `pat_` access token, …). */
export function newOpaqueToken(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
