// The offline model's understanding: a documented set of plain-English commands (docs/assistant.md)
// turned into the same tool calls a hosted model would make, and the tools' results turned back
// into a short reply. Pure functions of the text and the context the system prompt carries.
import type { MentionedRecord } from '#server/db/schema/assistant.ts';
import { everydayRules, withoutFiller } from './offline-everyday.ts';
import { expandContractions, findPeriod, findTime, localDate, withoutTime, zoned } from './offline-language.ts';

export { zoned };

export interface GrammarContext {
  now: Date;
  timezone: string;
  recent: MentionedRecord[];
  /** The assistant's previous reply, for offers such as "Shall I add their email?". */
  lastAssistantText: string | null;
}

export interface PlannedCall {
  toolName: string;
  input: Record<string, unknown>;
}

export type Understanding = { calls: PlannedCall[] } | { text: string };

const OBJECT_WORDS: Array<[RegExp, string]> = [
  [/^(contacts?|persons?|people)$/, 'contacts'],
  [/^(organi[sz]ations?|compan(y|ies)|accounts?|clients?|customers?)$/, 'organizations'],
  [/^leads?$/, 'leads'],
  [/^(deals?|opportunit(y|ies))$/, 'deals'],
  [/^projects?$/, 'projects'],
  [/^(tasks?|to-?dos?)$/, 'tasks'],
];
export const OBJECT_ALT =
  'contacts?|persons?|people|organi[sz]ations?|compan(?:y|ies)|accounts?|clients?|customers?|leads?|deals?|opportunit(?:y|ies)|projects?|tasks?|to-?dos?';

export function objectOf(word: string | undefined): string | undefined {
  if (!word) return undefined;
  const w = word.toLowerCase();
  return OBJECT_WORDS.find(([re]) => re.test(w))?.[1];
}

export const SINGULAR: Record<string, string> = {
  contacts: 'contact',
  organizations: 'organization',
  leads: 'lead',
  deals: 'deal',
  projects: 'project',
  tasks: 'task',
  notes: 'note',
};

export const HELP_TEXT = `I'm running in **offline mode** (no AI provider is configured), so I understand these commands:

- **Create**: "add contact Jan Kowalski, jan@example.com, +48 600 100 200, at Acme", "create organization Acme Corp acme.com", "new lead Maria Garcia from Globex", "create deal Website redesign worth 12000 EUR with Acme", "create project Onboarding for Acme due 2026-12-15", "add task call Jan tomorrow at 9 high priority"
- **Find**: "find Jan", "find contacts named Kowalski", "list open deals", "show my leads", "show Acme Corp"
- **Change**: "set the email of Jan Kowalski to jan@kowalski.pl", "add his phone number: +44 20 7946 0000", "rename deal Website to Website v2", "mark task Call Jan as done", "assign task Call Jan to Anna", "move Website redesign to Negotiation", "convert lead Maria Garcia"
- **Notes**: "add note to Acme Corp: signed the NDA", "log a call with Jan Kowalski: wants a demo"
- **Delete and restore**: "delete contact Jan Kowalski" (I ask you to confirm), "restore it"
- **Overview**: "my tasks this week", "my overdue tasks", "pipeline summary", "show KPIs"
- **Calendar**: "what's on tomorrow", "schedule meeting Budget review tomorrow at 3pm with Anna", "find a free slot with Anna this week for 30 minutes", "cancel meeting Budget review"
- **Counts and sums**: "how many contacts do we have?", "total value of my open deals", "pipeline value this quarter", "what deals are closing this month?"
- **Everyday wording**: "add Maria Chen from Acme as a contact", "we won Acme Website!", "Anna's phone is +48 …", "postpone Quarterly review to next Monday 11:00", "anything overdue?", "bring her back"
- **Reminders**: "remind me to call Jan tomorrow at 9"

Words like "him", "her" and "it" refer to the record we talked about last. An admin can add a model provider in Settings → AI for free-form conversation.`;

// ---- dates in the user's timezone (chrono-node, offline-language.ts) ----

const DATE_PHRASE =
  '(?:today|tonight|tomorrow|(?:on |next |this )?(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)|in \\d+ days?|(?:on )?\\d{4}-\\d{2}-\\d{2})';
const TIME_PHRASE = '(?:at )?\\d{1,2}(?::\\d{2})?\\s*(?:am|pm)?|at noon';

/** Reads "tomorrow at 10am", "next Tuesday", "friday 14:30", "2026-12-01", "in 3 days" in the user's zone. */
export function parseWhen(phrase: string, ctx: GrammarContext, defaultHour = 9): string | undefined {
  const p = phrase.trim();
  if (!p) return undefined;
  // A bare hour ("at 9") is a time; chrono reads "9" alone as nothing.
  return findTime(/^\d{1,2}$/.test(p) ? `at ${p}` : p, ctx, defaultHour)?.at;
}

/** [start, end) of the local day(s) a phrase names: today, tomorrow, a weekday, this or next week. */
function dayRange(phrase: string, ctx: GrammarContext): { from: string; to: string } {
  const period = findPeriod(phrase, ctx);
  if (period) return { from: period.from, to: period.to };
  const start = parseWhen(phrase, ctx, 0) ?? parseWhen('today', ctx, 0);
  const local = localDate(new Date(start as string), ctx.timezone);
  return {
    from: zoned(local.y, local.m, local.d, 0, 0, ctx.timezone),
    to: zoned(local.y, local.m, local.d + 1, 0, 0, ctx.timezone),
  };
}

// ---- pieces of commands ----

export const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/;
export const PHONE = /\+?\d[\d ().-]{5,}\d/;
const DOMAIN = /\b(?:https?:\/\/)?((?:[a-z0-9-]+\.)+[a-z]{2,})\b/i;
const PRONOUN = /^(him|her|them|it|this|that|this one|that one|the same)$/i;

export function clean(s: string): string {
  return s
    .trim()
    .replace(/^["'“”‘’]+|["'“”‘’]+$/g, '')
    .replace(/[.,;:!?]+$/, '')
    .trim();
}

/** A record named in the text, or the one last mentioned when the text is a pronoun. */
export function target(
  words: string,
  object: string | undefined,
  ctx: GrammarContext,
): { object?: string; id?: string; name?: string } | undefined {
  let w = clean(words).replace(/^(the|a|an|my|our) /i, '');
  // "the Initech lead", "the Onboarding project": the last word says the kind.
  const tail = w.match(new RegExp(`^(.+?)\\s+(${OBJECT_ALT})$`, 'i'));
  const named = tail ? objectOf(tail[2]) : undefined;
  if (tail && named && (!object || object === named || object === 'tasks')) {
    w = tail[1] as string;
    object = named;
  }
  const possessive = w.match(/^(his|her|their|its)$/i);
  if (PRONOUN.test(w) || possessive || !w) {
    const recent = object ? ctx.recent.find((r) => r.object === object) : ctx.recent[0];
    return recent ? { object: recent.object, id: recent.id } : undefined;
  }
  return { ...(object ? { object } : {}), name: w };
}

export function amountOf(text: string): { amount?: string; currency?: string } {
  const m = text.match(/([€$£])?\s?(\d[\d,]*(?:\.\d+)?)\s?(k|m)?\b\s*(eur|usd|gbp|pln|chf|€|\$|£)?/i);
  if (!m) return {};
  let value = Number((m[2] as string).replace(/,/g, ''));
  if (m[3]?.toLowerCase() === 'k') value *= 1000;
  if (m[3]?.toLowerCase() === 'm') value *= 1_000_000;
  const symbol = (m[1] ?? m[4] ?? '').toLowerCase();
  const currency = { '€': 'EUR', $: 'USD', '£': 'GBP' }[symbol] ?? (symbol ? symbol.toUpperCase() : undefined);
  return { amount: String(value), ...(currency ? { currency } : {}) };
}

export function splitName(full: string): { firstName: string; lastName?: string } {
  const parts = full.trim().split(/\s+/);
  const first = parts.shift() ?? full;
  return parts.length ? { firstName: first, lastName: parts.join(' ') } : { firstName: first };
}

/** Field words → field keys, by the kind of record. */
export function fieldKey(word: string, object: string | undefined): { key: string; object?: string } | undefined {
  const w = word
    .toLowerCase()
    .replace(/^new /, '')
    .replace(/(.) (number|address)$/, '$1');
  if (/^e-?mail$/.test(w)) return { key: 'email' };
  if (/^(phone|mobile|telephone|cell|number|new number)$/.test(w))
    return { key: object === 'contacts' || !object ? 'phones' : 'phone' };
  if (/^(job ?title|position|role)$/.test(w)) return { key: 'jobTitle', object: 'contacts' };
  if (w === 'title') return { key: object === 'tasks' ? 'title' : 'jobTitle' };
  if (/^(company|organi[sz]ation|employer)$/.test(w))
    return { key: object === 'leads' ? 'companyName' : 'organizationId' };
  if (/^(amount|value)$/.test(w)) return { key: 'amount', object: 'deals' };
  if (w === 'currency') return { key: 'currency', object: 'deals' };
  if (w === 'status') return { key: 'status' };
  if (w === 'priority') return { key: 'priority', object: 'tasks' };
  if (/^(due|due date|deadline)$/.test(w)) return { key: object === 'projects' ? 'dueDate' : 'dueAt' };
  if (/^(website|site|url)$/.test(w)) return { key: 'website' };
  if (w === 'domain') return { key: 'domain', object: 'organizations' };
  if (w === 'industry') return { key: 'industry' };
  if (/^(linkedin)$/.test(w)) return { key: 'linkedinUrl', object: 'contacts' };
  if (/^(first name)$/.test(w)) return { key: 'firstName', object: 'contacts' };
  if (/^(last name|surname)$/.test(w)) return { key: 'lastName', object: 'contacts' };
  if (/^(description)$/.test(w)) return { key: 'description' };
  if (/^(name)$/.test(w))
    return { key: object === 'contacts' ? 'firstName' : object === 'leads' ? 'contactName' : 'name' };
  return undefined;
}
export const FIELD_ALT =
  'e-?mail(?: address)?|phone(?: number)?|(?:new )?number|mobile(?: number)?|telephone(?: number)?|job ?title|title|position|company|organi[sz]ation|employer|amount|value|currency|status|priority|due date|due|deadline|website|site|url|domain|industry|linkedin|first name|last name|surname|description|name';

export function fieldValue(key: string, raw: string, ctx: GrammarContext): unknown {
  const v = clean(raw);
  if (key === 'email') return v.match(EMAIL)?.[0] ?? v;
  if (key === 'phones') return [v.match(PHONE)?.[0]?.trim() ?? v];
  if (key === 'phone') return v.match(PHONE)?.[0]?.trim() ?? v;
  if (key === 'amount') return amountOf(v).amount ?? v;
  if (key === 'dueAt') return parseWhen(v, ctx, 17) ?? v;
  if (key === 'dueDate') return (parseWhen(v, ctx) ?? v).slice(0, 10);
  if (key === 'status' || key === 'priority') return v.toLowerCase().replace(/\s+/g, '_');
  if (key === 'currency') return v.toUpperCase();
  return v;
}

// ---- the commands ----

export type Rule = (text: string, ctx: GrammarContext) => Understanding | undefined;

export const calls = (...list: PlannedCall[]): Understanding => ({ calls: list });

const rules: Rule[] = [
  // help
  (t) => (/^(help|\?|what can you do|commands|how does this work)\b/i.test(t) ? { text: HELP_TEXT } : undefined),

  // answers to an offer ("Shall I add their email?" → "yes, a@b.com")
  (t, ctx) => {
    const offer = ctx.lastAssistantText?.match(/Shall I add (?:their|his|her|its) (email|phone number)\?/i);
    const recent = ctx.recent[0];
    if (!offer || !recent) return undefined;
    if (/^(no|nope|no thanks|not now|don'?t)\b/i.test(t)) return { text: 'OK, I left it as it is.' };
    const m = t.match(
      /^(?:yes|yeah|yep|sure|ok|okay|please|go ahead)\b[\s,:.!-]*(?:(?:it'?s|it is|add|use)\s+)?(.*)$/i,
    );
    const value = m ? (m[1] as string) : t;
    const email = value.match(EMAIL)?.[0];
    const phone = value.match(PHONE)?.[0];
    if (offer[1]?.toLowerCase() === 'email' && email) {
      return calls({ toolName: 'update_record', input: { object: recent.object, id: recent.id, fields: { email } } });
    }
    if (offer[1]?.toLowerCase() !== 'email' && phone) {
      const key = recent.object === 'contacts' ? 'phones' : 'phone';
      return calls({
        toolName: 'update_record',
        input: {
          object: recent.object,
          id: recent.id,
          fields: { [key]: key === 'phones' ? [phone.trim()] : phone.trim() },
        },
      });
    }
    if (m) return { text: `What is it? Write the ${offer[1]?.toLowerCase()} and I'll add it.` };
    return undefined;
  },

  // everyday wording (offline-everyday.ts): counts and sums, periods, "X from Y as a contact", …
  ...everydayRules,

  // reminders: the time may come anywhere ("remind me in 2 hours to call Jan", "… tomorrow at 9")
  (t, ctx) => {
    const m = t.match(/^remind me (?:to |about |of )?(.+)$/i);
    if (!m) return undefined;
    const rest = m[1] as string;
    const found = findTime(rest.replace(/\bmorning\b/i, 'at 9am'), ctx);
    const title = clean(
      withoutTime(rest.replace(/\bmorning\b/i, 'at 9am'), found).replace(/^(?:to|about|of|that)\s+/i, ''),
    );
    const at = found?.at ?? parseWhen('tomorrow', ctx);
    return calls({ toolName: 'create_reminder', input: { title: title.charAt(0).toUpperCase() + title.slice(1), at } });
  },

  // calendar: what's on, free slots, scheduling, cancelling
  (t, ctx) => {
    const m = t.match(
      /^(?:what'?s|what is|show me|show)\s+(?:on\s+|my (?:calendar|agenda|schedule)\s*)(today|tomorrow|this week|next week|on \w+|\w+day|\d{4}-\d{2}-\d{2})?/i,
    );
    if (!m) return undefined;
    // The day may come anywhere ("what is on my calendar tomorrow"): the whole sentence is read.
    return calls({ toolName: 'whats_on', input: dayRange(m[1] ?? t, ctx) });
  },
  (t, ctx) => {
    const m = t.match(
      /^(?:find|when is|when are)\s+(?:a\s+)?(?:free\s+)?(?:slot|time)\s+(?:with|for)\s+(.+?)(?:\s+(today|tomorrow|this week|next week|on \w+))?(?:\s+for\s+(\d+)\s*(minutes?|mins?|hours?|h))?$/i,
    );
    if (!m) return undefined;
    const members = [
      'me',
      ...(m[1] as string)
        .split(/\s*(?:,|\band\b)\s*/)
        .map(clean)
        .filter(Boolean),
    ];
    const amount = Number(m[3] ?? 30);
    const minutes = /^h/i.test(m[4] ?? '') ? amount * 60 : amount;
    return calls({
      toolName: 'find_free_slot',
      input: { members, durationMinutes: minutes, ...dayRange(m[2] ?? 'this week', ctx) },
    });
  },
  (t, ctx) => {
    const m = t.match(/^(?:schedule|book|plan|add|create|new)\s+(?:an?\s+)?(?:meeting|event|call)\s+(.+)$/i);
    if (!m) return undefined;
    let rest = m[1] as string;
    const reminder = rest.match(/\s+remind(?: me)? (\d+) (minutes?|hours?) before$/i);
    if (reminder) rest = rest.slice(0, rest.length - reminder[0].length);
    const withWho = rest.match(/\s+with\s+(.+?)(?=\s+(?:today|tomorrow|on |next |at |in \d)|$)/i);
    if (withWho) rest = rest.replace(withWho[0], '');
    const when = rest.match(
      new RegExp(`\\s+((?:${DATE_PHRASE})(?:\\s*(?:${TIME_PHRASE}))?|(?:${TIME_PHRASE}))\\s*$`, 'i'),
    );
    if (when) rest = rest.slice(0, rest.length - when[0].length);
    const title = clean(rest.replace(/^(?:called|named|about|for)\s+/i, ''));
    const startAt = parseWhen(when?.[1] ?? 'tomorrow', ctx);
    const attendees = withWho
      ? (withWho[1] as string)
          .split(/\s*(?:,|\band\b)\s*/)
          .map(clean)
          .filter(Boolean)
      : [];
    const minutes = reminder ? Number(reminder[1]) * (/^h/i.test(reminder[2] as string) ? 60 : 1) : undefined;
    return calls({
      toolName: 'create_event',
      input: {
        title: title
          ? title.charAt(0).toUpperCase() + title.slice(1)
          : `Meeting${attendees.length ? ` with ${attendees.join(', ')}` : ''}`,
        startAt,
        ...(attendees.length ? { attendees } : {}),
        ...(minutes !== undefined ? { reminders: [minutes] } : {}),
      },
    });
  },
  (t, ctx) => {
    const m = t.match(/^(?:cancel|call off)\s+(?:the\s+)?(?:meeting|event|call)?\s*(.+)$/i);
    if (!m) return undefined;
    const ref = target(m[1] as string, 'events', ctx);
    if (!ref) return { text: 'Which event should I cancel?' };
    const { object: _o, ...rest } = ref;
    return calls({ toolName: 'cancel_event', input: rest });
  },
  (t, ctx) => {
    const m = t.match(/^(?:move|reschedule|push)\s+(?:the\s+)?(?:meeting|event|call)\s+(.+?)\s+to\s+(.+)$/i);
    if (!m) return undefined;
    const ref = target(m[1] as string, 'events', ctx);
    if (!ref) return undefined;
    const { object: _o, ...rest } = ref;
    return calls({ toolName: 'move_event', input: { ...rest, startAt: parseWhen(m[2] as string, ctx) } });
  },

  // my tasks
  (t) => {
    if (
      !/\b(my|i have|do i have)\b.*\b(tasks?|to-?dos?|agenda)\b|^(tasks|agenda)( for)? (today|this week)$|^what'?s on my (plate|agenda)/i.test(
        t,
      )
    )
      return undefined;
    const range = /\boverdue|late\b/i.test(t)
      ? 'overdue'
      : /\btoday|tonight\b/i.test(t)
        ? 'today'
        : /\b(this|the) week|next 7 days|weekly\b/i.test(t)
          ? 'this_week'
          : 'all';
    return calls({ toolName: 'my_tasks', input: { range } });
  },

  // summaries
  (t) =>
    /\bpipeline\b/i.test(t) && !/^(create|add|new)\b/i.test(t)
      ? calls({ toolName: 'pipeline_summary', input: {} })
      : undefined,
  (t) =>
    /\b(kpis?|key figures|dashboard|how are we doing|our numbers|metrics)\b/i.test(t)
      ? calls({ toolName: 'kpi_summary', input: {} })
      : undefined,

  // delete
  (t, ctx) => {
    const m = t.match(
      new RegExp(`^(?:please )?(?:delete|remove|trash|get rid of) (?:the )?(?:(${OBJECT_ALT}) )?(.+)$`, 'i'),
    );
    if (!m) return undefined;
    const ref = target(m[2] as string, objectOf(m[1]), ctx);
    return ref ? calls({ toolName: 'delete_record', input: ref }) : { text: 'Which record should I delete?' };
  },

  // restore
  (t, ctx) => {
    const m = t.match(
      new RegExp(`^(?:restore|undelete|recover|undo delete(?: of)?) (?:the )?(?:(${OBJECT_ALT}) )?(.+)$`, 'i'),
    );
    if (!m) return undefined;
    const ref = target(m[2] as string, objectOf(m[1]), ctx);
    if (ref?.id && ref.object) return calls({ toolName: 'restore_record', input: { object: ref.object, id: ref.id } });
    return { text: 'I can restore a record we just talked about ("restore it"), or open the Trash to restore others.' };
  },

  // convert a lead
  (t, ctx) => {
    const m = t.match(/^convert (?:the )?(?:lead )?(.+?)(?: (?:into|to) (?:a )?(?:contact|customer|deal).*)?$/i);
    if (!m) return undefined;
    const ref = target(m[1] as string, 'leads', ctx);
    if (!ref) return { text: 'Which lead should I convert?' };
    const { object: _o, ...rest } = ref;
    return calls({ toolName: 'convert_lead', input: rest });
  },

  // move a deal
  (t, ctx) => {
    const m = t.match(/^(?:move|advance|push) (?:the )?(?:deal )?(.+?) (?:to|into) (?:the )?(.+?)(?: stage)?$/i);
    if (!m) return undefined;
    const ref = target(m[1] as string, 'deals', ctx);
    if (!ref) return { text: 'Which deal should I move?' };
    const { object: _o, ...rest } = ref;
    return calls({ toolName: 'move_deal_stage', input: { ...rest, stage: clean(m[2] as string) } });
  },

  // assign
  (t, ctx) => {
    const m = t.match(new RegExp(`^(?:assign|give|hand over) (?:the )?(?:(${OBJECT_ALT}) )?(.+?) to (.+)$`, 'i'));
    if (!m) return undefined;
    const object = objectOf(m[1]) ?? 'tasks';
    const ref = target(m[2] as string, object, ctx);
    if (!ref) return { text: 'Which record should I assign?' };
    return calls({ toolName: 'assign', input: { object, ...ref, member: clean(m[3] as string) } });
  },

  // notes and activities
  (t, ctx) => {
    const m = t.match(
      /^(?:add|log|write|record|note)(?: down)? (?:an? )?(note|call|meeting|email|message)?\s*(?:to|on|for|with|about)? (.+?)\s*[:–—-]\s+(.+)$/i,
    );
    if (!m) return undefined;
    const ref = target(m[2] as string, undefined, ctx);
    if (!ref) return { text: 'Which record is the note for?' };
    const kind = (m[1] ?? 'note').toLowerCase();
    return calls({
      toolName: 'add_note',
      input: { ...ref, body: clean(m[3] as string), ...(kind !== 'note' ? { kind } : {}) },
    });
  },

  // mark a task done
  (t, ctx) => {
    const m = t.match(
      /^(?:mark|set) (?:the )?(?:task )?(.+?) (?:as )?(done|complete|completed|finished|in progress|blocked)$/i,
    );
    if (!m) return undefined;
    const ref = target(m[1] as string, 'tasks', ctx);
    if (!ref) return undefined;
    const status = /progress/i.test(m[2] as string)
      ? 'in_progress'
      : /blocked/i.test(m[2] as string)
        ? 'blocked'
        : 'done';
    return calls({ toolName: 'update_record', input: { object: 'tasks', ...ref, fields: { status } } });
  },

  // rename
  (t, ctx) => {
    const m = t.match(new RegExp(`^rename (?:the )?(?:(${OBJECT_ALT}) )?(.+?) to (.+)$`, 'i'));
    if (!m) return undefined;
    const ref = target(m[2] as string, objectOf(m[1]), ctx);
    if (!ref) return undefined;
    const object = ref.object ?? objectOf(m[1]);
    const name = clean(m[3] as string);
    const fields =
      object === 'contacts'
        ? splitName(name)
        : object === 'tasks'
          ? { title: name }
          : object === 'leads'
            ? { contactName: name }
            : { name };
    return calls({ toolName: 'update_record', input: { ...ref, ...(object ? { object } : {}), fields } });
  },

  // change a field: "set the email of X to Y", "change X's phone to Y", "add his phone number: Y"
  (t, ctx) => {
    let m = t.match(
      new RegExp(`^(?:set|change|update|make) (?:the )?(${FIELD_ALT}) (?:of|for|on) (.+?) (?:to|=) (.+)$`, 'i'),
    );
    let who: string | undefined;
    let field: string | undefined;
    let value: string | undefined;
    if (m) [, field, who, value] = m as unknown as [string, string, string, string];
    if (!m) {
      m = t.match(new RegExp(`^(?:set|change|update) (.+?)(?:'s|’s) (${FIELD_ALT}) (?:to|=) (.+)$`, 'i'));
      if (m) [, who, field, value] = m as unknown as [string, string, string, string];
    }
    if (!m) {
      m = t.match(
        new RegExp(
          `^(?:add|set|update|change|save) (his|her|their|its|the) (${FIELD_ALT})(?: to| is| as)?\\s*[:=]?\\s*(.+)$`,
          'i',
        ),
      );
      if (m) [, who, field, value] = m as unknown as [string, string, string, string];
    }
    if (!m) {
      m = t.match(new RegExp(`^(?:add|set) (?:the )?(${FIELD_ALT}) (.+?) (?:to|for|on) (.+)$`, 'i'));
      if (m) [, field, value, who] = m as unknown as [string, string, string, string];
    }
    if (!m || !who || !field || value === undefined) return undefined;
    const hint = fieldKey(field, undefined);
    const ref = target(who === 'the' ? 'it' : who, hint?.object, ctx);
    if (!ref) return { text: `Whose ${field} should I change?` };
    const key = fieldKey(field, ref.object ?? hint?.object);
    if (!key) return undefined;
    return calls({
      toolName: 'update_record',
      input: { ...ref, fields: { [key.key]: fieldValue(key.key, value, ctx) } },
    });
  },

  // create
  (t, ctx) => {
    const m = t.match(
      new RegExp(
        `^(?:please )?(?:create|add|new|make|register|save) (?:a |an )?(?:new )?(${OBJECT_ALT})\\b[:\\s]*(?:called |named |for )?(.*)$`,
        'i',
      ),
    );
    if (!m) return undefined;
    const object = objectOf(m[1]) as string;
    const rest = (m[2] as string).trim();
    if (!rest) return { text: `What should the new ${SINGULAR[object]} be called?` };
    return calls({ toolName: 'create_record', input: { object, fields: createFields(object, rest, ctx) } });
  },

  // list
  (t) => {
    const m = t.match(
      new RegExp(
        `^(?:list|show|show me|get|give me|what are)(?: all)?( my)?(?: (open|won|lost|new|qualified|active|completed|planned|in progress))? (${OBJECT_ALT})$`,
        'i',
      ),
    );
    if (!m) return undefined;
    const object = objectOf(m[3]) as string;
    const status = m[2]?.toLowerCase().replace(' ', '_').replace('active', 'in_progress');
    return calls({
      toolName: 'list_records',
      input: { object, ...(m[1] ? { mine: true } : {}), ...(status ? { filters: { status } } : {}) },
    });
  },

  // find
  (t, ctx) => {
    const m = t.match(
      new RegExp(
        `^(?:find|search(?: for)?|look ?up|who is|where is|show(?: me)?|open|get|details (?:of|for)|tell me about|what do we know about|info on|information on|pull up) (?:the )?(?:(${OBJECT_ALT}) )?(?:named |called |with |for |everyone at |everyone from |people at |people from )?(.+)$`,
        'i',
      ),
    );
    if (!m) return undefined;
    const object = objectOf(m[1]);
    const query = clean(m[2] as string);
    const ref = target(query, object, ctx);
    if (ref?.id) return calls({ toolName: 'get_record', input: { ...ref, related: true } });
    if (/^(show|open|details|who|where|tell|what do we know|info|information|pull)/i.test(t) && !object)
      return calls({ toolName: 'get_record', input: { name: query, related: true } });
    if (object) return calls({ toolName: 'list_records', input: { object, query } });
    return calls({ toolName: 'search_records', input: { query } });
  },
];

export function createFields(object: string, rest: string, ctx: GrammarContext): Record<string, unknown> {
  const email = rest.match(EMAIL)?.[0];
  let text = email ? rest.replace(email, ' ') : rest;
  // Only people have phone numbers here; elsewhere digits are amounts and dates.
  const phone = object === 'contacts' || object === 'leads' ? text.match(PHONE)?.[0]?.trim() : undefined;
  if (phone) text = text.replace(phone, ' ');
  // The name runs to the first comma or keyword; the rest are attributes.
  const at = text.match(/\b(?:at|from|with|for|of) ([A-Z0-9][\w&.'\- ]*?)(?=,|$| due\b| worth\b| priority\b)/);
  const cut = text.search(
    /,|\s(?:at|from|with|for|worth|due|of|in project|priority|high priority|low priority|urgent)\b/i,
  );
  const name = clean((cut >= 0 ? text.slice(0, cut) : text).replace(/\s+/g, ' '));
  const org = at?.[1]?.trim();
  switch (object) {
    case 'contacts':
      return {
        ...splitName(name),
        ...(email ? { email } : {}),
        ...(phone ? { phones: [phone] } : {}),
        ...(org ? { organizationId: org } : {}),
      };
    case 'organizations': {
      const domain = text.match(DOMAIN)?.[1];
      const orgName = clean(domain && name.includes(domain) ? name.replace(domain, '') : name);
      return { name: orgName || (domain as string), ...(domain ? { domain: domain.toLowerCase() } : {}) };
    }
    case 'leads':
      return {
        contactName: name,
        ...(org ? { companyName: org } : {}),
        ...(email ? { email } : {}),
        ...(phone ? { phone } : {}),
      };
    case 'deals': {
      const money = text.match(/\b(?:worth|for|of|at)\s+([€$£]?\s?\d[\d,.]*\s?[km]?\b\s*(?:eur|usd|gbp|pln|chf)?)/i);
      const withOrg = text.match(/\b(?:with|for) ([A-Z][\w&.'\- ]*?)(?=,|$)/);
      return {
        name,
        ...(money ? amountOf(money[1] as string) : {}),
        ...(withOrg && !/^\d/.test(withOrg[1] as string) ? { organizationId: (withOrg[1] as string).trim() } : {}),
      };
    }
    case 'projects': {
      const due = text.match(/\bdue (.+?)(?=,|$)/i);
      const forOrg = text.match(/\bfor ([A-Z][\w&.'\- ]*?)(?=,|$| due\b)/);
      return {
        name,
        ...(forOrg ? { organizationId: (forOrg[1] as string).trim() } : {}),
        ...(due ? { dueDate: (parseWhen(due[1] as string, ctx) ?? (due[1] as string)).slice(0, 10) } : {}),
      };
    }
    default: {
      // Tasks: "call Jan tomorrow at 9 high priority", "send offer due friday in project Onboarding"
      let body = rest;
      const priority = body.match(
        /\b(?:(low|medium|high|urgent) priority|priority (low|medium|high|urgent)|(urgent))\b/i,
      );
      if (priority) body = body.replace(priority[0], ' ');
      const project = body.match(/\b(?:in|for) project (.+?)(?=,|$| due\b)/i);
      if (project) body = body.replace(project[0], ' ');
      const when = body.match(
        new RegExp(`\\s(?:due\\s+)?((?:${DATE_PHRASE})(?:\\s*(?:${TIME_PHRASE}))?|(?:${TIME_PHRASE}))\\s*$`, 'i'),
      );
      if (when) body = body.slice(0, body.length - when[0].length);
      const title = clean(body.replace(/\s+/g, ' ').replace(/\bdue$/i, ''));
      const dueAt = when ? parseWhen(when[1] as string, ctx, 17) : undefined;
      const p = (priority?.[1] ?? priority?.[2] ?? priority?.[3])?.toLowerCase();
      return {
        title: title.charAt(0).toUpperCase() + title.slice(1),
        ...(dueAt ? { dueAt } : {}),
        ...(p ? { priority: p } : {}),
        ...(project ? { projectId: clean(project[1] as string) } : {}),
      };
    }
  }
}

/** What the user asked for, as tool calls, or a reply when no tool is needed. */
export function understand(utterance: string, ctx: GrammarContext): Understanding {
  const said = utterance.trim().replace(/\s+/g, ' ');
  // A contraction opening the sentence is written out ("what's" → "what is"); the rest of the text,
  // which may be a note's body, stays as typed.
  const [first = '', ...others] = said.split(' ');
  const opened = /['’]/.test(first) ? [expandContractions(first), ...others].join(' ') : said;
  const text = withoutFiller(opened).replace(/[.!]+$/, '');
  if (!text) return { text: HELP_TEXT };
  for (const rule of rules) {
    const result = rule(text, ctx);
    if (result) return result;
  }
  return {
    text: `I'm in offline mode and didn't understand "${text.slice(0, 200)}". Type **help** to see the commands I know, or ask an admin to add a model provider in Settings → AI.`,
  };
}

// ---- replies from tool results ----

interface ToolOutcome {
  toolName: string;
  output: unknown;
  denied?: boolean;
}

type Compact = { object: string; id: string; name: string; link: string; fields?: Record<string, unknown> };

const link = (r: Compact) => `[${(r.name || 'untitled').replace(/[[\]]/g, '')}](${r.link})`;

function formatValue(v: unknown): string {
  if (Array.isArray(v)) return v.map(formatValue).join(', ');
  if (v === null || v === undefined) return 'empty';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export function reply(outcomes: ToolOutcome[]): string {
  return outcomes.map(replyOne).join('\n\n');
}

function replyOne({ toolName, output, denied }: ToolOutcome): string {
  if (denied) {
    if (toolName === 'cancel_event') return 'OK, the event stays.';
    return toolName.startsWith('bulk') ? 'OK, I changed nothing.' : 'OK, I did not delete it.';
  }
  const o = (output ?? {}) as Record<string, unknown> & { ok?: boolean; error?: { message?: string } };
  if (o.ok === false) return `I couldn't do that: ${o.error?.message ?? 'something went wrong'}`;
  switch (toolName) {
    case 'create_record':
    case 'create_reminder': {
      const r = o.created as Compact;
      const what = SINGULAR[r.object] ?? 'record';
      if (toolName === 'create_reminder') return `OK, I'll remind you: ${link(r)} (${formatValue(r.fields?.dueAt)}).`;
      let text = `Created ${what} ${link(r)}.`;
      if (r.object === 'contacts' && !r.fields?.email) text += ' Shall I add their email?';
      else if (r.object === 'contacts' && !r.fields?.phones) text += ' Shall I add their phone number?';
      return text;
    }
    case 'update_record':
    case 'move_deal_stage':
    case 'assign': {
      const r = o.updated as Compact;
      const changed = (o.changed ?? {}) as Record<string, unknown>;
      const shown =
        toolName === 'move_deal_stage'
          ? `stage → ${String(o.stage)}`
          : Object.entries(changed)
              .map(([k, v]) => `${k} → ${formatValue(v)}`)
              .join(', ');
      return `Updated ${link(r)}: ${shown}.`;
    }
    case 'delete_record':
      return `Moved ${link(o.deleted as Compact)} to the trash. Say "restore it" to undo.`;
    case 'restore_record':
      return `Restored ${link(o.restored as Compact)}.`;
    case 'add_note':
      return `Added a note to ${link(o.on as Compact)}.`;
    case 'convert_lead': {
      const made = ['organization', 'contact', 'deal']
        .map((k) => o[k] as Compact | null)
        .filter((r): r is Compact => !!r)
        .map(link);
      return `Converted the lead: ${made.join(', ')}.`;
    }
    case 'search_records':
    case 'list_records': {
      const list = (o.results ?? o.records ?? []) as Compact[];
      if (!list.length) return 'I found nothing that matches.';
      const total =
        typeof o.total === 'number' && o.total > list.length ? ` (showing ${list.length} of ${o.total})` : '';
      return `Found ${list.length}${total}:\n${list.map((r) => `- ${link(r)}${r.object && toolName === 'search_records' ? ` · ${SINGULAR[r.object] ?? r.object}` : ''}`).join('\n')}`;
    }
    case 'count_records': {
      const what = String(o.object ?? 'records');
      const n = Number(o.count ?? 0);
      const noun = n === 1 ? (SINGULAR[what] ?? what) : what;
      const sums = (o.sums ?? []) as Array<{ currency: string | null; amount: string }>;
      if (!sums.length) return `${n.toLocaleString('en-GB')} ${noun}.`;
      const money = sums
        .map((x) =>
          `${Number(x.amount).toLocaleString('en-GB', { maximumFractionDigits: 2 })} ${x.currency ?? ''}`.trim(),
        )
        .join(' + ');
      return `${n.toLocaleString('en-GB')} ${noun}, worth ${money} in total.`;
    }
    case 'get_record': {
      const r = o.record as Compact;
      const fields = Object.entries(r.fields ?? {})
        .filter(([k]) => !['ownerId', 'createdAt', 'updatedAt', 'tags'].includes(k))
        .slice(0, 12)
        .map(([k, v]) => `- **${k}**: ${formatValue(v)}`);
      return `${link(r)}\n${fields.join('\n')}`;
    }
    case 'my_tasks': {
      const tasks = (o.tasks ?? []) as Compact[];
      if (!tasks.length) return 'You have no open tasks in that range.';
      return `You have ${tasks.length} open task${tasks.length === 1 ? '' : 's'}:\n${tasks
        .map((r) => `- ${link(r)}${r.fields?.dueAt ? ` — due ${formatValue(r.fields.dueAt)}` : ''}`)
        .join('\n')}`;
    }
    case 'pipeline_summary': {
      const pipelines = (o.pipelines ?? []) as Array<{
        name: string;
        stages: Array<{ stage: string; deals: number; amount: string }>;
      }>;
      return pipelines
        .map(
          (p) =>
            `**${p.name}**\n\n| Stage | Deals | Amount |\n| --- | ---: | ---: |\n${p.stages.map((s) => `| ${s.stage} | ${s.deals} | ${s.amount} |`).join('\n')}`,
        )
        .join('\n\n');
    }
    case 'kpi_summary': {
      const deals = (o.deals ?? {}) as Record<string, { count: number; amount: string }>;
      const leads = (o.leads ?? {}) as Record<string, number>;
      const tasks = (o.tasks ?? { open: 0, overdue: 0 }) as { open: number; overdue: number };
      return [
        `- **Deals**: ${
          Object.entries(deals)
            .map(([k, v]) => `${v.count} ${k} (${v.amount})`)
            .join(', ') || 'none'
        }`,
        `- **Leads**: ${
          Object.entries(leads)
            .map(([k, v]) => `${v} ${k}`)
            .join(', ') || 'none'
        }`,
        `- **Tasks**: ${tasks.open} open, ${tasks.overdue} overdue`,
      ].join('\n');
    }
    case 'whats_on': {
      const items = (o.items ?? []) as Compact[];
      if (!items.length) return 'Nothing on then.';
      return items
        .map((i) => {
          const start = String(i.fields?.start ?? '');
          const time = /T(\d{2}:\d{2})/.exec(start)?.[1] ?? '';
          return `- ${start.slice(0, 10)} ${time} ${i.object === 'tasks' ? `task: ${link(i)}` : `**${i.name}**`}${i.fields?.location ? ` (${formatValue(i.fields.location)})` : ''}`;
        })
        .join('\n');
    }
    case 'find_free_slot': {
      const slots = (o.slots ?? []) as Array<{ start: string; end: string }>;
      if (!slots.length) return 'I found no free time for everyone in that period (weekdays 09:00–17:00).';
      return `Everyone is free:\n${slots.map((s) => `- ${s.start.slice(0, 10)} ${s.start.slice(11, 16)}–${s.end.slice(11, 16)}`).join('\n')}`;
    }
    case 'create_event': {
      const r = o.created as Compact;
      return `Scheduled **${r.name}** for ${formatValue(r.fields?.startAt).replace('T', ' ').slice(0, 16)}. It's on your [calendar](/calendar).`;
    }
    case 'move_event':
      return `Moved **${(o.updated as Compact).name}** to ${formatValue((o.changed as Record<string, unknown>)?.startAt)}.`;
    case 'cancel_event':
      return `Cancelled **${(o.deleted as Compact).name}**.`;
    case 'bulk_update_records':
      return `Updated ${String(o.updated)} record(s).`;
    case 'bulk_delete_records':
      return `Moved ${String(o.deleted)} record(s) to the trash.`;
    default:
      return 'Done.';
  }
}
