import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '#test/support/app.ts';
import { manualClock } from '#test/support/clock.ts';
import { bearer, joinWorkspace, type Session, signUp } from '#test/support/flows.ts';

const PASSWORD = 'walnut-meridian-cobalt-6';
const clock = manualClock(new Date());
let t: TestApp;
const signup = (email: string) => signUp(t.app, { email, password: PASSWORD, name: 'Owen' });
const join = (owner: Session, email: string, roleKey: string) =>
  joinWorkspace(t.app, owner, { email, roleKey, password: PASSWORD });
const call = (s: Session, method: string, url: string, payload?: unknown) =>
  t.app.inject({
    method: method as 'GET',
    url,
    headers: bearer(s.accessToken),
    ...(payload !== undefined ? { payload: payload as object } : {}),
  });
const me = async (s: Session) => (await call(s, 'GET', '/api/v1/me')).json().data;

beforeAll(async () => {
  t = await createTestApp({ clock });
});
afterAll(() => t.close());

describe('custom roles', () => {
  it('creates, assigns, edits and deletes a custom role; system roles stay as they are', async () => {
    const owner = await signup('roles-owner@example.com');
    const bad = await call(owner, 'POST', '/api/v1/roles', { name: 'Bad', permissions: ['crm:contacts'] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.fields[0].field).toBe('body.permissions.0');
    const created = await call(owner, 'POST', '/api/v1/roles', {
      name: 'Field agent',
      permissions: ['crm:contacts:read', 'crm:contacts:create'],
    });
    expect(created.statusCode).toBe(201);
    const role = created.json().data;
    expect(role).toMatchObject({ key: 'custom_field_agent', isSystem: false });

    const agent = await join(owner, 'agent@example.com', 'member');
    expect((await call(owner, 'PATCH', `/api/v1/members/${agent.memberId}`, { roleId: role.id })).statusCode).toBe(204);
    expect((await me(agent)).permissions.sort()).toEqual(['crm:contacts:create', 'crm:contacts:read']);
    await call(owner, 'PATCH', `/api/v1/roles/${role.id}`, { permissions: ['crm:contacts:read'] });
    expect((await me(agent)).permissions).toEqual(['crm:contacts:read']);

    expect((await call(owner, 'DELETE', `/api/v1/roles/${role.id}`)).statusCode).toBe(409);
    const system = (await call(owner, 'GET', '/api/v1/roles'))
      .json()
      .data.find((r: { key: string }) => r.key === 'viewer');
    expect((await call(owner, 'PATCH', `/api/v1/roles/${system.id}`, { permissions: ['*:*:*'] })).statusCode).toBe(409);
    expect((await call(agent, 'POST', '/api/v1/roles', { name: 'Mine', permissions: ['*:*:*'] })).statusCode).toBe(403);
  });
});

describe('permission sets', () => {
  it('adds permissions on top of the role until they expire', async () => {
    const owner = await signup('sets-owner@example.com');
    const viewer = await join(owner, 'temp-exporter@example.com', 'viewer');
    const set = (
      await call(owner, 'POST', '/api/v1/permission-sets', {
        name: 'Quarter-end export',
        permissions: ['crm:*:export', 'admin:audit:read'],
      })
    ).json().data;
    expect(
      (await call(owner, 'POST', '/api/v1/permission-sets', { name: 'quarter-END export', permissions: [] }))
        .statusCode,
    ).toBe(409);
    expect((await call(viewer, 'GET', '/api/v1/audit')).statusCode).toBe(403);
    const past = await call(owner, 'POST', `/api/v1/members/${viewer.memberId}/permission-sets`, {
      permissionSetId: set.id,
      expiresAt: new Date(clock().getTime() - 1000).toISOString(),
    });
    expect(past.statusCode).toBe(400);
    const until = new Date(clock().getTime() + 3600_000).toISOString();
    expect(
      (
        await call(owner, 'POST', `/api/v1/members/${viewer.memberId}/permission-sets`, {
          permissionSetId: set.id,
          expiresAt: until,
        })
      ).statusCode,
    ).toBe(204);
    expect((await me(viewer)).permissions).toEqual(
      expect.arrayContaining(['crm:*:read', 'crm:*:export', 'admin:audit:read']),
    );
    expect((await call(viewer, 'GET', '/api/v1/audit')).statusCode).toBe(200);
    clock.advance(3600_000 + 1000);
    // The access token expired too by now; sign in again and find the set gone.
    const again: Session = (
      await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: 'temp-exporter@example.com', password: PASSWORD },
      })
    ).json().data;
    expect((await me(again)).permissions).not.toContain('admin:audit:read');
    expect((await call(again, 'GET', '/api/v1/audit')).statusCode).toBe(403);
  });

  it('can be taken back at once', async () => {
    const owner = await signup('sets-owner2@example.com');
    const m = await join(owner, 'helper@example.com', 'member');
    const set = (
      await call(owner, 'POST', '/api/v1/permission-sets', { name: 'Audit reader', permissions: ['admin:audit:read'] })
    ).json().data;
    await call(owner, 'POST', `/api/v1/members/${m.memberId}/permission-sets`, { permissionSetId: set.id });
    expect((await call(m, 'GET', '/api/v1/audit')).statusCode).toBe(200);
    expect((await call(owner, 'DELETE', `/api/v1/members/${m.memberId}/permission-sets/${set.id}`)).statusCode).toBe(
      204,
    );
    expect((await call(m, 'GET', '/api/v1/audit')).statusCode).toBe(403);
  });
});

describe('teams', () => {
  it('builds a hierarchy with leaders and members, and refuses cycles', async () => {
    const owner = await signup('teams-owner@example.com');
    const rep = await join(owner, 'rep@example.com', 'sales_rep');
    const boss = await join(owner, 'boss@example.com', 'sales_manager');
    const sales = (await call(owner, 'POST', '/api/v1/teams', { name: 'Sales' })).json().data;
    const emea = (await call(owner, 'POST', '/api/v1/teams', { name: 'EMEA', parentId: sales.id })).json().data;
    expect((await call(owner, 'POST', '/api/v1/teams', { name: 'sales' })).statusCode).toBe(409);
    const cycle = await call(owner, 'PATCH', `/api/v1/teams/${sales.id}`, { parentId: emea.id });
    expect(cycle.statusCode).toBe(400);
    expect(cycle.json().error.details.fields[0].field).toBe('body.parentId');
    const set = await call(owner, 'PUT', `/api/v1/teams/${emea.id}/members`, {
      members: [
        { userId: rep.user.id, isLeader: false },
        { userId: boss.user.id, isLeader: true },
      ],
    });
    expect(set.statusCode).toBe(200);
    expect(set.json().data.members).toEqual(
      expect.arrayContaining([
        { userId: rep.user.id, name: 'rep', isLeader: false },
        { userId: boss.user.id, name: 'boss', isLeader: true },
      ]),
    );
    const stranger = await call(owner, 'PUT', `/api/v1/teams/${emea.id}/members`, {
      members: [{ userId: '01936b7e-0000-7000-8000-000000000001', isLeader: false }],
    });
    expect(stranger.statusCode).toBe(400);
    const listed = (await call(rep, 'GET', '/api/v1/teams')).json().data;
    expect(listed.find((x: { id: string }) => x.id === emea.id)).toMatchObject({ parentId: sales.id });
    expect((await call(rep, 'POST', '/api/v1/teams', { name: 'Mine' })).statusCode).toBe(403);
    expect((await call(owner, 'DELETE', `/api/v1/teams/${sales.id}`)).statusCode).toBe(204);
    const after = (await call(owner, 'GET', '/api/v1/teams')).json().data;
    expect(after.map((x: { name: string; parentId: string | null }) => [x.name, x.parentId])).toEqual([['EMEA', null]]);
  });
});
