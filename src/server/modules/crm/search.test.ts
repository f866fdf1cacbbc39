// Search through record terms and the terms dictionary (migration 0021, search-index.ts): kept
// with every kind of write, matching and relevance, paging through matches, visibility, and the
// workspace boundary.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execRows } from '#server/platform/db/database.ts';
import { withWorkspace } from '#server/platform/db/tenancy.ts';
import { createTestApp, type TestApp } from '#test/support/app.ts';
import { manualClock } from '#test/support/clock.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/db.ts';
import { bearer, joinWorkspace, type Session, signUp } from '#test/support/flows.ts';
import { trashPurgeJob } from './crm.jobs.ts';
import { searchWords } from './search-index.ts';

const PASSWORD = 'juniper-quarry-lantern-44';
const clock = manualClock(new Date());
let db: TestDatabase;
let t: TestApp;
let owner: Session;
let other: Session;

const api = (s: Session, method: string, url: string, payload?: unknown) =>
  t.app.inject({
    method: method as 'GET',
    url,
    headers: bearer(s.accessToken),
    ...(payload !== undefined ? { payload: payload as object } : {}),
  });
const create = async (s: Session, resource: string, body: object) => {
  const res = await api(s, 'POST', `/api/v1/${resource}`, body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json().data;
};
const names = async (s: Session, q: string, extra = '') => {
  const res = await api(s, 'GET', `/api/v1/contacts?q=${encodeURIComponent(q)}${extra}`);
  expect(res.statusCode, res.body).toBe(200);
  return res
    .json()
    .data.map((c: { firstName: string; lastName: string | null }) => `${c.firstName} ${c.lastName ?? ''}`.trim());
};
const termsOf = async (recordId: string) =>
  (
    await db.query<{ terms: string[] }>('select search_terms as terms from contacts where id = $1', [recordId])
  )[0]?.terms
    .slice()
    .sort();
const inDictionary = async (workspaceId: string, term: string) =>
  (
    await db.query('select 1 from search_terms where workspace_id = $1 and kind = $2 and term = $3', [
      workspaceId,
      'contacts',
      term,
    ])
  ).length === 1;

async function signInAgain(s: Session): Promise<Session> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email: s.user.email, password: PASSWORD },
  });
  expect(res.statusCode, res.body).toBe(200);
  return { ...s, ...res.json().data };
}

beforeAll(async () => {
  db = await createTestDatabase();
  t = await createTestApp({ db, clock });
  await t.app.ready();
  owner = await signUp(t.app, { email: 'search-owner@example.com', password: PASSWORD });
  other = await signUp(t.app, { email: 'search-other@example.com', password: PASSWORD, workspaceName: 'Other' });
});
afterAll(async () => {
  await t.close();
  await db.dispose();
});

describe('search', () => {
  it('cuts queries into words the way the database cuts texts into terms', async () => {
    expect(searchWords('  Anna@Kowalski.example, anna  ')).toEqual(['anna', 'kowalski', 'example']);
    expect(searchWords('Müller-Lüdenscheidt')).toEqual(['müller', 'lüdenscheidt']);
    expect(searchWords('%_\\')).toEqual([]);
    expect(searchWords('a b c d e f g h i j')).toHaveLength(8);
    const [row] = await db.query<{ terms: string[] }>('select albedo_search_terms($1) as terms', [
      'anna kowalski anna@kowalski.example müller-lüdenscheidt',
    ]);
    const terms = new Set((row?.terms ?? []).filter(Boolean));
    expect([...terms].sort()).toEqual(['anna', 'example', 'kowalski', 'lüdenscheidt', 'müller']);
  });

  it('keeps the index with creates, edits, bulk writes, deletes, restores and purges', async () => {
    const c = await create(owner, 'contacts', {
      firstName: 'Greta',
      lastName: 'Lindqvist',
      email: 'greta@fjord.example',
    });
    expect(await termsOf(c.id)).toEqual(['example', 'fjord', 'greta', 'lindqvist']);
    expect(await names(owner, 'lindqvist')).toEqual(['Greta Lindqvist']);

    // An edit of a searched field: the old word no longer finds the record, the new one does.
    const edited = await api(owner, 'PATCH', `/api/v1/contacts/${c.id}`, { lastName: 'Holmberg', version: c.version });
    expect(edited.statusCode, edited.body).toBe(200);
    expect(await termsOf(c.id)).toEqual(['example', 'fjord', 'greta', 'holmberg']);
    expect(await names(owner, 'lindqvist')).toEqual([]);
    expect(await names(owner, 'holmberg')).toEqual(['Greta Holmberg']);

    // An edit of another field leaves the terms alone.
    const untouched = await api(owner, 'PATCH', `/api/v1/contacts/${c.id}`, { jobTitle: 'Cartographer' });
    expect(untouched.statusCode, untouched.body).toBe(200);
    expect(await termsOf(c.id)).toEqual(['example', 'fjord', 'greta', 'holmberg']);

    // Bulk create: every item indexed by the one statement.
    const bulk = await api(owner, 'POST', '/api/v1/contacts/bulk', {
      items: [
        { firstName: 'Tove', lastName: 'Ekdahl' },
        { firstName: 'Ivar', lastName: 'Ekdahl' },
      ],
    });
    expect(bulk.statusCode, bulk.body).toBe(200);
    expect((await names(owner, 'ekdahl')).sort()).toEqual(['Ivar Ekdahl', 'Tove Ekdahl']);

    // Soft delete hides it from search; restore brings it back.
    expect((await api(owner, 'DELETE', `/api/v1/contacts/${c.id}`)).statusCode).toBe(204);
    expect(await names(owner, 'holmberg')).toEqual([]);
    expect((await api(owner, 'POST', `/api/v1/contacts/${c.id}/restore`)).statusCode).toBe(200);
    expect(await names(owner, 'holmberg')).toEqual(['Greta Holmberg']);
    // New words reach the workspace's dictionary with the write that brings them; numbers do not,
    // and are found whole.
    expect(await inDictionary(owner.workspace.id, 'holmberg')).toBe(true);
    expect(await inDictionary(owner.workspace.id, 'lindqvist')).toBe(true);
    await create(owner, 'contacts', { firstName: 'Agent', lastName: 'Seven', email: 'agent.4711@fjord.example' });
    expect(await inDictionary(owner.workspace.id, '4711')).toBe(false);
    expect(await names(owner, '4711')).toEqual(['Agent Seven']);
    expect(await names(owner, 'agent 4711')).toEqual(['Agent Seven']);
    expect(await names(owner, '471')).toEqual([]);
    // Purged for good: gone from search too.
    expect((await api(owner, 'DELETE', `/api/v1/contacts/${c.id}`)).statusCode).toBe(204);
    clock.advance(31 * 86_400_000);
    await t.jobs.enqueue(trashPurgeJob({ purgeTrash: async () => 0, pruneSearchTerms: async () => 0 }), {});
    await t.jobs.runDue(true);
    expect((await db.query('select 1 from contacts where id = $1', [c.id])).length).toBe(0);
    // Tokens expire as the test clock moves on: sign in again.
    owner = await signInAgain(owner);
    other = await signInAgain(other);
  });

  it('takes the terms no record holds any more out of the dictionary, with the daily purge', async () => {
    const dictionary = (workspaceId: string, ...terms: string[]) =>
      Promise.all(terms.map(async (term) => [term, await inDictionary(workspaceId, term)]));
    const sigrun = await create(owner, 'contacts', {
      firstName: 'Sigrun',
      lastName: 'Vestergaard',
      email: 'sigrun@skerry.example',
    });
    const renamed = await api(owner, 'PATCH', `/api/v1/contacts/${sigrun.id}`, { lastName: 'Bakke' });
    expect(renamed.statusCode, renamed.body).toBe(200);
    const orm = await create(owner, 'contacts', { firstName: 'Orm', lastName: 'Quist' });
    expect((await api(owner, 'DELETE', `/api/v1/contacts/${orm.id}`)).statusCode).toBe(204);
    await create(other, 'contacts', { firstName: 'Ebbe', lastName: 'Vestergaard' });

    clock.advance(26 * 3_600_000);
    owner = await signInAgain(owner);
    other = await signInAgain(other);
    // Sigrun is written again today, and her term `bakke` goes missing from the dictionary the way
    // a write racing the prune could lose it: the pass puts the terms of today's records back.
    const edited = await api(owner, 'PATCH', `/api/v1/contacts/${sigrun.id}`, { jobTitle: 'Pilot' });
    expect(edited.statusCode, edited.body).toBe(200);
    await db.query(`delete from search_terms where workspace_id = $1 and kind = 'contacts' and term = 'bakke'`, [
      owner.workspace.id,
    ]);
    expect(await dictionary(owner.workspace.id, 'vestergaard', 'bakke')).toEqual([
      ['vestergaard', true],
      ['bakke', false],
    ]);

    await t.jobs.enqueue(trashPurgeJob({ purgeTrash: async () => 0, pruneSearchTerms: async () => 0 }), {});
    await t.jobs.runDue(true);
    // The old name goes; the current ones stay, and so do those of a record in the trash (a
    // restore brings it back to search) and another workspace's own.
    expect(await dictionary(owner.workspace.id, 'vestergaard', 'bakke', 'sigrun', 'skerry', 'orm', 'quist')).toEqual([
      ['vestergaard', false],
      ['bakke', true],
      ['sigrun', true],
      ['skerry', true],
      ['orm', true],
      ['quist', true],
    ]);
    expect(await dictionary(other.workspace.id, 'vestergaard')).toEqual([['vestergaard', true]]);
    expect(await names(owner, 'bakke')).toEqual(['Sigrun Bakke']);
    expect(await names(owner, 'vestergaard')).toEqual([]);
  });

  it('ranks the word itself first, then words starting with it, then close misspellings; every word must match', async () => {
    await create(owner, 'contacts', { firstName: 'Marta', lastName: 'Nowakowska' });
    await create(owner, 'contacts', { firstName: 'Marek', lastName: 'Nowak' });
    await create(owner, 'contacts', { firstName: 'Jan', lastName: 'Nowack' });
    await create(owner, 'contacts', { firstName: 'Jan', lastName: 'Zielinski' });
    expect(await names(owner, 'nowak')).toEqual(['Marek Nowak', 'Marta Nowakowska', 'Jan Nowack']);
    expect(await names(owner, 'jan nowak')).toEqual(['Jan Nowack']);
    expect(await names(owner, 'nowak jan')).toEqual(['Jan Nowack']);
    expect(await names(owner, 'jan zielinsky')).toEqual(['Jan Zielinski']);
    expect(await names(owner, 'marta zielinski')).toEqual([]);
    // A part of a word is found too, and case does not matter.
    expect(await names(owner, 'WAKOW')).toEqual(['Marta Nowakowska']);
    // One or two letters match the start of a word only.
    expect((await names(owner, 'no')).sort()).toEqual(['Jan Nowack', 'Marek Nowak', 'Marta Nowakowska']);
    expect(await names(owner, 'ow')).toEqual([]);
    expect((await names(owner, 'z')).sort()).toEqual(['Jan Zielinski']);
    // Another sort still searches: the matches in that order.
    expect(await names(owner, 'nowak', '&sort=firstName')).toEqual(['Jan Nowack', 'Marek Nowak', 'Marta Nowakowska']);
    // Counted over the matches.
    const counted = await api(owner, 'GET', '/api/v1/contacts?q=nowak&count=true');
    expect(counted.json().page.total).toBe(3);
  });

  it('pages through the matches in relevance order, each once', async () => {
    for (let i = 0; i < 23; i++) {
      await create(owner, 'contacts', { firstName: `Pager${i}`, lastName: i % 2 ? 'Quintana' : 'Quintanilla' });
    }
    const all: string[] = [];
    const scores: number[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/api/v1/contacts?q=quintana&limit=5${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await api(owner, 'GET', url);
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      for (const c of body.data) all.push(c.firstName);
      scores.push(...body.data.map((c: { lastName: string }) => (c.lastName === 'Quintana' ? 1 : 0)));
      cursor = body.page.nextCursor;
    } while (cursor);
    expect(all).toHaveLength(23);
    expect(new Set(all).size).toBe(23);
    // The exact word first: all eleven Quintanas, then the twelve Quintanillas.
    expect(scores).toEqual([...Array(11).fill(1), ...Array(12).fill(0)]);
  });

  it('finds every kind by its own words, in lists and in global search', async () => {
    const org = await create(owner, 'organizations', {
      name: 'Brightwater Analytics',
      website: 'https://brightwater.example',
    });
    await create(owner, 'deals', { name: 'Brightwater renewal', organizationId: org.id });
    await create(owner, 'projects', { name: 'Brightwater onboarding' });
    await create(owner, 'tasks', { title: 'Call Brightwater about invoices' });
    await create(owner, 'leads', { contactName: 'Olga Brightwater', companyName: 'Lakeside' });
    const hits = (await api(owner, 'GET', '/api/v1/search?q=brightwatr')).json().data as Array<{ resource: string }>;
    expect(new Set(hits.map((h) => h.resource))).toEqual(
      new Set(['organizations', 'deals', 'projects', 'tasks', 'leads']),
    );
    const orgs = (await api(owner, 'GET', '/api/v1/organizations?q=brightwater.example')).json().data;
    expect(orgs.map((o: { name: string }) => o.name)).toEqual(['Brightwater Analytics']);
    const tasks = (await api(owner, 'GET', '/api/v1/tasks?q=invoices')).json().data;
    expect(tasks.map((x: { title: string }) => x.title)).toEqual(['Call Brightwater about invoices']);
  });

  it('never finds another workspace’s records or terms', async () => {
    await create(other, 'contacts', { firstName: 'Xanthe', lastName: 'Quarrington' });
    expect(await names(other, 'quarrington')).toEqual(['Xanthe Quarrington']);
    expect(await names(owner, 'quarrington')).toEqual([]);
    expect((await api(owner, 'GET', '/api/v1/search?q=quarrington')).json().data).toEqual([]);
    // Row-level security on the index itself: the application role sees its own workspace only.
    const seen = await withWorkspace(db, { workspaceId: owner.workspace.id }, (tx) =>
      execRows<{ n: number }>(tx, sql`select count(*)::int as n from search_terms where term = 'quarrington'`),
    );
    expect(seen[0]?.n).toBe(0);
  });

  it('shows a member only the matches they may read', async () => {
    const rep = await joinWorkspace(t.app, owner, {
      email: 'search-rep@example.com',
      roleKey: 'sales_rep',
      password: PASSWORD,
    });
    await create(owner, 'contacts', { firstName: 'Hidden', lastName: 'Vandermolen' });
    await create(rep, 'contacts', { firstName: 'Mine', lastName: 'Vandermolen' });
    expect(await names(rep, 'vandermolen')).toEqual(['Mine Vandermolen']);
    expect((await names(owner, 'vandermolen')).sort()).toEqual(['Hidden Vandermolen', 'Mine Vandermolen']);
  });
});
