// Saved views through HTTP: kept per user, shared with the workspace on request, changed only by
// their owner, invisible to other workspaces, and refused clearly when the input is wrong.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '#test/support/app.ts';
import { bearer, joinWorkspace, type Session, signUp } from '#test/support/flows.ts';

const PASSWORD = 'cedar-lantern-harbour-12';
let t: TestApp;
let owner: Session;
let member: Session;
let stranger: Session;
const api = (s: Session, method: string, url: string, payload?: object) =>
  t.app.inject({ method: method as 'GET', url, headers: bearer(s.accessToken), ...(payload ? { payload } : {}) });

beforeAll(async () => {
  t = await createTestApp();
  await t.app.ready();
  owner = await signUp(t.app, { email: 'views-owner@example.com', password: PASSWORD });
  member = await joinWorkspace(t.app, owner, {
    email: 'views-member@example.com',
    roleKey: 'member',
    password: PASSWORD,
  });
  stranger = await signUp(t.app, { email: 'views-stranger@example.com', password: PASSWORD });
});
afterAll(() => t.close());

describe('saved views', () => {
  it('keeps a view per user, shares one with the workspace, and lets only its owner change it', async () => {
    const query = { q: 'acme', filters: { status: 'open' }, sort: '-amount', mine: true, hiddenColumns: ['ownerId'] };
    const mine = await api(owner, 'POST', '/api/v1/views', { objectType: 'deals', name: 'My open Acme deals', query });
    expect(mine.statusCode, mine.body).toBe(201);
    expect(mine.json().data).toMatchObject({ name: 'My open Acme deals', shared: false, mine: true, query });
    const team = await api(owner, 'POST', '/api/v1/views', {
      objectType: 'deals',
      name: 'Big deals',
      shared: true,
      query: { sort: '-amount' },
    });
    expect(team.statusCode).toBe(201);

    // The member sees the shared one only, and cannot change or remove it.
    const seen = (await api(member, 'GET', '/api/v1/views?objectType=deals')).json().data;
    expect(seen.map((v: { name: string; mine: boolean }) => [v.name, v.mine])).toEqual([['Big deals', false]]);
    const change = await api(member, 'PATCH', `/api/v1/views/${team.json().data.id}`, { name: 'Mine now' });
    expect(change.statusCode).toBe(403);
    expect(change.json().error.message).toBe('Only the member who saved this view can change it.');
    expect((await api(member, 'DELETE', `/api/v1/views/${team.json().data.id}`)).statusCode).toBe(403);
    // Not shared: not there for anyone else.
    expect((await api(member, 'PATCH', `/api/v1/views/${mine.json().data.id}`, { name: 'x' })).statusCode).toBe(404);
    expect((await api(stranger, 'GET', '/api/v1/views?objectType=deals')).json().data).toEqual([]);
    expect((await api(stranger, 'DELETE', `/api/v1/views/${team.json().data.id}`)).statusCode).toBe(404);

    // The owner renames, unshares and removes.
    const renamed = await api(owner, 'PATCH', `/api/v1/views/${team.json().data.id}`, {
      name: 'Largest',
      shared: false,
    });
    expect(renamed.json().data).toMatchObject({ name: 'Largest', shared: false });
    expect((await api(member, 'GET', '/api/v1/views?objectType=deals')).json().data).toEqual([]);
    expect((await api(owner, 'DELETE', `/api/v1/views/${team.json().data.id}`)).statusCode).toBe(204);
    expect((await api(owner, 'GET', '/api/v1/views?objectType=deals')).json().data).toHaveLength(1);
    const audit = (await api(owner, 'GET', '/api/v1/audit?entityType=view')).json().data;
    expect(audit.map((e: { action: string }) => e.action)).toEqual(
      expect.arrayContaining(['view.created', 'view.updated', 'view.deleted']),
    );
  });

  it('refuses a duplicate name, an unknown list and a bad query, and saves nothing', async () => {
    const again = await api(owner, 'POST', '/api/v1/views', {
      objectType: 'deals',
      name: 'my open acme deals',
      query: {},
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.message).toBe('You already have a view with this name for this list.');
    const unknown = await api(owner, 'POST', '/api/v1/views', { objectType: 'widgets', name: 'W', query: {} });
    expect(unknown.statusCode).toBe(400);
    const bad = await api(owner, 'POST', '/api/v1/views', { objectType: 'deals', name: '', query: { colour: 'red' } });
    expect(bad.statusCode).toBe(400);
    expect((await api(owner, 'GET', '/api/v1/views?objectType=deals')).json().data).toHaveLength(1);
  });
});
