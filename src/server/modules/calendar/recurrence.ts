// Recurring events: occurrences of an RRULE expanded in the event's own timezone (so a weekly
// 09:00 stays at 09:00 local across DST), minus skipped dates and replaced occurrences.
// rrule is CommonJS: Node's ESM loader sees only its default export.
import rrule from 'rrule';
import { fromFloating, toFloating } from '#server/platform/time.ts';

const { RRule } = rrule;

export interface SeriesLike {
  startAt: Date;
  endAt: Date;
  timezone: string;
  rrule: string | null;
  exdates: Date[];
}

export interface Occurrence {
  start: Date;
  end: Date;
}

const MAX_OCCURRENCES = 2000;

// Parsing a rule and building its iterator costs more than stepping through it, and the same
// series are expanded again and again (every calendar view, every reminder scan): keep them.
const rules = new Map<string, InstanceType<typeof RRule>>();
function ruleFor(event: SeriesLike): InstanceType<typeof RRule> {
  const key = `${event.rrule}|${event.startAt.getTime()}|${event.timezone}`;
  let rule = rules.get(key);
  if (!rule) {
    const options = RRule.parseString((event.rrule as string).replace(/^RRULE:/i, ''));
    // UNTIL is an instant; the rule runs in floating local time, so it moves with it.
    if (options.until) options.until = toFloating(options.until, event.timezone);
    rule = new RRule({ ...options, dtstart: toFloating(event.startAt, event.timezone) });
    if (rules.size >= 10_000) rules.delete(rules.keys().next().value as string);
    rules.set(key, rule);
  }
  return rule;
}

/** Occurrences of `event` overlapping [from, to), in order; a single event yields itself. */
export function occurrences(
  event: SeriesLike,
  from: Date,
  to: Date,
  skip: ReadonlySet<number> = new Set(),
): Occurrence[] {
  const duration = event.endAt.getTime() - event.startAt.getTime();
  if (!event.rrule) {
    return event.startAt < to && new Date(event.startAt.getTime() + Math.max(duration, 1)) > from
      ? [{ start: event.startAt, end: event.endAt }]
      : [];
  }
  const rule = ruleFor(event);
  // Widen by the duration (an occurrence that started before `from` may still be going on) and a
  // day either side for the offset between floating and real time.
  const floatingFrom = new Date(toFloating(from, event.timezone).getTime() - duration - 86_400_000);
  const floatingTo = new Date(toFloating(to, event.timezone).getTime() + 86_400_000);
  const skipped = new Set([...event.exdates.map((d) => d.getTime()), ...skip]);
  const out: Occurrence[] = [];
  for (const floating of rule.between(floatingFrom, floatingTo, true)) {
    const start = fromFloating(floating, event.timezone);
    const end = new Date(start.getTime() + duration);
    if (start >= to || end.getTime() < from.getTime() || (end.getTime() === from.getTime() && duration > 0)) continue;
    if (skipped.has(start.getTime())) continue;
    out.push({ start, end });
    if (out.length >= MAX_OCCURRENCES) break;
  }
  return out;
}

/** The rule ended just before `occurrence` (for "this and following" edits). */
export function endRuleBefore(rrule: string, occurrence: Date): string {
  const parts = rrule
    .replace(/^RRULE:/i, '')
    .split(';')
    .filter((p) => !/^(UNTIL|COUNT)=/i.test(p));
  const until = new Date(occurrence.getTime() - 1000)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  return [...parts, `UNTIL=${until}`].join(';');
}
