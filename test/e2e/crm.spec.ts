import path from 'node:path';
import { type APIRequestContext, expect, type Page, test } from '@playwright/test';

const PASSWORD = 'maple-horizon-ledger-2026';
const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

interface Team {
  ownerEmail: string;
  ownerName: string;
  memberName: string;
}

/** A workspace with an owner and a second member, made through the API as a script would. */
async function workspaceWithTwoMembers(request: APIRequestContext): Promise<Team> {
  const id = unique();
  const ownerEmail = `owner-${id}@example.com`;
  const ownerName = `Olivia ${id}`;
  const memberName = `Marco ${id}`;
  const signup = await request.post('/api/v1/auth/signup', {
    data: { email: ownerEmail, password: PASSWORD, name: ownerName, workspaceName: `Crm ${id}` },
  });
  expect(signup.status()).toBe(201);
  const auth = { authorization: `Bearer ${(await signup.json()).data.accessToken}` };
  const memberEmail = `member-${id}@example.com`;
  expect(
    (
      await request.post('/api/v1/invites', { headers: auth, data: { email: memberEmail, roleKey: 'member' } })
    ).status(),
  ).toBe(201);
  const outbox = (await (await request.get('/api/v1/admin/outbox', { headers: auth })).json()).data;
  const mail = outbox.find((m: { to: string }) => m.to === memberEmail);
  const token = decodeURIComponent(/accept-invite\?token=(\S+)/.exec(mail.text)?.[1] as string);
  const accepted = await request.post('/api/v1/invites/accept', {
    data: { token, name: memberName, password: PASSWORD },
  });
  expect(accepted.status()).toBe(200);
  return { ownerEmail, ownerName, memberName };
}

/** An Authorization header for a member, to set up records through the API as a script would. */
async function bearerFor(request: APIRequestContext, email: string) {
  const login = await request.post('/api/v1/auth/login', { data: { email, password: PASSWORD } });
  expect(login.status()).toBe(200);
  return { authorization: `Bearer ${(await login.json()).data.accessToken}` };
}

async function signIn(page: Page, email: string) {
  await page.goto('/login');
  await input(page, 'Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('workspace-name')).toBeVisible();
}

/** An input by its label; required fields' labels end with an asterisk. */
const input = (page: Page, label: string) =>
  page.getByRole('textbox', { name: new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}( \\*)?$`) });

const labelled = (label: string) => new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}( \\*)?$`);
/** A Mantine select, multi-select or record picker in the open drawer, by its label. */
const combobox = (page: Page, label: string) =>
  page.getByRole('dialog').getByRole('combobox', { name: labelled(label) });

/** Picks an option of a Mantine select or multi-select by its label. */
async function choose(page: Page, label: string, option: string) {
  await combobox(page, label).click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

test('create an organization, a contact in it, and find it from the command palette', async ({
  page,
  request,
}, testInfo) => {
  const team = await workspaceWithTwoMembers(request);
  await signIn(page, team.ownerEmail);

  await page.goto('/organizations');
  await expect(page.getByTestId('empty-state')).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('01-organizations-empty.png'), fullPage: true });
  await page.getByRole('button', { name: 'New organization' }).first().click();
  // Required fields are checked before anything is sent.
  await page.getByRole('button', { name: 'Create organization' }).click();
  await expect(page.getByText('Name is required')).toBeVisible();
  await input(page, 'Name').fill('Northwind Traders');
  await input(page, 'Website').fill('https://www.northwind.example');
  await input(page, 'Industry').fill('Retail');
  await page.getByRole('button', { name: 'Create organization' }).click();
  await expect(page.getByTestId('record-title')).toHaveText('Northwind Traders');
  await expect(page.getByText('northwind.example').first()).toBeVisible();

  await page.goto('/contacts');
  await page.getByRole('button', { name: 'New contact' }).first().click();
  await input(page, 'First name').fill('Mia');
  await input(page, 'Last name').fill('Wong');
  await input(page, 'Email').fill('not-an-email');
  await combobox(page, 'Organization').fill('North');
  await page.getByRole('option', { name: 'Northwind Traders' }).click();
  await page.getByRole('button', { name: 'Create contact' }).click();
  // The server's field error lands on the field, and nothing is created.
  await expect(page.getByText('must be an email address')).toBeVisible();
  await input(page, 'Email').fill('mia.wong@northwind.example');
  await page.getByRole('button', { name: 'Create contact' }).click();
  await expect(page.getByTestId('record-title')).toHaveText('Mia Wong');
  await expect(page.getByRole('link', { name: 'Northwind Traders' })).toBeVisible();
  await input(page, 'Note').fill('Met at the spring fair; wants a demo.');
  await page.getByRole('button', { name: 'Add to timeline' }).click();
  await expect(page.getByTestId('timeline')).toContainText('wants a demo');
  // Notes are Markdown, rendered safely: formatting yes, HTML and script links no.
  let dialogs = 0;
  page.on('dialog', (d) => {
    dialogs++;
    void d.dismiss();
  });
  await input(page, 'Note').fill('**Budget approved** <img src=x onerror="alert(1)"> [pricing](javascript:alert(2))');
  await page.getByRole('button', { name: 'Add to timeline' }).click();
  await expect(page.getByTestId('timeline').locator('strong')).toHaveText('Budget approved');
  await expect(page.getByTestId('timeline').locator('img')).toHaveCount(0);
  await expect(page.getByTestId('timeline').locator('a[href^="javascript"]')).toHaveCount(0);
  expect(dialogs).toBe(0);
  await page.screenshot({ path: testInfo.outputPath('02-contact.png'), fullPage: true });

  await page.getByRole('link', { name: 'Northwind Traders' }).click();
  await expect(page.getByTestId('record-title')).toHaveText('Northwind Traders');
  await expect(page.getByText('Contacts (1)')).toBeVisible();

  await page.goto('/contacts');
  await expect(page.getByTestId('contacts-table')).toContainText('Northwind Traders');
  await page.keyboard.press('Control+K');
  await page.getByRole('textbox', { name: 'Search everything' }).fill('mia wong');
  await page.getByRole('button', { name: /Mia Wong/ }).click();
  await expect(page.getByTestId('record-title')).toHaveText('Mia Wong');
  await page.screenshot({ path: testInfo.outputPath('03-palette-result.png'), fullPage: true });
});

test('a project with two assignees and a task', async ({ page, request }, testInfo) => {
  const team = await workspaceWithTwoMembers(request);
  await signIn(page, team.ownerEmail);
  await page.goto('/projects');
  await page.getByRole('button', { name: 'New project' }).first().click();
  await input(page, 'Name').fill('Warehouse rollout');
  await choose(page, 'Status', 'In progress');
  await choose(page, 'Assignees', team.ownerName);
  await choose(page, 'Assignees', team.memberName);
  await page.keyboard.press('Escape');
  await page.getByLabel('Due date').fill('2027-03-31');
  await page.getByRole('button', { name: 'Create project' }).click();
  await expect(page.getByTestId('record-title')).toHaveText('Warehouse rollout');
  await expect(page.getByTestId('record-dates')).toContainText('Created');
  await expect(page.getByTestId('record-dates')).toContainText('Last updated');

  await page.getByRole('button', { name: 'Add task' }).click();
  await input(page, 'Title').fill('Count the pallets');
  await choose(page, 'Priority', 'High');
  await page.getByRole('button', { name: 'Create task' }).click();
  await expect(page.getByTestId('project-tasks')).toContainText('Count the pallets');
  await expect(page.getByTestId('project-tasks')).toContainText('High');
  await page.screenshot({ path: testInfo.outputPath('01-project.png'), fullPage: true });

  await page.goto('/projects');
  const row = page.getByTestId('projects-table').getByRole('row', { name: /Warehouse rollout/ });
  await expect(row).toContainText(team.ownerName);
  await expect(row).toContainText(team.memberName);
  await page.goto('/tasks');
  await expect(page.getByTestId('tasks-table')).toContainText('Count the pallets');
  // Ticking it done shows at once and is saved.
  await page.getByRole('checkbox', { name: 'Mark Count the pallets as done' }).click();
  await expect(page.getByRole('checkbox', { name: 'Mark Count the pallets as not done' })).toBeChecked();
  await page.reload();
  await expect(page.getByRole('checkbox', { name: 'Mark Count the pallets as not done' })).toBeChecked();
  await expect(page.getByTestId('tasks-table')).toContainText('Done');
});

test('move a deal across stages on the board', async ({ page, request }, testInfo) => {
  const team = await workspaceWithTwoMembers(request);
  await signIn(page, team.ownerEmail);
  await page.goto('/deals');
  await page.getByRole('button', { name: 'New deal' }).click();
  await input(page, 'Name').fill('Globex renewal');
  await input(page, 'Amount').fill('12000');
  await page.getByRole('button', { name: 'Create deal' }).click();
  await expect(page.getByTestId('stage-Lead in').getByTestId('deal-card')).toContainText('Globex renewal');
  const card = page.getByTestId('stage-Lead in').getByTestId('deal-card');
  if (testInfo.project.name === 'mobile') {
    // Touch screens have no drag and drop: the card's menu moves it.
    await page.getByRole('button', { name: 'Move Globex renewal' }).click();
    await page.getByRole('menuitem', { name: 'Qualified' }).click();
  } else {
    await card.dragTo(page.getByTestId('stage-Qualified'));
  }
  await expect(page.getByTestId('stage-Qualified').getByTestId('deal-card')).toContainText('Globex renewal');
  await page.reload();
  await expect(page.getByTestId('stage-Qualified').getByTestId('deal-card')).toContainText('Globex renewal');
  await page.screenshot({ path: testInfo.outputPath('01-board.png'), fullPage: true });
  await page.getByRole('link', { name: 'Globex renewal' }).click();
  await expect(page.getByText('25%')).toBeVisible();
});

test('import a CSV with one bad row: the row error is shown, the rest imported', async ({
  page,
  request,
}, testInfo) => {
  const team = await workspaceWithTwoMembers(request);
  await signIn(page, team.ownerEmail);
  await page.goto('/import?object=contacts');
  await page
    .locator('input[type=file]')
    .setInputFiles(path.join(process.cwd(), 'test/fixtures/contacts-with-bad-row.csv'));
  await page.getByRole('button', { name: 'Next' }).click();
  await expect(page.getByTestId('mapping')).toBeVisible();
  await expect(page.getByRole('combobox', { name: 'Field for E-mail Address' })).toHaveValue('Email');
  await page.screenshot({ path: testInfo.outputPath('01-mapping.png'), fullPage: true });
  await page.getByRole('button', { name: 'Import 3 rows' }).click();
  await expect(page.getByTestId('import-status')).toHaveText('Import finished', { timeout: 30_000 });
  await expect(page.getByTestId('import-counts')).toContainText('2 created');
  await expect(page.getByLabel('Finished')).toBeVisible();
  await expect(page.getByTestId('import-errors')).toContainText('must be an email address');
  await expect(page.getByTestId('import-errors').getByRole('cell', { name: '3', exact: true })).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('02-import-result.png'), fullPage: true });
  await page.getByRole('link', { name: 'View contacts' }).click();
  await expect(page.getByTestId('list-count')).toHaveText('2 contacts');
  await expect(page.getByTestId('contacts-table')).toContainText('Zoe Adams');
  await expect(page.getByTestId('contacts-table')).not.toContainText('Leo');
});

test('every CRM page loads without console errors', async ({ page, request }, testInfo) => {
  const team = await workspaceWithTwoMembers(request);
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`${page.url()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`${page.url()}: ${e.message}`));
  await signIn(page, team.ownerEmail);
  const pages: Array<[string, string]> = [
    ['/contacts', 'Contacts'],
    ['/organizations', 'Organizations'],
    ['/leads', 'Leads'],
    ['/deals', 'Deals'],
    ['/projects', 'Projects'],
    ['/tasks', 'My tasks'],
    ['/trash', 'Trash'],
    ['/feedback', 'Feedback'],
    ['/import', 'Import'],
    ['/settings/custom-fields', 'Custom fields'],
    ['/settings/pipelines', 'Pipelines'],
  ];
  for (const [url, heading] of pages) {
    await page.goto(url);
    await expect(page.getByRole('heading', { name: heading, exact: true })).toBeVisible();
  }
  await page.goto('/settings/pipelines');
  await expect(page.getByRole('textbox', { name: 'Stage name' }).first()).toHaveValue('Lead in');
  await page.screenshot({ path: testInfo.outputPath('pipelines.png'), fullPage: true });
  await page.goto('/feedback');
  await page.getByRole('textbox', { name: 'Your message' }).fill('The board is great.');
  await page.getByRole('button', { name: 'Send feedback' }).click();
  await expect(page.getByRole('cell', { name: /The board is great/ })).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('feedback.png'), fullPage: true });
  expect(problems).toEqual([]);
});

test('merge a duplicate contact from its page: choose a value, and its note moves over', async ({
  page,
  request,
}, testInfo) => {
  const team = await workspaceWithTwoMembers(request);
  const auth = await bearerFor(request, team.ownerEmail);
  const create = async (url: string, data: object) =>
    (await (await request.post(url, { headers: auth, data })).json()).data;
  const kept = await create('/api/v1/contacts', { firstName: 'Maria', lastName: 'Chen', email: 'maria@kept.example' });
  const dup = await create('/api/v1/contacts', {
    firstName: 'Maria',
    lastName: 'Chen-Li',
    email: 'maria@dup.example',
    jobTitle: 'CTO',
  });
  await create('/api/v1/notes', { entityType: 'contacts', entityId: dup.id, body: 'Met her at the trade fair' });

  await signIn(page, team.ownerEmail);
  await page.goto(`/contacts/${kept.id}`);
  await page.getByRole('button', { name: 'Merge…' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('combobox', { name: 'The duplicate contact' }).fill('Chen-Li');
  await page.getByRole('option', { name: 'Maria Chen-Li' }).click();
  await expect(dialog.getByTestId('merge-choices')).toBeVisible();
  await dialog.getByRole('radio', { name: 'Last name: the duplicate' }).check();
  await page.screenshot({ path: testInfo.outputPath('merge-dialog.png') });
  await dialog.getByRole('button', { name: 'Merge' }).click();
  await expect(page.getByText('Merged into Maria Chen-Li')).toBeVisible();
  await expect(page.getByTestId('record-title')).toHaveText('Maria Chen-Li');
  await expect(page.getByText('Met her at the trade fair')).toBeVisible();
  await expect(page.getByText('CTO')).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('merged-contact.png'), fullPage: true });
});

test('lists: names are links, columns can be hidden, bulk actions change many records; the board fits at 1440 px', async ({
  page,
  request,
}, testInfo) => {
  const team = await workspaceWithTwoMembers(request);
  const auth = await bearerFor(request, team.ownerEmail);
  for (const name of ['Bulk One', 'Bulk Two', 'Bulk Three']) {
    await request.post('/api/v1/leads', { headers: auth, data: { contactName: name, companyName: 'Bulk Co' } });
  }
  await signIn(page, team.ownerEmail);
  await page.goto('/leads');
  const table = page.getByTestId('leads-table');
  // A real link: the address is there for middle-click and "open in new tab".
  const link = table.getByRole('link', { name: 'Bulk One' });
  await expect(link).toHaveAttribute('href', /^\/leads\/[0-9a-f-]{36}$/);

  // Hide the Company column; it stays hidden after a reload.
  await page.getByRole('button', { name: 'Columns' }).click();
  await page.getByRole('checkbox', { name: 'Company' }).uncheck();
  await page.keyboard.press('Escape');
  await expect(table.getByRole('columnheader', { name: 'Company' })).toHaveCount(0);
  await page.reload();
  await expect(page.getByTestId('leads-table').getByRole('columnheader', { name: 'Company' })).toHaveCount(0);

  // Select the three leads and set their status, then tag them.
  for (const name of ['Bulk One', 'Bulk Two', 'Bulk Three']) {
    await page
      .getByRole('row', { name: new RegExp(name) })
      .getByRole('checkbox')
      .check();
  }
  await page.getByRole('button', { name: '3 selected: actions' }).click();
  await page.getByRole('menuitem', { name: 'Set status…' }).click();
  await page.getByRole('dialog').getByRole('combobox', { name: 'Status' }).click();
  await page.getByRole('option', { name: 'Qualified' }).click();
  await page.getByRole('button', { name: 'Apply to 3' }).click();
  await expect(page.getByText('3 updated.')).toBeVisible();
  await expect(page.getByRole('row', { name: /Bulk Two/ })).toContainText('Qualified');
  for (const name of ['Bulk One', 'Bulk Two']) {
    await page
      .getByRole('row', { name: new RegExp(name) })
      .getByRole('checkbox')
      .check();
  }
  await page.getByRole('button', { name: '2 selected: actions' }).click();
  await page.getByRole('menuitem', { name: 'Add a tag…' }).click();
  await page.getByRole('dialog').getByRole('textbox', { name: 'Tag' }).fill('hot');
  await page.getByRole('button', { name: 'Apply to 2' }).click();
  await expect(page.getByText('2 tagged.')).toBeVisible();
  const tagged = await (await request.get('/api/v1/leads?filter[tag]=hot&count=true', { headers: auth })).json();
  expect(tagged.page.total).toBe(2);
  await page.screenshot({ path: testInfo.outputPath('leads-bulk.png'), fullPage: true });

  if (testInfo.project.name === 'desktop') {
    await page.setViewportSize({ width: 1440, height: 900 });
    await request.post('/api/v1/deals', { headers: auth, data: { name: 'Board fit', amount: '1000' } });
    await page.goto('/deals');
    const lost = page.getByTestId('stage-Lost');
    await expect(lost).toBeVisible();
    const box = await lost.boundingBox();
    expect((box?.x ?? 0) + (box?.width ?? 0)).toBeLessThanOrEqual(1440);
    // Won and Lost are folded to a summary; a click unfolds one.
    await page.getByRole('button', { name: 'Show Won' }).click();
    await expect(page.getByRole('button', { name: 'Fold Won' })).toBeVisible();
    await page.screenshot({ path: testInfo.outputPath('board-1440.png') });
  }
});

test('saved views and editing a value in the list, with the same validation and 409 as the form', async ({
  page,
  request,
}, testInfo) => {
  const team = await workspaceWithTwoMembers(request);
  const auth = await bearerFor(request, team.ownerEmail);
  const make = async (data: object) =>
    (await (await request.post('/api/v1/leads', { headers: auth, data })).json()).data;
  const lead = await make({ contactName: 'Inline Ida', companyName: 'Cell Co', email: 'ida@cell.example' });
  await make({ contactName: 'Other Otto', companyName: 'Else Inc', status: 'qualified' });
  await signIn(page, team.ownerEmail);
  await page.goto('/leads');

  // Edit the status in place.
  const row = page.getByRole('row', { name: /Inline Ida/ });
  await row.hover();
  await row.getByRole('button', { name: 'Edit Status' }).click();
  await page.getByRole('option', { name: 'Contacted' }).click();
  await expect(page.getByRole('row', { name: /Inline Ida/ })).toContainText('Contacted');
  expect((await (await request.get(`/api/v1/leads/${lead.id}`, { headers: auth })).json()).data.status).toBe(
    'contacted',
  );

  // A bad email gets the field's message and changes nothing.
  await page.getByRole('row', { name: /Inline Ida/ }).hover();
  await page
    .getByRole('row', { name: /Inline Ida/ })
    .getByRole('button', { name: 'Edit Email' })
    .click();
  await page.getByRole('textbox', { name: 'Email' }).fill('not-an-email');
  await page.keyboard.press('Enter');
  await expect(page.getByText('must be an email address')).toBeVisible();
  await page.keyboard.press('Escape');
  expect((await (await request.get(`/api/v1/leads/${lead.id}`, { headers: auth })).json()).data.email).toBe(
    'ida@cell.example',
  );

  // Someone else changes the lead; the stale edit is refused with 409 and the list shows theirs.
  await request.patch(`/api/v1/leads/${lead.id}`, { headers: auth, data: { companyName: 'Changed Elsewhere' } });
  await page.getByRole('row', { name: /Inline Ida/ }).hover();
  await page
    .getByRole('row', { name: /Inline Ida/ })
    .getByRole('button', { name: 'Edit Status' })
    .click();
  await page.getByRole('option', { name: 'Qualified' }).click();
  await expect(page.getByText('Changed meanwhile')).toBeVisible();
  expect((await (await request.get(`/api/v1/leads/${lead.id}`, { headers: auth })).json()).data.status).toBe(
    'contacted',
  );
  await expect(page.getByRole('row', { name: /Inline Ida/ })).toContainText('Changed Elsewhere');

  // Save a filtered view, shared; it comes back after the filter is cleared.
  await page.getByRole('textbox', { name: 'Search leads' }).fill('Otto');
  await expect(page.getByRole('row', { name: /Inline Ida/ })).toHaveCount(0);
  await page.getByRole('button', { name: 'Views' }).click();
  await page.getByRole('menuitem', { name: 'Save this view…' }).click();
  await page.getByRole('dialog').getByRole('textbox', { name: 'Name' }).fill('Otto only');
  await page.getByRole('dialog').getByRole('checkbox', { name: 'Share with everyone in the workspace' }).check();
  await page.getByRole('button', { name: 'Save view' }).click();
  await expect(page.getByText('Saved the view “Otto only”, shared with the workspace.')).toBeVisible();
  await page.getByRole('textbox', { name: 'Search leads' }).fill('');
  await expect(page.getByRole('row', { name: /Inline Ida/ })).toBeVisible();
  await page.getByRole('button', { name: 'Views' }).click();
  await page.getByRole('menuitem', { name: /^Otto only/ }).click();
  await expect(page.getByRole('textbox', { name: 'Search leads' })).toHaveValue('Otto');
  await expect(page.getByRole('row', { name: /Inline Ida/ })).toHaveCount(0);
  await expect(page.getByRole('row', { name: /Other Otto/ })).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('saved-view.png'), fullPage: true });
});
