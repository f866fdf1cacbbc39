// Everyday wording for the offline model, the way salespeople write: counts and sums over any
// object ("how many open deals over 10k", "pipeline value this quarter"), periods ("closing this
// month", "due next week", "anything overdue?"), "Maria Chen from Acme as a contact", "we won X",
// "Anna's phone is …", "postpone X to next Monday 11:00", "bring her back". Dates are chrono-node's
// and names compromise's (offline-language.ts); the rules only decide which tool a sentence means.
import {
  amountOf,
  calls,
  clean,
  createFields,
  EMAIL,
  FIELD_ALT,
  fieldKey,
  fieldValue,
  type GrammarContext,
  OBJECT_ALT,
  objectOf,
  type Rule,
  target,
  type Understanding,
} from './offline-grammar.ts';
import { findPeriod, findTime, peopleIn, withoutTime } from './offline-language.ts';

type Where = { field: string; op: string; value: string };

/** The kind of record a question is about: the first object word in it. */
function objectIn(text: string): string | undefined {
  const m = text.match(new RegExp(`\\b(${OBJECT_ALT})\\b`, 'i'));
  return objectOf(m?.[1]);
}

const STATUS_WORDS: Record<string, Record<string, string>> = {
  deals: { open: 'open', won: 'won', lost: 'lost', active: 'open' },
  leads: { new: 'new', contacted: 'contacted', qualified: 'qualified' },
  tasks: { open: 'open', done: 'done', completed: 'done', blocked: 'blocked' },
  projects: { active: 'in_progress', completed: 'completed', planned: 'planned' },
};

/** The date field a period applies to, by kind ("closing this month" → a deal's close date). */
function dateField(object: string, text: string): { field: string; date: boolean } {
  if (object === 'deals' && !/\b(created|added|new)\b/i.test(text)) return { field: 'closeDate', date: true };
  if (object === 'tasks') return { field: 'dueAt', date: false };
  if (object === 'projects' && /\bdue\b/i.test(text)) return { field: 'dueDate', date: true };
  return { field: 'createdAt', date: false };
}

/** Status, owner, amount and period conditions a question states, as list filters. */
function conditions(object: string, text: string, ctx: GrammarContext) {
  const where: Where[] = [];
  const filters: Record<string, string> = {};
  const statuses = STATUS_WORDS[object] ?? {};
  // "What did we win", "revenue": won deals.
  const said =
    object === 'deals' ? text.replace(/\b(?:did|have) we (?:win|won|close|closed)\b|\brevenue\b/i, ' won ') : text;
  const status = Object.keys(statuses).find((w) => new RegExp(`\\b${w}\\b`, 'i').test(said));
  if (status) {
    // An open task is any not done.
    if (object === 'tasks' && status === 'open') where.push({ field: 'status', op: 'ne', value: 'done' });
    else filters.status = statuses[status] as string;
  } else if (object === 'deals' && /\bpipeline\b/i.test(text)) filters.status = 'open';
  const over = text.match(
    /\b(?:over|above|more than|greater than|bigger than|at least|>=?)\s*([€$£]?\s?\d[\d,.]*\s?[km]?)/i,
  );
  const under = text.match(/\b(?:under|below|less than|smaller than|at most|<=?)\s*([€$£]?\s?\d[\d,.]*\s?[km]?)/i);
  if (over)
    where.push({
      field: 'amount',
      op: /at least|>=/i.test(over[0]) ? 'gte' : 'gt',
      value: amountOf(over[1] as string).amount ?? '0',
    });
  if (under)
    where.push({
      field: 'amount',
      op: /at most|<=/i.test(under[0]) ? 'lte' : 'lt',
      value: amountOf(under[1] as string).amount ?? '0',
    });
  const period = findPeriod(text, ctx);
  if (period) {
    const { field, date } = dateField(object, text);
    const day = (iso: string) => (date ? iso.slice(0, 10) : iso);
    where.push({ field, op: 'gte', value: day(period.from) }, { field, op: 'lt', value: day(period.to) });
  }
  if (/\boverdue\b|\blate\b|\bpast due\b/i.test(text) && (object === 'tasks' || object === 'projects')) {
    where.push({
      field: object === 'tasks' ? 'dueAt' : 'dueDate',
      op: 'lt',
      value: object === 'tasks' ? ctx.now.toISOString() : ctx.now.toISOString().slice(0, 10),
    });
    if (object === 'tasks' && !status) where.push({ field: 'status', op: 'ne', value: 'done' });
  }
  const mine = /\b(my|mine|i have|do i|i own)\b/i.test(text);
  return {
    ...(Object.keys(filters).length ? { filters } : {}),
    ...(where.length ? { where } : {}),
    ...(mine ? { mine: true } : {}),
  };
}

/** "How many …", "number of …", "total value / sum / worth of …", "pipeline value …". */
const countsAndSums: Rule = (t, ctx) => {
  // "Set the amount of …" is a change, not a question.
  if (/^(?:set|change|update|make|rename|add|create|put)\b/i.test(t)) return undefined;
  const counting = /^(?:how many|count|number of|what is the number of|total number of)\b/i.test(t);
  const summing =
    /^total (?:won|lost|open|revenue|sales)\b|\b(?:did|have) we (?:win|won|close|closed)\b|\brevenue\b|\b(?:total|sum|combined|overall)\b.*\b(?:value|amount|worth|revenue)\b|\b(?:value|worth|amount) of\b|^(?:pipeline|deal) value\b|\bpipeline (?:value|worth|total)\b|\bhow much\b.*\b(deals?|pipeline)\b/i.test(
      t,
    );
  if (!counting && !summing) return undefined;
  const object = objectIn(t) ?? (summing || /\bpipeline\b/i.test(t) ? 'deals' : undefined);
  if (!object) return undefined;
  return calls({
    toolName: 'count_records',
    input: { object, ...conditions(object, t, ctx), ...(summing && object === 'deals' ? { sum: 'amount' } : {}) },
  });
};

/** "What deals are closing this month?", "tasks due next week", "which leads came in this week". */
const listsOverPeriods: Rule = (t, ctx) => {
  if (!/^(?:what|which|show|list|any|are there|get|give me|find)\b/i.test(t)) return undefined;
  // "My tasks today / this week / overdue" is the user's own task list (my_tasks).
  if (/\bmy (?:overdue |open )?(?:tasks?|to-?dos?)\b/i.test(t)) return undefined;
  const object = objectIn(t) ?? (/\bdue\b|\boverdue\b/i.test(t) ? 'tasks' : undefined);
  if (!object) return undefined;
  const c = conditions(object, t, ctx);
  if (!c.where?.length) return undefined;
  return calls({
    toolName: 'list_records',
    input: { object, ...c, sort: object === 'deals' ? 'closeDate' : undefined },
  });
};

/** "Anything overdue?", "what's overdue", "what is late". */
const overdue: Rule = (t) =>
  /^(?:is there |are there |do i have )?(?:anything|something|what is|what|any tasks?)\s*(?:that is |still )?(?:overdue|late|past due)\??$/i.test(
    t,
  )
    ? calls({ toolName: 'my_tasks', input: { range: 'overdue' } })
    : undefined;

/** "Add Maria Chen from Acme as a contact", "save Tom Hardy at Initech as a new lead". */
const addAs: Rule = (t, ctx) => {
  const m = t.match(
    new RegExp(
      `^(?:please )?(?:add|create|save|put|enter|make|register)\\s+(.+?)\\s+(?:as|to|into|in)\\s+(?:a |an |the |my |our )?(?:new )?(${OBJECT_ALT})(?: list)?$`,
      'i',
    ),
  );
  if (!m) return undefined;
  const object = objectOf(m[2]) as string;
  return calls({ toolName: 'create_record', input: { object, fields: createFields(object, m[1] as string, ctx) } });
};

/** "Create a task to send Maria the quote tomorrow", "remind… " handled elsewhere; titles made clean. */
const taskTo: Rule = (t, ctx) => {
  const m = t.match(
    /^(?:please )?(?:create|add|make|set up|new)\s+(?:a |an )?(?:new )?(?:task|to-?do)\s+(?:to|for me to|that i should|so i|about)\s+(.+)$/i,
  );
  if (!m) return undefined;
  const found = findTime(m[1] as string, ctx, 17);
  const priority = (m[1] as string).match(/\b(low|medium|high|urgent)(?: priority)?\b/i)?.[1]?.toLowerCase();
  const title = clean(
    withoutTime(m[1] as string, found).replace(/\b(?:with )?(?:low|medium|high|urgent) priority\b/i, ''),
  );
  return calls({
    toolName: 'create_record',
    input: {
      object: 'tasks',
      fields: {
        title: title.charAt(0).toUpperCase() + title.slice(1),
        ...(found ? { dueAt: found.at } : {}),
        ...(priority ? { priority } : {}),
      },
    },
  });
};

/** "Schedule a meeting with Maria next Tuesday at 10", "book a call with Anna and Jan on Friday 3pm about pricing". */
const meetingWith: Rule = (t, ctx) => {
  const m =
    t.match(
      /^(?:please )?(?:schedule|book|set up|arrange|plan|add|create|put in)\s+(?:an? |the )?(meeting|call|event|demo|lunch|review)\s+(.*)$/i,
    ) ?? t.match(/^(?:an? )?(meeting|call|demo|lunch)\s+(with\s+.+)$/i);
  if (!m) return undefined;
  const rest = m[2] as string;
  if (!/^(?:with|for|on|at|next|this|tomorrow|today|in)\b/i.test(rest) && !/\bwith\b/i.test(rest)) return undefined;
  const found = findTime(rest, ctx, 9);
  let words = withoutTime(rest, found);
  const about = words.match(/\s+(?:about|re|regarding|to discuss)\s+(.+)$/i);
  if (about) words = words.slice(0, words.length - about[0].length);
  const who = words.match(/(?:^|\s)with\s+(.+)$/i);
  const attendees = who
    ? (who[1] as string)
        .split(/\s*(?:,|\band\b|&)\s*/)
        .map(clean)
        .filter(Boolean)
    : [];
  const named = clean(
    (who ? words.slice(0, words.length - who[0].length) : words).replace(/^(?:called|named|titled)\s+/i, ''),
  );
  const kind = (m[1] as string).toLowerCase();
  const base = kind.charAt(0).toUpperCase() + kind.slice(1);
  const title = about
    ? `${base}: ${clean(about[1] as string)}`
    : named || (attendees.length ? `${base} with ${attendees.join(', ')}` : base);
  return calls({
    toolName: 'create_event',
    input: {
      title: title.charAt(0).toUpperCase() + title.slice(1),
      startAt: found?.at ?? (findTime('tomorrow at 9', ctx) as { at: string }).at,
      ...(attendees.length ? { attendees } : {}),
    },
  });
};

/** "We won Acme Website!", "we lost the Initech deal", "Acme Website is won", "close Acme Website as lost". */
const wonOrLost: Rule = (t, ctx) => {
  let outcome: string | undefined;
  let name: string | undefined;
  const direct = t.match(/^(?:we(?: have| just)?|i(?: have| just)?)\s+(won|lost)\s+(?:the\s+)?(.+?)(?:\s+deal)?$/i);
  const marked = t.match(/^(?:mark|close|set)\s+(?:the\s+)?(?:deal\s+)?(.+?)(?:\s+deal)?\s+(?:as\s+)?(won|lost)$/i);
  const state = t.match(/^(?:the\s+)?(.+?)(?:\s+deal)?\s+(?:is|was|has been)\s+(won|lost|closed won|closed lost)$/i);
  if (direct) [, outcome, name] = direct;
  else if (marked) [, name, outcome] = marked;
  else if (state) [, name, outcome] = state;
  if (!outcome || !name) return undefined;
  const stage = /lost/i.test(outcome) ? 'Lost' : 'Won';
  const ref = target(name, 'deals', ctx);
  if (!ref) return { text: 'Which deal?' };
  const { object: _o, ...rest } = ref;
  return calls({ toolName: 'move_deal_stage', input: { ...rest, stage } });
};

/** "Push the Globex Rollout deal to negotiation", "move the Acme deal to proposal". */
const dealToStage: Rule = (t, ctx) => {
  const m = t.match(
    /^(?:move|advance|push|bump|progress|take)\s+(?:the\s+)?(.+?)\s+deal\s+(?:to|into|on to|onto)\s+(?:the\s+)?(.+?)(?:\s+stage)?$/i,
  );
  if (!m) return undefined;
  const ref = target(m[1] as string, 'deals', ctx);
  if (!ref) return undefined;
  const { object: _o, ...rest } = ref;
  return calls({ toolName: 'move_deal_stage', input: { ...rest, stage: clean(m[2] as string) } });
};

/** "Anna Nowak's phone is +48 …", "Maria's email is maria@acme.com", "his email is …". */
const possessiveIs: Rule = (t, ctx) => {
  const m = t.match(
    new RegExp(`^(.+?)(?:['’]s|\\s+(his|her|their))?\\s+(${FIELD_ALT})\\s+(?:is|=|:)\\s*(?:now\\s+)?(.+)$`, 'i'),
  );
  if (!m) return undefined;
  const who = (m[1] as string).replace(/['’]s$/i, '');
  const pronoun = /^(his|her|their|its)$/i.test(who);
  // The subject must be a person, a pronoun or a record name, not a question ("what is …").
  if (!pronoun && !/['’]s\s/i.test(t) && !peopleIn(t).length) return undefined;
  if (/^(what|which|who|how|where|when)\b/i.test(who)) return undefined;
  const field = m[3] as string;
  const hint = fieldKey(field, undefined);
  const ref = target(pronoun ? 'it' : who, hint?.object ?? 'contacts', ctx);
  if (!ref) return { text: `Whose ${field} is it?` };
  const key = fieldKey(field, ref.object ?? hint?.object ?? 'contacts');
  if (!key) return undefined;
  const value = m[4] as string;
  if (key.key === 'email' && !EMAIL.test(value)) return undefined;
  return calls({
    toolName: 'update_record',
    input: {
      ...ref,
      ...(ref.object ? {} : { object: 'contacts' }),
      fields: { [key.key]: fieldValue(key.key, value, ctx) },
    },
  });
};

/** "Postpone Quarterly review to next Monday 11:00", "reschedule the demo to friday 3pm", "move my 1:1 to tomorrow". */
const postpone: Rule = (t, ctx) => {
  const m = t.match(
    /^(?:postpone|reschedule|push back|push|delay|move|shift|bring forward)\s+(?:the\s+|my\s+)?(?:meeting\s+|event\s+|call\s+)?(.+?)\s+(?:to|until|till|for)\s+(.+)$/i,
  );
  if (!m) return undefined;
  const found = findTime(m[2] as string, ctx, 9);
  // "Move X to Negotiation" is a deal's stage, not a time.
  if (!found) return undefined;
  const ref = target((m[1] as string).replace(/\s+(?:meeting|event|call)$/i, ''), 'events', ctx);
  if (!ref) return undefined;
  const { object: _o, ...rest } = ref;
  return calls({ toolName: 'move_event', input: { ...rest, startAt: found.at } });
};

/** "Actually, bring her back", "undo that", "bring it back", "undelete him". */
const bringBack: Rule = (_t, ctx) => {
  const t = _t.replace(/^(?:actually|oh|oops|wait|sorry|hmm)[,!.\s]+/i, '');
  if (
    !/^(?:please\s+)?(?:bring (?:him|her|it|them|that) back|undo (?:that|it|the delete|the deletion)|undo|put (?:him|her|it|them) back|undelete (?:him|her|it|them))$/i.test(
      t,
    )
  )
    return undefined;
  const recent = ctx.recent[0];
  if (!recent) return { text: 'I can restore a record we just talked about, or open the Trash to restore others.' };
  return calls({ toolName: 'restore_record', input: { object: recent.object, id: recent.id } });
};

/** Leading filler a person types before the command: "please", "can you", "could you", "hey,". */
export function withoutFiller(text: string): string {
  return text
    .replace(/^(?:hey|hi|ok|okay|so|and|also)[,!\s]+/i, '')
    .replace(/^(?:can|could|would|will) you(?: please)?\s+/i, '')
    .replace(/^(?:please|pls|kindly)\s+/i, '')
    .replace(/^i (?:want|need|would like|'d like) (?:you )?to\s+/i, '')
    .replace(/\s+(?:please|for me|thanks|thank you)[.!]*$/i, (end) => (text.includes(':') ? end : ''))
    .replace(/[?!.]+$/, '')
    .trim();
}

/** "Thanks!", "hello": a word back, no tool. */
const smallTalk: Rule = (t) => {
  if (/^(?:thanks|thank you|thx|cheers|great|perfect|awesome|nice)(?: a lot| so much)?$/i.test(t))
    return { text: "You're welcome." };
  if (/^(?:hi|hello|hey|good (?:morning|afternoon|evening))$/i.test(t)) {
    return { text: 'Hello! Tell me what to do, e.g. "add Maria Chen from Acme as a contact", or type **help**.' };
  }
  return undefined;
};

/** "What do I have tomorrow", "what meetings do I have this week", "what is happening on Friday". */
const agenda: Rule = (t, ctx) => {
  if (
    !/^(?:what (?:do i have|have i got|is happening|is planned)|what (?:meetings|events|calls|appointments)|(?:any|do i have (?:any )?)(?:meetings|events|calls|appointments))\b/i.test(
      t,
    )
  )
    return undefined;
  const period = findPeriod(t, ctx);
  const found = period ? undefined : findTime(t, ctx, 0);
  const day = found ? found.at.slice(0, 10) : undefined;
  const range = period
    ? { from: period.from, to: period.to }
    : day
      ? (findPeriod('today', { ...ctx, now: new Date(found?.at as string) }) as { from: string; to: string })
      : (findPeriod('today', ctx) as { from: string; to: string });
  return calls({ toolName: 'whats_on', input: { from: range.from, to: range.to } });
};

/** "Show me the biggest deals", "top deals", "largest open deals". */
const biggest: Rule = (t, ctx) => {
  const m = t.match(/\b(?:biggest|largest|top|highest(?: value)?|most valuable)\b.*?\b(deals?|opportunit(?:y|ies))\b/i);
  if (!m) return undefined;
  const c = conditions('deals', t, ctx);
  return calls({ toolName: 'list_records', input: { object: 'deals', ...c, sort: '-amount', limit: 10 } });
};

/** "I finished Send offer", "done with the task Call Jan", "completed Prepare slides". */
const finished: Rule = (t, ctx) => {
  const m = t.match(
    /^(?:i(?: have| just| am)?\s+)?(?:finished|completed|done with|did)\s+(?:the\s+)?(?:task\s+)?(.+)$/i,
  );
  if (!m) return undefined;
  const ref = target(m[1] as string, 'tasks', ctx);
  if (!ref) return undefined;
  return calls({ toolName: 'update_record', input: { object: 'tasks', ...ref, fields: { status: 'done' } } });
};

/** "When am I free with Anna tomorrow", "when are we free, Anna and Jan, this week". */
const whenFree: Rule = (t, ctx) => {
  const m = t.match(
    /^when (?:am i|are we|is everyone|are (.+?)) free\b(?:\s+(?:with|for)\s+(.+?))?(?:\s+(today|tomorrow|this week|next week|on \w+))?(?:\s+for\s+(\d+)\s*(minutes?|mins?|hours?|h))?$/i,
  );
  if (!m) return undefined;
  const who = (m[2] ?? m[1] ?? '')
    .split(/\s*(?:,|\band\b|&)\s*/)
    .map(clean)
    .filter(Boolean);
  const period = findPeriod(m[3] ?? 'this week', ctx) as { from: string; to: string };
  const amount = Number(m[4] ?? 30);
  return calls({
    toolName: 'find_free_slot',
    input: {
      members: ['me', ...who],
      durationMinutes: /^h/i.test(m[5] ?? '') ? amount * 60 : amount,
      from: period.from,
      to: period.to,
    },
  });
};

/** "Change the stage of Acme Website to proposal". */
const stageOf: Rule = (t, ctx) => {
  const m = t.match(/^(?:change|set|update|move)\s+(?:the\s+)?stage\s+(?:of|for|on)\s+(.+?)\s+to\s+(.+)$/i);
  if (!m) return undefined;
  const ref = target(m[1] as string, 'deals', ctx);
  if (!ref) return undefined;
  const { object: _o, ...rest } = ref;
  return calls({ toolName: 'move_deal_stage', input: { ...rest, stage: clean(m[2] as string) } });
};

/** The everyday rules, tried before the documented commands. */
export const everydayRules: Rule[] = [
  smallTalk,
  agenda,
  biggest,
  finished,
  whenFree,
  stageOf,
  bringBack,
  overdue,
  countsAndSums,
  listsOverPeriods,
  addAs,
  taskTo,
  meetingWith,
  wonOrLost,
  dealToStage,
  postpone,
  possessiveIs,
];

export type { Understanding };
