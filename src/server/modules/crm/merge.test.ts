// Merging duplicates through HTTP: values chosen per field, every linked record moved, the
// duplicate in the trash, one audit entry, and the refusals that change nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '#test/support/app.ts';
import { bearer, joinWorkspace, type Session, signUp } from '#test/support/flows.ts';

const PASSWORD = 'cedar-lantern-harbour-12';
let t: TestApp;
let owner: Session;
let member: Session;

const api = (s: Session, method: string, url: string, payload?: object) =>
  t.app.inject({ method: method as 'GET', url, headers: bearer(s.accessToken), ...(payload ? { payload } : {}) });
const made = async (s: Session, url: string, payload: object) => {
  const res = await api(s, 'POST', url, payload);
  expect(res.statusCode, res.body).toBe(201);
  return res.json().data;
};

beforeAll(async () => {
  t = await createTestApp();
  await t.app.ready();
  owner = await signUp(t.app, { email: 'merge-owner@example.com', password: PASSWORD, name: 'Mo Owner' });
  member = await joinWorkspace(t.app, owner, {
    email: 'merge-member@example.com',
    roleKey: 'member',
    password: PASSWORD,
  });
});
afterAll(() => t.close());

describe('merging contacts', () => {
  it('keeps the chosen values, moves every linked record, trashes the duplicate and audits it', async () => {
    const org = await made(owner, '/api/v1/organizations', { name: 'Merge Co' });
    const kept = await made(owner, '/api/v1/contacts', {
      firstName: 'Maria',
      lastName: 'Chen',
      email: 'maria@merge.example',
      phones: ['+1 555 0100'],
      tags: ['vip'],
    });
    const dup = await made(owner, '/api/v1/contacts', {
      firstName: 'Maria',
      lastName: 'Chen-Li',
      email: 'maria.chen@other.example',
      phones: ['+1 555 0199'],
      jobTitle: 'CTO',
      organizationId: org.id,
      tags: ['imported'],
    });
    const deal = await made(owner, '/api/v1/deals', { name: 'Merge deal', contactId: dup.id, organizationId: org.id });
    const task = await made(owner, '/api/v1/tasks', {
      title: 'Call Maria',
      relatedType: 'contacts',
      relatedId: dup.id,
    });
    const note = await made(owner, '/api/v1/notes', {
      entityType: 'contacts',
      entityId: dup.id,
      body: 'Met at the fair',
    });
    const event = await made(owner, '/api/v1/events', {
      title: 'Demo for Maria',
      startAt: '2027-01-10T10:00:00Z',
      endAt: '2027-01-10T11:00:00Z',
      attendees: [{ email: 'maria.chen@other.example', contactId: dup.id }],
    });
    const share = await api(owner, 'POST', `/api/v1/contacts/${dup.id}/shares`, {
      granteeType: 'user',
      granteeId: member.user.id,
      access: 'read',
    });
    expect(share.statusCode, share.body).toBe(201);

    const res = await api(owner, 'POST', `/api/v1/contacts/${kept.id}/merge`, {
      sourceId: dup.id,
      keep: { lastName: 'source' },
    });
    expect(res.statusCode, res.body).toBe(200);
    const { data, moved } = res.json();
    expect(data).toMatchObject({
      id: kept.id,
      firstName: 'Maria',
      lastName: 'Chen-Li',
      email: 'maria@merge.example',
      otherEmails: ['maria.chen@other.example'],
      phones: ['+1 555 0100', '+1 555 0199'],
      jobTitle: 'CTO',
      organizationId: org.id,
      tags: ['vip', 'imported'],
    });
    expect(moved).toMatchObject({ deals: 1, tasks: 1, notes: 1, eventAttendees: 1, shares: 1 });

    expect((await api(owner, 'GET', `/api/v1/deals/${deal.id}`)).json().data.contactId).toBe(kept.id);
    expect((await api(owner, 'GET', `/api/v1/tasks/${task.id}`)).json().data.relatedId).toBe(kept.id);
    expect((await api(owner, 'GET', `/api/v1/notes/${note.id}`)).json().data.entityId).toBe(kept.id);
    expect((await api(owner, 'GET', `/api/v1/events/${event.id}`)).json().data.attendees[0].contactId).toBe(kept.id);
    // The member the duplicate was shared with now sees the merged contact.
    expect((await api(member, 'GET', `/api/v1/contacts/${kept.id}`)).statusCode).toBe(200);
    // The duplicate is in the trash, restorable; the timeline of the kept one has its note.
    expect((await api(owner, 'GET', `/api/v1/contacts/${dup.id}`)).statusCode).toBe(404);
    const trash = (await api(owner, 'GET', '/api/v1/contacts?deleted=true')).json().data;
    expect(trash.map((c: { id: string }) => c.id)).toContain(dup.id);
    const related = (await api(owner, 'GET', `/api/v1/contacts/${kept.id}?include=related`)).json().related;
    expect(related.deals.map((d: { id: string }) => d.id)).toEqual([deal.id]);
    const audit = (await api(owner, 'GET', '/api/v1/audit?action=contact.merged')).json().data;
    expect(audit[0]).toMatchObject({
      entityId: kept.id,
      metadata: { mergedId: dup.id, keep: { lastName: 'source' }, moved: { deals: 1, notes: 1 } },
    });
  });

  it('merges organizations: their contacts, deals and projects follow', async () => {
    const a = await made(owner, '/api/v1/organizations', { name: 'Globex', domain: 'globex.example' });
    const b = await made(owner, '/api/v1/organizations', { name: 'Globex Inc', industry: 'Energy' });
    const person = await made(owner, '/api/v1/contacts', { firstName: 'Gil', organizationId: b.id });
    const project = await made(owner, '/api/v1/projects', { name: 'Globex rollout', organizationId: b.id });
    const res = await api(owner, 'POST', `/api/v1/organizations/${a.id}/merge`, { sourceId: b.id });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().data).toMatchObject({ name: 'Globex', domain: 'globex.example', industry: 'Energy' });
    expect(res.json().moved).toMatchObject({ contacts: 1, projects: 1 });
    expect((await api(owner, 'GET', `/api/v1/contacts/${person.id}`)).json().data.organizationId).toBe(a.id);
    expect((await api(owner, 'GET', `/api/v1/projects/${project.id}`)).json().data.organizationId).toBe(a.id);
  });

  it('refuses what it cannot do, with a clear message, and changes nothing', async () => {
    const a = await made(owner, '/api/v1/contacts', { firstName: 'Solo' });
    const self = await api(owner, 'POST', `/api/v1/contacts/${a.id}/merge`, { sourceId: a.id });
    expect(self.statusCode).toBe(400);
    expect(self.json().error.message).toBe('body.sourceId: is the record itself: choose another one');
    const bad = await api(owner, 'POST', `/api/v1/contacts/${a.id}/merge`, {
      sourceId: a.id,
      keep: { colour: 'source' },
    });
    expect(bad.statusCode).toBe(400);
    // Someone else's contact the member may read but not delete.
    const theirs = await made(owner, '/api/v1/contacts', { firstName: 'Theirs' });
    await api(owner, 'POST', `/api/v1/contacts/${theirs.id}/shares`, {
      granteeType: 'user',
      granteeId: member.user.id,
      access: 'read',
    });
    const mine = await made(member, '/api/v1/contacts', { firstName: 'Mine' });
    const refused = await api(member, 'POST', `/api/v1/contacts/${mine.id}/merge`, { sourceId: theirs.id });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.message).toBe('You can see this contact but not delete it.');
    expect((await api(owner, 'GET', `/api/v1/contacts/${theirs.id}`)).statusCode).toBe(200);
    const hidden = await made(owner, '/api/v1/contacts', { firstName: 'Hidden' });
    expect((await api(member, 'POST', `/api/v1/contacts/${mine.id}/merge`, { sourceId: hidden.id })).statusCode).toBe(
      404,
    );
    expect((await api(owner, 'POST', `/api/v1/deals/${mine.id}/merge`, { sourceId: hidden.id })).statusCode).toBe(404);
  });
});
