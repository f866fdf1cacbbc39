// Read requests start from the actor remembered from the session's previous request and check it
// in the same round trip as their first query (auth.service.ts, tenancy.ts). These tests change
// the session or the member between two reads and expect the second read to see the change, as
// it would if it had looked the session up first.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '#test/support/app.ts';
import { bearer, joinWorkspace, type Session, signUp } from '#test/support/flows.ts';

const PASSWORD = 'lantern-meadow-copper-9';
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const get = (s: Session, url: string) => t.app.inject({ url, headers: bearer(s.accessToken) });
const patchMember = (owner: Session, id: string, roleKey: string) =>
  t.app.inject({
    method: 'PATCH',
    url: `/api/v1/members/${id}`,
    headers: bearer(owner.accessToken),
    payload: { roleKey },
  });

const join = (owner: Session, email: string, roleKey: string) =>
  joinWorkspace(t.app, owner, { email, roleKey, password: PASSWORD });

describe('a read that starts from the remembered actor', () => {
  it('sees a role change on the very next request, both ways', async () => {
    const owner = await signUp(t.app, { email: 'owner@remembered.test', password: PASSWORD });
    const rep = await join(owner, 'rep@remembered.test', 'admin');
    // Read twice so that the second one runs on the remembered actor.
    expect((await get(rep, '/api/v1/audit')).statusCode).toBe(200);
    expect((await get(rep, '/api/v1/audit')).statusCode).toBe(200);

    expect((await patchMember(owner, rep.memberId, 'sales_rep')).statusCode).toBe(204);
    const demoted = await get(rep, '/api/v1/audit');
    expect(demoted.statusCode).toBe(403);
    expect((await get(rep, '/api/v1/me')).json().data.role).toBe('sales_rep');

    // Refused on the remembered (now stale) role first, then answered with the new one.
    expect((await get(rep, '/api/v1/audit')).statusCode).toBe(403);
    expect((await patchMember(owner, rep.memberId, 'admin')).statusCode).toBe(204);
    const promoted = await get(rep, '/api/v1/audit');
    expect(promoted.statusCode, promoted.body).toBe(200);
    expect(promoted.json().data.some((e: { action: string }) => e.action === 'member.role_changed')).toBe(true);
  });

  it('refuses a signed-out session and a deactivated member on the next read', async () => {
    const owner = await signUp(t.app, { email: 'owner2@remembered.test', password: PASSWORD });
    const a = await join(owner, 'a@remembered.test', 'sales_rep');
    const b = await join(owner, 'b@remembered.test', 'sales_rep');
    for (const s of [a, b]) {
      expect((await get(s, '/api/v1/contacts')).statusCode).toBe(200);
      expect((await get(s, '/api/v1/contacts')).statusCode).toBe(200);
    }
    const out = await t.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: bearer(a.accessToken) });
    expect(out.statusCode).toBeLessThan(300);
    expect((await get(a, '/api/v1/contacts')).statusCode).toBe(401);
    expect((await get(a, '/api/v1/me')).statusCode).toBe(401);

    const gone = await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/members/${b.memberId}`,
      headers: bearer(owner.accessToken),
    });
    expect(gone.statusCode).toBe(204);
    expect((await get(b, '/api/v1/contacts')).statusCode).toBe(401);
  });

  it('answers a read with what the member sees now, not what the remembered actor saw', async () => {
    const owner = await signUp(t.app, { email: 'owner3@remembered.test', password: PASSWORD });
    const rep = await join(owner, 'rep3@remembered.test', 'sales_rep');
    const made = await t.app.inject({
      method: 'POST',
      url: '/api/v1/contacts',
      headers: bearer(owner.accessToken),
      payload: { firstName: 'Hidden', lastName: 'Owner' },
    });
    expect(made.statusCode).toBe(201);
    const id = made.json().data.id;
    // A sales rep sees their own contacts only.
    expect((await get(rep, `/api/v1/contacts/${id}`)).statusCode).toBe(404);
    expect((await get(rep, `/api/v1/contacts/${id}`)).statusCode).toBe(404);
    expect((await patchMember(owner, rep.memberId, 'admin')).statusCode).toBe(204);
    const seen = await get(rep, `/api/v1/contacts/${id}`);
    expect(seen.statusCode, seen.body).toBe(200);
    expect(seen.json().data.firstName).toBe('Hidden');
    expect((await patchMember(owner, rep.memberId, 'sales_rep')).statusCode).toBe(204);
    expect((await get(rep, `/api/v1/contacts/${id}`)).statusCode).toBe(404);
  });
});
