// The offline model's reading of English, on libraries made for it: chrono-node finds dates and
// times ("tomorrow at 10am", "next Tuesday", "Dec 3 14:30") and compromise finds people's names and
// expands contractions ("what's" → "what is"). Times are read as wall-clock time in the user's zone.
import * as chrono from 'chrono-node';
import nlp from 'compromise';
import { fromFloating, isoInZone, toFloating } from '#server/platform/time.ts';

export interface TimeContext {
  now: Date;
  timezone: string;
}

/** A local wall-clock time in `timezone` as an ISO string with its offset (DST-correct). */
export function zoned(y: number, m: number, d: number, hour: number, minute: number, timezone: string): string {
  return isoInZone(fromFloating(new Date(Date.UTC(y, m, d, hour, minute)), timezone), timezone);
}

/** The local calendar date in `timezone`. */
export function localDate(date: Date, timezone: string): { y: number; m: number; d: number; weekday: number } {
  const local = toFloating(date, timezone);
  return { y: local.getUTCFullYear(), m: local.getUTCMonth(), d: local.getUTCDate(), weekday: local.getUTCDay() };
}

/**
 * chrono reads relative to a reference instant in a zone; given the user's wall-clock time as if it
 * were UTC (and zone 0), the components it finds are the user's local date and time.
 */
const reference = (ctx: TimeContext) => ({ instant: toFloating(ctx.now, ctx.timezone), timezone: 0 });

export interface FoundTime {
  /** ISO 8601 with the zone's offset. */
  at: string;
  /** The words that said it, to cut from a title. */
  text: string;
  index: number;
  /** Whether a time of day was said (else the default hour was used). */
  timeGiven: boolean;
}

/**
 * The first date or time in `text`, as an instant in the user's zone. "next <weekday>" said on a
 * day before that weekday in the same week is the one in the following week ("next Tuesday" on a
 * Monday is eight days ahead); a bare weekday is the coming one. Without a time of day, the
 * default hour (09:00; 20:00 "tonight").
 */
export function findTime(text: string, ctx: TimeContext, defaultHour = 9): FoundTime | undefined {
  const [result] = chrono.parse(text, reference(ctx), { forwardDate: true });
  if (!result) return undefined;
  const s = result.start;
  const timeGiven = s.isCertain('hour');
  const hour = timeGiven ? (s.get('hour') ?? defaultHour) : /\btonight\b/i.test(result.text) ? 20 : defaultHour;
  const at = zoned(
    s.get('year') as number,
    (s.get('month') as number) - 1,
    s.get('day') as number,
    hour,
    timeGiven ? (s.get('minute') ?? 0) : 0,
    ctx.timezone,
  );
  return { at, text: result.text, index: result.index, timeGiven };
}

/** `text` without the date and time words findTime found in it, tidied. */
export function withoutTime(text: string, found: FoundTime | undefined): string {
  if (!found) return text;
  return `${text.slice(0, found.index)} ${text.slice(found.index + found.text.length)}`
    .replace(/\s+(?:on|at|by|for|due|until)\s*$/i, '')
    .replace(/\s+/g, ' ')
    .trim();
}

export type PeriodName = 'today' | 'tomorrow' | 'week' | 'month' | 'quarter' | 'year';

export interface Period {
  from: string;
  to: string;
  label: string;
}

/**
 * The span of local days a phrase names: today, tomorrow, this / next / last week, month,
 * quarter or year ("closing this month", "due next week", "this quarter"). Weeks start on Monday.
 */
export function findPeriod(text: string, ctx: TimeContext): Period | undefined {
  const p = text.toLowerCase();
  const today = localDate(ctx.now, ctx.timezone);
  const day = (y: number, m: number, d: number) => zoned(y, m, d, 0, 0, ctx.timezone);
  if (/\btoday\b|\btonight\b/.test(p))
    return { from: day(today.y, today.m, today.d), to: day(today.y, today.m, today.d + 1), label: 'today' };
  if (/\btomorrow\b/.test(p)) {
    return { from: day(today.y, today.m, today.d + 1), to: day(today.y, today.m, today.d + 2), label: 'tomorrow' };
  }
  const m = p.match(/\b(this|next|last|the coming|the current|current)\s+(week|month|quarter|year)\b/);
  if (!m) return undefined;
  const shift = m[1] === 'next' || m[1] === 'the coming' ? 1 : m[1] === 'last' ? -1 : 0;
  const unit = m[2] as 'week' | 'month' | 'quarter' | 'year';
  const label = `${m[1] === 'the current' || m[1] === 'current' ? 'this' : m[1]} ${unit}`;
  if (unit === 'week') {
    const monday = today.d - ((today.weekday + 6) % 7) + 7 * shift;
    return { from: day(today.y, today.m, monday), to: day(today.y, today.m, monday + 7), label };
  }
  const months = unit === 'month' ? 1 : unit === 'quarter' ? 3 : 12;
  const first = unit === 'month' ? today.m : unit === 'quarter' ? today.m - (today.m % 3) : 0;
  const start = first + months * shift;
  return { from: day(today.y, start, 1), to: day(today.y, start + months, 1), label };
}

/** The text with contractions written out ("what's" → "what is", "don't" → "do not"). */
export function expandContractions(text: string): string {
  const doc = nlp(text);
  doc.contractions().expand();
  return doc.text();
}

/** People's names in the text, as written ("Maria Chen", "Anna"), possessives removed. */
export function peopleIn(text: string): string[] {
  const doc = nlp(text);
  return (doc.people().out('array') as string[]).map((n) => n.replace(/['’]s$/i, '').trim()).filter(Boolean);
}
