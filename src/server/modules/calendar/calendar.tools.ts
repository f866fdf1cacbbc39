// The calendar's tools: what is on, free slots, and events made, moved and cancelled through the
// calendar and records services with the user's actor. Times are read and given in the workspace
// time zone.
import { z } from 'zod';
import { recordRef, when } from '#server/modules/crm/crm.tools.ts';
import { compact, type RefDeps, recordRefs } from '#server/modules/crm/record-refs.ts';
import { NotFound, ValidationError } from '#server/platform/errors.ts';
import { isoInZone, toFloating } from '#server/platform/time.ts';
import { type ToolDefinition, toolsOf } from '#server/platform/tools.ts';
import type { CalendarService } from './calendar.service.ts';

export interface CalendarToolDeps extends RefDeps {
  calendar: CalendarService;
}

const tool = toolsOf<CalendarToolDeps>();
const refsOf = (run: Parameters<ToolDefinition<CalendarToolDeps>['execute']>[0]) =>
  recordRefs(run.deps, run.actor, run.mention);
const EMAIL = /^[^@\s]+@[^@\s]+$/;

const whatsOn = tool({
  name: 'whats_on',
  title: 'Calendar',
  group: 'read',
  permissions: ['calendar:events:read'],
  confirm: false,
  readOnly: true,
  untrustedOutput: true,
  description: "The user's events and tasks due in a period (e.g. tomorrow), in the workspace time zone.",
  input: z.strictObject({
    from: when.describe('Start of the period'),
    to: when.describe('End of the period'),
  }),
  output: 'timezone and items (events and tasks with start, end, location)',
  async execute({ actor, deps }, input) {
    const result = await deps.calendar.range(actor, { from: new Date(input.from), to: new Date(input.to) });
    return {
      timezone: result.timezone,
      items: result.items.slice(0, 50).map((i) => ({
        object: i.type === 'task' ? 'tasks' : 'events',
        id: i.eventId ?? i.taskId ?? i.id,
        name: i.title,
        link: i.type === 'task' ? i.link : '/calendar',
        fields: { start: i.start, end: i.end, location: i.location, recurring: i.recurring },
      })),
    };
  },
});

const findFreeSlot = tool({
  name: 'find_free_slot',
  title: 'Free slot',
  group: 'read',
  permissions: ['calendar:events:read'],
  confirm: false,
  readOnly: true,
  untrustedOutput: false,
  description:
    'The first times in a period when all the given members are free for the duration, on weekdays 09:00–17:00 in the workspace time zone.',
  input: z.strictObject({
    members: z.array(z.string().min(1).max(200)).min(1).max(20).describe('Member names or emails; "me" for the user'),
    durationMinutes: z.number().int().min(5).max(480),
    from: when,
    to: when,
  }),
  output: 'timezone and up to three free slots',
  async execute(run, input) {
    const { actor, deps } = run;
    const refs = refsOf(run);
    const ids = await Promise.all(input.members.map(refs.memberId));
    const from = new Date(input.from);
    const to = new Date(input.to);
    const busy = await deps.calendar.busy(actor, ids, from, to);
    const zone = await deps.calendar.timezoneOf(actor);
    const length = input.durationMinutes * 60_000;
    const slots: Array<{ start: string; end: string }> = [];
    // Walk the period in quarter hours, within working hours, skipping busy times.
    for (
      let t = Math.ceil(from.getTime() / 900_000) * 900_000;
      t + length <= to.getTime() && slots.length < 3;
      t += 900_000
    ) {
      const local = toFloating(new Date(t), zone);
      const endLocal = toFloating(new Date(t + length), zone);
      const day = local.getUTCDay();
      const startHour = local.getUTCHours() + local.getUTCMinutes() / 60;
      const endHour = endLocal.getUTCHours() + endLocal.getUTCMinutes() / 60 || 24;
      if (day === 0 || day === 6 || startHour < 9 || endHour > 17 || endLocal.getUTCDate() !== local.getUTCDate())
        continue;
      const clash = busy.some((b) => b.start.getTime() < t + length && b.end.getTime() > t);
      if (clash) continue;
      slots.push({ start: isoInZone(new Date(t), zone), end: isoInZone(new Date(t + length), zone) });
      t += length - 900_000;
    }
    return { timezone: zone, slots };
  },
});

const createEvent = tool({
  name: 'create_event',
  title: 'New event',
  group: 'write',
  permissions: ['calendar:events:create'],
  confirm: false,
  readOnly: false,
  untrustedOutput: false,
  description:
    'Create a calendar event. Attendees are members or contacts (by name) or email addresses; each is invited.',
  input: z.strictObject({
    title: z.string().min(1).max(300),
    startAt: when,
    endAt: when.optional(),
    location: z.string().max(500).optional(),
    rrule: z.string().max(200).optional().describe('e.g. FREQ=WEEKLY;BYDAY=MO'),
    reminders: z.array(z.number().int().min(0).max(40_320)).max(5).optional().describe('Minutes before the start'),
    attendees: z
      .array(z.string().min(1).max(254))
      .max(50)
      .optional()
      .describe('Member or contact names, or email addresses'),
  }),
  output: 'created: the event, with its attendees',
  async execute(run, input) {
    const { actor, deps } = run;
    const refs = refsOf(run);
    const members = input.attendees?.length ? await deps.members.list(actor) : [];
    const attendees = await Promise.all(
      (input.attendees ?? []).map(async (who) => {
        if (EMAIL.test(who)) return { email: who.toLowerCase() };
        // A colleague first; otherwise a contact the user can see, invited at their email.
        const userId = await refs.memberId(who).catch((err) => {
          if (err instanceof NotFound) return undefined;
          throw err;
        });
        const member = userId ? members.find((m) => m.userId === userId) : undefined;
        if (member) return { email: member.email, name: member.name, userId: member.userId };
        const contact = await refs.resolve('contacts', { name: who }).catch((err) => {
          if (err instanceof NotFound) throw new NotFound(`Member or contact named "${who}"`);
          throw err;
        });
        const name = compact('contacts', contact).name;
        if (typeof contact.email !== 'string' || !contact.email) {
          throw new ValidationError([
            { field: 'attendees', message: `${name} has no email address to invite; add one first` },
          ]);
        }
        return { email: contact.email, name, contactId: contact.id };
      }),
    );
    const start = new Date(input.startAt);
    const row = await deps.records.create(actor, 'events', {
      title: input.title,
      startAt: input.startAt,
      endAt: input.endAt ?? new Date(start.getTime() + 3600_000).toISOString(),
      ...(input.location ? { location: input.location } : {}),
      ...(input.rrule ? { rrule: input.rrule } : {}),
      ...(input.reminders ? { reminders: input.reminders } : {}),
      ...(attendees.length ? { attendees } : {}),
    });
    return {
      created: refs.remember({
        object: 'events',
        id: row.id,
        name: input.title,
        link: '/calendar',
        fields: {
          startAt: input.startAt,
          ...(attendees.length ? { attendees: attendees.map((a) => a.name ?? a.email) } : {}),
        },
      }),
    };
  },
});

const moveEvent = tool({
  name: 'move_event',
  title: 'Move event',
  group: 'write',
  permissions: ['calendar:events:update'],
  confirm: false,
  readOnly: false,
  untrustedOutput: false,
  description: 'Move a (non-repeating) event to a new time; the length stays unless an end is given.',
  input: z.strictObject({ ...recordRef, startAt: when, endAt: when.optional() }),
  output: 'updated: the event; changed: its new start and end',
  async execute(run, input) {
    const refs = refsOf(run);
    const row = await refs.resolve('events', input);
    const start = new Date(input.startAt);
    const length = (row.endAt as Date).getTime() - (row.startAt as Date).getTime();
    const updated = await run.deps.records.update(run.actor, 'events', row.id, {
      startAt: input.startAt,
      endAt: input.endAt ?? new Date(start.getTime() + length).toISOString(),
    });
    return {
      updated: refs.remember(compact('events', updated)),
      changed: { startAt: updated.startAt, endAt: updated.endAt },
    };
  },
});

const cancelEvent = tool({
  name: 'cancel_event',
  title: 'Cancel event',
  group: 'destructive',
  permissions: ['calendar:events:delete'],
  confirm: true,
  readOnly: false,
  untrustedOutput: false,
  description: 'Cancel (delete) an event, a whole series if it repeats. Asks the user to confirm first.',
  input: z.strictObject({ ...recordRef }),
  output: 'deleted: the event',
  async execute(run, input) {
    const row = await refsOf(run).resolve('events', input);
    await run.deps.records.remove(run.actor, 'events', row.id);
    return { deleted: compact('events', row) };
  },
});

export const CALENDAR_TOOLS = [whatsOn, findFreeSlot, createEvent, moveEvent, cancelEvent];
