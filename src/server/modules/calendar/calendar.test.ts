// The calendar through HTTP: events with recurrence expanded across DST in two zones, edits of one
// occurrence / following / all, validation, visibility, tasks in the range, reminders that fire
// once (also with two app instances on one database, and late after downtime) as notifications
// with an email and a live WebSocket message, and the private ICS feed read by ical.js.

import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startSmtpSink } from '#test/fakes/smtp-sink.ts';
import { createTestApp, type TestApp } from '#test/support/app.ts';
import { manualClock } from '#test/support/clock.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/db.ts';
import { bearer, joinWorkspace, type Session, signUp } from '#test/support/flows.ts';
import { multipart } from '#test/support/multipart.ts';
import { python } from '#test/support/python.ts';

const PASSWORD = 'cedar-lantern-harbour-12';
const clock = manualClock('2026-11-23T08:00:00Z');
let db: TestDatabase;
let t: TestApp;
let second: TestApp;
let owner: Session;
let member: Session;
let other: Session;

const api = (s: Session, method: string, url: string, payload?: object) =>
  t.app.inject({ method: method as 'GET', url, headers: bearer(s.accessToken), ...(payload ? { payload } : {}) });
const createEvent = async (s: Session, body: object) => {
  const res = await api(s, 'POST', '/api/v1/events', body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json().data;
};
const range = async (s: Session, from: string, to: string) => {
  const res = await api(s, 'GET', `/api/v1/calendar?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json().data as Array<{
    id: string;
    title: string;
    start: string;
    end: string;
    type: string;
    occurrenceStart?: string;
  }>;
};
const notificationsOf = async (s: Session) => (await api(s, 'GET', '/api/v1/notifications')).json();
/** Access tokens expire as the test clock moves on: sign in again. */
async function signInOwner(): Promise<void> {
  const login = await t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email: 'cal-owner@example.com', password: PASSWORD },
  });
  expect(login.statusCode, login.body).toBe(200);
  owner = { ...owner, ...login.json().data };
}
// With Redis, a notification reaches sockets on every instance; without it, the instance's own.
const redis = process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : undefined;

beforeAll(async () => {
  db = await createTestDatabase();
  t = await createTestApp({ db, clock, jobsFollowClock: true, ...(redis ? { env: redis } : {}) });
  second = await createTestApp({ db, clock, jobsFollowClock: true, ...(redis ? { env: redis } : {}) });
  await Promise.all([t.app.ready(), second.app.ready()]);
  owner = await signUp(t.app, { email: 'cal-owner@example.com', password: PASSWORD, name: 'Cal Owner' });
  member = await joinWorkspace(t.app, owner, {
    email: 'cal-member@example.com',
    roleKey: 'member',
    password: PASSWORD,
  });
  other = await signUp(t.app, { email: 'cal-other@example.com', password: PASSWORD });
  await api(owner, 'PATCH', '/api/v1/workspace', { timezone: 'Europe/Warsaw' });
});
afterAll(async () => {
  await second.close();
  await t.close();
  await db.dispose();
});

describe('events and the calendar range', () => {
  it('expands a weekly series at 09:00 local across the DST change, in Warsaw and in New York', async () => {
    // Warsaw leaves summer time on 25 October 2026, New York on 1 November.
    await createEvent(owner, {
      title: 'Warsaw stand-up',
      startAt: '2026-10-19T09:00:00+02:00',
      endAt: '2026-10-19T09:30:00+02:00',
      rrule: 'FREQ=WEEKLY;BYDAY=MO',
    });
    await createEvent(owner, {
      title: 'New York sync',
      timezone: 'America/New_York',
      startAt: '2026-10-26T10:00:00-04:00',
      endAt: '2026-10-26T11:00:00-04:00',
      rrule: 'FREQ=WEEKLY;BYDAY=MO;COUNT=3',
    });
    const items = await range(owner, '2026-10-19T00:00:00Z', '2026-11-17T00:00:00Z');
    const warsaw = items.filter((i) => i.title === 'Warsaw stand-up').map((i) => i.start);
    // Shown in the workspace zone (Warsaw): 09:00 local every Monday, the offset changing.
    expect(warsaw).toEqual([
      '2026-10-19T09:00:00+02:00',
      '2026-10-26T09:00:00+01:00',
      '2026-11-02T09:00:00+01:00',
      '2026-11-09T09:00:00+01:00',
      '2026-11-16T09:00:00+01:00',
    ]);
    const ny = items.filter((i) => i.title === 'New York sync').map((i) => new Date(i.start).toISOString());
    // 10:00 in New York: 14:00 UTC before 1 November, 15:00 UTC after; COUNT=3 ends it.
    expect(ny).toEqual(['2026-10-26T14:00:00.000Z', '2026-11-02T15:00:00.000Z', '2026-11-09T15:00:00.000Z']);
  });

  it('edits one occurrence, this and the following ones, or all; cancels one', async () => {
    const series = await createEvent(owner, {
      title: 'Review',
      startAt: '2026-12-01T10:00:00+01:00',
      endAt: '2026-12-01T11:00:00+01:00',
      rrule: 'FREQ=DAILY;COUNT=5',
    });
    const occ = (day: number) => new Date(`2026-12-0${day}T09:00:00Z`).toISOString();
    // This one: moved an hour later.
    const moved = await api(owner, 'POST', `/api/v1/events/${series.id}/occurrences`, {
      occurrenceStart: occ(2),
      scope: 'this',
      changes: { startAt: '2026-12-02T12:00:00+01:00', endAt: '2026-12-02T13:00:00+01:00', title: 'Review (moved)' },
    });
    expect(moved.statusCode, moved.body).toBe(200);
    // Cancel the 3rd.
    const cancel = await api(owner, 'DELETE', `/api/v1/events/${series.id}/occurrences/${occ(3)}?scope=this`);
    expect(cancel.statusCode, cancel.body).toBe(204);
    // From the 4th on: renamed (a new series).
    const following = await api(owner, 'POST', `/api/v1/events/${series.id}/occurrences`, {
      occurrenceStart: occ(4),
      scope: 'following',
      changes: { title: 'Review v2' },
    });
    expect(following.statusCode, following.body).toBe(200);
    const items = (await range(owner, '2026-12-01T00:00:00Z', '2026-12-08T00:00:00Z')).filter((i) =>
      i.title.startsWith('Review'),
    );
    expect(items.map((i) => [i.title, i.start])).toEqual([
      ['Review', '2026-12-01T10:00:00+01:00'],
      ['Review (moved)', '2026-12-02T12:00:00+01:00'],
      ['Review v2', '2026-12-04T10:00:00+01:00'],
      ['Review v2', '2026-12-05T10:00:00+01:00'],
    ]);
    // All: the remaining series moves by half an hour.
    const all = await api(owner, 'POST', `/api/v1/events/${following.json().data.id}/occurrences`, {
      occurrenceStart: occ(4),
      scope: 'all',
      changes: { startAt: '2026-12-04T10:30:00+01:00', endAt: '2026-12-04T11:30:00+01:00' },
    });
    expect(all.statusCode, all.body).toBe(200);
    const after = (await range(owner, '2026-12-04T00:00:00Z', '2026-12-06T00:00:00Z')).filter(
      (i) => i.title === 'Review v2',
    );
    expect(after.map((i) => i.start)).toEqual(['2026-12-04T10:30:00+01:00', '2026-12-05T10:30:00+01:00']);
  });

  it('refuses bad input field by field and changes nothing', async () => {
    const bad = async (body: object) => {
      const res = await api(owner, 'POST', '/api/v1/events', {
        title: 'Bad',
        startAt: '2026-12-10T10:00:00Z',
        endAt: '2026-12-10T11:00:00Z',
        ...body,
      });
      expect(res.statusCode).toBe(400);
      return res.json().error.details.fields.map((f: { field: string }) => f.field);
    };
    expect(await bad({ endAt: '2026-12-10T09:00:00Z' })).toEqual(['body.endAt']);
    expect(await bad({ rrule: 'FREQ=SOMETIMES' })).toEqual(['body.rrule']);
    expect(await bad({ rrule: 'FREQ=MINUTELY' })).toEqual(['body.rrule']);
    expect(await bad({ timezone: 'Mars/Olympus' })).toEqual(['body.timezone']);
    expect(await bad({ reminders: [-5] })).toEqual(['body.reminders.0']);
    expect(await bad({ attendees: [{ email: 'nope' }] })).toEqual(['body.attendees.0.email']);
    expect(await range(owner, '2026-12-10T00:00:00Z', '2026-12-11T00:00:00Z')).toEqual([]);
  });

  it('shows a member their own events, events they are invited to and tasks due, and nothing of other workspaces', async () => {
    await createEvent(owner, { title: 'Owner only', startAt: '2026-12-14T09:00:00Z', endAt: '2026-12-14T10:00:00Z' });
    await createEvent(owner, {
      title: 'Invited',
      startAt: '2026-12-14T11:00:00Z',
      endAt: '2026-12-14T12:00:00Z',
      attendees: [{ email: 'cal-member@example.com', userId: member.user.id }],
    });
    await api(member, 'POST', '/api/v1/tasks', {
      title: 'Send offer',
      dueAt: '2026-12-14T15:00:00Z',
      assigneeId: member.user.id,
    });
    await createEvent(other, { title: 'Elsewhere', startAt: '2026-12-14T09:00:00Z', endAt: '2026-12-14T10:00:00Z' });
    const items = await range(member, '2026-12-14T00:00:00Z', '2026-12-15T00:00:00Z');
    expect(items.map((i) => [i.type, i.title])).toEqual([
      ['event', 'Invited'],
      ['task', 'Send offer'],
    ]);
    const bad = await api(member, 'GET', '/api/v1/calendar?from=2026-12-14T00:00:00Z&to=2026-12-13T00:00:00Z');
    expect(bad.statusCode).toBe(400);
  });
});

describe('reminders and notifications', () => {
  it('fires a reminder once at its time, with an email and a live message, even with two instances', async () => {
    clock.set('2026-11-23T08:00:00Z');
    await signInOwner();
    const event = await createEvent(owner, {
      title: 'Call with Acme',
      startAt: '2026-11-23T08:15:00Z',
      endAt: '2026-11-23T08:45:00Z',
      reminders: [10],
    });
    // Live: a WebSocket client on each instance.
    const sockets: WebSocket[] = [];
    const frames: Array<Array<Record<string, unknown>>> = [];
    for (const instance of [t, second]) {
      await instance.app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = instance.app.server.address() as AddressInfo;
      // The API's path on one instance, the first address (kept working) on the other.
      const socket = new WebSocket(`ws://127.0.0.1:${port}${instance === t ? '/api/v1/ws' : '/ws'}`);
      const mine: Array<Record<string, unknown>> = [];
      frames.push(mine);
      sockets.push(socket);
      await new Promise<void>((resolve, reject) => {
        socket.on('open', () => socket.send(JSON.stringify({ type: 'auth', token: owner.accessToken })));
        socket.on('message', (raw) => {
          const frame = JSON.parse(String(raw));
          mine.push(frame);
          if (frame.type === 'ready') resolve();
        });
        socket.on('error', reject);
      });
    }
    const live = () => frames.map((f) => f.filter((x) => x.type === 'notification').length);

    // Both instances scan and run what is due: nothing before its time.
    await Promise.all([t.jobs.runDue(true), second.jobs.runDue(true)]);
    clock.advance(4 * 60_000); // 08:04
    await Promise.all([t.jobs.runDue(true), second.jobs.runDue(true)]);
    expect((await notificationsOf(owner)).data).toEqual([]);
    clock.set('2026-11-23T08:05:00Z');
    for (let i = 0; i < 3; i++) await Promise.all([t.jobs.runDue(true), second.jobs.runDue(true)]);

    const list = await notificationsOf(owner);
    expect(list.unread).toBe(1);
    expect(list.data).toEqual([
      expect.objectContaining({
        kind: 'event.reminder',
        title: 'Call with Acme',
        late: false,
        link: `/events/${event.id}`,
      }),
    ]);
    const mails = (await api(owner, 'GET', '/api/v1/admin/outbox'))
      .json()
      .data.filter((m: { template: string }) => m.template === 'reminder');
    expect(mails).toHaveLength(1);
    expect(mails[0].subject).toBe('Reminder: Call with Acme');
    // Every instance's socket with Redis; without it, only the socket of the instance that fired.
    await expect.poll(() => live().reduce((a, b) => a + b, 0)).toBe(redis ? 2 : 1);
    expect(frames.flat().find((f) => f.type === 'notification')).toMatchObject({
      unread: 1,
      notification: { title: 'Call with Acme' },
    });
    for (const socket of sockets) socket.close();

    const read = await api(owner, 'POST', '/api/v1/notifications/read', { all: true });
    expect(read.json()).toEqual({ unread: 0 });
  });

  it('delivers a reminder missed while the server was down, marked late; preferences turn email off', async () => {
    clock.set('2026-11-23T09:00:00Z');
    await signInOwner();
    const prefs = await api(owner, 'PUT', '/api/v1/notifications/preferences', {
      kind: 'event.reminder',
      inApp: true,
      email: false,
    });
    expect(prefs.json().data).toContainEqual({ kind: 'event.reminder', inApp: true, email: false });
    const mailsBefore = (await api(owner, 'GET', '/api/v1/admin/outbox')).json().data.length;
    // It was due at 08:20, forty minutes ago, while nothing ran.
    await createEvent(owner, {
      title: 'Missed one',
      startAt: '2026-11-23T08:30:00Z',
      endAt: '2026-11-23T08:40:00Z',
      reminders: [10],
    });
    for (let i = 0; i < 3; i++) await t.jobs.runDue(true);
    const late = (await notificationsOf(owner)).data.find((n: { title: string }) => n.title === 'Missed one');
    expect(late).toMatchObject({ late: true });
    expect((await api(owner, 'GET', '/api/v1/admin/outbox')).json().data.length).toBe(mailsBefore);
  });

  it('reminds of a task at its reminder time', async () => {
    clock.set('2026-11-23T10:00:00Z');
    await signInOwner();
    await api(owner, 'POST', '/api/v1/tasks', {
      title: 'Renew contract',
      dueAt: '2026-11-23T12:00:00Z',
      remindAt: '2026-11-23T10:01:00Z',
      assigneeId: owner.user.id,
    });
    await t.jobs.runDue(true);
    clock.set('2026-11-23T10:01:00Z');
    for (let i = 0; i < 3; i++) await t.jobs.runDue(true);
    expect((await notificationsOf(owner)).data.map((n: { title: string }) => n.title)).toContain('Renew contract');
  });
});

describe('.ics import', () => {
  const upload = async (s: Session, name: string) => {
    const body = multipart({}, { name, content: readFileSync(`test/fixtures/${name}`) });
    return t.app.inject({
      method: 'POST',
      url: '/api/v1/calendar/import',
      payload: body.payload,
      headers: { ...bearer(s.accessToken), ...body.headers },
    });
  };

  it('imports a Google Calendar export: the series, its skipped date, its moved occurrence, an all-day event', async () => {
    await signInOwner();
    const res = await upload(owner, 'google-calendar.ics');
    expect(res.statusCode, res.body).toBe(200);
    const data = res.json().data;
    expect(data.created).toBe(3);
    expect(data.failed).toEqual([{ title: '', message: expect.stringContaining('event 4') }]);
    const items = (await range(owner, '2026-10-26T00:00:00Z', '2026-11-17T00:00:00Z')).filter((i) =>
      i.title.startsWith('Imported stand-up'),
    );
    // 26 Oct; 2 Nov skipped (EXDATE); 9 Nov moved to 11:00; 16 Nov — all 09:00 Warsaw time otherwise.
    expect(items.map((i) => [i.title, i.start])).toEqual([
      ['Imported stand-up', '2026-10-26T09:00:00+01:00'],
      ['Imported stand-up (late start)', '2026-11-09T11:00:00+01:00'],
      ['Imported stand-up', '2026-11-16T09:00:00+01:00'],
    ]);
    const offsite = (await range(owner, '2026-11-24T00:00:00Z', '2026-11-25T00:00:00Z')).find(
      (i) => i.title === 'Offsite',
    );
    expect(offsite).toMatchObject({ allDay: true });
  });

  it('imports an Outlook export with a Windows time zone name, and refuses a file that is not iCalendar', async () => {
    const res = await upload(owner, 'outlook-calendar.ics');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().data.created).toBe(1);
    const review = (await range(owner, '2026-11-26T00:00:00Z', '2026-11-27T00:00:00Z')).find(
      (i) => i.title === 'Quarterly review',
    );
    expect(review?.start).toBe('2026-11-26T14:00:00+01:00');
    const bad = await t.app.inject({
      method: 'POST',
      url: '/api/v1/calendar/import',
      ...(() => {
        const body = multipart({}, { name: 'x.ics', content: Buffer.from('hello') });
        return { payload: body.payload, headers: { ...bearer(owner.accessToken), ...body.headers } };
      })(),
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.fields[0].field).toBe('file');
  });
});

describe('reminder email over SMTP', () => {
  it('sends the reminder through SMTP with a plain-text and an HTML part', async () => {
    const sink = await startSmtpSink();
    const mailing = await createTestApp({ db, clock, jobsFollowClock: true, env: { SMTP_URL: sink.url } });
    await mailing.app.ready();
    try {
      clock.set('2026-11-23T11:00:00Z');
      await signInOwner();
      await api(owner, 'PUT', '/api/v1/notifications/preferences', {
        kind: 'event.reminder',
        inApp: true,
        email: true,
      });
      await createEvent(owner, {
        title: 'Mailed reminder',
        startAt: '2026-11-23T11:10:00Z',
        endAt: '2026-11-23T11:20:00Z',
        reminders: [5],
      });
      await mailing.jobs.runDue(true);
      clock.set('2026-11-23T11:05:00Z');
      for (let i = 0; i < 4; i++) await mailing.jobs.runDue(true);
      const mail = await sink.waitFor((m) => m.subject === 'Reminder: Mailed reminder');
      expect(mail.text).toContain('Mailed reminder');
      expect(mail.html).toContain('Open in Albedo');
      expect((mail.to as { text: string }).text).toBe('cal-owner@example.com');
    } finally {
      await mailing.close();
      await sink.close();
    }
  });
});

describe('invitations to external attendees', () => {
  it('sends a real iCalendar REQUEST, an update with a higher SEQUENCE, and a CANCEL', async () => {
    const sink = await startSmtpSink();
    const mailing = await createTestApp({ db, clock, jobsFollowClock: true, env: { SMTP_URL: sink.url } });
    await mailing.app.ready();
    const calendarPart = (mail: { attachments: Array<{ contentType: string; content: Buffer }> }) => {
      const part = mail.attachments.find(
        (a) => a.contentType.startsWith('text/calendar') || a.contentType === 'application/ics',
      );
      return new ICAL.Component(ICAL.parse(String(part?.content ?? '')));
    };
    const run = async () => {
      clock.advance(60_000);
      for (let i = 0; i < 3; i++) await mailing.jobs.runDue(true);
    };
    try {
      clock.set('2026-11-23T12:00:00Z');
      await signInOwner();
      const event = await createEvent(owner, {
        title: 'Partner demo',
        startAt: '2026-11-30T14:00:00+01:00',
        endAt: '2026-11-30T15:00:00+01:00',
        location: 'Teams',
        attendees: [{ email: 'guest@partner.example', name: 'Gina Guest' }],
      });
      await run();
      const invite = await sink.waitFor((m) => m.subject === 'Invitation: Partner demo');
      const first = calendarPart(invite as never);
      expect(first.getFirstPropertyValue('method')).toBe('REQUEST');
      const vevent = first.getFirstSubcomponent('vevent');
      expect(vevent?.getFirstPropertyValue('sequence')).toBe(0);
      expect(String(vevent?.getFirstPropertyValue('organizer'))).toBe('mailto:cal-owner@example.com');
      expect(String(vevent?.getFirstPropertyValue('attendee'))).toBe('mailto:guest@partner.example');
      expect(invite.text).toContain('Cal Owner invites you to Partner demo');

      // Another scan sends nothing new; a change sends the update.
      await run();
      expect(sink.messages.filter((m) => m.subject?.includes('Partner demo'))).toHaveLength(1);
      await signInOwner();
      await api(owner, 'PATCH', `/api/v1/events/${event.id}`, {
        startAt: '2026-11-30T15:00:00+01:00',
        endAt: '2026-11-30T16:00:00+01:00',
      });
      await run();
      const update = await sink.waitFor((m) => m.subject === 'Updated invitation: Partner demo');
      expect(
        calendarPart(update as never)
          .getFirstSubcomponent('vevent')
          ?.getFirstPropertyValue('sequence'),
      ).toBe(1);

      await signInOwner();
      await api(owner, 'DELETE', `/api/v1/events/${event.id}`);
      await run();
      const cancel = await sink.waitFor((m) => m.subject === 'Cancelled: Partner demo');
      const cancelled = calendarPart(cancel as never);
      expect(cancelled.getFirstPropertyValue('method')).toBe('CANCEL');
      expect(cancelled.getFirstSubcomponent('vevent')?.getFirstPropertyValue('sequence')).toBe(2);
      expect(cancelled.getFirstSubcomponent('vevent')?.getFirstPropertyValue('uid')).toBe(
        first.getFirstSubcomponent('vevent')?.getFirstPropertyValue('uid'),
      );
    } finally {
      await mailing.close();
      await sink.close();
    }
  });
});

describe('the private ICS feed', () => {
  it('serves the user events as iCalendar that ical.js reads, until it is revoked', async () => {
    expect((await api(owner, 'GET', '/api/v1/calendar/feed')).json().data.active).toBe(false);
    const created = await api(owner, 'POST', '/api/v1/calendar/feed');
    expect(created.statusCode).toBe(201);
    const url = new URL(created.json().data.url);
    const res = await t.app.inject({ url: url.pathname });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/calendar');
    expect(res.body).toContain('\r\n');
    const calendar = new ICAL.Component(ICAL.parse(res.body));
    const vevents = calendar.getAllSubcomponents('vevent');
    const standup = vevents.find((v) => v.getFirstPropertyValue('summary') === 'Warsaw stand-up');
    expect(standup?.getFirstPropertyValue('rrule')?.toString()).toBe('FREQ=WEEKLY;BYDAY=MO');
    expect(standup?.getFirstProperty('dtstart')?.getParameter('tzid')).toBe('Europe/Warsaw');
    expect(String(standup?.getFirstPropertyValue('dtstart'))).toBe('2026-10-19T09:00:00');
    // The moved occurrence is an override with its RECURRENCE-ID; the cancelled one an EXDATE.
    const moved = vevents.find((v) => v.getFirstPropertyValue('summary') === 'Review (moved)');
    expect(moved?.getFirstProperty('recurrence-id')).toBeTruthy();
    expect(vevents.some((v) => v.getFirstPropertyValue('summary') === 'Elsewhere')).toBe(false);

    // A new URL replaces the old one; revoking turns it off.
    const again = new URL((await api(owner, 'POST', '/api/v1/calendar/feed')).json().data.url);
    expect((await t.app.inject({ url: url.pathname })).statusCode).toBe(404);
    expect((await t.app.inject({ url: again.pathname })).statusCode).toBe(200);
    await api(owner, 'DELETE', '/api/v1/calendar/feed');
    expect((await t.app.inject({ url: again.pathname })).statusCode).toBe(404);
    expect((await t.app.inject({ url: '/api/v1/calendar/feed/nonsense.ics' })).statusCode).toBe(404);
  });
});

describe('iCalendar that other software reads, and imports that behave', () => {
  const importIcs = async (s: Session, text: string) => {
    const body = multipart({}, { name: 'import.ics', content: Buffer.from(text) });
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/calendar/import',
      payload: body.payload,
      headers: { ...bearer(s.accessToken), ...body.headers },
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().data as { created: number; updated: number; failed: unknown[]; events: Array<{ id: string }> };
  };
  // Python's icalendar turns each VTIMEZONE into a tz (to_tz) and reads each DTSTART's wall-clock
  // time in it: the instants must be the ones Albedo stores.
  const READ_WITH_VTIMEZONES = [
    'import json, sys',
    'from icalendar import Calendar',
    'cal = Calendar.from_ical(sys.stdin.read())',
    'zones = {str(tz["TZID"]): tz.to_tz() for tz in cal.walk("VTIMEZONE")}',
    'out = {"zones": sorted(zones), "events": []}',
    'for ev in cal.walk("VEVENT"):',
    '    prop = ev["DTSTART"]',
    '    tzid = prop.params.get("TZID")',
    '    dt = prop.dt',
    '    if tzid:',
    '        dt = zones[str(tzid)].localize(dt.replace(tzinfo=None))',
    '    out["events"].append({"summary": str(ev["SUMMARY"]), "tzid": str(tzid) if tzid else None, "utc": dt.astimezone(__import__("datetime").timezone.utc).isoformat() if hasattr(dt, "hour") else dt.isoformat()})',
    'print(json.dumps(out))',
  ].join('\n');

  it('the feed carries a VTIMEZONE for every TZID, and Python reads the same instants through them', async () => {
    await signInOwner();
    const summer = await createEvent(owner, {
      title: 'NY summer call',
      startAt: '2027-07-14T10:00:00-04:00',
      endAt: '2027-07-14T11:00:00-04:00',
      timezone: 'America/New_York',
    });
    const warsawSummer = await createEvent(owner, {
      title: 'Warsaw summer call',
      startAt: '2027-07-15T10:00:00+02:00',
      endAt: '2027-07-15T11:00:00+02:00',
    });
    const url = new URL((await api(owner, 'POST', '/api/v1/calendar/feed')).json().data.url);
    const feed = (await t.app.inject({ url: url.pathname })).body;
    const read = python<{ zones: string[]; events: Array<{ summary: string; tzid: string | null; utc: string }> }>(
      READ_WITH_VTIMEZONES,
      feed,
    );
    const used = [...new Set(read.events.map((e) => e.tzid).filter(Boolean))].sort();
    expect(used).toEqual(expect.arrayContaining(['America/New_York', 'Europe/Warsaw']));
    expect(read.zones).toEqual(used);
    const utcOf = (title: string) => read.events.find((e) => e.summary === title)?.utc;
    expect(utcOf('NY summer call')).toBe(new Date(summer.startAt).toISOString().replace('.000Z', '+00:00'));
    expect(utcOf('Warsaw summer call')).toBe(new Date(warsawSummer.startAt).toISOString().replace('.000Z', '+00:00'));
    expect(utcOf('Warsaw stand-up')).toBe('2026-10-19T07:00:00+00:00');
  });

  it('imports Outlook events in a Windows zone so repeats keep their local time across DST, with alarms, and invites nobody', async () => {
    await signInOwner();
    const outlook = [
      'BEGIN:VCALENDAR',
      'PRODID:Microsoft Exchange Server 2010',
      'VERSION:2.0',
      'BEGIN:VTIMEZONE',
      'TZID:W. Europe Standard Time',
      'BEGIN:STANDARD',
      'DTSTART:16010101T030000',
      'TZOFFSETFROM:+0200',
      'TZOFFSETTO:+0100',
      'RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10',
      'END:STANDARD',
      'BEGIN:DAYLIGHT',
      'DTSTART:16010101T020000',
      'TZOFFSETFROM:+0100',
      'TZOFFSETTO:+0200',
      'RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3',
      'END:DAYLIGHT',
      'END:VTIMEZONE',
      'BEGIN:VEVENT',
      'UID:outlook-weekly-0001@example.org',
      'SUMMARY:Berlin weekly',
      'DTSTART;TZID=W. Europe Standard Time:20270315T100000',
      'DTEND;TZID=W. Europe Standard Time:20270315T110000',
      'RRULE:FREQ=WEEKLY;COUNT=4',
      'ORGANIZER;CN=Olaf Other:mailto:olaf@elsewhere.example',
      'ATTENDEE;CN=Anna Attendee;PARTSTAT=NEEDS-ACTION:mailto:anna@attendee.example',
      'DTSTAMP:20270301T090000Z',
      'BEGIN:VALARM',
      'ACTION:DISPLAY',
      'DESCRIPTION:Reminder',
      'TRIGGER:-PT15M',
      'END:VALARM',
      'END:VEVENT',
      'END:VCALENDAR',
      '',
    ].join('\r\n');
    const first = await importIcs(owner, outlook);
    expect(first).toMatchObject({ created: 1, updated: 0, failed: [] });
    const id = first.events[0]?.id as string;
    const event = (await api(owner, 'GET', `/api/v1/events/${id}`)).json().data;
    expect(event).toMatchObject({
      timezone: 'Europe/Berlin',
      reminders: [15],
      icalUid: 'outlook-weekly-0001@example.org',
    });
    const items = (await range(owner, '2027-03-14T00:00:00Z', '2027-04-10T00:00:00Z')).filter(
      (i) => i.title === 'Berlin weekly',
    );
    // 29 March 2027 is after the clocks go forward: still 10:00 in Berlin.
    expect(items.map((i) => i.start)).toEqual([
      '2027-03-15T10:00:00+01:00',
      '2027-03-22T10:00:00+01:00',
      '2027-03-29T10:00:00+02:00',
      '2027-04-05T10:00:00+02:00',
    ]);

    // The same file again updates the event instead of adding a second one.
    const again = await importIcs(owner, outlook.replace('SUMMARY:Berlin weekly', 'SUMMARY:Berlin weekly (v2)'));
    expect(again).toMatchObject({ created: 0, updated: 1, failed: [] });
    expect(again.events[0]?.id).toBe(id);
    const after = await range(owner, '2027-03-14T00:00:00Z', '2027-03-16T00:00:00Z');
    expect(after.filter((i) => i.title.startsWith('Berlin weekly')).map((i) => i.title)).toEqual([
      'Berlin weekly (v2)',
    ]);

    // Olaf organises it; his calendar invited Anna. Albedo sends her nothing.
    for (let i = 0; i < 3; i++) {
      clock.advance(60_000);
      await t.jobs.runDue(true);
    }
    const mails = await db.query<{ to: string }>(`select "to" from outbox_emails where "to" = $1`, [
      'anna@attendee.example',
    ]);
    expect(mails).toEqual([]);
  });

  it('gives an invitation the VTIMEZONE of its TZID', async () => {
    await signInOwner();
    await createEvent(owner, {
      title: 'Zoned invite',
      startAt: '2026-12-02T14:00:00+01:00',
      endAt: '2026-12-02T15:00:00+01:00',
      attendees: [{ email: 'zoned@partner.example' }],
    });
    for (let i = 0; i < 3; i++) {
      clock.advance(60_000);
      await t.jobs.runDue(true);
    }
    const [mail] = await db.query<{ calendar: { content: string } | null }>(
      `select calendar from outbox_emails where "to" = $1`,
      ['zoned@partner.example'],
    );
    const content = mail?.calendar?.content;
    expect(content, 'the outbox keeps the invitation').toBeTruthy();
    const read = python<{ zones: string[]; events: Array<{ tzid: string | null; utc: string }> }>(
      READ_WITH_VTIMEZONES,
      content as string,
    );
    expect(read.zones).toEqual(['Europe/Warsaw']);
    expect(read.events[0]).toMatchObject({ tzid: 'Europe/Warsaw', utc: '2026-12-02T13:00:00+00:00' });
  });
});
