import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '#test/support/app.ts';
import { manualClock } from '#test/support/clock.ts';

const PASSWORD = 'juniper-beacon-almanac-4';
const clock = manualClock(new Date());
let t: TestApp;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function signup(email: string) {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/signup',
    payload: { email, password: PASSWORD, name: 'Tess', workspaceName: `WS ${email}` },
  });
  return res.json().data as { accessToken: string; workspace: { id: string } };
}
const createToken = (session: string, body: Record<string, unknown>) =>
  t.app.inject({ method: 'POST', url: '/api/v1/me/tokens', headers: bearer(session), payload: body });

beforeAll(async () => {
  t = await createTestApp({ clock });
});
afterAll(() => t.close());

describe('personal access tokens', () => {
  it('is shown once, works as a bearer token within its scopes, and never beyond them', async () => {
    const s = await signup('scripts@example.com');
    const res = await createToken(s.accessToken, {
      name: 'CI export',
      scopes: ['admin:users:read'],
      expiresInDays: 30,
    });
    expect(res.statusCode).toBe(201);
    const created = res.json().data;
    expect(created.token).toMatch(/^pat_/);
    const listed = (await t.app.inject({ url: '/api/v1/me/tokens', headers: bearer(s.accessToken) })).json().data;
    expect(listed).toEqual([
      expect.objectContaining({ id: created.id, name: 'CI export', scopes: ['admin:users:read'] }),
    ]);
    expect(JSON.stringify(listed)).not.toContain(created.token);

    expect((await t.app.inject({ url: '/api/v1/members', headers: bearer(created.token) })).statusCode).toBe(200);
    const outOfScope = await t.app.inject({ url: '/api/v1/audit', headers: bearer(created.token) });
    expect(outOfScope.statusCode).toBe(403);
    expect(outOfScope.json().error.message).toMatch(/not scoped/);
    // What needs a person at a session stays closed to tokens.
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/api/v1/me/tokens',
          headers: bearer(created.token),
          payload: { name: 'x', scopes: ['admin:users:read'] },
        })
      ).statusCode,
    ).toBe(403);
    expect(
      (await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: bearer(created.token) })).statusCode,
    ).toBe(403);
    const [row] = await t.db.query<{ last_used_at: Date | null; token_hash: string }>(
      'select last_used_at, token_hash from personal_access_tokens where id = $1',
      [created.id],
    );
    expect(row?.last_used_at).not.toBeNull();
    expect(row?.token_hash).not.toContain(created.token);
  });

  it('cannot be scoped beyond its owner, nor to non-permissions', async () => {
    const owner = await signup('owner-tok@example.com');
    const res = await createToken(owner.accessToken, { name: 'bad', scopes: ['not a permission'] });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details.fields[0].field).toBe('body.scopes.0');
    // An owner holds everything, so any well-formed scope is theirs to give.
    expect((await createToken(owner.accessToken, { name: 'all', scopes: ['*:*:*'] })).statusCode).toBe(201);
  });

  it('stops working when revoked or expired', async () => {
    const s = await signup('expiring@example.com');
    const short = (
      await createToken(s.accessToken, { name: 'short', scopes: ['admin:users:read'], expiresInDays: 1 })
    ).json().data;
    const other = (
      await createToken(s.accessToken, { name: 'other', scopes: ['admin:users:read'], expiresInDays: 30 })
    ).json().data;
    expect(
      (await t.app.inject({ method: 'DELETE', url: `/api/v1/me/tokens/${other.id}`, headers: bearer(s.accessToken) }))
        .statusCode,
    ).toBe(204);
    expect((await t.app.inject({ url: '/api/v1/members', headers: bearer(other.token) })).statusCode).toBe(401);
    expect((await t.app.inject({ url: '/api/v1/members', headers: bearer(short.token) })).statusCode).toBe(200);
    clock.advance(86_400_000 + 1000);
    expect((await t.app.inject({ url: '/api/v1/members', headers: bearer(short.token) })).statusCode).toBe(401);
  });
});
