import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SmtpSink, startSmtpSink } from '#test/fakes/smtp-sink.ts';
import { createTestApp, type TestApp } from '#test/support/app.ts';
import { manualClock } from '#test/support/clock.ts';

const PASSWORD = 'saffron-canyon-bicycle-8';
const NEW_PASSWORD = 'quartz-orchard-lighthouse-3';
const clock = manualClock(new Date());
let t: TestApp;

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function signup(email: string) {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/signup',
    payload: { email, password: PASSWORD, name: 'Noor', workspaceName: `WS ${email}` },
  });
  expect(res.statusCode).toBe(201);
  return res.json().data as { accessToken: string; refreshToken: string; workspace: { id: string } };
}

async function outbox(to: string, template: string) {
  return t.db.query<{ text: string; html: string; subject: string; status: string }>(
    'select text, html, subject, status from outbox_emails where "to" = $1 and template = $2 order by created_at',
    [to, template],
  );
}

const tokenIn = (text: string, path: string) => {
  const m = new RegExp(`${path}\\?token=([^\\s]+)`).exec(text);
  if (!m?.[1]) throw new Error(`no ${path} link in: ${text}`);
  return decodeURIComponent(m[1]);
};

const login = (email: string, password: string) =>
  t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });

beforeAll(async () => {
  t = await createTestApp({ clock });
});
afterAll(() => t.close());

describe('email verification', () => {
  it('mails a link at sign-up (to the outbox without SMTP) that verifies the address once', async () => {
    const s = await signup('verify@example.com');
    const [mail] = await outbox('verify@example.com', 'verify-email');
    expect(mail?.status).toBe('outbox');
    expect(mail?.html).toContain('Confirm email address');
    const token = tokenIn(mail?.text as string, '/verify-email');
    expect(
      (await t.app.inject({ method: 'POST', url: '/api/v1/auth/email/verify', payload: { token } })).statusCode,
    ).toBe(204);
    expect((await t.app.inject({ url: '/api/v1/me', headers: bearer(s.accessToken) })).json().data.emailVerified).toBe(
      true,
    );
    const again = await t.app.inject({ method: 'POST', url: '/api/v1/auth/email/verify', payload: { token } });
    expect(again.statusCode).toBe(400);
    expect(again.json().error.details.fields[0].field).toBe('body.token');
  });
});

describe('forgotten password', () => {
  it('answers the same for unknown emails and mails nothing', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password/forgot',
      payload: { email: 'ghost@example.com' },
    });
    expect(res.statusCode).toBe(202);
    // The request queued the same job it queues for a real account; the job finds nobody.
    expect(
      await t.db.query(
        `select 1 from jobs where name = 'auth.password_reset_mail' and payload->>'email' = 'ghost@example.com'`,
      ),
    ).toHaveLength(1);
    await t.jobs.runDue(true);
    expect(await outbox('ghost@example.com', 'password-reset')).toHaveLength(0);
  });

  it('resets with the mailed link, signs out every session, and works once', async () => {
    const s = await signup('forgetful@example.com');
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password/forgot',
      payload: { email: 'Forgetful@example.com' },
    });
    expect(res.statusCode).toBe(202);
    await t.jobs.runDue(true);
    const [mail] = await outbox('forgetful@example.com', 'password-reset');
    const token = tokenIn(mail?.text as string, '/reset-password');

    const weak = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password/reset',
      payload: { token, password: 'password1234' },
    });
    expect(weak.statusCode).toBe(400);
    expect(weak.json().error.details.fields[0].field).toBe('body.password');

    const ok = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password/reset',
      payload: { token, password: NEW_PASSWORD },
    });
    expect(ok.statusCode).toBe(204);
    expect((await t.app.inject({ url: '/api/v1/me', headers: bearer(s.accessToken) })).statusCode).toBe(401);
    expect((await login('forgetful@example.com', PASSWORD)).statusCode).toBe(401);
    expect((await login('forgetful@example.com', NEW_PASSWORD)).statusCode).toBe(200);
    expect(await outbox('forgetful@example.com', 'password-changed')).toHaveLength(1);
    const reuse = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password/reset',
      payload: { token, password: 'another-fresh-password-9' },
    });
    expect(reuse.statusCode).toBe(400);
  });

  it('refuses a link older than an hour', async () => {
    await signup('late@example.com');
    await t.app.inject({ method: 'POST', url: '/api/v1/auth/password/forgot', payload: { email: 'late@example.com' } });
    await t.jobs.runDue(true);
    const [mail] = await outbox('late@example.com', 'password-reset');
    clock.advance(61 * 60_000);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/password/reset',
      payload: { token: tokenIn(mail?.text as string, '/reset-password'), password: NEW_PASSWORD },
    });
    expect(res.statusCode).toBe(400);
    expect((await login('late@example.com', PASSWORD)).statusCode).toBe(200);
  });
});

describe('changing the password', () => {
  it('needs the current password, and signs out the other sessions only', async () => {
    const s = await signup('changer@example.com');
    const other = (await login('changer@example.com', PASSWORD)).json().data;
    const wrong = await t.app.inject({
      method: 'POST',
      url: '/api/v1/me/password',
      headers: bearer(s.accessToken),
      payload: { currentPassword: 'not-my-password', newPassword: NEW_PASSWORD },
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().error.details.fields[0].field).toBe('body.currentPassword');
    const ok = await t.app.inject({
      method: 'POST',
      url: '/api/v1/me/password',
      headers: bearer(s.accessToken),
      payload: { currentPassword: PASSWORD, newPassword: NEW_PASSWORD },
    });
    expect(ok.statusCode).toBe(204);
    expect((await t.app.inject({ url: '/api/v1/me', headers: bearer(s.accessToken) })).statusCode).toBe(200);
    expect((await t.app.inject({ url: '/api/v1/me', headers: bearer(other.accessToken) })).statusCode).toBe(401);
    const actions = await t.db.query<{ action: string }>('select action from audit_log where workspace_id = $1', [
      s.workspace.id,
    ]);
    expect(actions.map((a) => a.action)).toContain('auth.password_changed');
  });
});

describe('profile', () => {
  it('renames the user, audited, and refuses an empty name', async () => {
    const s = await signup('renamer@example.com');
    const bad = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/me',
      headers: bearer(s.accessToken),
      payload: { name: '  ' },
    });
    expect(bad.statusCode).toBe(400);
    const ok = await t.app.inject({
      method: 'PATCH',
      url: '/api/v1/me',
      headers: bearer(s.accessToken),
      payload: { name: 'Noor Haddad' },
    });
    expect(ok.statusCode).toBe(204);
    expect((await t.app.inject({ url: '/api/v1/me', headers: bearer(s.accessToken) })).json().data.name).toBe(
      'Noor Haddad',
    );
    const [entry] = await t.db.query<{ changes: unknown }>(
      `select changes from audit_log where workspace_id = $1 and action = 'user.updated'`,
      [s.workspace.id],
    );
    expect(entry?.changes).toEqual({ name: { old: 'Noor', new: 'Noor Haddad' } });
  });
});

describe('delivery over SMTP', () => {
  let sink: SmtpSink;
  let smtpApp: TestApp;
  beforeAll(async () => {
    sink = await startSmtpSink();
    smtpApp = await createTestApp({
      env: { SMTP_URL: sink.url, MAIL_FROM: 'Albedo <no-reply@albedo.test>' },
      startJobs: true,
    });
  });
  afterAll(async () => {
    await smtpApp.close();
    await sink.close();
  });

  it('sends the mail through the SMTP server, with a text and an HTML part', async () => {
    const res = await smtpApp.app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      payload: { email: 'smtp-user@example.com', password: PASSWORD, name: 'Sam <b>', workspaceName: 'Mail Co' },
    });
    expect(res.statusCode).toBe(201);
    const mail = await sink.waitFor((m) => m.subject === 'Confirm your email address');
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.text : '').toBe('smtp-user@example.com');
    expect(mail.from?.value[0]).toMatchObject({ name: 'Albedo', address: 'no-reply@albedo.test' });
    expect(mail.text).toContain('/verify-email?token=ev_');
    expect(mail.html).toContain('Confirm email address');
    // User-supplied text is escaped in the HTML part.
    expect(mail.html).toContain('Sam &lt;b&gt;');
    await expect
      .poll(
        async () =>
          (
            await smtpApp.db.query<{ status: string }>(
              `select status from outbox_emails where "to" = 'smtp-user@example.com'`,
            )
          )[0]?.status,
      )
      .toBe('sent');
  });
});
