// Keyset pagination as a property: for any sort (one or several fields, either direction, with
// ties and nulls), any page size and any filter, walking the cursors returns every matching row
// exactly once, in the order of the unpaged list, even while rows are being added.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgDialect } from '#server/platform/db/database.ts';
import { createTestApp, type TestApp } from '#test/support/app.ts';
import { manualClock } from '#test/support/clock.ts';
import { bearer, type Session, signUp } from '#test/support/flows.ts';
import { kindByResource, type RecordKind } from './kinds.ts';
import { orderBy, parseSort } from './query.ts';

const clock = manualClock(new Date());
let t: TestApp;
let owner: Session;
const seeded: string[] = [];

const get = async (url: string) => {
  const res = await t.app.inject({ url, headers: bearer(owner.accessToken) });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as {
    data: Array<{ id: string }>;
    page: { nextCursor: string | null; hasMore: boolean; total?: number };
  };
};

beforeAll(async () => {
  t = await createTestApp({ clock });
  await t.app.ready();
  owner = await signUp(t.app, { email: 'pages@example.com', password: 'cedar-lantern-harbour-12' });
  const first = ['Ann', 'Bob', 'ann', 'Cy', 'Dee', 'Eve'];
  const items = Array.from({ length: 90 }, (_, i) => ({
    firstName: first[i % first.length],
    // Ties and nulls on purpose: many equal last names, some missing.
    ...(i % 4 === 0 ? {} : { lastName: `L${i % 7}` }),
    ...(i % 3 === 0 ? {} : { leadScore: i % 5 }),
    ...(i % 5 === 0 ? { lifecycleStage: 'lead' } : {}),
    ...(i % 2 === 0 ? { tags: ['even'] } : {}),
  }));
  // Several batches at different times, so updatedAt has both ties and order.
  for (let b = 0; b < 3; b++) {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/contacts/bulk',
      headers: bearer(owner.accessToken),
      payload: { items: items.slice(b * 30, b * 30 + 30) },
    });
    for (const r of res.json().data) seeded.push(r.data.id);
    clock.advance(1000);
  }
});
afterAll(() => t.close());

const sortField = fc.constantFrom('firstName', 'lastName', 'leadScore', 'updatedAt', 'createdAt', 'lifecycleStage');
const sortSpec = fc
  .uniqueArray(fc.record({ field: sortField, desc: fc.boolean() }), {
    minLength: 1,
    maxLength: 3,
    selector: (s) => s.field,
  })
  .map((keys) => keys.map((k) => `${k.desc ? '-' : ''}${k.field}`).join(','));
const filter = fc.constantFrom('', '&filter[tag]=even', '&filter[leadScore][gte]=2', '&filter[lastName][empty]=false');

async function walk(query: string, limit: number, during?: () => Promise<void>): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  for (let guard = 0; guard < 200; guard++) {
    const page = await get(
      `/api/v1/contacts?${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    ids.push(...page.data.map((r) => r.id));
    expect(page.data.length).toBeLessThanOrEqual(limit);
    if (!page.page.hasMore) {
      expect(page.page.nextCursor).toBeNull();
      return ids;
    }
    cursor = page.page.nextCursor;
    await during?.();
  }
  throw new Error('pagination did not end');
}

describe('cursor pagination', () => {
  it('returns every row exactly once, in order, for any sort, page size and filter', async () => {
    await fc.assert(
      fc.asyncProperty(sortSpec, fc.integer({ min: 1, max: 40 }), filter, async (sort, limit, extra) => {
        const query = `sort=${sort}${extra}`;
        const whole = await get(`/api/v1/contacts?${query}&limit=200&count=true`);
        const paged = await walk(query, limit);
        expect(paged).toEqual(whole.data.map((r) => r.id));
        expect(paged.length).toBe(whole.page.total);
        expect(new Set(paged).size).toBe(paged.length);
      }),
      { numRuns: 40 },
    );
    // Unfiltered, every seeded row is there.
    const all = await walk('sort=firstName', 7);
    expect([...all].sort()).toEqual([...seeded].sort());
  });

  it('is stable while rows are added between pages: no row twice, none of the earlier rows missed', async () => {
    await fc.assert(
      fc.asyncProperty(sortSpec, fc.integer({ min: 3, max: 25 }), async (sort, limit) => {
        const before = (await get(`/api/v1/contacts?sort=${sort}&limit=200`)).data.map((r) => r.id);
        const added: string[] = [];
        const paged = await walk(`sort=${sort}`, limit, async () => {
          const res = await t.app.inject({
            method: 'POST',
            url: '/api/v1/contacts',
            headers: bearer(owner.accessToken),
            payload: { firstName: 'Ann', lastName: 'L3', leadScore: 2 },
          });
          added.push(res.json().data.id);
        });
        expect(new Set(paged).size).toBe(paged.length);
        for (const id of before) expect(paged).toContain(id);
        for (const id of paged) expect([...before, ...added]).toContain(id);
        // Clean up so the next run starts from the same rows.
        await t.app.inject({
          method: 'DELETE',
          url: '/api/v1/contacts/bulk',
          headers: bearer(owner.accessToken),
          payload: { ids: added },
        });
      }),
      { numRuns: 15 },
    );
  });

  it('accepts offset and page numbers too', async () => {
    const whole = (await get('/api/v1/contacts?sort=lastName,firstName&limit=200')).data.map((r) => r.id);
    const page3 = (await get('/api/v1/contacts?sort=lastName,firstName&limit=10&page=3')).data.map((r) => r.id);
    const offset = (await get('/api/v1/contacts?sort=lastName,firstName&limit=10&offset=20')).data.map((r) => r.id);
    expect(page3).toEqual(whole.slice(20, 30));
    expect(offset).toEqual(page3);
  });
});

describe('the read behind a page', () => {
  it('reads contacts of one lifecycle stage in name order through their own index, not past the other stages', async () => {
    const kind = kindByResource('contacts') as RecordKind;
    // The list's own order clause for `sort=lastName,firstName`, as records.list renders it.
    const order = pgDialect.sqlToQuery(orderBy(parseSort(kind, 'lastName,firstName', '-updatedAt'), kind.idColumn));
    const workspaceId = owner.workspace.id;
    const plan = await t.db.withConnection(async (_orm, query) => {
      // Statistics as of now: without them the planner's row estimates are guesses, and between
      // two index scans of equal guessed cost it picked either (once in five PostgreSQL runs).
      await query('analyze contacts');
      await query('begin');
      try {
        // A few dozen rows would be read whole, or through any index and then sorted (as the
        // table's statistics happen to be): these settings ask for the plan of a large table.
        await query('set local enable_seqscan = off');
        await query('set local enable_bitmapscan = off');
        await query('set local enable_sort = off');
        const [row] = (await query(
          `explain (format json) select id from contacts where workspace_id = $1 and deleted_at is null and lifecycle_stage = $2 order by ${order.sql} limit 51`,
          [workspaceId, 'lead'],
        )) as Array<{ 'QUERY PLAN': unknown }>;
        return JSON.stringify(row?.['QUERY PLAN']);
      } finally {
        await query('rollback');
      }
    });
    expect(plan).toContain('"Index Name":"contacts_stage_name_idx"');
    // Stage and workspace are the index condition: nothing is read only to be filtered out.
    expect(plan).toMatch(/"Index Cond":"\(\(workspace_id = [^)]+\) AND \(lifecycle_stage = [^)]+\)\)"/);
    expect(plan).not.toContain('"Sort Key"');
  });
});
