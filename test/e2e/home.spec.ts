import { expect, test } from '@playwright/test';

test('the status page shows live server readiness from the API', async ({ page }, testInfo) => {
  await page.goto('/status');
  await expect(page.getByRole('heading', { name: 'Albedo', level: 1 })).toBeVisible();
  await expect(page.getByTestId('readiness')).toHaveText('Ready');
  for (const check of ['Database', 'Migrations', 'Job queue']) {
    await expect(page.getByRole('row', { name: new RegExp(check) })).toContainText('OK');
  }
  await page.screenshot({ path: testInfo.outputPath('status.png'), fullPage: true });
});

test('a signed-out visitor is sent to sign in, and comes back afterwards', async ({ page }) => {
  const response = await page.goto('/settings/security?tab=1');
  expect(response?.status()).toBe(200);
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await expect(page).toHaveURL(/\/login\?next=%2Fsettings%2Fsecurity/);
});

test('the API docs render in the browser', async ({ page }, testInfo) => {
  await page.goto('/docs');
  await expect(page.locator('section.swagger-ui')).toBeVisible();
  await expect(page.getByText('Albedo API')).toBeVisible();
  await expect(page.getByText('/health/ready').first()).toBeVisible();
  // Once the spec has loaded, so the screenshot shows the operations rather than the spinner.
  await page.screenshot({ path: testInfo.outputPath('docs.png') });
});

test('pages load without console errors or CSP violations', async ({ page }) => {
  const problems: string[] = [];
  page.on('console', (m) => {
    // The app probes for a session on load; a 401 there is the expected "not signed in".
    if (m.type() === 'error' && !/401/.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto('/status');
  await expect(page.getByTestId('readiness')).toHaveText('Ready');
  await page.goto('/login');
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  expect(problems).toEqual([]);
});
