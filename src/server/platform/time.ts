// Wall-clock time in IANA timezones without a timezone library: offsets come from Intl, so a
// 09:00 meeting stays at 09:00 local across daylight-saving changes.
const partFormatters = new Map<string, Intl.DateTimeFormat>();

function partsFormatter(timezone: string): Intl.DateTimeFormat {
  let f = partFormatters.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    partFormatters.set(timezone, f);
  }
  return f;
}

export function isTimezone(timezone: string): boolean {
  try {
    partsFormatter(timezone);
    return true;
  } catch {
    return false;
  }
}

// Zone offsets change only on quarter-hour boundaries (DST and historical changes alike), so one
// lookup serves every instant of the same quarter hour. Intl lookups are what expansion costs.
const QUARTER_HOUR = 15 * 60_000;
const offsets = new Map<string, number>();

/** Offset of `timezone` from UTC at `date`, in minutes (e.g. 60 for Europe/Warsaw in winter). */
export function offsetMinutes(date: Date, timezone: string): number {
  const key = `${timezone}|${Math.floor(date.getTime() / QUARTER_HOUR)}`;
  const known = offsets.get(key);
  if (known !== undefined) return known;
  const offset = lookupOffset(date, timezone);
  if (offsets.size > 100_000) offsets.clear();
  offsets.set(key, offset);
  return offset;
}

function lookupOffset(date: Date, timezone: string): number {
  const parts = partsFormatter(timezone).formatToParts(date);
  const n = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  const asUtc = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second'));
  return Math.round((asUtc - Math.floor(date.getTime() / 1000) * 1000) / 60_000);
}

/**
 * The wall-clock time of `date` in `timezone`, as a "floating" Date whose UTC fields are the
 * local fields (what recurrence rules are expanded in).
 */
export function toFloating(date: Date, timezone: string): Date {
  return new Date(date.getTime() + offsetMinutes(date, timezone) * 60_000);
}

/** The instant at which the floating wall-clock time `floating` happens in `timezone`. */
export function fromFloating(floating: Date, timezone: string): Date {
  const guess = floating.getTime();
  let offset = offsetMinutes(new Date(guess), timezone);
  offset = offsetMinutes(new Date(guess - offset * 60_000), timezone);
  return new Date(guess - offset * 60_000);
}

/** An instant as ISO 8601 with the offset of `timezone`, e.g. 2026-11-24T09:00:00+01:00. */
export function isoInZone(date: Date, timezone: string): string {
  const offset = offsetMinutes(date, timezone);
  const local = new Date(date.getTime() + offset * 60_000);
  const pad = (v: number) => String(Math.abs(v)).padStart(2, '0');
  const sign = offset >= 0 ? '+' : '-';
  return `${local.toISOString().slice(0, 19)}${sign}${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`;
}
