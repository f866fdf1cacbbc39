// Sharing through HTTP, on a record kind made for this test (the CRM modules register theirs
// the same way with app.shareable).
import { pgTable, uuid } from 'drizzle-orm/pg-core';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '#test/support/app.ts';
import { manualClock } from '#test/support/clock.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/db.ts';
import { bearer, joinWorkspace, type Session, signUp } from '#test/support/flows.ts';

const notes = pgTable('test_notes', {
  id: uuid('id').primaryKey(),
  workspaceId: uuid('workspace_id').notNull(),
  ownerId: uuid('owner_id').notNull(),
});
const PASSWORD = 'cedar-lantern-harbour-12';
const clock = manualClock(new Date());
let db: TestDatabase;
let t: TestApp;
const signup = (email: string) => signUp(t.app, { email, password: PASSWORD });
const join = (owner: Session, email: string, roleKey: string) =>
  joinWorkspace(t.app, owner, { email, roleKey, password: PASSWORD });
async function note(workspaceId: string, ownerId: string): Promise<string> {
  const id = uuidv7();
  await db.query('insert into test_notes (id, workspace_id, owner_id) values ($1, $2, $3)', [id, workspaceId, ownerId]);
  return id;
}
const call = (s: Session, method: string, url: string, payload?: object) =>
  t.app.inject({ method: method as 'GET', url, headers: bearer(s.accessToken), ...(payload ? { payload } : {}) });

beforeAll(async () => {
  db = await createTestDatabase();
  await db.query('create table test_notes (id uuid primary key, workspace_id uuid not null, owner_id uuid not null)');
  await db.query('alter table test_notes enable row level security');
  await db.query(
    `create policy test_notes_tenant on test_notes using (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid)`,
  );
  await db.query('grant select on test_notes to albedo_app');
  t = await createTestApp({ db, clock });
  await t.app.shareable({
    module: 'crm',
    resource: 'test_notes',
    table: notes,
    idColumn: notes.id,
    ownerColumn: notes.ownerId,
  });
  await t.app.ready();
});
afterAll(async () => {
  await t.close();
  await db.dispose();
});

describe('record sharing', () => {
  it('lets the owner share with a member or a team, list and withdraw; audits each', async () => {
    const owner = await signup('share-owner@example.com');
    const rep = await join(owner, 'share-rep@example.com', 'member');
    const other = await join(owner, 'share-other@example.com', 'member');
    const mine = await note(owner.workspace.id, rep.user.id);
    const url = `/api/v1/test_notes/${mine}/shares`;

    // Not the rep's to see yet: answers like a missing record.
    expect((await call(other, 'GET', url)).statusCode).toBe(404);
    const created = await call(rep, 'POST', url, { granteeType: 'user', granteeId: other.user.id, access: 'read' });
    expect(created.statusCode).toBe(201);
    const shareId = created.json().data.id;
    expect((await call(other, 'GET', url)).json().data).toEqual([
      expect.objectContaining({ id: shareId, access: 'read', granteeId: other.user.id }),
    ]);
    // Read access does not allow passing it on.
    expect(
      (await call(other, 'POST', url, { granteeType: 'user', granteeId: owner.user.id, access: 'full' })).statusCode,
    ).toBe(404);

    const team = (await call(owner, 'POST', '/api/v1/teams', { name: 'Share team' })).json().data;
    await call(owner, 'PUT', `/api/v1/teams/${team.id}/members`, {
      members: [{ userId: other.user.id, isLeader: false }],
    });
    expect((await call(rep, 'POST', url, { granteeType: 'team', granteeId: team.id, access: 'full' })).statusCode).toBe(
      201,
    );
    expect(
      (await call(other, 'POST', url, { granteeType: 'user', granteeId: owner.user.id, access: 'read' })).statusCode,
    ).toBe(201);

    expect((await call(rep, 'DELETE', `${url}/${shareId}`)).statusCode).toBe(204);
    expect((await call(rep, 'DELETE', `${url}/${shareId}`)).statusCode).toBe(404);
    const actions = (await call(owner, 'GET', '/api/v1/audit?entityType=test_notes'))
      .json()
      .data.map((e: { action: string }) => e.action);
    expect(actions.filter((a: string) => a === 'record.shared')).toHaveLength(3);
    expect(actions).toContain('record.unshared');
  });

  it('refuses bad grantees, past expiry and unknown kinds with clear errors', async () => {
    const owner = await signup('share-owner2@example.com');
    const rec = await note(owner.workspace.id, owner.user.id);
    const url = `/api/v1/test_notes/${rec}/shares`;
    const nobody = await call(owner, 'POST', url, { granteeType: 'user', granteeId: uuidv7(), access: 'read' });
    expect(nobody.statusCode).toBe(400);
    expect(nobody.json().error.details.fields[0].field).toBe('body.granteeId');
    const past = await call(owner, 'POST', url, {
      granteeType: 'user',
      granteeId: owner.user.id,
      access: 'read',
      expiresAt: new Date(clock().getTime() - 1000).toISOString(),
    });
    expect(past.statusCode).toBe(400);
    const badAccess = await call(owner, 'POST', url, {
      granteeType: 'user',
      granteeId: owner.user.id,
      access: 'admin',
    });
    expect(badAccess.statusCode).toBe(400);
    expect((await call(owner, 'GET', `/api/v1/unknown_things/${rec}/shares`)).statusCode).toBe(404);
  });

  it("never reaches another workspace's records", async () => {
    const a = await signup('share-a@example.com');
    const b = await signup('share-b@example.com');
    const bNote = await note(b.workspace.id, b.user.id);
    const guess = await call(a, 'POST', `/api/v1/test_notes/${bNote}/shares`, {
      granteeType: 'user',
      granteeId: a.user.id,
      access: 'full',
    });
    expect(guess.statusCode).toBe(404);
    expect((await call(b, 'GET', `/api/v1/test_notes/${bNote}/shares`)).json().data).toEqual([]);
  });
});
