// The calendar: events in a range with recurrences expanded and tasks due, edits of one
// occurrence / this and following / the whole series, reminders that fire through the job queue
// exactly once, and each user's private ICS feed. Event writes go through the record engine.
import { createHash, randomBytes } from 'node:crypto';
import { and, eq, gt, inArray, isNotNull, isNull, lt, lte, ne, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import { calendarFeeds, eventInvitations, events } from '#server/db/schema/calendar.ts';
import { tasks } from '#server/db/schema/crm.ts';
import { members, users } from '#server/db/schema/identity.ts';
import { workspaces } from '#server/db/schema/workspaces.ts';
import { eventKind, readableBy } from '#server/modules/crm/kinds.ts';
import type { Filter } from '#server/modules/crm/query.ts';
import type { RecordRow, RecordsService } from '#server/modules/crm/records.service.ts';
import type { NotificationsService } from '#server/modules/notifications/notifications.service.ts';
import { assertPermission, hasPermission } from '#server/platform/access/permissions.ts';
import { type Actor, userIdOf } from '#server/platform/actor.ts';
import type { Database } from '#server/platform/db/database.ts';
import { asSystem, withWorkspace } from '#server/platform/db/tenancy.ts';
import { NotFound, ValidationError } from '#server/platform/errors.ts';
import { defineJob, type JobQueue } from '#server/platform/jobs/queue.ts';
import type { Mailer } from '#server/platform/mail/mailer.ts';
import { isoInZone } from '#server/platform/time.ts';
import { type FeedEvent, renderFeed, renderInvitation } from './ics.ts';
import { parseIcs } from './ics-import.ts';
import { endRuleBefore, occurrences } from './recurrence.ts';

export type EventRow = typeof events.$inferSelect;

export interface CalendarItem {
  /** `<eventId>` for a single event or an override; `<eventId>@<occurrence start>` within a series. */
  id: string;
  type: 'event' | 'task';
  eventId?: string;
  taskId?: string;
  title: string;
  start: string;
  end: string | null;
  allDay: boolean;
  location: string | null;
  recurring: boolean;
  /** The occurrence's start as the series generates it (what "this occurrence" edits refer to). */
  occurrenceStart?: string;
  seriesId?: string | null;
  status?: string;
  link: string;
}

const MAX_RANGE_DAYS = 370;
/** How far back reminders are still delivered after downtime (then marked late). */
const CATCH_UP_MS = 24 * 3600_000;
/** Reminders are queued this far ahead, each as a job due at its exact time. */
const LOOKAHEAD_MS = 3 * 60_000;
/** Delivered more than this after its time, a reminder is marked late. */
const LATE_AFTER_MS = 2 * 60_000;

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export function createCalendarService(deps: {
  db: Database;
  mailer: Mailer;
  /** Cron of the reminder scan; every minute by default. */
  scanCron?: string | undefined;
  jobs: JobQueue;
  records: RecordsService;
  notifications: NotificationsService;
  publicUrl: string;
  clock: () => Date;
}) {
  const { db, records, clock } = deps;
  const publicHost = new URL(deps.publicUrl).hostname;

  async function workspaceZone(workspaceId: string, actor?: Actor): Promise<string> {
    const read = async (tx: Parameters<Parameters<typeof asSystem>[2]>[0]) => {
      const [w] = await tx
        .select({ timezone: workspaces.timezone })
        .from(workspaces)
        .where(eq(workspaces.id, workspaceId));
      return w?.timezone ?? 'UTC';
    };
    return actor ? withWorkspace(db, actor, read) : asSystem(db, workspaceId, read);
  }

  /** Events (recurrences expanded, overrides in place) and tasks due in [from, to), in the user's zone. */
  async function range(
    actor: Actor,
    input: { from: Date; to: Date },
  ): Promise<{ timezone: string; items: CalendarItem[] }> {
    assertPermission(actor, 'calendar:events:read');
    const { from, to } = input;
    if (!(from < to)) throw new ValidationError([{ field: 'query.to', message: 'must be after "from"' }]);
    if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * 86_400_000) {
      throw new ValidationError([{ field: 'query.to', message: `a range may span at most ${MAX_RANGE_DAYS} days` }]);
    }
    const now = clock();
    const result = await withWorkspace(db, actor, async (tx) => {
      const [w] = await tx
        .select({ timezone: workspaces.timezone })
        .from(workspaces)
        .where(eq(workspaces.id, actor.workspaceId));
      const visible = and(isNull(events.deletedAt), readableBy(actor, eventKind, now));
      // Only what the view shows: a month of a busy workspace is thousands of rows to map.
      const rows = await tx
        .select({
          id: events.id,
          title: events.title,
          startAt: events.startAt,
          endAt: events.endAt,
          allDay: events.allDay,
          timezone: events.timezone,
          location: events.location,
          rrule: events.rrule,
          exdates: events.exdates,
          seriesId: events.seriesId,
        })
        .from(events)
        .where(
          and(
            visible,
            or(
              // Single events and moved occurrences overlapping the range…
              and(isNull(events.rrule), lt(events.startAt, to), gt(events.endAt, from)),
              and(isNull(events.rrule), eq(events.startAt, events.endAt), eq(events.startAt, from)),
              // …and every series that has started by its end (expanded below).
              and(isNotNull(events.rrule), lt(events.startAt, to)),
            ),
          ),
        );
      // Occurrences replaced by an override are left out of their series, wherever the override moved.
      const seriesIds = rows.filter((r) => r.rrule).map((r) => r.id);
      const overrides = seriesIds.length
        ? await tx
            .select({ seriesId: events.seriesId, originalStartAt: events.originalStartAt })
            .from(events)
            .where(and(inArray(events.seriesId, seriesIds), isNotNull(events.originalStartAt)))
        : [];
      return { rows, overrides, timezone: w?.timezone ?? 'UTC' };
    });
    const zone = result.timezone;
    const items: CalendarItem[] = [];
    for (const e of result.rows) {
      const replaced = new Set(
        result.overrides.filter((o) => o.seriesId === e.id).map((o) => (o.originalStartAt as Date).getTime()),
      );
      for (const occ of occurrences(e, from, to, replaced)) {
        items.push({
          id: e.rrule ? `${e.id}@${occ.start.toISOString()}` : e.id,
          type: 'event',
          eventId: e.id,
          title: e.title,
          start: isoInZone(occ.start, zone),
          end: isoInZone(occ.end, zone),
          allDay: e.allDay,
          location: e.location,
          recurring: Boolean(e.rrule),
          ...(e.rrule ? { occurrenceStart: occ.start.toISOString() } : {}),
          seriesId: e.seriesId,
          link: `/events/${e.id}`,
        });
      }
    }
    if (hasPermission(actor.permissions, 'crm:tasks:read')) {
      const due = await records.list(actor, 'tasks', {
        filters: [
          { field: 'dueAt', op: 'gte', value: from.toISOString() },
          { field: 'dueAt', op: 'lt', value: to.toISOString() },
        ],
        sort: 'dueAt',
        limit: 500,
      });
      for (const t of due.data) {
        items.push({
          id: `task:${t.id}`,
          type: 'task',
          taskId: t.id,
          title: String(t.title),
          start: isoInZone(t.dueAt as Date, zone),
          end: null,
          allDay: false,
          location: null,
          recurring: false,
          status: String(t.status),
          link: `/tasks/${t.id}`,
        });
      }
    }
    // Sort on instants computed once: parsing ISO strings inside the comparator cost more than
    // all the rest of a month view.
    const keyed = items.map((item) => ({ item, at: Date.parse(item.start) }));
    keyed.sort((a, b) => a.at - b.at);
    return { timezone: zone, items: keyed.map((k) => k.item) };
  }

  const occurrenceInput = z.strictObject({
    occurrenceStart: z.iso.datetime({ offset: true }),
    scope: z.enum(['this', 'following', 'all']),
    changes: z.record(z.string(), z.unknown()).default({}),
  });

  /**
   * Changes one occurrence of a series ("this"), the series from it on ("following"), or the
   * whole series ("all"). A changed start or end of the occurrence moves the others by as much.
   */
  async function editOccurrence(actor: Actor, eventId: string, raw: unknown): Promise<RecordRow> {
    // The event first: someone else's id is "not found" whatever else is wrong with the request.
    const series = (await records.get(actor, 'events', eventId)).data as unknown as EventRow & RecordRow;
    const parsed = occurrenceInput.safeParse(raw);
    if (!parsed.success) {
      throw new ValidationError(
        parsed.error.issues.map((i) => ({ field: `body.${i.path.join('.')}`, message: i.message })),
      );
    }
    const { scope, changes } = parsed.data;
    const at = new Date(parsed.data.occurrenceStart);
    if (!series.rrule) throw new ValidationError([{ field: 'params.id', message: 'is not a recurring event' }]);
    const duration = series.endAt.getTime() - series.startAt.getTime();
    const newStart = changes.startAt ? new Date(String(changes.startAt)) : at;
    const newEnd = changes.endAt ? new Date(String(changes.endAt)) : new Date(newStart.getTime() + duration);
    const { startAt: _s, endAt: _e, ...rest } = changes;
    if (scope === 'this') {
      return records.create(actor, 'events', {
        ...copyOf(series),
        ...rest,
        rrule: null,
        startAt: newStart.toISOString(),
        endAt: newEnd.toISOString(),
        seriesId: series.id,
        originalStartAt: at.toISOString(),
      });
    }
    if (scope === 'all') {
      const shift = newStart.getTime() - at.getTime();
      const length = newEnd.getTime() - newStart.getTime();
      const start = new Date(series.startAt.getTime() + shift);
      return records.update(actor, 'events', series.id, {
        ...rest,
        startAt: start.toISOString(),
        endAt: new Date(start.getTime() + length).toISOString(),
        version: series.version,
      });
    }
    // following: the series ends before this occurrence; a new one starts here with the changes,
    // keeping the old end (a COUNT becomes the number of occurrences that were still to come).
    const remaining = /COUNT=/i.test(series.rrule)
      ? occurrences(series, at, new Date(at.getTime() + 100 * 365 * 86_400_000)).length
      : null;
    await records.update(actor, 'events', series.id, {
      rrule: endRuleBefore(series.rrule, at),
      version: series.version,
    });
    return records.create(actor, 'events', {
      ...copyOf(series),
      ...rest,
      rrule:
        (rest.rrule as string | undefined) ??
        (remaining === null ? series.rrule : series.rrule.replace(/COUNT=\d+/i, `COUNT=${remaining}`)),
      startAt: newStart.toISOString(),
      endAt: newEnd.toISOString(),
      exdates: series.exdates.filter((d) => d >= at).map((d) => d.toISOString()),
    });
  }

  /** Cancels one occurrence, this and following, or the whole series. */
  async function deleteOccurrence(actor: Actor, eventId: string, raw: unknown): Promise<void> {
    // The event first: someone else's id is "not found" whatever else is wrong with the request.
    const series = (await records.get(actor, 'events', eventId)).data as unknown as EventRow & RecordRow;
    const parsed = occurrenceInput.omit({ changes: true }).safeParse(raw);
    if (!parsed.success) {
      throw new ValidationError(
        parsed.error.issues.map((i) => ({
          field: i.path[0] === 'occurrenceStart' ? 'params.start' : `query.${i.path.join('.')}`,
          message: i.message,
        })),
      );
    }
    const at = new Date(parsed.data.occurrenceStart);
    if (!series.rrule) throw new ValidationError([{ field: 'params.id', message: 'is not a recurring event' }]);
    if (parsed.data.scope === 'all') return records.remove(actor, 'events', series.id);
    if (parsed.data.scope === 'following') {
      await records.update(actor, 'events', series.id, {
        rrule: endRuleBefore(series.rrule, at),
        version: series.version,
      });
      return;
    }
    await records.update(actor, 'events', series.id, {
      exdates: [...series.exdates.map((d) => d.toISOString()), at.toISOString()],
      version: series.version,
    });
  }

  function copyOf(e: EventRow): Record<string, unknown> {
    return {
      title: e.title,
      description: e.description,
      allDay: e.allDay,
      timezone: e.timezone,
      location: e.location,
      attendees: e.attendees,
      reminders: e.reminders,
      relatedType: e.relatedType,
      relatedId: e.relatedId,
      ownerId: e.ownerId,
    };
  }

  // ---- reminders ----

  const firePayload = z.object({
    workspaceId: z.uuid(),
    userId: z.uuid(),
    kind: z.enum(['event.reminder', 'task.reminder']),
    recordId: z.uuid(),
    title: z.string(),
    at: z.iso.datetime(),
    fireAt: z.iso.datetime(),
    dedupeKey: z.string(),
  });

  const fireJob = defineJob({
    name: 'calendar.reminder.fire',
    payload: firePayload,
    maxAttempts: 5,
    retryDelayMs: 10_000,
    async handler(p) {
      const now = clock();
      const zone = await workspaceZone(p.workspaceId);
      const at = new Date(p.at);
      const late = now.getTime() - Date.parse(p.fireAt) > LATE_AFTER_MS;
      const when = new Intl.DateTimeFormat('en-GB', {
        timeZone: zone,
        dateStyle: 'full',
        timeStyle: 'short',
      }).format(at);
      const created = await deps.notifications.notify({
        workspaceId: p.workspaceId,
        userId: p.userId,
        kind: p.kind,
        title: p.title,
        body: `${p.kind === 'event.reminder' ? 'Starts' : 'Due'} ${when}`,
        link: p.kind === 'event.reminder' ? `/events/${p.recordId}` : `/tasks/${p.recordId}`,
        dueAt: new Date(p.fireAt),
        late,
        dedupeKey: p.dedupeKey,
        when,
      });
      return { created, late };
    },
  });

  /**
   * Sends external attendees (people without an Albedo account here) real iCalendar invitations:
   * a REQUEST for each revision of an event (its SEQUENCE), a CANCEL when the event is deleted or
   * they are taken off it. The invitations table makes each one go out once, across instances.
   */
  async function syncInvitations(workspaceId: string): Promise<number> {
    const now = clock();
    const since = new Date(now.getTime() - 2 * 86_400_000);
    return asSystem(db, workspaceId, async (tx) => {
      const changed = await tx
        .select()
        .from(events)
        .where(
          and(
            eq(events.workspaceId, workspaceId),
            or(gt(events.updatedAt, since), gt(events.deletedAt, since)),
            isNull(events.seriesId),
            // Imported events: their organizer's calendar invites, never us (see importIcs).
            isNull(events.icalUid),
          ),
        );
      let sent = 0;
      for (const e of changed) {
        const sentBefore = await tx
          .select({ email: eventInvitations.email, method: eventInvitations.method })
          .from(eventInvitations)
          .where(and(eq(eventInvitations.workspaceId, workspaceId), eq(eventInvitations.eventId, e.id)));
        const invited = new Set(sentBefore.filter((r) => r.method === 'REQUEST').map((r) => r.email));
        const cancelled = new Set(sentBefore.filter((r) => r.method === 'CANCEL').map((r) => r.email));
        const external = e.deletedAt ? [] : e.attendees.filter((a) => !a.userId).map((a) => a.email.toLowerCase());
        const plans: Array<{ email: string; method: 'REQUEST' | 'CANCEL'; sequence: number }> = [
          ...external.map((email) => ({ email, method: 'REQUEST' as const, sequence: e.sequence })),
          ...[...invited]
            .filter((email) => !external.includes(email) && !cancelled.has(email))
            .map((email) => ({ email, method: 'CANCEL' as const, sequence: e.sequence + 1 })),
        ];
        if (!plans.length) continue;
        const [organizer] = await tx
          .select({ name: users.name, email: users.email })
          .from(users)
          .where(eq(users.id, e.ownerId));
        if (!organizer) continue;
        for (const plan of plans) {
          const [row] = await tx
            .insert(eventInvitations)
            .values({
              workspaceId,
              eventId: e.id,
              email: plan.email,
              sequence: plan.sequence,
              method: plan.method,
              createdAt: now,
            })
            .onConflictDoNothing()
            .returning({ id: eventInvitations.id });
          if (!row) continue;
          const when = new Intl.DateTimeFormat('en-GB', {
            timeZone: e.timezone,
            dateStyle: 'full',
            timeStyle: e.allDay ? undefined : 'short',
          }).format(e.startAt);
          await deps.mailer.send(tx, {
            to: plan.email,
            template: 'event-invitation',
            workspaceId,
            values: {
              organizer: organizer.name,
              title: e.title,
              when,
              location: e.location,
              cancelled: plan.method === 'CANCEL',
              updated: plan.method === 'REQUEST' && invited.has(plan.email),
            },
            calendar: {
              method: plan.method,
              content: renderInvitation(
                { ...e, sequence: plan.sequence },
                { method: plan.method, organizer, publicUrl: deps.publicUrl },
              ),
            },
          });
          sent++;
        }
      }
      return sent;
    });
  }

  /**
   * Queues every reminder due in (now − 24 h, now + 3 min] as a job at its exact time. A job's
   * singleton key and the notification's dedupe key make each fire once, however many instances
   * scan; reminders missed while the server was down are found by the look-back and marked late.
   */
  async function scanReminders(): Promise<number> {
    const now = clock();
    const from = new Date(now.getTime() - CATCH_UP_MS);
    const until = new Date(now.getTime() + LOOKAHEAD_MS);
    const ids = await db.orm.transaction((tx) => tx.select({ id: workspaces.id }).from(workspaces));
    let queued = 0;
    for (const { id: workspaceId } of ids) {
      const work = await asSystem(db, workspaceId, async (tx) => {
        const withReminders = await tx
          .select()
          .from(events)
          .where(
            and(
              // Explicit as well as by RLS: a superuser connection (tests, some setups) bypasses RLS.
              eq(events.workspaceId, workspaceId),
              isNull(events.deletedAt),
              sql`cardinality(${events.reminders}) > 0`,
              // The latest reminder is at most four weeks before the start.
              lt(events.startAt, new Date(until.getTime() + 40_320 * 60_000)),
            ),
          );
        const dueTasks = await tx
          .select({
            id: tasks.id,
            title: tasks.title,
            remindAt: tasks.remindAt,
            dueAt: tasks.dueAt,
            assigneeId: tasks.assigneeId,
            ownerId: tasks.ownerId,
          })
          .from(tasks)
          .where(
            and(
              eq(tasks.workspaceId, workspaceId),
              isNull(tasks.deletedAt),
              ne(tasks.status, 'done'),
              gt(tasks.remindAt, from),
              lte(tasks.remindAt, until),
            ),
          );
        const active = await tx
          .select({ id: members.userId })
          .from(members)
          .where(and(eq(members.workspaceId, workspaceId), eq(members.status, 'active')));
        return { withReminders, dueTasks, members: new Set(active.map((m) => m.id)) };
      });
      const plans: Array<z.infer<typeof firePayload>> = [];
      for (const e of work.withReminders) {
        const maxLead = Math.max(...e.reminders) * 60_000;
        const replaced = new Set<number>();
        for (const occ of occurrences(e, new Date(from.getTime()), new Date(until.getTime() + maxLead), replaced)) {
          for (const minutes of e.reminders) {
            const fireAt = new Date(occ.start.getTime() - minutes * 60_000);
            if (fireAt <= from || fireAt > until) continue;
            const people = new Set([e.ownerId, ...e.attendees.map((a) => a.userId).filter((u): u is string => !!u)]);
            for (const userId of people) {
              if (!work.members.has(userId)) continue;
              plans.push({
                workspaceId,
                userId,
                kind: 'event.reminder',
                recordId: e.id,
                title: e.title,
                at: occ.start.toISOString(),
                fireAt: fireAt.toISOString(),
                dedupeKey: `reminder:event:${e.id}:${occ.start.toISOString()}:${minutes}:${userId}`,
              });
            }
          }
        }
      }
      for (const t of work.dueTasks) {
        const userId = t.assigneeId ?? t.ownerId;
        const fireAt = t.remindAt as Date;
        plans.push({
          workspaceId,
          userId,
          kind: 'task.reminder',
          recordId: t.id,
          title: t.title,
          at: (t.dueAt ?? fireAt).toISOString(),
          fireAt: fireAt.toISOString(),
          dedupeKey: `reminder:task:${t.id}:${fireAt.toISOString()}:${userId}`,
        });
      }
      await syncInvitations(workspaceId);
      for (const plan of plans) {
        const job = await deps.jobs.enqueue(fireJob, plan, {
          workspaceId,
          runAt: new Date(plan.fireAt),
          singletonKey: plan.dedupeKey,
        });
        if (job) queued++;
      }
    }
    return queued;
  }

  const scanJob = defineJob({
    name: 'calendar.reminders.scan',
    payload: z.object({}),
    maxAttempts: 1,
    handler: async () => ({ queued: await scanReminders() }),
  });

  async function registerJobs(): Promise<void> {
    deps.jobs.register(fireJob);
    deps.jobs.register(scanJob);
    await deps.jobs.schedule({
      name: 'calendar.reminders.scan',
      cron: deps.scanCron ?? '* * * * *',
      timezone: 'UTC',
      job: scanJob,
      payload: {},
    });
  }

  // ---- the private ICS feed ----

  /** A new private feed URL for the user; any earlier one stops working. The secret is shown once. */
  async function createFeed(actor: Actor): Promise<{ url: string; createdAt: Date }> {
    assertPermission(actor, 'calendar:events:read');
    if (!actor.userId) throw new NotFound('User');
    // The workspace id travels in the token, so the feed can be found under row-level security.
    const token = `${actor.workspaceId.replace(/-/g, '')}${randomBytes(24).toString('base64url')}`;
    const now = clock();
    await withWorkspace(db, actor, async (tx) => {
      await tx
        .update(calendarFeeds)
        .set({ revokedAt: now })
        .where(and(eq(calendarFeeds.userId, userIdOf(actor)), isNull(calendarFeeds.revokedAt)));
      await tx.insert(calendarFeeds).values({
        workspaceId: actor.workspaceId,
        userId: userIdOf(actor),
        tokenHash: hashToken(token),
        createdAt: now,
      });
    });
    return { url: `${deps.publicUrl}/api/v1/calendar/feed/${token}.ics`, createdAt: now };
  }

  async function feedStatus(actor: Actor): Promise<{ active: boolean; createdAt: Date | null }> {
    if (!actor.userId) return { active: false, createdAt: null };
    return withWorkspace(db, actor, async (tx) => {
      const [row] = await tx
        .select()
        .from(calendarFeeds)
        .where(and(eq(calendarFeeds.userId, userIdOf(actor)), isNull(calendarFeeds.revokedAt)));
      return { active: Boolean(row), createdAt: row?.createdAt ?? null };
    });
  }

  async function revokeFeed(actor: Actor): Promise<void> {
    if (!actor.userId) return;
    await withWorkspace(db, actor, (tx) =>
      tx
        .update(calendarFeeds)
        .set({ revokedAt: clock() })
        .where(and(eq(calendarFeeds.userId, userIdOf(actor)), isNull(calendarFeeds.revokedAt))),
    );
  }

  /**
   * The feed behind a token: the events the user can see from 90 days back, as iCalendar, or null
   * for an unknown or revoked token (answered like any missing page).
   */
  async function feed(
    token: string,
    actorFor: (who: { userId: string; workspaceId: string }) => Promise<Actor | null>,
  ): Promise<string | null> {
    const m = /^([0-9a-f]{32})([A-Za-z0-9_-]{32})$/.exec(token);
    if (!m) return null;
    const hex = m[1] as string;
    const workspaceId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    const [row] = await asSystem(db, workspaceId, (tx) =>
      tx
        .select()
        .from(calendarFeeds)
        .where(
          and(
            eq(calendarFeeds.workspaceId, workspaceId),
            eq(calendarFeeds.tokenHash, hashToken(token)),
            isNull(calendarFeeds.revokedAt),
          ),
        ),
    );
    if (!row) return null;
    const actor = await actorFor({ userId: row.userId, workspaceId });
    if (!actor || !hasPermission(actor.permissions, 'calendar:events:read')) return null;
    const now = clock();
    const since = new Date(now.getTime() - 90 * 86_400_000);
    const rows = await withWorkspace(db, actor, (tx) =>
      tx
        .select()
        .from(events)
        .where(
          and(
            isNull(events.deletedAt),
            readableBy(actor, eventKind, now),
            or(isNotNull(events.rrule), gt(events.endAt, since)),
          ),
        )
        .limit(5000),
    );
    const feedEvents: FeedEvent[] = rows.map((e) => e);
    return renderFeed(feedEvents, { name: 'Albedo', publicUrl: deps.publicUrl });
  }

  /**
   * The event a file's UID (and, for an override, its occurrence) names, if the actor can see it:
   * one imported before with that UID, or one of ours exported with `<id>@<our host>`.
   */
  async function importedBefore(actor: Actor, uid: string, recurrenceId: string | undefined) {
    const own = new RegExp(`^([0-9a-f-]{36})@${publicHost.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'i').exec(uid);
    const filters: Filter[] = own
      ? [{ field: 'id', op: 'eq', value: own[1] as string }]
      : [{ field: 'icalUid', op: 'eq', value: uid }];
    if (!own) {
      filters.push(
        recurrenceId
          ? { field: 'originalStartAt', op: 'eq', value: recurrenceId }
          : { field: 'seriesId', op: 'empty', value: 'true' },
      );
    }
    const found = await records.list(actor, 'events', { filters, limit: 1 });
    return found.data[0];
  }

  /**
   * Imports the events of an .ics file as the actor's (validated and audited like any create);
   * overrides join the series imported with them. An event the file imported before (same UID) is
   * updated, not added again. Imported events keep their UID and send no invitations: their
   * organizer's calendar does that. Returns what was created, updated and not imported.
   */
  async function importIcs(actor: Actor, content: Buffer) {
    assertPermission(actor, 'calendar:events:create');
    const zone = await workspaceZone(actor.workspaceId, actor);
    let parsed: ReturnType<typeof parseIcs>;
    try {
      parsed = parseIcs(content.toString('utf8'), zone);
    } catch (error) {
      throw new ValidationError([
        { field: 'file', message: `is not a readable .ics file: ${(error as Error).message}` },
      ]);
    }
    const created: Array<{ id: string; title: string }> = [];
    const updated: Array<{ id: string; title: string }> = [];
    const failed: Array<{ title: string; message: string }> = parsed.problems.map((p) => ({ title: '', message: p }));
    const seriesByUid = new Map<string, string>();
    // Series first, so their overrides can point at them.
    const ordered = [...parsed.events.filter((e) => !e.recurrenceId), ...parsed.events.filter((e) => e.recurrenceId)];
    for (const e of ordered) {
      const { uid, recurrenceId, organizer: _organizer, reminders, ...fields } = e;
      const seriesId = recurrenceId && uid ? seriesByUid.get(uid) : undefined;
      try {
        const before = uid ? await importedBefore(actor, uid, recurrenceId) : undefined;
        const values = {
          ...fields,
          ...(reminders.length ? { reminders } : {}),
          ...(seriesId ? { seriesId, originalStartAt: recurrenceId } : {}),
          // An event of ours read back keeps the UID it has; any other keeps the file's.
          ...(uid && !(before && !before.icalUid) ? { icalUid: uid } : {}),
        };
        const row = before
          ? await records.update(actor, 'events', before.id, values)
          : await records.create(actor, 'events', values);
        if (uid && e.rrule) seriesByUid.set(uid, row.id);
        (before ? updated : created).push({ id: row.id, title: e.title });
      } catch (error) {
        const details = (error as { details?: { fields?: Array<{ field: string; message: string }> } }).details;
        failed.push({
          title: e.title,
          message:
            details?.fields?.map((f) => `${f.field.replace(/^body\./, '')} ${f.message}`).join('; ') ??
            (error as Error).message,
        });
      }
    }
    return { created: created.length, updated: updated.length, failed, events: [...created, ...updated] };
  }

  /**
   * Busy intervals of members in [from, to): their events (owned or attended), times only — what
   * free/busy shows colleagues, so it reads past the usual visibility but returns no titles.
   */
  async function busy(
    actor: Actor,
    userIds: string[],
    from: Date,
    to: Date,
  ): Promise<Array<{ start: Date; end: Date }>> {
    assertPermission(actor, 'calendar:events:read');
    const rows = await withWorkspace(db, actor, async (tx) => {
      const people = sql.join(
        userIds.map((u) => sql`${u}::uuid`),
        sql`, `,
      );
      return tx
        .select({
          startAt: events.startAt,
          endAt: events.endAt,
          timezone: events.timezone,
          rrule: events.rrule,
          exdates: events.exdates,
        })
        .from(events)
        .where(
          and(
            eq(events.workspaceId, actor.workspaceId),
            isNull(events.deletedAt),
            lt(events.startAt, to),
            or(isNotNull(events.rrule), gt(events.endAt, from)),
            or(
              sql`${events.ownerId} in (${people})`,
              sql`exists (select 1 from jsonb_array_elements(${events.attendees}) a where a->>'userId' in (${sql.join(
                userIds.map((u) => sql`${u}`),
                sql`, `,
              )}))`,
            ),
          ),
        );
    });
    return rows.flatMap((e) => occurrences(e, from, to)).sort((a, b) => a.start.getTime() - b.start.getTime());
  }

  return {
    busy,
    /** The workspace's time zone, in which the calendar answers. */
    timezoneOf: (actor: Actor) => workspaceZone(actor.workspaceId, actor),
    importIcs,
    range,
    editOccurrence,
    deleteOccurrence,
    scanReminders,
    registerJobs,
    createFeed,
    feedStatus,
    revokeFeed,
    feed,
    fireJob,
  };
}

export type CalendarService = ReturnType<typeof createCalendarService>;
