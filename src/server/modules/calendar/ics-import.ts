// .ics import: every VEVENT of an iCalendar file (Google, Outlook, Apple exports) as an event,
// read with ical.js. Times keep their zone: a VTIMEZONE in the file, an IANA TZID, UTC, or (for
// floating times) the workspace's zone. Occurrence overrides (RECURRENCE-ID) attach to their series.
import ICAL from 'ical.js';
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
}

const STATUSES: Record<string, ParsedEvent['attendees'][number]['status']> = {
  ACCEPTED: 'accepted',
  DECLINED: 'declined',
  TENTATIVE: 'tentative',
};

/** The instant of an ICAL.Time, and the IANA zone its wall-clock time belongs to. */
function instant(time: ICAL.Time, tzid: string | null, fallbackZone: string): { at: Date; zone: string } {
  const floating = new Date(Date.UTC(time.year, time.month - 1, time.day, time.hour, time.minute, time.second));
  if (time.zone?.tzid === 'UTC' || time.zone === ICAL.Timezone.utcTimezone) return { at: time.toJSDate(), zone: 'UTC' };
  if (tzid && isTimezone(tzid)) return { at: fromFloating(floating, tzid), zone: tzid };
  // A zone described by a VTIMEZONE in the file (e.g. Outlook's Windows names): ical.js converts.
  if (tzid && time.zone && time.zone.tzid === tzid) return { at: time.toJSDate(), zone: fallbackZone };
  return { at: fromFloating(floating, fallbackZone), zone: fallbackZone };
}

export function parseIcs(text: string, fallbackZone: string): { events: ParsedEvent[]; problems: string[] } {
  const root = new ICAL.Component(ICAL.parse(text));
  if (root.name !== 'vcalendar') throw new Error('not an iCalendar file (no VCALENDAR)');
  for (const vtz of root.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(vtz);
  const events: ParsedEvent[] = [];
  const problems: string[] = [];
  root.getAllSubcomponents('vevent').forEach((ve, index) => {
    try {
      const ev = new ICAL.Event(ve);
      const startProp = ve.getFirstProperty('dtstart');
      if (!startProp) throw new Error('has no DTSTART');
      const tzid = (startProp.getParameter('tzid') as string | undefined) ?? null;
      const start = instant(ev.startDate, tzid, fallbackZone);
      const endTime = ev.endDate ?? ev.startDate;
      const endTz = (ve.getFirstProperty('dtend')?.getParameter('tzid') as string | undefined) ?? tzid;
      const end = instant(endTime, endTz, fallbackZone);
      const allDay = ev.startDate.isDate;
      const rule = ve.getFirstPropertyValue('rrule');
      const exdates: string[] = [];
      for (const p of ve.getAllProperties('exdate')) {
        const exTz = (p.getParameter('tzid') as string | undefined) ?? tzid;
        for (const v of p.getValues()) exdates.push(instant(v as ICAL.Time, exTz, fallbackZone).at.toISOString());
      }
      const attendees = ve.getAllProperties('attendee').flatMap((p) => {
        const email = String(p.getFirstValue() ?? '').replace(/^mailto:/i, '');
        if (!/^[^@\s]+@[^@\s]+$/.test(email)) return [];
        const cn = p.getParameter('cn') as string | undefined;
        const partstat = String(p.getParameter('partstat') ?? '').toUpperCase();
        return [{ email, ...(cn ? { name: cn } : {}), status: STATUSES[partstat] ?? ('needs-action' as const) }];
      });
      const recurrence = ve.getFirstProperty('recurrence-id');
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
        ...(recurrence
          ? {
              recurrenceId: instant(
                recurrence.getFirstValue() as ICAL.Time,
                (recurrence.getParameter('tzid') as string | undefined) ?? tzid,
                fallbackZone,
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
