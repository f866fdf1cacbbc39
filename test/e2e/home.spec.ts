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
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  // A first visit asks for no session it does not have: no 401 from the refresh probe.
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`);
  });
  await page.goto('/status');
  await expect(page.getByTestId('readiness')).toHaveText('Ready');
  await page.goto('/login');
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  expect(problems).toEqual([]);
});

test('the first page needs under 300 KB of compressed JavaScript, sent precompressed', async ({ page }) => {
  const scripts: Array<{ url: string; encoding: string | undefined; bytes: Promise<number> }> = [];
  page.on('response', (r) => {
    if (!r.url().endsWith('.js')) return;
    scripts.push({
      url: r.url(),
      encoding: r.headers()['content-encoding'],
      bytes: r
        .request()
        .sizes()
        .then((s) => s.responseBodySize),
    });
  });
  await page.goto('/login');
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await page.waitForLoadState('networkidle');
  const sizes = await Promise.all(scripts.map((s) => s.bytes));
  const total = sizes.reduce((a, b) => a + b, 0);
  console.log(`first page: ${scripts.length} scripts, ${Math.round(total / 1024)} KB compressed`);
  expect(scripts.length).toBeGreaterThan(1);
  // Every script but the smallest (under 1 KB, not worth compressing) arrives compressed.
  scripts.forEach((s, i) => {
    if ((sizes[i] as number) >= 1024) expect(s.encoding, s.url).toMatch(/^(br|gzip)$/);
  });
  expect(total).toBeLessThan(300 * 1024);
  // The calendar and the assistant are not in it: they load when opened.
  expect(scripts.some((s) => /calendar-page|assistant-page/.test(s.url))).toBe(false);
});
