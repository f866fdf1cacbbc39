import { expect, type Page, test } from '@playwright/test';

// The calendar in the browser: create a weekly event in week view, see it in the following weeks,
// move one occurrence by drag ("This event"), and get a reminder in the bell.
const PASSWORD = 'maple-horizon-ledger-2026';
const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

async function signUpAndSignIn(page: Page): Promise<{ id: string; token: string }> {
  const id = unique();
  const signup = await page.request.post('/api/v1/auth/signup', {
    data: { email: `cal-${id}@example.com`, password: PASSWORD, name: `Cal ${id}`, workspaceName: `Cal ${id}` },
  });
  expect(signup.status()).toBe(201);
  await page.goto('/');
  await expect(page.getByTestId('workspace-name')).toBeVisible();
  return { id, token: (await signup.json()).data.accessToken };
}

/** Next Monday 10:00 local, as the value of a datetime-local input. */
function nextMondayAt10(): { input: string; date: Date } {
  const d = new Date();
  d.setDate(d.getDate() + ((8 - d.getDay()) % 7 || 7));
  d.setHours(10, 0, 0, 0);
  const input = new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
  return { input, date: d };
}

test('create a weekly event in week view, see it the following weeks, move one occurrence', async ({ page }, info) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const { id } = await signUpAndSignIn(page);
  await page.goto('/calendar');
  await page.getByRole('button', { name: 'New event' }).click();
  const dialog = page.getByRole('dialog', { name: 'New event' });
  const monday = nextMondayAt10();
  await dialog.getByRole('textbox', { name: /^Title/ }).fill(`Team sync ${id}`);
  await dialog.getByLabel('Starts').fill(monday.input);
  const end = new Date(monday.date.getTime() + 3600_000);
  await dialog
    .getByLabel('Ends')
    .fill(new Date(end.getTime() - end.getTimezoneOffset() * 60_000).toISOString().slice(0, 16));
  await dialog.getByRole('combobox', { name: 'Repeats' }).click();
  await page.getByRole('option', { name: 'Every week', exact: true }).click();
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toBeHidden();

  const events = () => page.getByTestId('calendar').locator('.fc-event', { hasText: `Team sync ${id}` });
  // The series starts next Monday (weeks start on Monday), then shows every week after.
  await expect(events()).toHaveCount(0);
  await page.getByRole('button', { name: 'next' }).click();
  await expect(events()).toHaveCount(1);
  await page.screenshot({ path: info.outputPath('calendar-week.png'), fullPage: true });
  await page.getByRole('button', { name: 'next' }).click();
  await expect(events()).toHaveCount(1);
  await page.getByRole('button', { name: 'next' }).click();
  await expect(events()).toHaveCount(1);

  // Drag this week's occurrence one hour down: only this one moves.
  // In the middle of the screen, so the drag has room below it on a phone too.
  await events()
    .first()
    .evaluate((el) => el.scrollIntoView({ block: 'center' }));
  const box = await events().first().boundingBox();
  if (!box) throw new Error('no event box');
  const slot = await page.locator('.fc-timegrid-slot').nth(1).boundingBox();
  const hour = (slot?.height ?? 20) * 2;
  await page.mouse.move(box.x + box.width / 2, box.y + 5);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2, box.y + 5 + hour / 2, { steps: 5 });
  await page.mouse.move(box.x + box.width / 2, box.y + 5 + hour, { steps: 5 });
  await page.mouse.up();
  await page.getByRole('button', { name: 'This event' }).click();
  await expect(events().first()).toContainText('11:00');
  await page.getByRole('button', { name: 'next' }).click();
  await expect(events().first()).toContainText('10:00');
  await page.screenshot({ path: info.outputPath('calendar-moved.png'), fullPage: true });
  expect(errors).toEqual([]);
});

test('a reminder arrives in the bell', async ({ page }, info) => {
  test.setTimeout(120_000);
  const { id, token } = await signUpAndSignIn(page);
  // The page listens before the reminder can fire: a notification pushed while nobody listens
  // shows in the bell's count on the next load, but no toast announces it.
  const listening = page
    .waitForEvent('websocket')
    .then((ws) => ws.waitForEvent('framereceived', { predicate: (f) => String(f.payload).includes('"ready"') }));
  await page.goto('/calendar');
  await listening;
  // Starts in 30 minutes with a reminder an hour before: it is due now, and fires at the next scan
  // (every 5 seconds in the browser tests' server, playwright.config.ts).
  const start = new Date(Date.now() + 30 * 60_000);
  const created = await page.request.post('/api/v1/events', {
    headers: { authorization: `Bearer ${token}` },
    data: {
      title: `Board call ${id}`,
      startAt: start.toISOString(),
      endAt: new Date(start.getTime() + 1800_000).toISOString(),
      reminders: [60],
    },
  });
  expect(created.status()).toBe(201);
  await expect(page.getByTestId('bell-count')).toContainText('1', { timeout: 90_000 });
  // The toast announcing it sits below the header: it does not cover the bell.
  const toast = page.getByRole('alert').filter({ hasText: `Board call ${id}` });
  await expect(toast).toBeVisible();
  const bell = page.getByRole('button', { name: /Notifications, 1 unread/ });
  const [toastBox, bellBox] = [await toast.boundingBox(), await bell.boundingBox()];
  expect(toastBox?.y).toBeGreaterThanOrEqual((bellBox?.y ?? 0) + (bellBox?.height ?? 0));
  await page.screenshot({ path: info.outputPath('toast.png') });
  await bell.click();
  await expect(page.getByTestId('bell-list').getByText(`Board call ${id}`)).toBeVisible();
  // Opening the bell closes the toast, which would otherwise lie over its list.
  await expect(toast).toBeHidden();
  await page.screenshot({ path: info.outputPath('bell.png'), fullPage: true });
});
