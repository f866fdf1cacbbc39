// Imports and exports through HTTP and the job queue: CSV with a bad row, dry runs, duplicates,
// XLSX, vCards as Google Contacts and Outlook export them, and exports limited by visibility.
import { readFileSync } from 'node:fs';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '#test/support/app.ts';
import { bearer, joinWorkspace, type Session, signUp } from '#test/support/flows.ts';
import { multipart } from '#test/support/multipart.ts';
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
