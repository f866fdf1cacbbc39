import { expect, type Page, test } from '@playwright/test';
import { generate } from 'otplib';

const PASSWORD = 'maple-horizon-ledger-2026';
const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

async function signUp(page: Page, email: string, name: string, workspace: string) {
  await page.goto('/signup');
  await page.getByLabel('Your name').fill(name);
  await page.getByLabel('Work email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByLabel('Workspace name').fill(workspace);
  await page.getByRole('button', { name: 'Create workspace' }).click();
  await expect(page.getByRole('heading', { name: `Welcome, ${name.split(' ')[0]}` })).toBeVisible();
}

async function signOut(page: Page) {
  await page.getByRole('button', { name: 'Account menu' }).click();
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
}

/** A code for the next 30-second step once the current one is spent (codes are accepted once). */
async function freshCode(secret: string, after: number): Promise<string> {
  for (;;) {
    const now = Math.floor(Date.now() / 1000);
    if (Math.floor(now / 30) > after) return generate({ secret, epoch: now });
    await new Promise((r) => setTimeout(r, 1000));
  }
}

test('sign up, turn on two-factor authentication, sign out, sign in with a TOTP code', async ({ page }, testInfo) => {
  test.setTimeout(120_000);
  const email = `ada-${unique()}@example.com`;
  await signUp(page, email, 'Ada Lovelace', 'Analytical Engines');
  await expect(page.getByTestId('workspace-name')).toHaveText('Analytical Engines');
  await page.screenshot({ path: testInfo.outputPath('01-home.png'), fullPage: true });

  await page.getByRole('link', { name: 'Turn on two-factor authentication' }).click();
  await expect(page.getByRole('heading', { name: 'Security', level: 1 })).toBeVisible();
  await page.getByRole('button', { name: 'Set up two-factor authentication' }).click();
  await expect(page.getByAltText('QR code for your authenticator app')).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('02-mfa-setup.png'), fullPage: true });
  const secret = (await page.getByTestId('mfa-secret').textContent())?.trim() as string;
  const enrolStep = Math.floor(Date.now() / 1000 / 30);
  await page.getByLabel('Code from the app').fill(await generate({ secret }));
  await page.getByRole('button', { name: 'Turn on' }).click();
  await expect(page.getByTestId('backup-codes').locator('code')).toHaveCount(10);
  await page.screenshot({ path: testInfo.outputPath('03-backup-codes.png'), fullPage: true });
  await page.getByRole('button', { name: 'I have saved them' }).click();
  await expect(page.getByTestId('mfa-status')).toHaveText('On');

  await signOut(page);
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Two-factor authentication' })).toBeVisible();
  await page.getByLabel('Authentication code').fill('000000');
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByRole('alert')).toContainText('not right');
  await page.getByLabel('Authentication code').fill(await freshCode(secret, enrolStep));
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByRole('heading', { name: 'Welcome, Ada' })).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('04-signed-in-with-totp.png'), fullPage: true });
});

test('an owner invites a member, who accepts and joins with the invited role', async ({ page, browser }, testInfo) => {
  const ownerEmail = `grace-${unique()}@example.com`;
  const inviteeEmail = `alan-${unique()}@example.com`;
  await signUp(page, ownerEmail, 'Grace Hopper', 'Compilers Inc');
  await page.goto('/settings/members');
  await page.getByLabel('Email', { exact: true }).fill(inviteeEmail);
  await page.getByRole('combobox', { name: 'Role' }).click();
  await page.getByRole('option', { name: 'Sales rep' }).click();
  await page.getByRole('combobox', { name: 'Department' }).click();
  await page.getByRole('option', { name: 'sales' }).click();
  await page.getByRole('button', { name: 'Send invitation' }).click();
  await expect(page.getByTestId(`invite-${inviteeEmail}`)).toContainText('Sales rep');
  await page.screenshot({ path: testInfo.outputPath('01-members-invited.png'), fullPage: true });

  // Without SMTP the invitation waits in the outbox, where an admin can read the link.
  await page.goto('/settings/outbox');
  await page.getByText(`to ${inviteeEmail}`).click();
  const body = (await page.getByTestId('mail-body').first().textContent()) as string;
  const link = /https?:\/\/\S+\/accept-invite\?token=\S+/.exec(body)?.[0] as string;
  expect(link).toBeTruthy();

  const invitee = await browser.newContext();
  const p2 = await invitee.newPage();
  await p2.goto(new URL(link).pathname + new URL(link).search);
  await p2.getByLabel('Your name').fill('Alan Turing');
  await p2.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await p2.getByRole('button', { name: 'Accept invitation' }).click();
  await expect(p2.getByRole('heading', { name: 'Welcome, Alan' })).toBeVisible();
  await expect(p2.getByText('Compilers Inc ·')).toBeVisible();
  await expect(p2.getByText('sales_rep')).toBeVisible();
  await p2.screenshot({ path: testInfo.outputPath('02-invitee-home.png'), fullPage: true });
  await invitee.close();

  await page.goto('/settings/members');
  await expect(page.getByTestId(`member-${inviteeEmail}`)).toContainText('active');
  await page.screenshot({ path: testInfo.outputPath('03-members.png'), fullPage: true });
});

test('an owner builds a team, a custom role and an access token', async ({ page }, testInfo) => {
  await signUp(page, `linus-${unique()}@example.com`, 'Linus Owner', 'Kernel Co');
  await page.goto('/settings/roles');
  await page.getByLabel('Team name').fill('Sales');
  await page.getByRole('button', { name: 'Create team' }).click();
  await expect(page.getByTestId('team-Sales')).toBeVisible();
  await page.getByLabel('Team name').fill('EMEA');
  await page.getByRole('combobox', { name: 'Part of' }).click();
  await page.getByRole('option', { name: 'Sales' }).click();
  await page.getByRole('button', { name: 'Create team' }).click();
  await expect(page.getByTestId('team-EMEA')).toBeVisible();
  await page.getByTestId('team-EMEA').getByRole('button', { name: 'Members' }).click();
  await page.getByRole('combobox', { name: 'Members' }).click();
  await page.getByRole('option', { name: 'Linus Owner' }).click();
  // Close the dropdown by clicking elsewhere in the dialog (Escape would close the dialog).
  await page.getByRole('heading', { name: 'Members of EMEA' }).click();
  // An empty MultiSelect's input has no size of its own: click it regardless.
  await page.getByRole('combobox', { name: 'Leaders' }).click({ force: true });
  await page.getByRole('option', { name: 'Linus Owner' }).click();
  await page.getByRole('heading', { name: 'Members of EMEA' }).click();
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('team-EMEA')).toContainText('Linus Owner (leader)');

  await page.getByLabel('Name', { exact: true }).fill('Field agent');
  await page.getByRole('combobox', { name: 'Permissions', exact: true }).fill('crm:contacts:read');
  await page.keyboard.press('Enter');
  await page.getByRole('button', { name: 'Create role' }).click();
  await expect(page.getByText('Field agent')).toBeVisible();

  await page.getByLabel('Set name').fill('Quarter-end export');
  await page.getByRole('combobox', { name: 'Set permissions' }).fill('crm:*:export');
  await page.keyboard.press('Enter');
  await page.getByRole('button', { name: 'Create set' }).click();
  await expect(page.getByText('Quarter-end export', { exact: true }).first()).toBeVisible();
  await page.getByRole('combobox', { name: 'Member' }).click();
  await page.getByRole('option', { name: 'Linus Owner' }).click();
  await page.getByRole('combobox', { name: 'Set', exact: true }).click();
  await page.getByRole('option', { name: 'Quarter-end export' }).click();
  await page.getByRole('button', { name: 'Grant' }).click();
  await expect(page.getByText('Permission set granted')).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('01-roles-teams.png'), fullPage: true });

  await page.goto('/settings/security');
  await page.getByLabel('Name', { exact: true }).fill('Nightly export');
  await page.getByRole('combobox', { name: 'Scopes' }).fill('admin:users:read');
  await page.keyboard.press('Enter');
  await page.getByRole('button', { name: 'Create token' }).click();
  const token = (await page.getByTestId('new-token').textContent()) as string;
  expect(token).toMatch(/^pat_/);
  const members = await page.request.get('/api/v1/members', { headers: { authorization: `Bearer ${token}` } });
  expect(members.status()).toBe(200);
  await page.screenshot({ path: testInfo.outputPath('02-token.png'), fullPage: true });
  await page.getByRole('button', { name: 'Revoke' }).click();
  await expect(page.getByRole('button', { name: 'Revoke' })).toHaveCount(0);
  const after = await page.request.get('/api/v1/members', { headers: { authorization: `Bearer ${token}` } });
  expect(after.status()).toBe(401);
});

test('an admin reads the audit log and exports it as CSV', async ({ page }, testInfo) => {
  await signUp(page, `audrey-${unique()}@example.com`, 'Audrey Admin', 'Ledger Ltd');
  await page.goto('/settings/audit');
  await expect(page.getByRole('cell', { name: 'workspace.created' })).toBeVisible();
  await expect(page.getByRole('cell', { name: 'auth.signup' })).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('audit.png'), fullPage: true });
  const downloading = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export CSV' }).click();
  const file = await downloading;
  expect(file.suggestedFilename()).toMatch(/^audit-\d{4}-\d{2}-\d{2}\.csv$/);
  const text = await (await file.createReadStream()).toArray();
  expect(Buffer.concat(text).toString('utf8')).toContain('auth.signup');
});

test('the sign-up form shows the server’s verdict on a weak password beside the field', async ({ page }) => {
  await page.goto('/signup');
  await page.getByLabel('Your name').fill('Weak Walter');
  await page.getByLabel('Work email').fill(`walter-${unique()}@example.com`);
  await page.getByLabel('Password', { exact: true }).fill('password123456');
  await page.getByLabel('Workspace name').fill('Weak Co');
  await page.getByRole('button', { name: 'Create workspace' }).click();
  await expect(page.getByText('Password is too common; choose a less guessable one')).toBeVisible();
  await expect(page).toHaveURL(/\/signup$/);
});

test('an owner sets the workspace time zone and currency', async ({ page }, testInfo) => {
  await signUp(page, `wanda-${unique()}@example.com`, 'Wanda Owner', 'Zones Ltd');
  await page.goto('/settings/workspace');
  await page.getByRole('textbox', { name: 'Name' }).fill('Zones Limited');
  await page.getByRole('combobox', { name: 'Time zone' }).fill('Europe/Ber');
  await page.getByRole('option', { name: 'Europe/Berlin' }).click();
  await page.getByRole('combobox', { name: 'Currency' }).fill('EUR');
  await page.getByRole('option', { name: 'EUR', exact: true }).click();
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('Workspace saved')).toBeVisible();
  await expect(page.getByTestId('workspace-name')).toHaveText('Zones Limited');
  await page.screenshot({ path: testInfo.outputPath('workspace.png'), fullPage: true });
  await page.reload();
  await expect(page.getByRole('combobox', { name: 'Time zone' })).toHaveValue('Europe/Berlin');
});

test('Settings → Roles lists the fourteen system roles of a new workspace with their permissions', async ({
  page,
}, testInfo) => {
  await signUp(page, `rolf-${unique()}@example.com`, 'Rolf Owner', 'Roles Co');
  await page.goto('/settings/roles');
  const names = [
    'Owner',
    'Admin',
    'Manager',
    'Member',
    'Viewer',
    'Management',
    'Sales manager',
    'Sales rep',
    'Marketing manager',
    'Marketing rep',
    'Operations manager',
    'Operations rep',
    'Finance manager',
    'Finance rep',
  ];
  for (const name of names) await expect(page.getByRole('button', { name: new RegExp(`^${name}\\b`) })).toBeVisible();
  // A department role's permissions: a finance rep works on deals, not on leads.
  await page.getByRole('button', { name: /^Finance rep\b/ }).click();
  const panel = page.getByRole('region', { name: /^Finance rep\b/ });
  await expect(panel.getByText('crm:deals:update', { exact: true })).toBeVisible();
  await expect(panel.getByText('crm:leads:create', { exact: true })).toHaveCount(0);
  await page.screenshot({ path: testInfo.outputPath('system-roles.png'), fullPage: true });
});
