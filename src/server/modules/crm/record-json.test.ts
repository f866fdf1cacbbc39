// Lists and details write records to JSON straight from the rows the driver read
// (record-json.ts). These tests hold that text to what the record's response schema writes for
// the same row in Node (the body of `?include=related`, which still builds objects): every kind,
// every field type, nulls, custom fields, odd strings, timestamps with microseconds or before
// 1970, field selection and paging; and the writer alone on PostgreSQL's text forms.
import { getTableColumns } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '#test/support/app.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/db.ts';
import { bearer, type Session, signUp } from '#test/support/flows.ts';
import { RECORD_KINDS } from './kinds.ts';
import { jsonWriter } from './record-json.ts';

let db: TestDatabase;
let t: TestApp;
let owner: Session;

const api = (method: string, url: string, payload?: unknown) =>
  t.app.inject({
    method: method as 'GET',
    url,
    headers: bearer(owner.accessToken),
    ...(payload !== undefined ? { payload: payload as object } : {}),
  });
async function create(resource: string, body: object): Promise<Record<string, unknown> & { id: string }> {
  const res = await api('POST', `/api/v1/${resource}`, body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json().data;
}
/** The record as Node builds and serializes it. */
async function built(resource: string, id: string): Promise<Record<string, unknown>> {
  const res = await api('GET', `/api/v1/${resource}/${id}?include=related`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json().data;
}
/** The record as lists and details write it: by id, and in a list of its kind. */
async function written(resource: string, id: string) {
  const one = await api('GET', `/api/v1/${resource}/${id}`);
  expect(one.statusCode, one.body).toBe(200);
  expect(one.headers['content-type']).toBe('application/json; charset=utf-8');
  const list = await api('GET', `/api/v1/${resource}?limit=200`);
  expect(list.statusCode, list.body).toBe(200);
  const listed = list.json().data.find((r: { id: string }) => r.id === id);
  return { one: one.json().data, listed, oneText: one.body };
}

const STRANGE = 'Quote " backslash \\ tab \t newline \n bell \u0007 ü € 😀 </script>';
const ids: Record<string, string[]> = {};

beforeAll(async () => {
  db = await createTestDatabase();
  t = await createTestApp({ db });
  await t.app.ready();
  owner = await signUp(t.app, { email: 'json-owner@example.com', password: 'cedar-lantern-harbour-12' });
  for (const [label, type, extra] of [
    ['Employees', 'number', {}],
    ['Budget', 'currency', {}],
    ['Renewal', 'date', {}],
    ['Partner', 'boolean', {}],
    ['Regions', 'multi_select', { options: ['emea', 'apac'] }],
    ['Nickname', 'text', {}],
  ] as const) {
    const res = await api('POST', '/api/v1/custom-fields', { objectType: 'organizations', label, type, ...extra });
    expect(res.statusCode, res.body).toBe(201);
  }
  const org = await create('organizations', {
    name: `Acme ${STRANGE}`,
    description: STRANGE,
    industry: 'Software',
    website: 'https://acme.example/about',
    sizeBand: '11-50',
    annualRevenue: '1234567.5',
    phone: '+1 555 0100',
    address: { street: '1 Main St', city: 'Springfield', country: 'US' },
    tags: ['vip', 'b2b'],
    custom: {
      employees: 12.5,
      budget: '1500.50',
      renewal: '2026-12-31',
      partner: false,
      regions: ['emea'],
      nickname: STRANGE,
    },
  });
  const contact = await create('contacts', {
    firstName: 'Ada',
    lastName: STRANGE,
    email: 'ada@acme.example',
    otherEmails: ['ada@home.example'],
    phones: ['+44 20 7946 0000', '+44 20 7946 0001'],
    jobTitle: 'Engineer',
    organizationId: org.id,
    department: 'R&D',
    leadStatus: 'contacted',
    lifecycleStage: 'lead',
    leadScore: 42,
    address: { city: 'London' },
    linkedinUrl: 'https://www.linkedin.com/in/ada',
    xHandle: '@ada',
    notes: STRANGE,
    lastContactedAt: '2026-03-04T05:06:07.089Z',
    tags: ['vip'],
  });
  const lead = await create('leads', {
    contactName: 'Grace Hopper',
    companyName: 'Navy',
    email: 'grace@navy.example',
    phone: '+1 555 0101',
    industry: 'Defence',
    location: 'Arlington',
    source: 'website',
    status: 'contacted',
    followUpDate: '2026-12-31',
    lastContactedAt: '2026-01-01T00:00:00.000Z',
    notes: STRANGE,
  });
  const deal = await create('deals', {
    name: 'Big one',
    amount: '2500',
    currency: 'EUR',
    probability: 40,
    expectedCloseDate: '2027-01-15',
    contactId: contact.id,
    organizationId: org.id,
    nextStep: 'Call',
  });
  const project = await create('projects', {
    name: 'Rollout',
    description: STRANGE,
    status: 'in_progress',
    organizationId: org.id,
    assigneeIds: [owner.user.id],
    startDate: '2026-01-05',
    dueDate: '2026-06-30',
  });
  const task = await create('tasks', {
    title: 'Kick-off',
    description: STRANGE,
    status: 'in_progress',
    priority: 'high',
    assigneeId: owner.user.id,
    projectId: project.id,
    relatedType: 'contacts',
    relatedId: contact.id,
    dueAt: '2026-02-03T04:05:06.007Z',
    remindAt: '2026-02-03T03:05:06.007Z',
  });
  const note = await create('notes', {
    entityType: 'contacts',
    entityId: contact.id,
    kind: 'call',
    body: STRANGE,
    occurredAt: '2026-02-01T10:00:00.000Z',
  });
  const event = await create('events', {
    title: 'Weekly',
    description: STRANGE,
    startAt: '2026-02-02T09:00:00.000Z',
    endAt: '2026-02-02T09:30:00.000Z',
    allDay: false,
    timezone: 'Europe/Berlin',
    location: 'Room 1',
    rrule: 'FREQ=WEEKLY;COUNT=4',
    exdates: ['2026-02-09T09:00:00.000Z', '2026-02-16T09:00:00.000Z'],
    attendees: [
      { email: 'ada@acme.example', name: 'Ada', status: 'accepted' },
      { email: 'grace@navy.example', status: 'needs-action' },
    ],
    reminders: [10, 60],
    relatedType: 'contacts',
    relatedId: contact.id,
  });
  const full = { organizations: org, contacts: contact, leads: lead, deals: deal, projects: project };
  Object.assign(full, { tasks: task, notes: note, events: event });
  // And one of each with only what is required: the rest null, empty or default.
  const minimal: Record<string, object> = {
    organizations: { name: 'Bare' },
    contacts: { firstName: 'Bare' },
    leads: { contactName: 'Bare' },
    deals: { name: 'Bare' },
    projects: { name: 'Bare' },
    tasks: { title: 'Bare' },
    notes: { entityType: 'organizations', entityId: org.id, body: 'Bare' },
    events: { title: 'Bare', startAt: '2026-02-02T09:00:00.000Z', endAt: '2026-02-02T10:00:00.000Z', exdates: [] },
  };
  for (const kind of RECORD_KINDS) {
    const bare = await create(kind.resource, minimal[kind.resource] as object);
    ids[kind.resource] = [(full as Record<string, { id: string }>)[kind.resource]?.id as string, bare.id];
  }
});
afterAll(async () => {
  await t.close();
  await db.dispose();
});

describe('records written from their rows', () => {
  it('read the same as records built in Node, for every kind, field type and null', async () => {
    for (const kind of RECORD_KINDS) {
      for (const id of ids[kind.resource] as string[]) {
        const expected = await built(kind.resource, id);
        const { one, listed, oneText } = await written(kind.resource, id);
        expect(one, `${kind.resource} by id`).toStrictEqual(expected);
        expect(listed, `${kind.resource} in a list`).toStrictEqual(expected);
        // Dates exactly as Date.prototype.toISOString writes them.
        expect(oneText).toMatch(/"createdAt":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"/);
      }
    }
    const [contactId] = ids.contacts as string[];
    const { one } = await written('contacts', contactId as string);
    expect(one).toMatchObject({ lastName: STRANGE, leadScore: 42, lastContactedAt: '2026-03-04T05:06:07.089Z' });
    const { one: deal } = await written('deals', ids.deals?.[0] as string);
    expect(deal.amount).toBe('2500.00');
    const { one: event } = await written('events', ids.events?.[0] as string);
    expect(event.exdates).toEqual(['2026-02-09T09:00:00.000Z', '2026-02-16T09:00:00.000Z']);
    const { one: bareEvent } = await written('events', ids.events?.[1] as string);
    expect(bareEvent.exdates).toEqual([]);
  });

  it('writes stored microseconds and dates before 1970 as Node does', async () => {
    const [id] = ids.contacts as string[];
    await db.query(
      `update contacts set updated_at = '2026-01-02 03:04:05.123987+00', last_contacted_at = '1969-07-20 20:17:40.9999+00' where id = $1`,
      [id],
    );
    const expected = await built('contacts', id as string);
    expect(expected).toMatchObject({
      updatedAt: '2026-01-02T03:04:05.123Z',
      lastContactedAt: '1969-07-20T20:17:40.999Z',
    });
    const { one, listed } = await written('contacts', id as string);
    expect(one).toStrictEqual(expected);
    expect(listed).toStrictEqual(expected);
  });

  it('selects fields, pages with a cursor and counts as before', async () => {
    const res = await api('GET', '/api/v1/contacts?fields=leadScore,lastName&sort=firstName&limit=1&count=true');
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.data).toHaveLength(1);
    expect(Object.keys(body.data[0])).toEqual(['id', 'lastName', 'leadScore']);
    expect(body.page).toMatchObject({ hasMore: true, total: 2 });
    const next = await api(
      'GET',
      `/api/v1/contacts?fields=lastName&sort=firstName&limit=1&cursor=${body.page.nextCursor}`,
    );
    expect(next.json().data).toHaveLength(1);
    expect(next.json().data[0].id).not.toBe(body.data[0].id);
    expect(next.json().page).toEqual({ nextCursor: null, hasMore: false });

    const bad = await api('GET', '/api/v1/contacts?fields=lastName,password');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.fields).toEqual([{ field: 'query.fields', message: 'unknown field(s): password' }]);
  });
});

describe('jsonWriter, from PostgreSQL text', () => {
  const columns = (kind: (typeof RECORD_KINDS)[number], keys: string[]) => {
    const all = getTableColumns(kind.table as never) as Record<string, PgColumn>;
    return keys.map((k) => [k, all[k] as PgColumn] as const);
  };
  const events = RECORD_KINDS.find((k) => k.resource === 'events') as (typeof RECORD_KINDS)[number];
  const contacts = RECORD_KINDS.find((k) => k.resource === 'contacts') as (typeof RECORD_KINDS)[number];

  it('writes timestamps of any time zone, arrays with quotes and NULLs, booleans and jsonb', () => {
    // Text only: no driver mappings needed.
    const writer = jsonWriter(columns(events, ['startAt', 'endAt', 'allDay', 'exdates', 'reminders', 'attendees']), []);
    const text = writer.write(
      {
        start_at: '2026-01-02 04:04:05.5+01',
        end_at: '2026-01-02 03:04:05+00',
        all_day: 't',
        exdates: '{"2026-01-09 03:04:05.123456+00","2026-01-16 04:04:05+01"}',
        reminders: '{10,NULL,60}',
        attendees: '[{"email": "a@x.example", "status": "accepted"}]',
      },
      true,
    );
    expect(JSON.parse(text)).toStrictEqual({
      startAt: '2026-01-02T03:04:05.500Z',
      endAt: '2026-01-02T03:04:05.000Z',
      allDay: true,
      exdates: ['2026-01-09T03:04:05.123Z', '2026-01-16T03:04:05.000Z'],
      reminders: [10, null, 60],
      attendees: [{ email: 'a@x.example', status: 'accepted' }],
    });
    const tags = jsonWriter(columns(contacts, ['tags', 'phones', 'lastContactedAt']), []);
    expect(
      JSON.parse(tags.write({ tags: '{vip,"two words","quote \\" and \\\\",NULL}', phones: '{}' }, true)),
    ).toStrictEqual({ tags: ['vip', 'two words', 'quote " and \\', null], phones: [], lastContactedAt: null });
    // Only the picked keys, in the schema's order.
    expect(tags.write({ tags: '{a}', phones: '{b}' }, true, new Set(['phones', 'tags']))).toBe(
      '{"tags":["a"],"phones":["b"]}',
    );
  });
});
