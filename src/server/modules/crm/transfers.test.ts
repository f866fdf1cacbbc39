// Imports and exports through HTTP and the job queue: CSV with a bad row, dry runs, duplicates,
// XLSX, vCards as Google Contacts and Outlook export them, and exports limited by visibility.
import { readFileSync } from 'node:fs';
import ExcelJS from 'exceljs';
import ICAL from 'ical.js';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '#test/support/app.ts';
import { usingPostgres } from '#test/support/db.ts';
import { deadlocked } from '#test/support/deadlock.ts';
import { bearer, joinWorkspace, type Session, signUp } from '#test/support/flows.ts';
import { multipart } from '#test/support/multipart.ts';
import { python } from '#test/support/python.ts';
import { parseVCards } from './vcard.ts';

const PASSWORD = 'cedar-lantern-harbour-12';
let t: TestApp;
let owner: Session;
const fixture = (name: string) => readFileSync(new URL(`../../../../test/fixtures/${name}`, import.meta.url));

async function upload(
  s: Session,
  url: string,
  fields: Record<string, string>,
  file: { name: string; content: Buffer },
) {
  const body = multipart(fields, file);
  return t.app.inject({
    method: 'POST',
    url,
    payload: body.payload,
    headers: { ...bearer(s.accessToken), ...body.headers },
  });
}

const api = (s: Session, method: string, url: string, payload?: object) =>
  t.app.inject({ method: method as 'GET', url, headers: bearer(s.accessToken), ...(payload ? { payload } : {}) });

/** A statement as the database's owner, outside the app (PGlite's one connection, or a new one). */
async function asSuperuser(statement: string) {
  if (t.db.pglite) return t.db.pglite.query(statement);
  const client = new pg.Client({ connectionString: t.db.url as string });
  await client.connect();
  try {
    return await client.query(statement);
  } finally {
    await client.end();
  }
}

/** The first notification on a channel (PGlite's own LISTEN, or a connection of its own). */
function onNotification(channel: string): { received: Promise<string>; close: () => Promise<void> } {
  let resolve: (payload: string) => void = () => {};
  const received = new Promise<string>((r) => {
    resolve = r;
  });
  const pglite = t.db.pglite;
  if (pglite) {
    const listening = pglite.listen(channel, resolve);
    return { received: listening.then(() => received), close: async () => (await listening)() };
  }
  const client = new pg.Client({ connectionString: t.db.url as string });
  client.on('notification', (n) => resolve(n.payload ?? ''));
  const listening = client.connect().then(() => client.query(`listen ${channel}`));
  return { received: listening.then(() => received), close: () => client.end() };
}

/** Runs queued jobs to the end and returns the import or export. */
async function finished(s: Session, kind: 'imports' | 'exports', id: string) {
  while ((await t.jobs.runDue(true)) > 0) {}
  return (await api(s, 'GET', `/api/v1/${kind}/${id}`)).json().data;
}

beforeAll(async () => {
  t = await createTestApp();
  await t.app.ready();
  owner = await signUp(t.app, { email: 'io-owner@example.com', password: PASSWORD });
});
afterAll(() => t.close());

describe('imports', () => {
  it('previews a CSV, dry-runs it, then imports it: the bad row reported, the rest imported, companies linked', async () => {
    const file = { name: 'contacts.csv', content: fixture('contacts-with-bad-row.csv') };
    const preview = (await upload(owner, '/api/v1/imports/preview', { objectType: 'contacts' }, file)).json().data;
    expect(preview).toMatchObject({ format: 'csv', rowCount: 3 });
    expect(preview.suggestedMapping).toEqual({
      'First Name': 'firstName',
      'Last Name': 'lastName',
      'E-mail Address': 'email',
      Company: 'organizationName',
      'Job Title': 'jobTitle',
      Tags: 'tags',
    });

    const dry = await upload(owner, '/api/v1/imports', { objectType: 'contacts', dryRun: 'true' }, file);
    expect(dry.statusCode, dry.body).toBe(202);
    const dryDone = await finished(owner, 'imports', dry.json().data.id);
    expect(dryDone).toMatchObject({ status: 'succeeded', createdRows: 2, failedRows: 1 });
    expect((await api(owner, 'GET', '/api/v1/contacts?count=true')).json().page.total).toBe(0);
    expect((await api(owner, 'GET', '/api/v1/organizations?count=true')).json().page.total).toBe(0);

    const run = await upload(
      owner,
      '/api/v1/imports',
      { objectType: 'contacts', mapping: JSON.stringify(preview.suggestedMapping) },
      file,
    );
    const done = await finished(owner, 'imports', run.json().data.id);
    expect(done).toMatchObject({ status: 'succeeded', totalRows: 3, processedRows: 3, createdRows: 2, failedRows: 1 });
    expect(done.errors).toEqual([{ row: 3, field: 'email', message: 'must be an email address' }]);
    const job = (await api(owner, 'GET', `/api/v1/jobs/${done.jobId}`)).json().data;
    expect(job).toMatchObject({ status: 'succeeded', progress: { current: 3, total: 3 } });

    const people = (await api(owner, 'GET', '/api/v1/contacts?sort=firstName')).json().data;
    expect(people.map((c: { firstName: string }) => c.firstName)).toEqual(['Mia', 'Zoe']);
    expect(people[0]).toMatchObject({
      email: 'mia.wong@northwind.example',
      jobTitle: 'Buyer',
      tags: ['customer', 'priority'],
    });
    const orgs = (await api(owner, 'GET', '/api/v1/organizations?sort=name')).json().data;
    expect(orgs.map((o: { name: string }) => o.name)).toEqual(['Northwind Traders', 'Tailspin Toys']);
    expect(people[0].organizationId).toBe(orgs[0].id);
    const audit = (await api(owner, 'GET', '/api/v1/audit?entityType=contact')).json().data;
    expect(audit.some((e: { channel: string }) => e.channel === 'import')).toBe(true);
  });

  it('finds duplicates by email: skip, update or create', async () => {
    const csv = (title: string) => ({
      name: 'again.csv',
      content: Buffer.from(`email,firstName,jobTitle\nmia.wong@northwind.example,Mia,${title}\n`),
    });
    const skip = await upload(owner, '/api/v1/imports', { objectType: 'contacts' }, csv('Director'));
    expect(await finished(owner, 'imports', skip.json().data.id)).toMatchObject({ skippedRows: 1, createdRows: 0 });
    const update = await upload(
      owner,
      '/api/v1/imports',
      { objectType: 'contacts', onDuplicate: 'update' },
      csv('Director'),
    );
    expect(await finished(owner, 'imports', update.json().data.id)).toMatchObject({ updatedRows: 1 });
    const mia = (await api(owner, 'GET', '/api/v1/contacts?filter[email]=mia.wong@northwind.example')).json().data;
    expect(mia).toHaveLength(1);
    expect(mia[0].jobTitle).toBe('Director');
    const create = await upload(
      owner,
      '/api/v1/imports',
      { objectType: 'contacts', onDuplicate: 'create' },
      csv('Twin'),
    );
    expect(await finished(owner, 'imports', create.json().data.id)).toMatchObject({ createdRows: 1 });
    expect(
      (await api(owner, 'GET', '/api/v1/contacts?filter[email]=mia.wong@northwind.example')).json().data,
    ).toHaveLength(2);
  });

  it('imports organizations from XLSX, matching duplicates by domain', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('Accounts');
    sheet.addRow(['Name', 'Website', 'Industry', 'Annual revenue']);
    sheet.addRow(['Northwind (dup)', 'https://www.northwind.example', 'Retail', 1200000]);
    sheet.addRow(['Fourth Coffee', 'https://fourthcoffee.example', 'Food', 'lots']);
    sheet.addRow(['Litware', 'https://litware.example', 'Software', 350000.5]);
    await api(
      owner,
      'PATCH',
      `/api/v1/organizations/${(await api(owner, 'GET', '/api/v1/organizations?filter[name]=northwind traders')).json().data[0].id}`,
      {
        domain: 'northwind.example',
      },
    );
    const content = Buffer.from(await workbook.xlsx.writeBuffer());
    const res = await upload(
      owner,
      '/api/v1/imports',
      { objectType: 'organizations' },
      { name: 'accounts.xlsx', content },
    );
    expect(res.statusCode, res.body).toBe(202);
    const done = await finished(owner, 'imports', res.json().data.id);
    expect(done).toMatchObject({ createdRows: 1, skippedRows: 1, failedRows: 1 });
    expect(done.errors).toEqual([{ row: 3, field: 'annualRevenue', message: 'must be an amount such as 1250.50' }]);
    const litware = (await api(owner, 'GET', '/api/v1/organizations?filter[name]=litware')).json().data[0];
    expect(litware).toMatchObject({ domain: 'litware.example', annualRevenue: '350000.50', industry: 'Software' });
  });

  it('imports vCards exported by Google Contacts (3.0) and Outlook (2.1)', async () => {
    for (const name of ['google-contacts.vcf', 'outlook-contacts.vcf']) {
      const res = await upload(owner, '/api/v1/imports', { objectType: 'contacts' }, { name, content: fixture(name) });
      expect(res.statusCode, res.body).toBe(202);
      const done = await finished(owner, 'imports', res.json().data.id);
      expect(done, name).toMatchObject({ status: 'succeeded', failedRows: 0 });
    }
    const byEmail = async (email: string) =>
      (await api(owner, 'GET', `/api/v1/contacts?filter[email]=${encodeURIComponent(email)}`)).json().data[0];
    expect(await byEmail('jane.doe@initech.example')).toMatchObject({
      firstName: 'Jane',
      lastName: 'Doe',
      otherEmails: ['jane@home.example'],
      phones: ['+1 555-0100', '+1 555-0199'],
      jobTitle: 'Product Manager',
      linkedinUrl: 'https://www.linkedin.com/in/janedoe',
      notes: 'Met at the Lisbon conference.\nPrefers email.',
      tags: ['Customers'],
      address: {
        street: '1600 Amphitheatre Pkwy',
        city: 'Mountain View',
        region: 'CA',
        postalCode: '94043',
        country: 'United States',
      },
    });
    expect(await byEmail('no.name@example.net')).toMatchObject({ firstName: 'no.name' });
    const juergen = await byEmail('juergen.mueller@fabrikam.example');
    expect(juergen).toMatchObject({
      firstName: 'Jürgen',
      lastName: 'Müller',
      department: 'Vertrieb',
      otherEmails: ['j.mueller@privat.example'],
      notes: 'Erstes Treffen am Montag.\r\nNächster Schritt: Angebot senden.',
      address: { street: 'Hauptstraße 1', city: 'Berlin', postalCode: '10115', country: 'Deutschland' },
    });
    const fabrikam = (await api(owner, 'GET', `/api/v1/organizations/${juergen.organizationId}`)).json().data;
    expect(fabrikam.name).toBe('Fabrikam GmbH');
    expect(await byEmail('alice.smith@contoso.example')).toMatchObject({
      firstName: 'Alice',
      lastName: 'Smith',
      phones: ['(425) 555-0123'],
    });
  });

  it('imports many chunks: an organization named in several is made once, duplicates across chunks found, errors in row order', async () => {
    // 3,000 rows make six chunks of 500, which run two at a time on PostgreSQL. Chunk 2 repeats
    // emails and an organization of chunk 1, so it must see what chunk 1 made; chunks 4 and 5
    // share nothing and run side by side.
    const s = await signUp(t.app, { email: 'io-chunks@example.com', password: PASSWORD });
    const lines = ['First Name,Last Name,E-mail Address,Company,Job Title'];
    const bad = new Set([107, 1234, 1999, 2001, 2990]);
    const companyOf = (i: number) => {
      if (i < 1500) return i % 2 === 0 ? 'Shared Harbour' : `Chunk ${Math.floor(i / 500) + 1} Works`;
      if (i >= 2500) return 'Shared Harbour';
      return `Own ${Math.floor(i / 500) + 1}`;
    };
    for (let i = 0; i < 3000; i++) {
      // Rows 500-599 are the people of rows 0-99 again, with a new title.
      const person = i >= 500 && i < 600 ? i - 500 : i;
      const email = bad.has(i) ? 'not-an-email' : `p${person}@chunks.example`;
      lines.push(`Pat${person},Lane,${email},${companyOf(i)},${i >= 500 && i < 600 ? 'Returning' : 'First'}`);
    }
    const run = await upload(
      s,
      '/api/v1/imports',
      { objectType: 'contacts', onDuplicate: 'update' },
      { name: 'chunks.csv', content: Buffer.from(`${lines.join('\n')}\n`) },
    );
    expect(run.statusCode, run.body).toBe(202);
    const done = await finished(s, 'imports', run.json().data.id);
    expect(done).toMatchObject({
      status: 'succeeded',
      totalRows: 3000,
      processedRows: 3000,
      createdRows: 3000 - 100 - bad.size,
      updatedRows: 100,
      skippedRows: 0,
      failedRows: bad.size,
    });
    expect(done.errors).toEqual(
      [...bad].map((row) => ({ row: row + 2, field: 'email', message: 'must be an email address' })),
    );
    expect((await api(s, 'GET', '/api/v1/contacts?count=true&limit=1')).json().page.total).toBe(3000 - 100 - bad.size);
    const again = (await api(s, 'GET', '/api/v1/contacts?filter[email]=p42@chunks.example')).json().data;
    expect(again).toHaveLength(1);
    expect(again[0].jobTitle).toBe('Returning');
    const orgs = (await api(s, 'GET', '/api/v1/organizations?limit=100&sort=name')).json().data;
    expect(orgs.map((o: { name: string }) => o.name)).toEqual([
      'Chunk 1 Works',
      'Chunk 2 Works',
      'Chunk 3 Works',
      'Own 4',
      'Own 5',
      'Shared Harbour',
    ]);
    const harbour = orgs.find((o: { name: string }) => o.name === 'Shared Harbour').id;
    const linked = await api(s, 'GET', `/api/v1/contacts?count=true&limit=1&filter[organizationId]=${harbour}`);
    // Even rows below 1,500 and every row from 2,500, less the bad rows among them and the
    // returning people (their rows 0-99 already counted).
    const expected = [...Array(3000).keys()].filter(
      (i) => companyOf(i) === 'Shared Harbour' && !bad.has(i) && !(i >= 500 && i < 600),
    ).length;
    expect(linked.json().page.total).toBe(expected);
    // Thousands of rows written: the table's statistics were refreshed when the import ended (the
    // planner's row count of a table never analyzed is -1).
    const stats = await asSuperuser(`select reltuples::int as n from pg_class where relname = 'contacts'`);
    expect(stats.rows[0].n).toBeGreaterThanOrEqual(3000 - 100 - bad.size);
    // ... and the GIN indexes (search, tags) hold no pending entries for every search to read:
    // merging what is left moves no page.
    const pending = await asSuperuser(
      `select c.relname as index, gin_clean_pending_list(i.indexrelid)::int as pages
         from pg_index i join pg_class c on c.oid = i.indexrelid join pg_am a on a.oid = c.relam
        where i.indrelid = 'contacts'::regclass and a.amname = 'gin' order by 1`,
    );
    expect(pending.rows.map((r) => (r as { index: string }).index)).toEqual([
      'contacts_search_terms_idx',
      'contacts_tags_idx',
    ]);
    expect(pending.rows.filter((r) => (r as { pages: number }).pages > 0)).toEqual([]);
  });

  it('ends an import that fails midway as failed, saying what was saved', async () => {
    const s = await signUp(t.app, { email: 'io-broken@example.com', password: PASSWORD });
    const run = await upload(
      s,
      '/api/v1/imports',
      { objectType: 'contacts' },
      { name: 'broken.csv', content: Buffer.from('First Name\nNell\n') },
    );
    // The application role loses the right to write the audit log (in this file's database only):
    // the chunk cannot be audited, so it cannot be saved.
    try {
      await asSuperuser('revoke insert on audit_log from albedo_app');
      const done = await finished(s, 'imports', run.json().data.id);
      expect(done).toMatchObject({ status: 'failed', processedRows: 0, createdRows: 0 });
      expect(done.finishedAt).not.toBeNull();
      expect(done.errors).toEqual([
        {
          row: 0,
          message:
            'The import stopped because of an internal error. The rows counted as created or updated were saved; the others were not imported.',
        },
      ]);
    } finally {
      await asSuperuser('grant insert on audit_log to albedo_app');
    }
    expect((await api(s, 'GET', '/api/v1/contacts?count=true')).json().page.total).toBe(0);
  });

  it('goes on after a shutdown from the first chunk it had not saved, importing no row twice', async () => {
    // Rows without an email have no duplicate key: run again from the start, the import would
    // make each saved person a second time.
    const s = await signUp(t.app, { email: 'io-resume@example.com', password: PASSWORD });
    const total = 6000;
    const lines = ['First Name,Last Name,E-mail Address'];
    for (let i = 0; i < total; i++) lines.push(`Res${i},Lane,${i === 10 ? 'not-an-email' : ''}`);
    const run = await upload(
      s,
      '/api/v1/imports',
      { objectType: 'contacts' },
      { name: 'resume.csv', content: Buffer.from(`${lines.join('\n')}\n`) },
    );
    expect(run.statusCode, run.body).toBe(202);
    const { id, jobId } = run.json().data;
    const transfer = async () => (await api(s, 'GET', `/api/v1/imports/${id}`)).json().data;

    // The server shuts down once the first chunk is saved: the database says so when the chunk
    // commits (a trigger added in this file's database only, and LISTEN).
    await asSuperuser(`
      create function test_chunk_saved() returns trigger language plpgsql as $$
        begin perform pg_notify('chunk_saved', new.first_row::text); return new; end $$`);
    await asSuperuser(`
      create trigger test_chunk_saved after update on data_transfer_chunks
        for each row execute function test_chunk_saved();`);
    const stop = onNotification('chunk_saved');
    t.jobs.start();
    try {
      await stop.received;
      // Requests are served while the import runs (PGlite too: it gives the event loop turns).
      expect((await transfer()).status).toBe('running');
      await t.jobs.stop(0);
    } finally {
      await stop.close();
      await asSuperuser('drop trigger test_chunk_saved on data_transfer_chunks');
      await asSuperuser('drop function test_chunk_saved()');
    }
    const stopped = await transfer();
    expect(stopped.processedRows).toBeGreaterThanOrEqual(500);
    expect(stopped.processedRows).toBeLessThan(total);
    expect((await api(s, 'GET', `/api/v1/jobs/${jobId}`)).json().data.status).toBe('queued');

    const done = await finished(s, 'imports', id);
    expect(done).toMatchObject({
      status: 'succeeded',
      processedRows: total,
      createdRows: total - 1,
      failedRows: 1,
    });
    // The bad row's error, saved with the first chunk, is reported once.
    expect(done.errors).toEqual([{ row: 12, field: 'email', message: 'must be an email address' }]);
    expect((await api(s, 'GET', '/api/v1/contacts?count=true&limit=1')).json().page.total).toBe(total - 1);
    expect((await api(s, 'GET', '/api/v1/contacts?filter[firstName]=Res600')).json().data).toHaveLength(1);
    // What the import kept to go on with is gone once it ends.
    const left = await asSuperuser(`select count(*)::int as n from data_transfer_chunks where transfer_id = '${id}'`);
    expect(left.rows[0]).toEqual({ n: 0 });
  });

  it('lets only the run that holds an import end it; a run of an ended import does nothing', async () => {
    // A run handed back by a shutdown can still be saving its last chunk while the next run goes
    // on. Here the next run takes the import over as the first chunk commits (its run id written
    // from outside), and the first run goes on to the end of the file.
    const s = await signUp(t.app, { email: 'io-takeover@example.com', password: PASSWORD });
    const total = 3000;
    const lines = ['First Name,Last Name'];
    for (let i = 0; i < total; i++) lines.push(`Take${i},Over`);
    const run = await upload(
      s,
      '/api/v1/imports',
      { objectType: 'contacts' },
      { name: 'takeover.csv', content: Buffer.from(`${lines.join('\n')}\n`) },
    );
    const { id, jobId } = run.json().data;
    const transfer = async () => (await api(s, 'GET', `/api/v1/imports/${id}`)).json().data;
    const job = async () => (await api(s, 'GET', `/api/v1/jobs/${jobId}`)).json().data;
    const chunks = async () =>
      (await asSuperuser(`select count(*)::int as n from data_transfer_chunks where transfer_id = '${id}'`)).rows[0].n;
    const contacts = async () => (await api(s, 'GET', '/api/v1/contacts?count=true&limit=1')).json().page.total;

    await asSuperuser(`
      create function test_take_over() returns trigger language plpgsql as $$
        begin update data_transfers set run_id = gen_random_uuid() where id = new.transfer_id; return new; end $$`);
    await asSuperuser(`
      create trigger test_take_over after update on data_transfer_chunks
        for each row when (new.first_row = 0) execute function test_take_over()`);
    try {
      await finished(s, 'imports', id);
    } finally {
      await asSuperuser('drop trigger test_take_over on data_transfer_chunks');
      await asSuperuser('drop function test_take_over()');
    }
    // The first run saved every chunk but did not end the import, nor write its counts after the
    // takeover: the run that holds it ends it.
    expect((await job()).result).toEqual({ skipped: 'another run of the import took it over' });
    const held = await transfer();
    expect(held.status).toBe('running');
    expect(held.processedRows).toBeLessThan(total);
    expect(await chunks()).toBe(total / 500);
    expect(await contacts()).toBe(total);

    // The run that took over: every chunk is saved already, so it only ends the import.
    await asSuperuser(`update jobs set status = 'queued', attempts = 0, run_at = now() where id = '${jobId}'`);
    const done = await finished(s, 'imports', id);
    expect(done).toMatchObject({ status: 'succeeded', processedRows: total, createdRows: total, failedRows: 0 });
    expect(await contacts()).toBe(total);
    expect(await chunks()).toBe(0);

    // Its job run once more (a shutdown handing it back just as it ended): the import is over.
    await asSuperuser(`update jobs set status = 'queued', attempts = 0, run_at = now() where id = '${jobId}'`);
    await finished(s, 'imports', id);
    expect((await job()).result).toEqual({ skipped: 'the import had already ended' });
    expect(await contacts()).toBe(total);
    expect(await transfer()).toMatchObject({ status: 'succeeded', createdRows: total });
  });

  it('refuses bad uploads clearly and changes nothing', async () => {
    const csv = { name: 'x.csv', content: Buffer.from('Nope\nvalue\n') };
    const unmapped = await upload(
      owner,
      '/api/v1/imports',
      { objectType: 'contacts', mapping: '{"Nope":"firstName","Ghost":"email"}' },
      csv,
    );
    expect(unmapped.statusCode).toBe(400);
    expect(unmapped.json().error.details.fields).toEqual([
      { field: 'mapping.Ghost', message: 'is not a column of the file' },
    ]);
    const noName = await upload(
      owner,
      '/api/v1/imports',
      { objectType: 'contacts', mapping: '{"Nope":"jobTitle"}' },
      csv,
    );
    expect(noName.json().error.details.fields).toEqual([{ field: 'mapping', message: 'map a column to First name' }]);
    const pdf = await upload(
      owner,
      '/api/v1/imports',
      { objectType: 'contacts' },
      { name: 'x.pdf', content: Buffer.from('%PDF') },
    );
    expect(pdf.json().error.details.fields[0]).toMatchObject({ field: 'file' });
    const member = await joinWorkspace(t.app, owner, {
      email: 'io-member@example.com',
      roleKey: 'member',
      password: PASSWORD,
    });
    expect((await upload(member, '/api/v1/imports', { objectType: 'contacts' }, csv)).statusCode).toBe(403);
    expect(
      (await api(owner, 'GET', '/api/v1/imports'))
        .json()
        .data.every((i: { status: string }) => i.status === 'succeeded'),
    ).toBe(true);
  });
});

describe.runIf(usingPostgres)('imports on PostgreSQL', () => {
  it('runs a chunk again when PostgreSQL rolls it back to break a deadlock', async () => {
    const s = await signUp(t.app, { email: 'io-deadlock@example.com', password: PASSWORD });
    const quill = await api(s, 'POST', '/api/v1/contacts', { firstName: 'Quill', email: 'quill@locks.example' });
    expect(quill.statusCode, quill.body).toBe(201);
    // The import's update of Quill takes 'alphablocker' and waits for 'zulublocker', held by
    // another transaction; PostgreSQL rolls the chunk back, and the import runs it again alone.
    const done = await deadlocked(
      t.db.url as string,
      s.workspace.id,
      'blocker',
      async () => {
        const run = await upload(
          s,
          '/api/v1/imports',
          { objectType: 'contacts', onDuplicate: 'update' },
          {
            name: 'locks.csv',
            content: Buffer.from('First Name,Last Name,E-mail Address\nAlphablocker,Zulublocker,quill@locks.example\n'),
          },
        );
        return finished(s, 'imports', run.json().data.id);
      },
      'update "contacts"%',
    );
    expect(done).toMatchObject({ status: 'succeeded', updatedRows: 1, createdRows: 0, failedRows: 0 });
    const people = (await api(s, 'GET', '/api/v1/contacts')).json().data;
    expect(people.map((p: { firstName: string; lastName: string }) => `${p.firstName} ${p.lastName}`)).toEqual([
      'Alphablocker Zulublocker',
    ]);
  });
});

describe('exports', () => {
  it('exports a filtered list as CSV, XLSX and vCard, with only what the member may see', async () => {
    const rep = await joinWorkspace(t.app, owner, {
      email: 'io-rep@example.com',
      roleKey: 'sales_manager',
      password: PASSWORD,
    });
    await api(rep, 'POST', '/api/v1/contacts', {
      firstName: 'Rep',
      lastName: 'Own',
      email: 'rep.own@example.com',
      tags: ['export'],
    });
    await api(owner, 'POST', '/api/v1/contacts', { firstName: 'Owner', lastName: 'Own', tags: ['export'] });

    const start = async (s: Session, format: string, query: Record<string, string>) => {
      const res = await api(s, 'POST', '/api/v1/exports', { objectType: 'contacts', format, query });
      expect(res.statusCode, res.body).toBe(202);
      const done = await finished(s, 'exports', res.json().data.id);
      expect(done.status).toBe('succeeded');
      return t.app.inject({ url: done.downloadUrl, headers: bearer(s.accessToken) });
    };
    const csv = await start(owner, 'csv', { 'filter[tag]': 'export', sort: 'firstName' });
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = csv.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\n');
    expect(lines[0]).toMatch(/^id,firstName,lastName,email/);
    expect(lines.slice(1).map((l) => l.split(',')[1])).toEqual(['Owner', 'Rep']);

    const repCsv = await start(rep, 'csv', { 'filter[tag]': 'export' });
    expect(repCsv.body).toContain('Rep');
    expect(repCsv.body).not.toContain('Owner');

    const xlsx = await start(owner, 'xlsx', { 'filter[tag]': 'export' });
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
    expect(book.worksheets[0]?.rowCount).toBe(3);

    const vcf = await start(owner, 'vcf', { 'filter[email]': 'jane.doe@initech.example' });
    const [jane] = parseVCards(vcf.body);
    expect(jane).toMatchObject({
      firstName: 'Jane',
      lastName: 'Doe',
      email: 'jane.doe@initech.example',
      organizationName: 'Initech',
    });

    // Someone else's export is not theirs to download; a bad filter is refused at once.
    const ownerExports = (await api(owner, 'GET', '/api/v1/exports')).json().data;
    expect((await api(rep, 'GET', `${ownerExports[0].downloadUrl}`)).statusCode).toBe(404);
    const bad = await api(owner, 'POST', '/api/v1/exports', {
      objectType: 'contacts',
      format: 'csv',
      query: { sort: 'colour' },
    });
    expect(bad.statusCode).toBe(400);
    const audit = (await api(owner, 'GET', '/api/v1/audit?action=export.started')).json().data;
    expect(audit.length).toBeGreaterThanOrEqual(4);
  });
});

describe('imports from other CRMs', () => {
  it('maps HubSpot and Salesforce standard headers and their enum values, merging phone columns and address parts', async () => {
    const hubspot = [
      'Record ID,First Name,Last Name,Email,Phone Number,Mobile Phone Number,Company Name,Job Title,Street Address,City,State/Region,Postal Code,Country/Region',
      '101,Hana,Spot,hana@hubspot-import.example,+1 617 555 0100,+1 617 555 0199,Hub Import Co,CMO,2 Canal Park,Cambridge,MA,02141,United States',
    ].join('\r\n');
    const salesforce = [
      'First Name,Last Name,Account Name,Title,Email,Phone,Mobile,Mailing Street,Mailing City,Mailing State/Province,Mailing Zip/Postal Code,Mailing Country',
      'Sal,Force,SF Import Inc,VP Sales,sal@sf-import.example,+1 415 555 0100,+1 415 555 0111,415 Mission St,San Francisco,CA,94105,USA',
    ].join('\r\n');
    const expected = {
      hubspot: {
        'First Name': 'firstName',
        'Last Name': 'lastName',
        Email: 'email',
        'Phone Number': 'phones',
        'Mobile Phone Number': 'phones',
        'Company Name': 'organizationName',
        'Job Title': 'jobTitle',
        'Street Address': 'address.street',
        City: 'address.city',
        'State/Region': 'address.region',
        'Postal Code': 'address.postalCode',
        'Country/Region': 'address.country',
      },
      salesforce: {
        'First Name': 'firstName',
        'Last Name': 'lastName',
        'Account Name': 'organizationName',
        Title: 'jobTitle',
        Email: 'email',
        Phone: 'phones',
        Mobile: 'phones',
        'Mailing Street': 'address.street',
        'Mailing City': 'address.city',
        'Mailing State/Province': 'address.region',
        'Mailing Zip/Postal Code': 'address.postalCode',
        'Mailing Country': 'address.country',
      },
    };
    for (const [name, csv] of [
      ['hubspot', hubspot],
      ['salesforce', salesforce],
    ] as const) {
      const file = { name: `${name}.csv`, content: Buffer.from(csv) };
      const preview = (await upload(owner, '/api/v1/imports/preview', { objectType: 'contacts' }, file)).json().data;
      expect(preview.suggestedMapping, name).toEqual(expected[name]);
      const run = await upload(owner, '/api/v1/imports', { objectType: 'contacts' }, file);
      expect(run.statusCode, run.body).toBe(202);
      const done = await finished(owner, 'imports', run.json().data.id);
      expect(done, name).toMatchObject({ status: 'succeeded', createdRows: 1, failedRows: 0 });
    }
    const hana = (await api(owner, 'GET', '/api/v1/contacts?filter[email]=hana@hubspot-import.example')).json().data[0];
    expect(hana).toMatchObject({
      phones: ['+1 617 555 0100', '+1 617 555 0199'],
      address: {
        street: '2 Canal Park',
        city: 'Cambridge',
        region: 'MA',
        postalCode: '02141',
        country: 'United States',
      },
    });
    const sal = (await api(owner, 'GET', '/api/v1/contacts?filter[email]=sal@sf-import.example')).json().data[0];
    expect(sal).toMatchObject({ jobTitle: 'VP Sales', phones: ['+1 415 555 0100', '+1 415 555 0111'] });
    expect(sal.address).toMatchObject({ city: 'San Francisco', postalCode: '94105' });

    // HubSpot's lead statuses and Salesforce's lead sources become ours instead of failing the row.
    const leads = [
      'Contact Name,Company,Lead Status,Lead Source',
      'Nina New,Foreign Leads,NEW,Web',
      'Olga Open,Foreign Leads,OPEN,Partner Referral',
      'Ivan Progress,Foreign Leads,IN_PROGRESS,Trade Show',
      'Una Qualified,Foreign Leads,UNQUALIFIED,Purchased List',
      'Carl Converted,Foreign Leads,Closed - Converted,Phone Inquiry',
    ].join('\n');
    const file = { name: 'leads.csv', content: Buffer.from(leads) };
    const preview = (await upload(owner, '/api/v1/imports/preview', { objectType: 'leads' }, file)).json().data;
    expect(preview.suggestedMapping).toEqual({
      'Contact Name': 'contactName',
      Company: 'companyName',
      'Lead Status': 'status',
      'Lead Source': 'source',
    });
    const run = await upload(owner, '/api/v1/imports', { objectType: 'leads' }, file);
    const done = await finished(owner, 'imports', run.json().data.id);
    expect(done).toMatchObject({ status: 'succeeded', createdRows: 5, failedRows: 0 });
    const imported = (await api(owner, 'GET', '/api/v1/leads?filter[companyName]=Foreign Leads&sort=contactName'))
      .json()
      .data.map((l: { contactName: string; status: string; source: string }) => [l.contactName, l.status, l.source]);
    expect(imported).toEqual([
      ['Carl Converted', 'closed_won', 'manual'],
      ['Ivan Progress', 'contacted', 'event'],
      ['Nina New', 'new', 'website'],
      ['Olga Open', 'new', 'referral'],
      ['Una Qualified', 'closed_lost', 'import'],
    ]);
  });
});

describe('contact photos in vCards', () => {
  it('keeps PHOTO on import (inline 3.0 bytes, a 4.0 data URI, an address) and exports it readable by vobject', async () => {
    // A 1×1 PNG.
    const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
    const vcf = [
      'BEGIN:VCARD',
      'VERSION:3.0',
      'N:Pixel;Paula;;;',
      'FN:Paula Pixel',
      'EMAIL;TYPE=INTERNET:paula@photo.example',
      `PHOTO;ENCODING=b;TYPE=PNG:${png.slice(0, 40)}`,
      ` ${png.slice(40)}`,
      'CATEGORIES:photo-test',
      'END:VCARD',
      'BEGIN:VCARD',
      'VERSION:4.0',
      'FN:Quentin Quad',
      'N:Quad;Quentin;;;',
      `PHOTO:data:image/png;base64,${png}`,
      'CATEGORIES:photo-test',
      'END:VCARD',
      'BEGIN:VCARD',
      'VERSION:4.0',
      'FN:Rita Remote',
      'N:Remote;Rita;;;',
      'PHOTO:https://images.example/rita.jpg',
      'CATEGORIES:photo-test',
      'END:VCARD',
      '',
    ].join('\r\n');
    const res = await upload(
      owner,
      '/api/v1/imports',
      { objectType: 'contacts' },
      { name: 'photos.vcf', content: Buffer.from(vcf) },
    );
    expect(res.statusCode, res.body).toBe(202);
    expect(await finished(owner, 'imports', res.json().data.id)).toMatchObject({ status: 'succeeded', createdRows: 3 });
    const people = (await api(owner, 'GET', '/api/v1/contacts?filter[tag]=photo-test&sort=firstName')).json().data;
    expect(people.map((c: { photo: string }) => c.photo)).toEqual([
      `data:image/png;base64,${png}`,
      `data:image/png;base64,${png}`,
      'https://images.example/rita.jpg',
    ]);
    // A photo that is not an image is refused with a field message.
    const bad = await api(owner, 'POST', '/api/v1/contacts', { firstName: 'X', photo: 'javascript:alert(1)' });
    expect(bad.json().error.details.fields).toEqual([
      { field: 'body.photo', message: 'must be a web address of an image, or a data:image/… URI' },
    ]);
    for (const version of ['3.0', '4.0']) {
      const out = await api(owner, 'POST', '/api/v1/exports', {
        objectType: 'contacts',
        format: 'vcf',
        vcardVersion: version,
        query: { 'filter[tag]': 'photo-test', sort: 'firstName' },
      });
      const done = await finished(owner, 'exports', out.json().data.id);
      const file = (await t.app.inject({ url: done.downloadUrl, headers: bearer(owner.accessToken) })).body;
      const photos = python<Array<{ value: string; params: Record<string, string[]> }>>(
        [
          'import base64, json, sys, vobject',
          'out = []',
          'for c in vobject.readComponents(sys.stdin.read()):',
          '    p = c.photo',
          '    v = p.value',
          '    out.append({"value": base64.b64encode(v).decode() if isinstance(v, bytes) else v, "params": p.params})',
          'print(json.dumps(out))',
        ].join('\n'),
        file,
      );
      if (version === '3.0') {
        // vobject decodes the inline bytes: they are the same PNG.
        expect(photos.map((p) => p.value)).toEqual([png, png, 'https://images.example/rita.jpg']);
      } else {
        // vobject reads vCard 3.0 rules only (it splits 4.0's data: URI at its comma); ical.js
        // reads 4.0 (RFC 6350) as jCard.
        const cards = ICAL.parse(file) as unknown as Array<[string, Array<[string, object, string, string]>]>;
        const values = (Array.isArray(cards[0]) ? cards : [cards]).map(
          (card) => (card as [string, Array<[string, object, string, string]>])[1].find((p) => p[0] === 'photo')?.[3],
        );
        expect(values).toEqual([
          `data:image/png;base64,${png}`,
          `data:image/png;base64,${png}`,
          'https://images.example/rita.jpg',
        ]);
      }
    }
  });
});

describe('exports other software reads', () => {
  const exportOf = async (format: string, query: Record<string, string>, extra: object = {}) => {
    const res = await api(owner, 'POST', '/api/v1/exports', { objectType: 'contacts', format, query, ...extra });
    expect(res.statusCode, res.body).toBe(202);
    const done = await finished(owner, 'exports', res.json().data.id);
    expect(done.status).toBe('succeeded');
    return (await t.app.inject({ url: done.downloadUrl, headers: bearer(owner.accessToken) })).body;
  };

  it('defuses spreadsheet formulas in CSV cells, and reads its own export back unchanged', async () => {
    const hostile = ['=HYPERLINK("http://evil.example","x")', '+SUM(1;2)', '-2+3', '@cmd', '\tTab', '\rCR'];
    const made = (
      await api(owner, 'POST', '/api/v1/contacts', {
        firstName: hostile[0],
        lastName: hostile[1],
        jobTitle: hostile[2],
        department: hostile[3],
        notes: `${hostile[4]}${hostile[5]}`,
        tags: ['formula'],
      })
    ).json().data;
    const csv = await exportOf('csv', { 'filter[tag]': 'formula' });
    // Python's csv module reads the cells; every one that began with a formula character is text.
    const rows = python<Array<Record<string, string>>>(
      'import csv,io,json,sys; print(json.dumps(list(csv.DictReader(io.StringIO(sys.stdin.read().lstrip("\\ufeff"))))))',
      csv,
    );
    expect(rows).toHaveLength(1);
    const row = rows[0] as Record<string, string>;
    expect([row.firstName, row.lastName, row.jobTitle, row.department, row.notes]).toEqual([
      `'${hostile[0]}`,
      `'${hostile[1]}`,
      `'${hostile[2]}`,
      `'${hostile[3]}`,
      `'${hostile[4]}${hostile[5]}`,
    ]);
    for (const cell of Object.values(row)) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
    // Read back by the import, the values are the ones that went out.
    await api(owner, 'DELETE', `/api/v1/contacts/${made.id}`);
    const res = await upload(
      owner,
      '/api/v1/imports',
      {
        objectType: 'contacts',
        mapping: JSON.stringify({ firstName: 'firstName', lastName: 'lastName', jobTitle: 'jobTitle' }),
      },
      { name: 'back.csv', content: Buffer.from(csv) },
    );
    expect(res.statusCode, res.body).toBe(202);
    const back = await finished(owner, 'imports', res.json().data.id);
    expect(back.status, JSON.stringify(back)).toBe('succeeded');
    const again = (await api(owner, 'GET', `/api/v1/contacts?q=${encodeURIComponent('HYPERLINK')}`)).json().data;
    expect(again.map((c: { lastName: string }) => c.lastName)).toContain(hostile[1]);
  });

  it('writes vCards other parsers read whole, with line breaks of every kind, in 4.0 and 3.0', async () => {
    await api(owner, 'POST', '/api/v1/contacts', {
      firstName: 'Crlf',
      lastName: 'Notes',
      email: 'crlf@example.com',
      notes: 'Line one\r\nLine two\rLine three\nLine four; with, punctuation',
      tags: ['vcard-breaks'],
    });
    await api(owner, 'POST', '/api/v1/contacts', { firstName: 'After', lastName: 'Crlf', tags: ['vcard-breaks'] });
    const read = (vcf: string) =>
      python<Array<{ version: string; fn: string; note: string | null }>>(
        [
          'import json,sys,vobject',
          'cards=list(vobject.readComponents(sys.stdin.read()))',
          'print(json.dumps([{"version":c.version.value,"fn":c.fn.value,"note":c.note.value if hasattr(c,"note") else None} for c in cards]))',
        ].join('\n'),
        vcf,
      );
    for (const version of ['4.0', '3.0']) {
      const vcf = await exportOf(
        'vcf',
        { 'filter[tag]': 'vcard-breaks', sort: 'firstName' },
        { vcardVersion: version },
      );
      const cards = read(vcf);
      expect(cards.map((c) => [c.version, c.fn])).toEqual([
        [version, 'After Crlf'],
        [version, 'Crlf Notes'],
      ]);
      expect(cards[1]?.note).toBe('Line one\nLine two\nLine three\nLine four; with, punctuation');
    }
    const bad = await api(owner, 'POST', '/api/v1/exports', {
      objectType: 'contacts',
      format: 'csv',
      vcardVersion: '3.0',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toBe('body.vcardVersion: goes with format vcf only');
  });
});
