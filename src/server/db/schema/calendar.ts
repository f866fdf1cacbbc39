// Calendar and notifications: events (a CRM record kind, so visibility, audit, trash and sharing
// are the engine's), each user's notifications and their delivery preferences, and the private
// ICS feed tokens.
import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAtColumn, idColumn, workspaceColumn } from './columns.ts';
import { recordColumns, recordIndexes, searchColumns } from './crm.ts';
import { users } from './identity.ts';
import { tenantPolicy } from './tenancy.ts';

/** A person invited to an event: a member, a contact, or anyone by email. */
export interface Attendee {
  email: string;
  name?: string | undefined;
  userId?: string | undefined;
  contactId?: string | undefined;
  status: 'needs-action' | 'accepted' | 'declined' | 'tentative';
}

export const events = pgTable(
  'events',
  {
    ...recordColumns(),
    title: text('title').notNull(),
    description: text('description'),
    startAt: timestamp('start_at', { withTimezone: true }).notNull(),
    endAt: timestamp('end_at', { withTimezone: true }).notNull(),
    allDay: boolean('all_day').notNull().default(false),
    /** IANA zone the event's wall-clock times (and its recurrence) are read in. */
    timezone: text('timezone').notNull().default('UTC'),
    location: text('location'),
    /** RFC 5545 RRULE without the DTSTART (e.g. FREQ=WEEKLY;BYDAY=MO), or null for a single event. */
    rrule: text('rrule'),
    /** Occurrence starts (UTC) removed from the series. */
    exdates: timestamp('exdates', { withTimezone: true }).array().notNull().default(sql`'{}'::timestamptz[]`),
    /** An override of one occurrence: the series it belongs to and the occurrence it replaces. */
    seriesId: uuid('series_id'),
    originalStartAt: timestamp('original_start_at', { withTimezone: true }),
    attendees: jsonb('attendees').$type<Attendee[]>().notNull().default([]),
    /** Minutes before the start at which to remind the owner and member attendees. */
    reminders: integer('reminders').array().notNull().default(sql`'{}'::int[]`),
    relatedType: text('related_type'),
    relatedId: uuid('related_id'),
    /** iCalendar SEQUENCE: raised on every change that invitations must carry. */
    sequence: integer('sequence').notNull().default(0),
    /**
     * The UID of the calendar file the event was imported from (null for events made here): a
     * re-import updates the event instead of adding it again, the feed keeps giving that UID, and
     * no invitation goes out for it (its organizer's calendar sends those).
     */
    icalUid: text('ical_uid'),
    ...searchColumns(sql`lower(title || ' ' || coalesce(location, ''))`),
  },
  (t) => [
    ...recordIndexes('events', t),
    index('events_range_idx').on(t.workspaceId, t.startAt).where(sql`deleted_at is null`),
    index('events_series_idx').on(t.seriesId),
    index('events_recurring_idx').on(t.workspaceId).where(sql`rrule is not null and deleted_at is null`),
    index('events_ical_uid_idx').on(t.workspaceId, t.icalUid).where(sql`ical_uid is not null`),
  ],
).enableRLS();

export const notifications = pgTable(
  'notifications',
  {
    id: idColumn(),
    workspaceId: workspaceColumn(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    kind: text('kind').notNull(),
    title: text('title').notNull(),
    body: text('body'),
    link: text('link'),
    /** Makes delivery exactly once: a second attempt for the same reminder inserts nothing. */
    dedupeKey: text('dedupe_key'),
    /** When it was due; `late` if it was delivered well after (the server was down). */
    dueAt: timestamp('due_at', { withTimezone: true }),
    late: boolean('late').notNull().default(false),
    readAt: timestamp('read_at', { withTimezone: true }),
    createdAt: createdAtColumn(),
  },
  (t) => [
    index('notifications_user_idx').on(t.workspaceId, t.userId, t.createdAt),
    uniqueIndex('notifications_dedupe_idx').on(t.workspaceId, t.dedupeKey),
    tenantPolicy('notifications'),
  ],
).enableRLS();

export const notificationPreferences = pgTable(
  'notification_preferences',
  {
    workspaceId: workspaceColumn(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    kind: text('kind').notNull(),
    inApp: boolean('in_app').notNull().default(true),
    email: boolean('email').notNull().default(true),
  },
  (t) => [
    uniqueIndex('notification_preferences_idx').on(t.workspaceId, t.userId, t.kind),
    tenantPolicy('notification_preferences'),
  ],
).enableRLS();

export const calendarFeeds = pgTable(
  'calendar_feeds',
  {
    id: idColumn(),
    workspaceId: workspaceColumn(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** SHA-256 of the secret in the URL; the secret itself is shown once. */
    tokenHash: text('token_hash').notNull(),
    createdAt: createdAtColumn(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('calendar_feeds_token_idx').on(t.tokenHash), tenantPolicy('calendar_feeds')],
).enableRLS();

/** What each external attendee has been sent: one invitation per event revision (SEQUENCE). */
export const eventInvitations = pgTable(
  'event_invitations',
  {
    id: idColumn(),
    workspaceId: workspaceColumn(),
    eventId: uuid('event_id').notNull(),
    email: text('email').notNull(),
    sequence: integer('sequence').notNull(),
    method: text('method').$type<'REQUEST' | 'CANCEL'>().notNull(),
    createdAt: createdAtColumn(),
  },
  (t) => [
    uniqueIndex('event_invitations_once_idx').on(t.workspaceId, t.eventId, t.email, t.sequence, t.method),
    index('event_invitations_event_idx').on(t.eventId),
    tenantPolicy('event_invitations'),
  ],
).enableRLS();
