import { expect, type Page, test } from '@playwright/test';

// The assistant in offline mode (no provider configured on the test server): chat creates a
// contact that then shows on /contacts; a deletion waits for Confirm; Settings → AI and usage load.
const PASSWORD = 'maple-horizon-ledger-2026';
const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

async function signUpAndSignIn(page: Page): Promise<string> {
  const id = unique();
  const email = `ai-${id}@example.com`;
  const signup = await page.request.post('/api/v1/auth/signup', {
    data: { email, password: PASSWORD, name: `Ada ${id}`, workspaceName: `Assist ${id}` },
  });
  expect(signup.status()).toBe(201);
  // Sign-up through the page's own request context leaves the session cookie in the browser.
  await page.goto('/');
  await expect(page.getByTestId('workspace-name')).toBeVisible();
  return id;
}

async function send(page: Page, text: string) {
  const box = page.getByRole('textbox', { name: 'Message' });
  await box.fill(text);
  await box.press('Enter');
}

test('chat in offline mode creates a contact, which then appears on /contacts', async ({ page }, info) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const id = await signUpAndSignIn(page);
  await page.goto('/assistant');
  await expect(page.getByTestId('offline-banner')).toBeVisible();
  await send(page, `add contact Zofia Test${id}, zofia@${id}.example`);
  await expect(page).toHaveURL(/\/assistant\/[0-9a-f-]{36}$/);
  const messages = page.getByTestId('chat-messages');
  await expect(messages.getByText(`Created contact`)).toBeVisible();
  await expect(page.getByTestId('tool-create_record').getByRole('link', { name: `Zofia Test${id}` })).toBeVisible();
  await page.screenshot({ path: info.outputPath('assistant-created.png'), fullPage: true });

  // The follow-up offer: "Shall I add their phone number?"
  await expect(messages.getByText('Shall I add their phone number?')).toBeVisible();
  await send(page, 'yes, +48 600 700 800');
  await expect(page.getByTestId('tool-update_record').getByText(/phones: \+48 600 700 800/)).toBeVisible();

  // A deletion waits for Confirm; Cancel keeps the contact.
  await send(page, 'delete it');
  const confirm = page.getByTestId('tool-delete_record');
  await expect(confirm.getByText('Please confirm')).toBeVisible();
  await expect(confirm.getByText(`Move contact "Zofia Test${id}" to the trash?`)).toBeVisible();
  await page.screenshot({ path: info.outputPath('assistant-confirm.png'), fullPage: true });
  await confirm.getByRole('button', { name: 'Cancel' }).click();
  await expect(messages.getByText('OK, I did not delete it.')).toBeVisible();

  await page.goto('/contacts');
  await expect(page.getByRole('cell', { name: `Zofia Test${id}` })).toBeVisible();

  // The conversation is listed and reopens with its history.
  if (info.project.name === 'desktop') {
    await page.goto('/assistant');
    await page
      .getByRole('link', { name: `add contact Zofia Test${id}`, exact: false })
      .first()
      .click();
    await expect(page.getByTestId('tool-create_record')).toBeVisible();
  }
  expect(errors).toEqual([]);
});

test('Settings → AI and the usage view load for the owner', async ({ page }, info) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await signUpAndSignIn(page);
  await page.goto('/assistant');
  await send(page, 'pipeline summary');
  await expect(page.getByTestId('chat-messages').getByRole('table')).toBeVisible();
  await page.goto('/settings/ai');
  await expect(page.getByRole('heading', { name: 'AI', exact: true })).toBeVisible();
  await expect(page.getByTestId('provider-anthropic')).toBeVisible();
  await page.screenshot({ path: info.outputPath('settings-ai.png'), fullPage: true });
  await page.goto('/settings/ai-usage');
  await expect(page.getByTestId('usage-chart')).toBeVisible();
  await page.screenshot({ path: info.outputPath('ai-usage.png'), fullPage: true });
  expect(errors).toEqual([]);
});
