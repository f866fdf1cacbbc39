import { base64url, SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIENCE, accessTokenKey } from '#server/platform/auth/tokens.ts';
import { createTestApp, type TestApp } from '#test/support/app.ts';
import { manualClock } from '#test/support/clock.ts';
import { REFRESH_COOKIE } from './auth.routes.ts';
import { LOGIN_FAILED_MESSAGE, REFRESH_RACE_WINDOW_MS } from './auth.service.ts';

const clock = manualClock(new Date());
let t: TestApp;

const PASSWORD = 'violet-harbour-lantern-42';
interface Signed {
  accessToken: string;
  refreshToken: string;
  user: { id: string; email: string };
  workspace: { id: string; name: string };
}

async function signup(email: string, workspaceName = 'Acme Ltd'): Promise<Signed> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/signup',
    payload: { email, password: PASSWORD, name: 'Ada Lovelace', workspaceName },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().data;
}

async function login(email: string, password = PASSWORD) {
  return t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function auditActions(workspaceId: string): Promise<string[]> {
  const rows = await t.db.query<{ action: string }>(
    'select action from audit_log where workspace_id = $1 order by created_at, id',
    [workspaceId],
  );
  return rows.map((r) => r.action);
}

beforeAll(async () => {
  t = await createTestApp({ clock });
  await t.app.ready();
});
afterAll(() => t.close());

describe('sign-up', () => {
  it('creates the workspace, its owner and a session, and sets the refresh cookie', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      payload: { email: 'Owner@Example.com', password: PASSWORD, name: 'Olive Owner', workspaceName: ' Northwind ' },
    });
    expect(res.statusCode).toBe(201);
    const { data } = res.json();
    expect(data).toMatchObject({
      user: { email: 'owner@example.com', name: 'Olive Owner', emailVerified: false },
      workspace: { name: 'Northwind' },
      accessTokenExpiresIn: 900,
    });
    expect(data.refreshToken).toMatch(/^rt_/);
    const cookie = res.cookies.find((c) => c.name === REFRESH_COOKIE);
    expect(cookie).toMatchObject({
      value: data.refreshToken,
      httpOnly: true,
      sameSite: 'Strict',
      path: '/api/v1/auth',
      secure: true,
    });

    const me = await t.app.inject({ url: '/api/v1/me', headers: bearer(data.accessToken) });
    expect(me.statusCode).toBe(200);
    expect(me.json().data).toMatchObject({
      email: 'owner@example.com',
      workspace: { id: data.workspace.id, name: 'Northwind' },
      role: 'owner',
      department: 'management',
      permissions: ['*:*:*'],
    });
    expect(await auditActions(data.workspace.id)).toEqual(['workspace.created', 'auth.signup']);
    // Every system role was seeded into the new workspace.
    const roles = await t.db.query<{ key: string }>('select key from roles where workspace_id = $1 order by key', [
      data.workspace.id,
    ]);
    expect(roles.map((r) => r.key)).toEqual(
      expect.arrayContaining([
        'owner',
        'admin',
        'manager',
        'member',
        'viewer',
        'management',
        'sales_manager',
        'sales_rep',
        'finance_rep',
      ]),
    );
    expect(roles).toHaveLength(14);
  });

  it('records the channel: the web app, or an API client', async () => {
    const web = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      headers: { 'x-albedo-client': 'web', 'user-agent': 'Mozilla/5.0 test' },
      payload: { email: 'from-web@example.com', password: PASSWORD, name: 'Web', workspaceName: 'Web Co' },
    });
    const api = await signup('from-api@example.com');
    const channel = async (ws: string) =>
      (
        await t.db.query<{ channel: string; user_agent: string | null }>(
          `select channel, user_agent from audit_log where workspace_id = $1 and action = 'auth.signup'`,
          [ws],
        )
      )[0];
    expect(await channel(web.json().data.workspace.id)).toEqual({ channel: 'web', user_agent: 'Mozilla/5.0 test' });
    expect((await channel(api.workspace.id))?.channel).toBe('api');
  });

  it('never stores the password or tokens in clear', async () => {
    const s = await signup('secret-keeper@example.com');
    const dump = JSON.stringify(
      await t.db.query(
        `select u.*, (select json_agg(r) from refresh_tokens r where r.workspace_id = $1) as tokens,
                (select json_agg(a) from audit_log a where a.workspace_id = $1) as audit
           from users u where u.id = $2`,
        [s.workspace.id, s.user.id],
      ),
    );
    expect(dump).toContain('$argon2id$');
    expect(dump).not.toContain(PASSWORD);
    expect(dump).not.toContain(s.refreshToken);
  });

  it('refuses short, common and email-derived passwords with a field error, creating nothing', async () => {
    for (const [password, message] of [
      ['short-pw', /at least 12 characters/],
      ['1qaz2wsx3edc', /too common/],
      ['password123456', /too common/],
      ['aaaaaaaaaaaaaaaa', /repeated character/],
      ['katherine.j-2026', /email address/],
    ] as const) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/signup',
        payload: { email: 'katherine.j@example.com', password, name: 'K', workspaceName: 'W' },
      });
      expect(res.statusCode, password).toBe(400);
      expect(res.json().error.details.fields).toEqual([
        { field: 'body.password', message: expect.stringMatching(message) },
      ]);
    }
    const rows = await t.db.query("select 1 from users where email = 'katherine.j@example.com'");
    expect(rows).toHaveLength(0);
  });

  it('lists every invalid field', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      payload: { email: 'nope', name: '' },
    });
    expect(res.statusCode).toBe(400);
    const fields = res
      .json()
      .error.details.fields.map((f: { field: string }) => f.field)
      .sort();
    expect(fields).toEqual(['body.email', 'body.name', 'body.password', 'body.workspaceName']);
  });

  it('refuses a second account for the same email, whatever its case', async () => {
    await signup('dup@example.com');
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      payload: { email: 'DUP@example.com', password: PASSWORD, name: 'Other', workspaceName: 'Other' },
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('CONFLICT');
  });
});

describe('sign-in', () => {
  it('signs in with the right password, case-insensitively on the email', async () => {
    const s = await signup('grace@example.com');
    const res = await login('GRACE@example.com');
    expect(res.statusCode).toBe(200);
    expect(res.json().data.workspace.id).toBe(s.workspace.id);
    expect((await auditActions(s.workspace.id)).at(-1)).toBe('auth.login');
  });

  it('answers a wrong password and an unknown email identically', async () => {
    await signup('known@example.com');
    const wrong = await login('known@example.com', 'not-the-password-at-all');
    const unknown = await login('nobody-here@example.com', 'not-the-password-at-all');
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    const strip = (b: { error: unknown }) => b.error;
    expect(strip(wrong.json())).toEqual(strip(unknown.json()));
    expect(wrong.json().error.message).toBe(LOGIN_FAILED_MESSAGE);
  });

  it('locks the account for 15 minutes after 5 failures, without telling an outsider', async () => {
    const s = await signup('locked@example.com');
    for (let i = 0; i < 5; i++)
      expect((await login('locked@example.com', `wrong-password-${i}-xyz`)).statusCode).toBe(401);
    const whileLocked = await login('locked@example.com');
    expect(whileLocked.statusCode).toBe(401);
    expect(whileLocked.json().error.message).toBe(LOGIN_FAILED_MESSAGE);
    const actions = await auditActions(s.workspace.id);
    expect(actions.filter((a) => a === 'auth.login_failed')).toHaveLength(6);
    expect(actions.filter((a) => a === 'auth.lockout')).toHaveLength(1);
    clock.advance(14 * 60_000);
    expect((await login('locked@example.com')).statusCode).toBe(401);
    clock.advance(60_001);
    expect((await login('locked@example.com')).statusCode).toBe(200);
    // Success resets the count: four more failures do not lock.
    for (let i = 0; i < 4; i++) await login('locked@example.com', `wrong-password-${i}-abc`);
    expect((await login('locked@example.com')).statusCode).toBe(200);
  });
});

describe('refresh tokens', () => {
  it('rotates: the new pair works, the old refresh token does not', async () => {
    const s = await signup('rotate@example.com');
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refreshToken: s.refreshToken },
    });
    expect(res.statusCode).toBe(200);
    const next = res.json().data;
    expect(next.refreshToken).not.toBe(s.refreshToken);
    expect((await t.app.inject({ url: '/api/v1/me', headers: bearer(next.accessToken) })).statusCode).toBe(200);
  });

  it('accepts the refresh token from the cookie', async () => {
    const s = await signup('cookie@example.com');
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      cookies: { [REFRESH_COOKIE]: s.refreshToken },
    });
    expect(res.statusCode).toBe(200);
    expect(res.cookies.find((c) => c.name === REFRESH_COOKIE)?.value).toBe(res.json().data.refreshToken);
  });

  it('lets exactly one of two concurrent refreshes win, without ending the session', async () => {
    const s = await signup('two-tabs@example.com');
    const [a, b] = await Promise.all(
      [1, 2].map(() =>
        t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: s.refreshToken } }),
      ),
    );
    const statuses = [a?.statusCode, b?.statusCode].sort();
    expect(statuses).toEqual([200, 409]);
    const winner = (a?.statusCode === 200 ? a : b)?.json().data;
    expect((await t.app.inject({ url: '/api/v1/me', headers: bearer(winner.accessToken) })).statusCode).toBe(200);
    const again = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refreshToken: winner.refreshToken },
    });
    expect(again.statusCode).toBe(200);
  });

  it('treats a rotated token coming back later as theft: the whole session ends, and it is audited', async () => {
    const s = await signup('reuse@example.com');
    const first = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refreshToken: s.refreshToken },
    });
    const current = first.json().data;
    clock.advance(REFRESH_RACE_WINDOW_MS + 1000);
    const replay = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refreshToken: s.refreshToken },
    });
    expect(replay.statusCode).toBe(401);
    // The legitimate holder's newer tokens are dead too: the family is revoked.
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/api/v1/auth/refresh',
          payload: { refreshToken: current.refreshToken },
        })
      ).statusCode,
    ).toBe(401);
    expect((await t.app.inject({ url: '/api/v1/me', headers: bearer(current.accessToken) })).statusCode).toBe(401);
    expect(await auditActions(s.workspace.id)).toContain('auth.refresh_token_reuse');
  });

  it('refuses an unknown refresh token and a request with none', async () => {
    expect(
      (await t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: 'rt_made_up' } }))
        .statusCode,
    ).toBe(401);
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh' })).statusCode).toBe(401);
  });
});

describe('sessions and sign-out', () => {
  it('signs out: the access and refresh tokens stop working at once', async () => {
    const s = await signup('bye@example.com');
    const out = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: bearer(s.accessToken) });
    expect(out.statusCode).toBe(204);
    expect((await t.app.inject({ url: '/api/v1/me', headers: bearer(s.accessToken) })).statusCode).toBe(401);
    expect(
      (await t.app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken: s.refreshToken } }))
        .statusCode,
    ).toBe(401);
    expect(await auditActions(s.workspace.id)).toContain('auth.logout');
  });

  it('lists the sessions and revokes another one, which takes effect on its next request', async () => {
    const s = await signup('many-devices@example.com');
    const laptop = (await login('many-devices@example.com')).json().data;
    const list = await t.app.inject({ url: '/api/v1/me/sessions', headers: bearer(s.accessToken) });
    expect(list.statusCode).toBe(200);
    const sessions = list.json().data;
    expect(sessions).toHaveLength(2);
    expect(sessions.filter((x: { current: boolean }) => x.current)).toHaveLength(1);
    const other = sessions.find((x: { current: boolean }) => !x.current);
    const del = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/me/sessions/${other.id}`,
      headers: bearer(s.accessToken),
    });
    expect(del.statusCode).toBe(204);
    expect((await t.app.inject({ url: '/api/v1/me', headers: bearer(laptop.accessToken) })).statusCode).toBe(401);
    expect((await t.app.inject({ url: '/api/v1/me', headers: bearer(s.accessToken) })).statusCode).toBe(200);
  });

  it("cannot see or end another workspace's sessions: they answer like missing ones", async () => {
    const a = await signup('tenant-a@example.com', 'Tenant A');
    const b = await signup('tenant-b@example.com', 'Tenant B');
    const bSessions = (await t.app.inject({ url: '/api/v1/me/sessions', headers: bearer(b.accessToken) })).json().data;
    const aSessions = (await t.app.inject({ url: '/api/v1/me/sessions', headers: bearer(a.accessToken) })).json().data;
    expect(aSessions.map((x: { id: string }) => x.id)).not.toContain(bSessions[0].id);
    const guess = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/me/sessions/${bSessions[0].id}`,
      headers: bearer(a.accessToken),
    });
    const missing = await t.app.inject({
      method: 'DELETE',
      url: '/api/v1/me/sessions/01936b7e-0000-7000-8000-000000000000',
      headers: bearer(a.accessToken),
    });
    expect(guess.statusCode).toBe(404);
    expect(guess.json().error).toEqual(missing.json().error);
    expect((await t.app.inject({ url: '/api/v1/me', headers: bearer(b.accessToken) })).statusCode).toBe(200);
  });
});

describe('every protected route refuses bad access tokens', () => {
  let good: Signed;
  const key = () => accessTokenKey(t.config.masterKey);
  const base = () => ({ wid: good.workspace.id, sid: 'x', typ: 'access' });

  beforeAll(async () => {
    good = await signup('token-tester@example.com');
    const me = await t.app.inject({ url: '/api/v1/me/sessions', headers: bearer(good.accessToken) });
    base().sid = me.json().data[0].id;
  });

  async function forge(mutate: (jwt: SignJWT) => SignJWT, claims: Record<string, unknown> = {}) {
    const sessions = (await t.app.inject({ url: '/api/v1/me/sessions', headers: bearer(good.accessToken) })).json()
      .data;
    const now = Math.floor(clock().getTime() / 1000);
    const jwt = new SignJWT({ ...base(), sid: sessions[0].id, ...claims })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(t.config.publicUrl)
      .setAudience(AUDIENCE)
      .setSubject(good.user.id)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + 900);
    return mutate(jwt).sign(key());
  }

  it('with each kind of bad token, on every route that requires one', async () => {
    const now = Math.floor(clock().getTime() / 1000);
    const valid = await forge((j) => j);
    const [header, payload, signature] = valid.split('.');
    const tampered = `${header}.${base64url.encode(JSON.stringify({ ...JSON.parse(new TextDecoder().decode(base64url.decode(payload as string))), sub: '01936b7e-0000-7000-8000-000000000000' }))}.${signature}`;
    const cases: Record<string, Record<string, string>> = {
      missing: {},
      'not bearer': { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
      garbage: bearer('not.a.jwt'),
      expired: bearer(
        await forge((j) =>
          j
            .setIssuedAt(now - 3600)
            .setNotBefore(now - 3600)
            .setExpirationTime(now - 60),
        ),
      ),
      'not yet valid': bearer(await forge((j) => j.setNotBefore(now + 600))),
      tampered: bearer(tampered),
      'alg none': bearer(
        new UnsecuredJWT({ ...base(), sub: good.user.id })
          .setIssuer(t.config.publicUrl)
          .setAudience(AUDIENCE)
          .setExpirationTime(now + 900)
          .encode(),
      ),
      'wrong audience': bearer(await forge((j) => j.setAudience('some-other-api'))),
      'wrong issuer': bearer(await forge((j) => j.setIssuer('https://evil.example.net'))),
      'wrong key': bearer(
        await new SignJWT(base())
          .setProtectedHeader({ alg: 'HS256' })
          .setIssuer(t.config.publicUrl)
          .setAudience(AUDIENCE)
          .setSubject(good.user.id)
          .setIssuedAt(now)
          .setNotBefore(now)
          .setExpirationTime(now + 900)
          .sign(new Uint8Array(32)),
      ),
      'not an access token': bearer(await forge((j) => j, { typ: 'refresh' })),
      'refresh token used as access token': bearer(good.refreshToken),
    };
    const protectedRoutes = t.app.routeTable.filter((r) => r.auth);
    // The table comes from the app itself: a new protected route is covered without editing this test.
    expect(protectedRoutes.map((r) => `${r.method} ${r.url}`)).toEqual(
      expect.arrayContaining([
        'GET /api/v1/me',
        'GET /api/v1/me/sessions',
        'DELETE /api/v1/me/sessions/:id',
        'POST /api/v1/auth/logout',
      ]),
    );
    for (const route of protectedRoutes) {
      const url = route.url.replace(/:(\w+)/g, '01936b7e-0000-7000-8000-00000000beef');
      for (const [name, headers] of Object.entries(cases)) {
        const res = await t.app.inject({ method: route.method as 'GET', url, headers });
        expect({ route: `${route.method} ${route.url}`, name, status: res.statusCode }).toEqual({
          route: `${route.method} ${route.url}`,
          name,
          status: 401,
        });
        expect(res.json().error.code).toBe('UNAUTHORIZED');
      }
    }
    // And the well-formed token forged with the real key is accepted: the cases above fail for their flaw alone.
    expect((await t.app.inject({ url: '/api/v1/me', headers: bearer(valid) })).statusCode).toBe(200);
  });

  it('public routes stay public', async () => {
    const publicRoutes = t.app.routeTable.filter((r) => !r.auth).map((r) => `${r.method} ${r.url}`);
    expect(publicRoutes).toEqual(
      expect.arrayContaining([
        'POST /api/v1/auth/login',
        'POST /api/v1/auth/signup',
        'POST /api/v1/auth/refresh',
        'GET /health',
      ]),
    );
  });
});
