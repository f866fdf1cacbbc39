import { expect, test } from '@playwright/test';

test('the home page shows live server readiness from the API', async ({ page }, testInfo) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Albedo', level: 1 })).toBeVisible();
  await expect(page.getByTestId('readiness')).toHaveText('Ready');
  for (const check of ['Database', 'Migrations', 'Job queue']) {
    await expect(page.getByRole('row', { name: new RegExp(check) })).toContainText('OK');
  }
  await page.screenshot({ path: testInfo.outputPath('home.png'), fullPage: true });
});

test('a client route deep link loads the app, which shows its not-found page', async ({ page }, testInfo) => {
  const response = await page.goto('/no/such/page?x=1');
  expect(response?.status()).toBe(200);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  await expect(page.getByText('/no/such/page')).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('not-found.png') });
  await page.getByRole('link', { name: 'Go to the home page' }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByTestId('readiness')).toHaveText('Ready');
});

test('the API docs render in the browser', async ({ page }, testInfo) => {
  await page.goto('/docs');
  await expect(page.locator('section.swagger-ui')).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('docs.png') });
  await expect(page.getByText('Albedo API')).toBeVisible();
  await expect(page.getByText('/health/ready').first()).toBeVisible();
});

test('the page loads without console errors or CSP violations', async ({ page }) => {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto('/');
  await expect(page.getByTestId('readiness')).toHaveText('Ready');
  expect(problems).toEqual([]);
});
