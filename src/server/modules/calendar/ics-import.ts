// .ics import: every VEVENT of an iCalendar file (Google, Outlook, Apple exports) as an event,
// read with ical.js. Times keep their zone: an IANA TZID, a Windows one (Outlook's "W. Europe
// Standard Time", mapped by CLDR's table or the VTIMEZONE's X-LIC-LOCATION) so repeats stay at
// the same wall-clock time across DST, UTC, or (for floating times) the workspace's zone.
// Occurrence overrides (RECURRENCE-ID) attach to their series; alarms become reminders.
import ICAL from 'ical.js';
import { findIana } from 'windows-iana';
import { fromFloating, isTimezone } from '#server/platform/time.ts';

export interface ParsedEvent {
  uid: string | null;
  title: string;
  description?: string | undefined;
  location?: string | undefined;
  startAt: string;
  endAt: string;
  allDay: boolean;
  timezone: string;
  rrule?: string | undefined;
  exdates: string[];
  attendees: Array<{
    email: string;
    name?: string | undefined;
    status: 'needs-action' | 'accepted' | 'declined' | 'tentative';
  }>;
  /** For an override: the occurrence (start, UTC) of the series with the same UID it replaces. */
  recurrenceId?: string | undefined;
  /** Minutes before the start, from the event's VALARMs. */
  reminders: number[];
  /** The ORGANIZER's email, when the file names one. */
  organizer?: string | undefined;
}

const STATUSES: Record<string, ParsedEvent['attendees'][number]['status']> = {
  ACCEPTED: 'accepted',
  DECLINED: 'declined',
  TENTATIVE: 'tentative',
};

/**
 * The IANA zone a TZID means: itself; the X-LIC-LOCATION its VTIMEZONE names; or the Windows
 * zone's IANA name by CLDR's windowsZones table (Outlook and Exchange write those).
 */
export function ianaZone(tzid: string, locations: ReadonlyMap<string, string>): string | undefined {
  const name = tzid.replace(/^"|"$/g, '').trim();
  if (isTimezone(name) && name.includes('/')) return name;
  const located = locations.get(name);
  if (located && isTimezone(located)) return located;
  const fromWindows = findIana(name)[0];
  if (fromWindows && isTimezone(fromWindows)) return fromWindows;
  return isTimezone(name) ? name : undefined;
}

/** The instant of an ICAL.Time, and the IANA zone its wall-clock time belongs to. */
function instant(
  time: ICAL.Time,
  tzid: string | null,
  fallbackZone: string,
  locations: ReadonlyMap<string, string>,
): { at: Date; zone: string } {
  const floating = new Date(Date.UTC(time.year, time.month - 1, time.day, time.hour, time.minute, time.second));
  if (time.zone?.tzid === 'UTC' || time.zone === ICAL.Timezone.utcTimezone) return { at: time.toJSDate(), zone: 'UTC' };
  const zone = tzid ? ianaZone(tzid, locations) : undefined;
  if (zone) return { at: fromFloating(floating, zone), zone };
  // A zone only its VTIMEZONE describes: ical.js gives the instant; repeats use the workspace zone.
  if (tzid && time.zone && time.zone.tzid === tzid) return { at: time.toJSDate(), zone: fallbackZone };
  return { at: fromFloating(floating, fallbackZone), zone: fallbackZone };
}

/** Minutes before the start at which each display or email alarm fires (relative or absolute). */
function alarmMinutes(ve: ICAL.Component, start: Date): number[] {
  const minutes: number[] = [];
  for (const alarm of ve.getAllSubcomponents('valarm')) {
    const trigger = alarm.getFirstProperty('trigger');
    const value = trigger?.getFirstValue();
    if (!trigger || !value) continue;
    let before: number | undefined;
    if (value instanceof ICAL.Duration) {
      // Relative to the start (RELATED=END alarms are rare and taken as the start).
      before = -value.toSeconds() / 60;
    } else if (value instanceof ICAL.Time) {
      before = (start.getTime() - value.toJSDate().getTime()) / 60_000;
    }
    if (before !== undefined && Number.isFinite(before) && before >= 0 && before <= 40_320) {
      minutes.push(Math.round(before));
    }
  }
  return [...new Set(minutes)].sort((a, b) => a - b).slice(0, 5);
}

export function parseIcs(text: string, fallbackZone: string): { events: ParsedEvent[]; problems: string[] } {
  const root = new ICAL.Component(ICAL.parse(text));
  if (root.name !== 'vcalendar') throw new Error('not an iCalendar file (no VCALENDAR)');
  const locations = new Map<string, string>();
  for (const vtz of root.getAllSubcomponents('vtimezone')) {
    ICAL.TimezoneService.register(vtz);
    const tzid = vtz.getFirstPropertyValue('tzid');
    const location = vtz.getFirstPropertyValue('x-lic-location');
    if (typeof tzid === 'string' && typeof location === 'string') locations.set(tzid, location);
  }
  const events: ParsedEvent[] = [];
  const problems: string[] = [];
  root.getAllSubcomponents('vevent').forEach((ve, index) => {
    try {
      const ev = new ICAL.Event(ve);
      const startProp = ve.getFirstProperty('dtstart');
      if (!startProp) throw new Error('has no DTSTART');
      const tzid = (startProp.getParameter('tzid') as string | undefined) ?? null;
      const start = instant(ev.startDate, tzid, fallbackZone, locations);
      const endTime = ev.endDate ?? ev.startDate;
      const endTz = (ve.getFirstProperty('dtend')?.getParameter('tzid') as string | undefined) ?? tzid;
      const end = instant(endTime, endTz, fallbackZone, locations);
      const allDay = ev.startDate.isDate;
      const rule = ve.getFirstPropertyValue('rrule');
      const exdates: string[] = [];
      for (const p of ve.getAllProperties('exdate')) {
        const exTz = (p.getParameter('tzid') as string | undefined) ?? tzid;
        for (const v of p.getValues())
          exdates.push(instant(v as ICAL.Time, exTz, fallbackZone, locations).at.toISOString());
      }
      const attendees = ve.getAllProperties('attendee').flatMap((p) => {
        const email = String(p.getFirstValue() ?? '').replace(/^mailto:/i, '');
        if (!/^[^@\s]+@[^@\s]+$/.test(email)) return [];
        const cn = p.getParameter('cn') as string | undefined;
        const partstat = String(p.getParameter('partstat') ?? '').toUpperCase();
        return [{ email, ...(cn ? { name: cn } : {}), status: STATUSES[partstat] ?? ('needs-action' as const) }];
      });
      const recurrence = ve.getFirstProperty('recurrence-id');
      const organizer = String(ve.getFirstPropertyValue('organizer') ?? '').replace(/^mailto:/i, '');
      events.push({
        uid: ev.uid ?? null,
        title: (ev.summary || '(no title)').slice(0, 300),
        ...(ev.description ? { description: ev.description.slice(0, 20_000) } : {}),
        ...(ev.location ? { location: ev.location.slice(0, 500) } : {}),
        startAt: start.at.toISOString(),
        endAt: (end.at < start.at ? start.at : end.at).toISOString(),
        allDay,
        timezone: start.zone,
        ...(rule ? { rrule: rule.toString() } : {}),
        exdates,
        attendees,
        reminders: allDay ? [] : alarmMinutes(ve, start.at),
        ...(/^[^@\s]+@[^@\s]+$/.test(organizer) ? { organizer: organizer.toLowerCase() } : {}),
        ...(recurrence
          ? {
              recurrenceId: instant(
                recurrence.getFirstValue() as ICAL.Time,
                (recurrence.getParameter('tzid') as string | undefined) ?? tzid,
                fallbackZone,
                locations,
              ).at.toISOString(),
            }
          : {}),
      });
    } catch (error) {
      problems.push(`event ${index + 1}: ${(error as Error).message}`);
    }
  });
  return { events, problems };
}
