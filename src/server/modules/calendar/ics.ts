// iCalendar (RFC 5545) output: the subscription feed that Google Calendar and Outlook read, and
// invitations. Text is escaped and lines folded at 75 octets as the RFC requires; every TZID used
// has its VTIMEZONE (§3.2.19), from the IANA database as timezones-ical-library publishes it.
import { tzlib_get_ical_block } from 'timezones-ical-library';
import type { Attendee } from '#server/db/schema/calendar.ts';
import { toFloating } from '#server/platform/time.ts';

export interface FeedEvent {
  id: string;
  title: string;
  description: string | null;
  location: string | null;
  startAt: Date;
  endAt: Date;
  allDay: boolean;
  timezone: string;
  rrule: string | null;
  exdates: Date[];
  seriesId: string | null;
  originalStartAt: Date | null;
  attendees: Attendee[];
  sequence: number;
  /** The UID of the file the event came from, kept so other calendars see the same event. */
  icalUid?: string | null;
  updatedAt: Date;
  createdAt: Date;
}

const vtimezones = new Map<string, string[] | null>();
/** The VTIMEZONE lines of an IANA zone, or null when the library does not know it (then UTC is written). */
function vtimezone(zone: string): string[] | null {
  let lines = vtimezones.get(zone);
  if (lines === undefined) {
    const block = tzlib_get_ical_block(zone);
    const text = Array.isArray(block) ? block[0] : undefined;
    // Its TZID must be the zone's own name (the library answers "UTC" with Etc/UTC).
    lines = text?.startsWith('BEGIN:VTIMEZONE') && text.includes(`TZID:${zone}\r\n`) ? text.split(/\r?\n/) : null;
    vtimezones.set(zone, lines);
  }
  return lines;
}

/** An event's zone as written: its own when it has a VTIMEZONE to go with it, else UTC. */
const zoneOf = (e: FeedEvent) => (e.timezone !== 'UTC' && vtimezone(e.timezone) ? e.timezone : 'UTC');

/** The VTIMEZONE components for the zones these events use, once each. */
function timezoneLines(list: FeedEvent[]): string[] {
  const zones = [...new Set(list.filter((e) => !e.allDay).map(zoneOf))].filter((z) => z !== 'UTC').sort();
  return zones.flatMap((z) => vtimezone(z) ?? []);
}

const escapeText = (s: string) =>
  s.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');

/** Folds a content line at 75 octets (continuation lines start with a space). */
function fold(line: string): string {
  const bytes = Buffer.from(line, 'utf8');
  if (bytes.length <= 75) return line;
  const parts: string[] = [];
  let start = 0;
  let limit = 75;
  while (start < bytes.length) {
    let end = Math.min(start + limit, bytes.length);
    // Never split a UTF-8 sequence: back up to a character boundary.
    while (end < bytes.length && ((bytes[end] as number) & 0xc0) === 0x80) end--;
    parts.push(bytes.subarray(start, end).toString('utf8'));
    start = end;
    limit = 74;
  }
  return parts.join('\r\n ');
}

const utc = (d: Date) =>
  `${d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '')}`;
/** Local wall-clock time in the event's zone, for DTSTART;TZID=… (so recurrences follow DST). */
const local = (d: Date, zone: string) => utc(toFloating(d, zone)).replace(/Z$/, '');
const dateOnly = (d: Date, zone: string) => local(d, zone).slice(0, 8);

function times(name: 'DTSTART' | 'DTEND' | 'RECURRENCE-ID' | 'EXDATE', d: Date, e: FeedEvent): string {
  if (e.allDay) return `${name};VALUE=DATE:${dateOnly(d, e.timezone)}`;
  const zone = zoneOf(e);
  if (zone === 'UTC') return `${name}:${utc(d)}`;
  return `${name};TZID=${zone}:${local(d, zone)}`;
}

/** The event's UID: the one it was imported with, or ours (a series and its overrides share it). */
export const uidOf = (e: Pick<FeedEvent, 'icalUid' | 'seriesId' | 'id'>, host: string) =>
  e.icalUid ?? `${e.seriesId ?? e.id}@${host}`;

export function renderEvent(e: FeedEvent, options: { publicUrl: string; method?: string }): string[] {
  const host = new URL(options.publicUrl).hostname;
  const lines = [
    'BEGIN:VEVENT',
    `UID:${uidOf(e, host)}`,
    `DTSTAMP:${utc(e.updatedAt)}`,
    `CREATED:${utc(e.createdAt)}`,
    `LAST-MODIFIED:${utc(e.updatedAt)}`,
    `SEQUENCE:${e.sequence}`,
    times('DTSTART', e.startAt, e),
    times(
      'DTEND',
      e.allDay && e.endAt.getTime() === e.startAt.getTime() ? new Date(e.endAt.getTime() + 86_400_000) : e.endAt,
      e,
    ),
    `SUMMARY:${escapeText(e.title)}`,
  ];
  if (e.description) lines.push(`DESCRIPTION:${escapeText(e.description)}`);
  if (e.location) lines.push(`LOCATION:${escapeText(e.location)}`);
  if (e.rrule) lines.push(`RRULE:${e.rrule.replace(/^RRULE:/i, '')}`);
  for (const d of e.exdates) lines.push(times('EXDATE', d, e));
  if (e.seriesId && e.originalStartAt) lines.push(times('RECURRENCE-ID', e.originalStartAt, e));
  for (const a of e.attendees) {
    const partstat = a.status.toUpperCase();
    lines.push(
      `ATTENDEE;${a.name ? `CN="${a.name.replace(/"/g, "'")}";` : ''}PARTSTAT=${partstat};RSVP=TRUE:mailto:${a.email}`,
    );
  }
  lines.push(`URL:${options.publicUrl}/events/${e.seriesId ?? e.id}`, 'END:VEVENT');
  return lines;
}

/**
 * An invitation (METHOD:REQUEST) or its cancellation (METHOD:CANCEL) for one attendee, as
 * Gmail, Outlook and Apple Mail read them: the organizer, the SEQUENCE that orders updates.
 */
export function renderInvitation(
  e: FeedEvent,
  options: { method: 'REQUEST' | 'CANCEL'; organizer: { name: string; email: string }; publicUrl: string },
): string {
  const body = renderEvent(e, options);
  const end = body.lastIndexOf('END:VEVENT');
  const extra = [
    `ORGANIZER;CN="${options.organizer.name.replace(/"/g, "'")}":mailto:${options.organizer.email}`,
    `STATUS:${options.method === 'CANCEL' ? 'CANCELLED' : 'CONFIRMED'}`,
  ];
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Albedo//Albedo CRM//EN',
    'CALSCALE:GREGORIAN',
    `METHOD:${options.method}`,
    ...timezoneLines([e]),
    ...body.slice(0, end),
    ...extra,
    ...body.slice(end),
    'END:VCALENDAR',
  ];
  return `${lines.map(fold).join('\r\n')}\r\n`;
}

/** A whole calendar: the subscription feed. */
export function renderFeed(list: FeedEvent[], options: { name: string; publicUrl: string }): string {
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Albedo//Albedo CRM//EN',
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    `X-WR-CALNAME:${escapeText(options.name)}`,
    // Tells subscribers to refresh hourly (Outlook and Apple read this; Google decides itself).
    'REFRESH-INTERVAL;VALUE=DURATION:PT1H',
    'X-PUBLISHED-TTL:PT1H',
    ...timezoneLines(list),
  ];
  for (const e of list) lines.push(...renderEvent(e, options));
  lines.push('END:VCALENDAR');
  return `${lines.map(fold).join('\r\n')}\r\n`;
}
