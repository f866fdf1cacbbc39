import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCode } from '#server/platform/auth/totp.ts';
import { createTestApp, type TestApp } from '#test/support/app.ts';
import { manualClock } from '#test/support/clock.ts';

const clock = manualClock('2026-11-23T10:00:05Z');
const PASSWORD = 'copper-willow-anthem-19';
let t: TestApp;

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const epoch = () => Math.floor(clock().getTime() / 1000);

async function signup(email: string) {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/signup',
    payload: { email, password: PASSWORD, name: 'Mia', workspaceName: `WS ${email}` },
  });
  expect(res.statusCode).toBe(201);
  return res.json().data as { accessToken: string; workspace: { id: string }; user: { id: string } };
}

/** Signs up and turns MFA on; returns the secret and backup codes. */
async function signupWithMfa(email: string) {
  const s = await signup(email);
  const setup = await t.app.inject({ method: 'POST', url: '/api/v1/me/mfa/setup', headers: bearer(s.accessToken) });
  expect(setup.statusCode).toBe(200);
  const { secret } = setup.json().data;
  const enable = await t.app.inject({
    method: 'POST',
    url: '/api/v1/me/mfa/enable',
    headers: bearer(s.accessToken),
    payload: { code: await totpCode(secret, { epoch: epoch() }) },
  });
  expect(enable.statusCode).toBe(200);
  clock.advance(30_000); // the enrolment code's step is spent
  return { ...s, secret: secret as string, backupCodes: enable.json().data.backupCodes as string[] };
}

const login = (email: string, extra: Record<string, string> = {}) =>
  t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password: PASSWORD, ...extra } });
const verify = (mfaToken: string, code: string) =>
  t.app.inject({ method: 'POST', url: '/api/v1/auth/mfa/verify', payload: { mfaToken, code } });

beforeAll(async () => {
  t = await createTestApp({ clock });
});
afterAll(() => t.close());

describe('two-factor enrolment', () => {
  it('gives a secret, an otpauth URI and a QR code, and turns on only with a right code', async () => {
    const s = await signup('enrol@example.com');
    const setup = await t.app.inject({ method: 'POST', url: '/api/v1/me/mfa/setup', headers: bearer(s.accessToken) });
    const data = setup.json().data;
    expect(data.otpauthUri).toMatch(/^otpauth:\/\/totp\/Albedo:enrol%40example\.com\?/);
    expect(data.qrCodeDataUrl).toMatch(/^data:image\/png;base64,/);
    const wrong = await t.app.inject({
      method: 'POST',
      url: '/api/v1/me/mfa/enable',
      headers: bearer(s.accessToken),
      payload: { code: '000000' },
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().error.details.fields[0].field).toBe('body.code');
    expect((await t.app.inject({ url: '/api/v1/me', headers: bearer(s.accessToken) })).json().data.mfaEnabled).toBe(
      false,
    );
    const right = await t.app.inject({
      method: 'POST',
      url: '/api/v1/me/mfa/enable',
      headers: bearer(s.accessToken),
      payload: { code: await totpCode(data.secret, { epoch: epoch() }) },
    });
    expect(right.statusCode).toBe(200);
    expect(right.json().data.backupCodes).toHaveLength(10);
    expect((await t.app.inject({ url: '/api/v1/me', headers: bearer(s.accessToken) })).json().data.mfaEnabled).toBe(
      true,
    );
    // The secret is not stored in clear.
    const [row] = await t.db.query<{ secret_encrypted: string }>(
      'select secret_encrypted from user_mfa where user_id = $1',
      [s.user.id],
    );
    expect(row?.secret_encrypted).not.toContain(data.secret);
  });
});

describe('signing in with two factors', () => {
  it('asks for a code after the password, then signs in with it', async () => {
    const s = await signupWithMfa('two-step@example.com');
    const first = await login('two-step@example.com');
    expect(first.statusCode).toBe(200);
    const challenge = first.json().data;
    expect(challenge).toEqual({ mfaRequired: true, mfaToken: expect.any(String) });
    const done = await verify(challenge.mfaToken, await totpCode(s.secret, { epoch: epoch() }));
    expect(done.statusCode).toBe(200);
    expect(done.json().data.accessToken).toEqual(expect.any(String));
  });

  it('accepts a code sent with the password, once: a replay in the same window is refused', async () => {
    const s = await signupWithMfa('replay@example.com');
    const code = await totpCode(s.secret, { epoch: epoch() });
    expect((await login('replay@example.com', { totp: code })).statusCode).toBe(200);
    clock.advance(5_000);
    const again = await login('replay@example.com', { totp: code });
    expect(again.statusCode).toBe(401);
    clock.advance(30_000);
    expect((await login('replay@example.com', { totp: await totpCode(s.secret, { epoch: epoch() }) })).statusCode).toBe(
      200,
    );
  });

  it('accepts each backup code once, and audits its use', async () => {
    const s = await signupWithMfa('backup@example.com');
    const code = s.backupCodes[3] as string;
    const token = (await login('backup@example.com')).json().data.mfaToken;
    expect((await verify(token, code.toUpperCase())).statusCode).toBe(200);
    const token2 = (await login('backup@example.com')).json().data.mfaToken;
    expect((await verify(token2, code)).statusCode).toBe(401);
    const actions = await t.db.query<{ action: string }>('select action from audit_log where workspace_id = $1', [
      s.workspace.id,
    ]);
    expect(actions.map((a) => a.action)).toContain('auth.mfa_backup_code_used');
  });

  it('counts wrong codes toward the lockout', async () => {
    const s = await signupWithMfa('guesser@example.com');
    const token = (await login('guesser@example.com')).json().data.mfaToken;
    for (let i = 0; i < 5; i++) expect((await verify(token, String(100000 + i))).statusCode).toBe(401);
    // Locked: even the right code is refused now.
    expect((await verify(token, await totpCode(s.secret, { epoch: epoch() }))).statusCode).toBe(401);
  });

  it('expires the half-finished sign-in after five minutes', async () => {
    const s = await signupWithMfa('slow@example.com');
    const token = (await login('slow@example.com')).json().data.mfaToken;
    clock.advance(5 * 60_000 + 1000);
    const res = await verify(token, await totpCode(s.secret, { epoch: epoch() }));
    expect(res.statusCode).toBe(401);
    expect(res.json().error.message).toMatch(/expired/);
  });

  it('turns off only with the password and a code', async () => {
    const s = await signupWithMfa('off@example.com');
    const session = (await login('off@example.com', { totp: await totpCode(s.secret, { epoch: epoch() }) })).json()
      .data;
    clock.advance(30_000);
    const bad = await t.app.inject({
      method: 'POST',
      url: '/api/v1/me/mfa/disable',
      headers: bearer(session.accessToken),
      payload: { password: 'wrong-password-here', code: '123456' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.fields.map((f: { field: string }) => f.field)).toEqual([
      'body.password',
      'body.code',
    ]);
    const ok = await t.app.inject({
      method: 'POST',
      url: '/api/v1/me/mfa/disable',
      headers: bearer(session.accessToken),
      payload: { password: PASSWORD, code: await totpCode(s.secret, { epoch: epoch() }) },
    });
    expect(ok.statusCode).toBe(204);
    expect((await login('off@example.com')).json().data.accessToken).toEqual(expect.any(String));
  });
});

describe('a workspace that requires two factors', () => {
  it('lets a member without one do nothing but set it up', async () => {
    const s = await signup('strict@example.com');
    await t.db.query('update workspaces set require_mfa = true where id = $1', [s.workspace.id]);
    const blocked = await t.app.inject({ url: '/api/v1/me/sessions', headers: bearer(s.accessToken) });
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json().error.message).toMatch(/requires two-factor/);
    expect((await t.app.inject({ url: '/api/v1/me', headers: bearer(s.accessToken) })).statusCode).toBe(200);
    const setup = await t.app.inject({ method: 'POST', url: '/api/v1/me/mfa/setup', headers: bearer(s.accessToken) });
    await t.app.inject({
      method: 'POST',
      url: '/api/v1/me/mfa/enable',
      headers: bearer(s.accessToken),
      payload: { code: await totpCode(setup.json().data.secret, { epoch: epoch() }) },
    });
    expect((await t.app.inject({ url: '/api/v1/me/sessions', headers: bearer(s.accessToken) })).statusCode).toBe(200);
  });
});
