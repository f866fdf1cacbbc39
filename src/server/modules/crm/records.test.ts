// CRM records through HTTP: create/read/update/delete/restore, validation of every field type,
// optimistic locking, bulk with partial failure, visibility on lists/counts/search, deals and
// pipelines, lead conversion, trash purge.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '#test/support/app.ts';
import { manualClock } from '#test/support/clock.ts';
import { createTestDatabase, type TestDatabase, usingPostgres } from '#test/support/db.ts';
import { deadlocked } from '#test/support/deadlock.ts';
import { bearer, joinWorkspace, type Session, signUp } from '#test/support/flows.ts';
import { trashPurgeJob } from './crm.jobs.ts';

const PASSWORD = 'cedar-lantern-harbour-12';
const clock = manualClock(new Date());
let db: TestDatabase;
let t: TestApp;
let owner: Session;

const api = (s: Session, method: string, url: string, payload?: unknown, headers: Record<string, string> = {}) =>
  t.app.inject({
    method: method as 'GET',
    url,
    headers: { ...bearer(s.accessToken), ...headers },
    ...(payload !== undefined ? { payload: payload as object } : {}),
  });
const create = async (s: Session, resource: string, body: object) => {
  const res = await api(s, 'POST', `/api/v1/${resource}`, body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json().data;
};
/** Tokens expire as the test clock moves on: sign in again. */
async function signInAgain(): Promise<void> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email: 'crm-owner@example.com', password: PASSWORD },
  });
  expect(res.statusCode, res.body).toBe(200);
  owner = { ...owner, ...res.json().data };
}
const join = (email: string, roleKey: string) => joinWorkspace(t.app, owner, { email, roleKey, password: PASSWORD });

beforeAll(async () => {
  db = await createTestDatabase();
  t = await createTestApp({ db, clock });
  await t.app.ready();
  owner = await signUp(t.app, { email: 'crm-owner@example.com', password: PASSWORD });
});
afterAll(async () => {
  await t.close();
  await db.dispose();
});

describe('records', () => {
  it('creates an organization and a contact in it; the detail lists related records; each write is audited', async () => {
    const org = await create(owner, 'organizations', { name: 'Acme Ltd', website: 'https://www.acme.example/about' });
    expect(org).toMatchObject({ name: 'Acme Ltd', domain: 'acme.example', version: 1, ownerId: owner.user.id });
    const contact = await create(owner, 'contacts', {
      firstName: 'Ada',
      lastName: 'Lovelace',
      email: 'ADA@Acme.example',
      phones: ['+44 20 7946 0000'],
      organizationId: org.id,
      tags: ['vip'],
      address: { city: 'London', country: 'UK' },
    });
    expect(contact).toMatchObject({ email: 'ada@acme.example', tags: ['vip'], address: { city: 'London' } });

    const detail = (await api(owner, 'GET', `/api/v1/organizations/${org.id}?include=related`)).json();
    expect(detail.related.contacts.map((c: { id: string }) => c.id)).toEqual([contact.id]);

    const audit = (await api(owner, 'GET', `/api/v1/audit?entityType=contact`)).json().data;
    const entry = audit.find((e: { entityId: string }) => e.entityId === contact.id);
    expect(entry).toMatchObject({ action: 'contact.created', channel: 'api' });
    expect(entry.changes.firstName).toEqual({ old: null, new: 'Ada' });
  });

  it('rejects links to records that do not exist or are deleted, and unknown fields, changing nothing', async () => {
    const before = (await api(owner, 'GET', '/api/v1/contacts?count=true')).json().page.total;
    const bad = await api(owner, 'POST', '/api/v1/contacts', {
      firstName: 'X',
      organizationId: '01936b7e-0000-7000-8000-0000000000ff',
      favouriteColour: 'blue',
    });
    expect(bad.statusCode).toBe(400);
    const fields = bad.json().error.details.fields.map((f: { field: string }) => f.field);
    expect(fields).toContain('body');
    const missingOrg = await api(owner, 'POST', '/api/v1/contacts', {
      firstName: 'X',
      organizationId: '01936b7e-0000-7000-8000-0000000000ff',
    });
    expect(missingOrg.json().error.details.fields).toEqual([
      { field: 'body.organizationId', message: 'no such organization' },
    ]);
    expect((await api(owner, 'GET', '/api/v1/contacts?count=true')).json().page.total).toBe(before);
  });

  it('validates every field type with a message naming the field', async () => {
    const cases: Array<[string, object, string, RegExp]> = [
      ['contacts', { firstName: '' }, 'body.firstName', /.+/],
      ['contacts', { firstName: 'x'.repeat(101) }, 'body.firstName', /at most 100/],
      ['contacts', { firstName: 'A', email: 'not-an-email' }, 'body.email', /email/],
      ['contacts', { firstName: 'A', linkedinUrl: 'javascript:alert(1)' }, 'body.linkedinUrl', /web address/],
      ['contacts', { firstName: 'A', phones: ['call me'] }, 'body.phones.0', /phone/],
      ['contacts', { firstName: 'A', lifecycleStage: 'whale' }, 'body.lifecycleStage', /one of/],
      ['contacts', { firstName: 'A', leadScore: 1.5 }, 'body.leadScore', /whole number/],
      ['contacts', { firstName: 'A', lastContactedAt: 'yesterday' }, 'body.lastContactedAt', /ISO 8601/],
      ['contacts', { firstName: 'A', address: { planet: 'Mars' } }, 'body.address', /planet/],
      ['contacts', { firstName: 'A', ownerId: 'me' }, 'body.ownerId', /id/],
      ['contacts', { firstName: 'A', tags: [''] }, 'body.tags.0', /empty/],
      ['deals', { name: 'D', amount: '12.345' }, 'body.amount', /amount/],
      ['deals', { name: 'D', currency: 'dollars' }, 'body.currency', /currency code/],
      ['deals', { name: 'D', probability: 140 }, 'body.probability', /100/],
      ['deals', { name: 'D', expectedCloseDate: '2026-13-40' }, 'body.expectedCloseDate', /YYYY-MM-DD/],
      ['projects', { name: 'P', assigneeIds: ['01936b7e-0000-7000-8000-0000000000ff'] }, 'body.assigneeIds', /member/],
      ['tasks', { title: 'T', relatedType: 'contacts' }, 'body.relatedId', /both/],
      ['tasks', { title: 'T', dueAt: 12 }, 'body.dueAt', /.+/],
      ['organizations', { name: 'O', sizeBand: 'huge' }, 'body.sizeBand', /one of/],
      [
        'notes',
        { entityType: 'contacts', entityId: '01936b7e-0000-7000-8000-0000000000ff', body: 'x' },
        'body.entityId',
        /no such/,
      ],
    ];
    for (const [resource, body, field, message] of cases) {
      const res = await api(owner, 'POST', `/api/v1/${resource}`, body);
      expect(res.statusCode, `${resource} ${JSON.stringify(body)}`).toBe(400);
      const problems: Array<{ field: string; message: string }> = res.json().error.details.fields;
      const problem = problems.find((p) => p.field === field);
      expect(problem, `${field} in ${JSON.stringify(problems)}`).toBeDefined();
      expect(problem?.message).toMatch(message);
    }
  });

  it('validates custom fields of every type, required ones included', async () => {
    const defs: Array<[string, string, object, unknown, unknown]> = [
      // label, type, extra, a bad value, a good value
      ['Nickname', 'text', {}, 42, 'Ace'],
      ['Bio', 'long_text', {}, false, 'Long story'],
      ['Employees', 'number', {}, 'many', 120],
      ['Budget', 'currency', {}, '12.345', '1500.50'],
      ['Renewal', 'date', {}, '31/12/2026', '2026-12-31'],
      ['Partner', 'boolean', {}, 'yes', true],
      ['Tier', 'select', { options: ['gold', 'silver'] }, 'bronze', 'gold'],
      ['Regions', 'multi_select', { options: ['emea', 'apac'] }, ['mars'], ['emea']],
      ['Portal', 'url', {}, 'ftp://x', 'https://portal.example'],
      ['Billing email', 'email', {}, 'nope', 'billing@acme.example'],
      ['Hotline', 'phone', {}, 'call', '+1 555 0100'],
    ];
    const keys: string[] = [];
    for (const [label, type, extra] of defs) {
      const res = await api(owner, 'POST', '/api/v1/custom-fields', {
        objectType: 'organizations',
        label,
        type,
        ...extra,
      });
      expect(res.statusCode, res.body).toBe(201);
      keys.push(res.json().data.key);
    }
    for (const [i, [, type, , bad]] of defs.entries()) {
      const res = await api(owner, 'POST', '/api/v1/organizations', {
        name: 'C',
        custom: { [keys[i] as string]: bad },
      });
      expect(res.statusCode, type).toBe(400);
      expect(res.json().error.details.fields[0].field).toBe(`body.custom.${keys[i]}`);
    }
    const good = Object.fromEntries(defs.map(([, , , , value], i) => [keys[i], value]));
    const org = await create(owner, 'organizations', { name: 'Custom Co', custom: good });
    expect(org.custom).toMatchObject({ employees: 120, budget: '1500.50', partner: true, regions: ['emea'] });
    // Filters on custom values.
    const found = (await api(owner, 'GET', `/api/v1/organizations?filter[custom.employees][gte]=100`)).json().data;
    expect(found.map((o: { id: string }) => o.id)).toEqual([org.id]);
    // A required field must be given on create.
    await api(owner, 'POST', '/api/v1/custom-fields', {
      objectType: 'leads',
      label: 'Region',
      type: 'text',
      required: true,
    });
    const missing = await api(owner, 'POST', '/api/v1/leads', { contactName: 'No Region' });
    expect(missing.json().error.details.fields).toEqual([
      { field: 'body.custom.region', message: 'Region is required' },
    ]);
    const region = (await api(owner, 'GET', '/api/v1/custom-fields?objectType=leads')).json().data[0];
    expect((await api(owner, 'DELETE', `/api/v1/custom-fields/${region.id}`)).statusCode).toBe(204);
    expect((await api(owner, 'POST', '/api/v1/leads', { contactName: 'No Region' })).statusCode).toBe(201);
  });

  it('refuses a stale write with 409 and the current record, by version or If-Match', async () => {
    const c = await create(owner, 'contacts', { firstName: 'Grace' });
    const first = await api(owner, 'PATCH', `/api/v1/contacts/${c.id}`, { jobTitle: 'Admiral', version: 1 });
    expect(first.statusCode).toBe(200);
    expect(first.json().data.version).toBe(2);
    const stale = await api(owner, 'PATCH', `/api/v1/contacts/${c.id}`, { jobTitle: 'Captain', version: 1 });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error.details.current).toMatchObject({ jobTitle: 'Admiral', version: 2 });
    const staleHeader = await api(
      owner,
      'PATCH',
      `/api/v1/contacts/${c.id}`,
      { jobTitle: 'Captain' },
      { 'if-match': '"1"' },
    );
    expect(staleHeader.statusCode).toBe(409);
    const fresh = await api(owner, 'PATCH', `/api/v1/contacts/${c.id}`, { jobTitle: 'Captain' }, { 'if-match': '"2"' });
    expect(fresh.json().data).toMatchObject({ jobTitle: 'Captain', version: 3 });
  });

  it('bulk: a result per item; bad items fail alone and the rest commit', async () => {
    const res = await api(owner, 'POST', '/api/v1/contacts/bulk', {
      items: [
        { firstName: 'Bulk1', tags: ['bulk'] },
        { firstName: 'Bulk2', email: 'nope' },
        { firstName: 'Bulk3', tags: ['bulk'] },
      ],
    });
    expect(res.statusCode).toBe(200);
    const results = res.json().data;
    expect(results.map((r: { ok: boolean }) => r.ok)).toEqual([true, false, true]);
    expect(results[1].error.details.fields[0].field).toBe('body.items.1.email');
    const tagged = (await api(owner, 'GET', '/api/v1/contacts?filter[tag]=bulk')).json().data;
    expect(tagged.map((c: { firstName: string }) => c.firstName).sort()).toEqual(['Bulk1', 'Bulk3']);

    const ids = tagged.map((c: { id: string }) => c.id);
    const updated = await api(owner, 'PATCH', '/api/v1/contacts/bulk', {
      items: [
        { id: ids[0], jobTitle: 'Engineer' },
        { id: '01936b7e-0000-7000-8000-0000000000ff', jobTitle: 'Ghost' },
      ],
    });
    expect(updated.json().data.map((r: { ok: boolean; error?: { code: string } }) => r.error?.code ?? 'ok')).toEqual([
      'ok',
      'NOT_FOUND',
    ]);
    const deleted = await api(owner, 'DELETE', '/api/v1/contacts/bulk', { ids });
    expect(deleted.json().data.every((r: { ok: boolean }) => r.ok)).toBe(true);
    expect((await api(owner, 'GET', '/api/v1/contacts?filter[tag]=bulk')).json().data).toEqual([]);

    const tooMany = await api(owner, 'POST', '/api/v1/contacts/bulk', {
      items: Array.from({ length: 1001 }, (_, i) => ({ firstName: `N${i}` })),
    });
    expect(tooMany.statusCode).toBe(400);
  });

  it('filters, sorts and selects fields', async () => {
    await create(owner, 'deals', { name: 'Small', amount: 500, tags: ['q3'] });
    await create(owner, 'deals', { name: 'Large', amount: '25000.00', tags: ['q3', 'big'] });
    await create(owner, 'deals', { name: 'Unpriced' });
    const list = async (qs: string) => {
      const res = await api(owner, 'GET', `/api/v1/deals?${qs}`);
      expect(res.statusCode, res.body).toBe(200);
      return res.json().data.map((d: { name: string }) => d.name);
    };
    expect(await list('filter[amount][gte]=1000')).toEqual(['Large']);
    expect(await list('filter[amount][empty]=true&filter[name]=unpriced')).toEqual(['Unpriced']);
    expect(await list('filter[tag]=q3&sort=amount')).toEqual(['Small', 'Large']);
    expect(await list('filter[tag]=q3,big')).toEqual(['Large']);
    expect(await list('filter[name][contains]=arg')).toEqual(['Large']);
    expect(await list('filter[ownerId]=me&filter[name]=small,large&sort=-name')).toEqual(['Small', 'Large']);
    const picked = (await api(owner, 'GET', '/api/v1/deals?fields=name&filter[name]=small')).json().data;
    expect(picked).toEqual([{ id: expect.any(String), name: 'Small' }]);
    for (const bad of [
      'filter[amount][gte]=lots',
      'sort=colour',
      'filter[colour]=red',
      'filter[amount][near]=1',
      'limit=0',
      'cursor=xyz',
    ]) {
      const res = await api(owner, 'GET', `/api/v1/deals?${bad}`);
      expect(res.statusCode, bad).toBe(400);
      expect(res.json().error.details.fields[0].message, bad).toBeTruthy();
    }
  });

  it('finds by name and email with typos tolerated', async () => {
    await create(owner, 'contacts', { firstName: 'Anna', lastName: 'Kowalski', email: 'anna@kowalski.example' });
    const search = async (q: string) =>
      (await api(owner, 'GET', `/api/v1/contacts?q=${encodeURIComponent(q)}`))
        .json()
        .data.map((c: { lastName: string }) => c.lastName);
    expect(await search('kowalski')).toContain('Kowalski');
    expect(await search('Kowalsky')).toContain('Kowalski');
    expect(await search('anna@kowal')).toContain('Kowalski');
    expect(await search('zebra')).not.toContain('Kowalski');
    // Every word, in any order, as the start or a part of a word; a missing word excludes.
    expect(await search('kowalski anna')).toContain('Kowalski');
    expect(await search('ann kow')).toContain('Kowalski');
    expect(await search('owals')).toContain('Kowalski');
    expect(await search('anna zebra')).not.toContain('Kowalski');
    // Punctuation alone is looked for as typed, not an error.
    expect(await search('%')).toEqual([]);
    expect(await search('@')).toContain('Kowalski');
    // With a search and no sort, the closest match comes first.
    await create(owner, 'contacts', { firstName: 'Kowal', lastName: 'Nowak' });
    expect((await search('kowalski'))[0]).toBe('Kowalski');
    const bad = await api(owner, 'GET', '/api/v1/contacts?sort=-relevance');
    expect(bad.json().error.details.fields[0]).toEqual({
      field: 'query.sort',
      message: 'relevance needs a search (q)',
    });
    const global = (await api(owner, 'GET', '/api/v1/search?q=kowalsky')).json().data;
    expect(global[0]).toMatchObject({ resource: 'contacts', title: 'Anna Kowalski' });
  });
});

describe('deals and pipelines', () => {
  it('puts a new deal in the default pipeline; moving stages sets probability, status and close date', async () => {
    const pipelines = (await api(owner, 'GET', '/api/v1/pipelines')).json().data;
    expect(pipelines).toHaveLength(1);
    const [sales] = pipelines;
    expect(sales.stages.map((s: { name: string }) => s.name)).toEqual([
      'Lead in',
      'Qualified',
      'Proposal',
      'Negotiation',
      'Won',
      'Lost',
    ]);
    const dated = await create(owner, 'deals', {
      name: 'Dated',
      amount: '10.5',
      expectedCloseDate: '2026-12-31',
      tags: ['x'],
    });
    expect(dated).toMatchObject({
      expectedCloseDate: '2026-12-31',
      amount: '10.50',
      currency: 'USD',
      tags: ['x'],
      version: 1,
    });
    expect(dated.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect((await api(owner, 'GET', `/api/v1/deals/${dated.id}`)).json().data).toEqual(dated);
    const deal = await create(owner, 'deals', { name: 'Pipeline deal', amount: 1000 });
    expect(deal).toMatchObject({ pipelineId: sales.id, stageId: sales.stages[0].id, status: 'open', probability: 10 });
    const negotiation = sales.stages[3];
    const moved = (
      await api(owner, 'PATCH', `/api/v1/deals/${deal.id}`, { stageId: negotiation.id, version: 1 })
    ).json().data;
    expect(moved).toMatchObject({ stageId: negotiation.id, probability: 75, status: 'open' });
    const won = (await api(owner, 'PATCH', `/api/v1/deals/${deal.id}`, { stageId: sales.stages[4].id })).json().data;
    expect(won).toMatchObject({ status: 'won', probability: 100, actualCloseDate: clock().toISOString().slice(0, 10) });

    const other = (
      await api(owner, 'POST', '/api/v1/pipelines', {
        name: 'Renewals',
        stages: [
          { name: 'Due', probability: 50, kind: 'open' },
          { name: 'Renewed', probability: 100, kind: 'won' },
        ],
      })
    ).json().data;
    const wrong = await api(owner, 'PATCH', `/api/v1/deals/${deal.id}`, { stageId: other.stages[0].id });
    expect(wrong.json().error.details.fields).toEqual([
      { field: 'body.stageId', message: "is not a stage of the deal's pipeline" },
    ]);
    const switched = (await api(owner, 'PATCH', `/api/v1/deals/${deal.id}`, { pipelineId: other.id })).json().data;
    expect(switched).toMatchObject({ pipelineId: other.id, stageId: other.stages[0].id, status: 'open' });
    // A stage with deals in it cannot be removed.
    const removing = await api(owner, 'PATCH', `/api/v1/pipelines/${other.id}`, {
      stages: [
        { id: other.stages[1].id, name: 'Renewed', probability: 100, kind: 'won' },
        { name: 'Open', probability: 10, kind: 'open' },
      ],
    });
    expect(removing.statusCode).toBe(409);
  });

  it('converts a lead into organization, contact and deal, reusing the organization with the same domain', async () => {
    const org = await create(owner, 'organizations', { name: 'Globex', domain: 'globex.example' });
    const lead = await create(owner, 'leads', {
      contactName: 'Hank Scorpio',
      companyName: 'Globex Corp',
      email: 'hank@globex.example',
      source: 'event',
    });
    const res = await api(owner, 'POST', `/api/v1/leads/${lead.id}/convert`, { amount: 5000 });
    expect(res.statusCode, res.body).toBe(200);
    const out = res.json().data;
    expect(out.organizationReused).toBe(true);
    expect(out.organization.id).toBe(org.id);
    expect(out.contact).toMatchObject({
      firstName: 'Hank',
      lastName: 'Scorpio',
      organizationId: org.id,
      email: 'hank@globex.example',
    });
    expect(out.deal).toMatchObject({ contactId: out.contact.id, organizationId: org.id, amount: '5000.00' });
    expect(out.lead).toMatchObject({ convertedContactId: out.contact.id, convertedDealId: out.deal.id });
    expect((await api(owner, 'POST', `/api/v1/leads/${lead.id}/convert`, {})).statusCode).toBe(409);

    const fresh = await create(owner, 'leads', {
      contactName: 'Solo',
      companyName: 'Initech',
      email: 'solo@gmail.com',
    });
    const made = (await api(owner, 'POST', `/api/v1/leads/${fresh.id}/convert`, { createDeal: false })).json().data;
    expect(made).toMatchObject({
      organizationReused: false,
      deal: null,
      organization: { name: 'Initech', domain: null },
    });
  });
});

describe('visibility', () => {
  it('owner, team leader, share and read_all decide what lists, counts, details and search show', async () => {
    const rep = await join('vis-rep@example.com', 'sales_rep');
    const peer = await join('vis-peer@example.com', 'sales_rep');
    const lead = await join('vis-lead@example.com', 'sales_manager');
    const boss = await join('vis-boss@example.com', 'management');
    const viewer = await join('vis-viewer@example.com', 'viewer');
    const team = (await api(owner, 'POST', '/api/v1/teams', { name: 'Vis team' })).json().data;
    await api(owner, 'PUT', `/api/v1/teams/${team.id}/members`, {
      members: [
        { userId: rep.user.id, isLeader: false },
        { userId: lead.user.id, isLeader: true },
      ],
    });
    const repContact = await create(rep, 'contacts', { firstName: 'Zed', lastName: 'Visibility' });
    const peerContact = await create(peer, 'contacts', { firstName: 'Yara', lastName: 'Visibility' });
    const names = async (s: Session) => {
      const res = (
        await api(s, 'GET', '/api/v1/contacts?filter[lastName]=visibility&count=true&sort=firstName')
      ).json();
      return { names: res.data.map((c: { firstName: string }) => c.firstName), total: res.page.total };
    };
    const found = async (s: Session) =>
      (await api(s, 'GET', '/api/v1/search?q=visibility'))
        .json()
        .data.map((h: { title: string }) => h.title)
        .sort();
    expect(await names(rep)).toEqual({ names: ['Zed'], total: 1 });
    expect(await names(peer)).toEqual({ names: ['Yara'], total: 1 });
    expect(await names(lead)).toEqual({ names: ['Zed'], total: 1 });
    expect(await names(boss)).toEqual({ names: ['Yara', 'Zed'], total: 2 });
    expect(await names(viewer)).toEqual({ names: [], total: 0 });
    expect(await found(rep)).toEqual(['Zed Visibility']);
    expect(await found(boss)).toEqual(['Yara Visibility', 'Zed Visibility']);
    expect((await api(rep, 'GET', `/api/v1/contacts/${peerContact.id}`)).statusCode).toBe(404);
    expect((await api(rep, 'PATCH', `/api/v1/contacts/${peerContact.id}`, { jobTitle: 'x' })).statusCode).toBe(404);

    // A read share shows the record but does not allow changing it.
    await api(peer, 'POST', `/api/v1/contacts/${peerContact.id}/shares`, {
      granteeType: 'user',
      granteeId: viewer.user.id,
      access: 'read',
    });
    await api(peer, 'POST', `/api/v1/contacts/${peerContact.id}/shares`, {
      granteeType: 'user',
      granteeId: rep.user.id,
      access: 'read',
    });
    expect(await names(viewer)).toEqual({ names: ['Yara'], total: 1 });
    expect((await api(rep, 'PATCH', `/api/v1/contacts/${peerContact.id}`, { jobTitle: 'x' })).statusCode).toBe(403);
    expect((await api(viewer, 'POST', '/api/v1/contacts', { firstName: 'No' })).statusCode).toBe(403);
    // Management reads everything but cannot change what is not theirs.
    expect((await api(boss, 'PATCH', `/api/v1/contacts/${repContact.id}`, { jobTitle: 'x' })).statusCode).toBe(403);
    // Notes follow their record.
    await create(rep, 'notes', { entityType: 'contacts', entityId: repContact.id, body: 'Met at the fair' });
    const timeline = async (s: Session) =>
      (await api(s, 'GET', `/api/v1/notes?filter[entityId]=${repContact.id}`)).json().data.length;
    expect(await timeline(lead)).toBe(1);
    expect(await timeline(peer)).toBe(0);
    // Tasks: the assignee sees and updates the task but cannot delete it.
    const task = await create(rep, 'tasks', { title: 'Follow up', assigneeId: peer.user.id });
    expect((await api(peer, 'GET', `/api/v1/tasks/${task.id}`)).statusCode).toBe(200);
    expect(
      (await api(peer, 'PATCH', `/api/v1/tasks/${task.id}`, { status: 'done' })).json().data.completedAt,
    ).not.toBeNull();
    expect((await api(peer, 'DELETE', `/api/v1/tasks/${task.id}`)).statusCode).toBe(403);
  });
});

describe('trash', () => {
  it('deleted records leave lists, can be restored, and are purged after 30 days', async () => {
    const c = await create(owner, 'contacts', { firstName: 'Trashy' });
    const note = await create(owner, 'notes', {
      entityType: 'contacts',
      entityId: c.id,
      body: 'Called about the renewal',
      kind: 'call',
    });
    expect((await api(owner, 'DELETE', `/api/v1/contacts/${c.id}`)).statusCode).toBe(204);
    expect((await api(owner, 'GET', `/api/v1/contacts/${c.id}`)).statusCode).toBe(404);
    const trash = (await api(owner, 'GET', '/api/v1/trash')).json().data;
    expect(trash.find((r: { id: string }) => r.id === c.id)).toMatchObject({ resource: 'contacts', title: 'Trashy' });
    expect((await api(owner, 'POST', `/api/v1/contacts/${c.id}/restore`)).json().data.deletedAt).toBeNull();
    expect((await api(owner, 'GET', `/api/v1/contacts/${c.id}`)).statusCode).toBe(200);

    await api(owner, 'DELETE', `/api/v1/contacts/${c.id}`);
    clock.advance(29 * 86_400_000);
    await t.jobs.enqueue(trashPurgeJob({ purgeTrash: async () => 0, pruneSearchTerms: async () => 0 }), {});
    await t.jobs.runDue(true);
    await signInAgain();
    expect((await api(owner, 'GET', '/api/v1/trash')).json().data.some((r: { id: string }) => r.id === c.id)).toBe(
      true,
    );
    clock.advance(2 * 86_400_000);
    await t.jobs.enqueue(trashPurgeJob({ purgeTrash: async () => 0, pruneSearchTerms: async () => 0 }), {});
    await t.jobs.runDue(true);
    await signInAgain();
    expect((await api(owner, 'GET', '/api/v1/trash')).json().data.some((r: { id: string }) => r.id === c.id)).toBe(
      false,
    );
    expect((await api(owner, 'POST', `/api/v1/contacts/${c.id}/restore`)).statusCode).toBe(404);
    const notes = await db.query('select id from notes where id = $1', [note.id]);
    expect(notes).toHaveLength(0);
  });
});

describe.runIf(usingPostgres)('writes that meet a deadlock', () => {
  it('answers a rolled-back update with 503 and Retry-After, and saves nothing of it', async () => {
    const s = await signUp(t.app, { email: 'crm-deadlock-update@example.com', password: PASSWORD });
    const rook = await create(s, 'contacts', { firstName: 'Rook', email: 'rook@locks.example' });
    const res = await deadlocked(db.url as string, s.workspace.id, 'update', () =>
      api(s, 'PATCH', `/api/v1/contacts/${rook.id}`, { firstName: 'Alphaupdate', lastName: 'Zuluupdate' }),
    );
    expect(res.statusCode, res.body).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.json().error).toEqual({
      code: 'UNAVAILABLE',
      message: 'This change met another one made at the same moment and was not saved. Nothing changed; try again.',
    });
    const after = (await api(s, 'GET', `/api/v1/contacts/${rook.id}`)).json().data;
    expect(after).toMatchObject({ firstName: 'Rook', lastName: null, version: rook.version });
    // Sent again, it passes.
    const again = await api(s, 'PATCH', `/api/v1/contacts/${rook.id}`, { firstName: 'Alphaupdate' });
    expect(again.statusCode, again.body).toBe(200);
  });

  it('sends a bulk insert rolled back by a deadlock once more: every item is created', async () => {
    const s = await signUp(t.app, { email: 'crm-deadlock-bulk@example.com', password: PASSWORD });
    const items = [
      { firstName: 'Alphabulk', lastName: 'Zulubulk' },
      { firstName: 'Wren', lastName: 'Zulubulk' },
    ];
    const res = await deadlocked(db.url as string, s.workspace.id, 'bulk', () =>
      api(s, 'POST', '/api/v1/contacts/bulk', { items }),
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().data.map((r: { ok: boolean }) => r.ok)).toEqual([true, true]);
    const names = (await api(s, 'GET', '/api/v1/contacts?sort=firstName')).json().data;
    expect(names.map((c: { firstName: string }) => c.firstName)).toEqual(['Alphabulk', 'Wren']);
  });
});
