import { describe, expect, it } from 'vitest';
import { decryptSecret, encryptSecret } from '#server/platform/crypto.ts';
import { hashBackupCode, newBackupCodes, newTotpSecret, otpauthUri, totpCode, verifyTotp } from './totp.ts';

// RFC 6238 Appendix B: the seeds are ASCII "1234567890" repeated to 20, 32 and 64 bytes.
const seed = (n: number) => new TextEncoder().encode('1234567890'.repeat(7).slice(0, n));
const VECTORS: Array<[number, string, string, string]> = [
  // time, SHA1, SHA256, SHA512
  [59, '94287082', '46119246', '90693936'],
  [1111111109, '07081804', '68084774', '25091201'],
  [1111111111, '14050471', '67062674', '99943326'],
  [1234567890, '89005924', '91819424', '93441116'],
  [2000000000, '69279037', '90698825', '38618901'],
  [20000000000, '65353130', '77737706', '47863826'],
];

describe('TOTP', () => {
  it('matches the RFC 6238 Appendix B test vectors', async () => {
    for (const [time, sha1, sha256, sha512] of VECTORS) {
      expect(await totpCode(seed(20), { epoch: time, digits: 8, algorithm: 'sha1' })).toBe(sha1);
      expect(await totpCode(seed(32), { epoch: time, digits: 8, algorithm: 'sha256' })).toBe(sha256);
      expect(await totpCode(seed(64), { epoch: time, digits: 8, algorithm: 'sha512' })).toBe(sha512);
      expect(await verifyTotp(seed(20), sha1, { epoch: time, digits: 8, algorithm: 'sha1' })).toBe(
        Math.floor(time / 30),
      );
    }
  });

  it('accepts the previous and next step, and nothing further', async () => {
    const secret = await newTotpSecret();
    const now = 1_800_000_000;
    const code = await totpCode(secret, { epoch: now });
    expect(await verifyTotp(secret, code, { epoch: now })).not.toBeNull();
    expect(await verifyTotp(secret, code, { epoch: now + 30 })).not.toBeNull();
    expect(await verifyTotp(secret, code, { epoch: now - 30 })).not.toBeNull();
    expect(await verifyTotp(secret, code, { epoch: now + 60 })).toBeNull();
    expect(await verifyTotp(secret, code, { epoch: now - 60 })).toBeNull();
  });

  it('refuses a code from a step already used (replay)', async () => {
    const secret = await newTotpSecret();
    const now = 1_800_000_000;
    const code = await totpCode(secret, { epoch: now });
    const step = await verifyTotp(secret, code, { epoch: now });
    expect(step).toBe(Math.floor(now / 30));
    expect(await verifyTotp(secret, code, { epoch: now + 5, afterTimeStep: step })).toBeNull();
    const next = await totpCode(secret, { epoch: now + 30 });
    expect(await verifyTotp(secret, next, { epoch: now + 30, afterTimeStep: step })).toBe((step as number) + 1);
  });

  it('refuses malformed codes', async () => {
    const secret = await newTotpSecret();
    for (const bad of ['', '12345', 'abcdef', '123 456', '1234567890']) {
      expect(await verifyTotp(secret, bad, { epoch: 1_800_000_000 })).toBeNull();
    }
  });

  it('builds an otpauth URI authenticator apps understand', async () => {
    const secret = await newTotpSecret();
    const uri = new URL(await otpauthUri(secret, 'ada@example.com'));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe('/Albedo:ada@example.com');
    expect(uri.searchParams.get('secret')).toBe(secret);
    expect(uri.searchParams.get('issuer')).toBe('Albedo');
  });

  it('makes ten distinct backup codes that hash the same however they are typed', () => {
    const codes = newBackupCodes();
    expect(new Set(codes).size).toBe(10);
    for (const c of codes) expect(c).toMatch(/^[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}$/);
    const first = codes[0] as string;
    expect(hashBackupCode(first.toUpperCase().replaceAll('-', ' '))).toBe(hashBackupCode(first));
  });
});

describe('secrets at rest', () => {
  const key = Buffer.alloc(32, 3);
  it('round-trips, and fails with another key or another owner', () => {
    const sealed = encryptSecret(key, 'JBSWY3DPEHPK3PXP', 'user-1');
    expect(sealed).not.toContain('JBSWY3DPEHPK3PXP');
    expect(decryptSecret(key, sealed, 'user-1')).toBe('JBSWY3DPEHPK3PXP');
    expect(() => decryptSecret(key, sealed, 'user-2')).toThrow();
    expect(() => decryptSecret(Buffer.alloc(32, 4), sealed, 'user-1')).toThrow();
    const [v, iv, tag, ct] = sealed.split(':');
    const flipped = Buffer.from(ct as string, 'base64');
    flipped[0] = (flipped[0] as number) ^ 1;
    expect(() => decryptSecret(key, [v, iv, tag, flipped.toString('base64')].join(':'), 'user-1')).toThrow();
  });
});
