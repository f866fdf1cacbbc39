// Merging two contacts (or two organizations) into one: the values chosen field by field, the
// other record's deals, tasks, notes, events, shares and links moved over, the other record put in
// the trash, and one audit entry saying what moved, all in one transaction.
import { and, eq, isNull, type SQL, sql } from 'drizzle-orm';
import { recordShares } from '#server/db/schema/access.ts';
import { events } from '#server/db/schema/calendar.ts';
import { contacts, deals, leads, notes, projects, tasks } from '#server/db/schema/crm.ts';
import { assertPermission } from '#server/platform/access/permissions.ts';
import type { Actor } from '#server/platform/actor.ts';
import { recordAudit } from '#server/platform/audit.ts';
import type { Database, Tx } from '#server/platform/db/database.ts';
import { withWorkspace } from '#server/platform/db/tenancy.ts';
import { NotFound, ValidationError } from '#server/platform/errors.ts';
import { customFieldsOf } from './custom-fields.service.ts';
import { type RecordKind, readableBy } from './kinds.ts';
import type { RecordRow, RecordsService } from './records.service.ts';

export const MERGEABLE = ['contacts', 'organizations'] as const;
export type Mergeable = (typeof MERGEABLE)[number];

export interface MergeInput {
  /** The record merged into this one, then moved to the trash. */
  sourceId: string;
  /**
   * For each field, whose value the merged record keeps. Unnamed fields keep this record's value,
   * or the other's where this one has none; lists (emails, phones, tags) keep both.
   */
  keep?: Record<string, 'target' | 'source'> | undefined;
}

export interface MergeResult {
  data: RecordRow;
  /** How many of each kind of linked record now point at the merged record. */
  moved: Record<string, number>;
}

/** Bookkeeping columns no merge choice applies to. */
const NOT_CHOSEN = new Set(['id', 'ownerId', 'createdBy', 'createdAt', 'updatedAt', 'deletedAt', 'version']);

const empty = (v: unknown) =>
  v === null ||
  v === undefined ||
  v === '' ||
  (Array.isArray(v) && v.length === 0) ||
  (typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date) && Object.keys(v as object).length === 0);

const union = (a: unknown, b: unknown) => [...new Set([...((a as unknown[]) ?? []), ...((b as unknown[]) ?? [])])];

/**
 * The fields the merged record gets: what the user chose, else this record's value, else the
 * other's; lists keep both. Only what differs from the target is returned (the update to make).
 */
export function mergedValues(
  kind: RecordKind,
  target: RecordRow,
  source: RecordRow,
  keep: MergeInput['keep'] = {},
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(kind.fields)) {
    if (field.readOnly || NOT_CHOSEN.has(key)) continue;
    const choice = keep[key];
    const t = target[key];
    const s = source[key];
    let value: unknown;
    if (choice === 'source') value = s;
    else if (choice === 'target') value = t;
    else if (field.type === 'emails' || field.type === 'phones') value = union(t, s);
    else value = empty(t) ? s : t;
    if (JSON.stringify(value ?? null) !== JSON.stringify(t ?? null))
      out[key] = value instanceof Date ? value.toISOString() : value;
  }
  // An email that is not kept as the main one stays as another email of the contact.
  if (kind.resource === 'contacts') {
    const main = (out.email ?? target.email) as string | null;
    const others = union(out.otherEmails ?? target.otherEmails, [target.email, source.email]).filter(
      (e) => typeof e === 'string' && e && e !== main,
    );
    if (JSON.stringify(others) !== JSON.stringify(target.otherEmails ?? [])) out.otherEmails = others;
  }
  const tags =
    keep.tags === 'target' ? target.tags : keep.tags === 'source' ? source.tags : union(target.tags, source.tags);
  if (JSON.stringify(tags) !== JSON.stringify(target.tags)) out.tags = tags;
  if (kind.customFields) {
    const custom = {
      ...((source.custom as Record<string, unknown>) ?? {}),
      ...((target.custom as Record<string, unknown>) ?? {}),
    };
    for (const [key, who] of Object.entries(keep)) {
      if (!key.startsWith('custom.')) continue;
      const name = key.slice(7);
      const from = (who === 'source' ? source.custom : target.custom) as Record<string, unknown> | undefined;
      if (from?.[name] === undefined) delete custom[name];
      else custom[name] = from[name];
    }
    if (JSON.stringify(custom) !== JSON.stringify(target.custom ?? {})) out.custom = custom;
  }
  return out;
}

export function createMergeService(deps: { db: Database; records: RecordsService; clock: () => Date }) {
  const { db, records, clock } = deps;
  const { updateIn, deleteIn, listIn } = records.internal;

  async function readOne(tx: Tx, actor: Actor, kind: RecordKind, id: string, now: Date): Promise<RecordRow> {
    const [row] = (await listIn(tx, actor, kind, { filters: [{ field: 'id', op: 'eq', value: id }], limit: 1 }, now))
      .data;
    if (!row) throw new NotFound(kind.label);
    return row;
  }

  /** Points every link to `from` at `to`: the rows of other kinds that name the merged record. */
  async function moveLinks(tx: Tx, actor: Actor, resource: Mergeable, from: string, to: string) {
    const ws = actor.workspaceId;
    const count = async (q: Promise<unknown[]>) => (await q).length;
    const polymorphic = (table: typeof tasks | typeof events, type: SQL, id: SQL) =>
      count(
        tx
          .update(table)
          .set({ relatedId: to } as never)
          .where(and(eq(table.workspaceId, ws), sql`${type} = ${resource}`, sql`${id} = ${from}`))
          .returning({ id: table.id }),
      );
    const moved: Record<string, number> = {};
    if (resource === 'contacts') {
      moved.deals = await count(
        tx
          .update(deals)
          .set({ contactId: to })
          .where(and(eq(deals.workspaceId, ws), eq(deals.contactId, from)))
          .returning({ id: deals.id }),
      );
      moved.leads = await count(
        tx
          .update(leads)
          .set({ convertedContactId: to })
          .where(and(eq(leads.workspaceId, ws), eq(leads.convertedContactId, from)))
          .returning({ id: leads.id }),
      );
      // Invitations name contacts inside the attendee list.
      moved.eventAttendees = await count(
        tx
          .update(events)
          .set({
            attendees: sql`(select jsonb_agg(case when a->>'contactId' = ${from} then jsonb_set(a, '{contactId}', to_jsonb(${to}::text)) else a end) from jsonb_array_elements(${events.attendees}) a)`,
          })
          .where(
            and(
              eq(events.workspaceId, ws),
              sql`${events.attendees} @> ${JSON.stringify([{ contactId: from }])}::jsonb`,
            ),
          )
          .returning({ id: events.id }),
      );
    } else {
      for (const [name, table] of [
        ['contacts', contacts],
        ['deals', deals],
        ['projects', projects],
      ] as const) {
        moved[name] = await count(
          tx
            .update(table)
            .set({ organizationId: to } as never)
            .where(and(eq(table.workspaceId, ws), eq(table.organizationId, from)))
            .returning({ id: table.id }),
        );
      }
      moved.leads = await count(
        tx
          .update(leads)
          .set({ convertedOrganizationId: to })
          .where(and(eq(leads.workspaceId, ws), eq(leads.convertedOrganizationId, from)))
          .returning({ id: leads.id }),
      );
    }
    moved.tasks = await polymorphic(tasks, sql`${tasks.relatedType}`, sql`${tasks.relatedId}`);
    moved.events = await polymorphic(events, sql`${events.relatedType}`, sql`${events.relatedId}`);
    moved.notes = await count(
      tx
        .update(notes)
        .set({ entityId: to })
        .where(and(eq(notes.workspaceId, ws), eq(notes.entityType, resource), eq(notes.entityId, from)))
        .returning({ id: notes.id }),
    );
    // Shares: whoever had the other record shared with them now has the merged one; a grantee
    // who had both keeps the share of the merged record.
    moved.shares = await count(
      tx
        .update(recordShares)
        .set({ entityId: to })
        .where(
          and(
            eq(recordShares.workspaceId, ws),
            eq(recordShares.entityType, resource),
            eq(recordShares.entityId, from),
            sql`not exists (select 1 from ${recordShares} s2 where s2.workspace_id = ${ws} and s2.entity_type = ${resource} and s2.entity_id = ${to} and s2.grantee_type = ${recordShares.granteeType} and s2.grantee_id = ${recordShares.granteeId})`,
          ),
        )
        .returning({ id: recordShares.id }),
    );
    await tx
      .delete(recordShares)
      .where(
        and(eq(recordShares.workspaceId, ws), eq(recordShares.entityType, resource), eq(recordShares.entityId, from)),
      );
    return moved;
  }

  /**
   * Merges `sourceId` into `targetId`. Needs update on the record kept and delete on the one
   * merged away (it goes to the trash, restorable, without the links that moved). Links from
   * records the user cannot see move too: they would otherwise point at a record in the trash.
   */
  async function merge(actor: Actor, resource: string, targetId: string, input: MergeInput): Promise<MergeResult> {
    if (!(MERGEABLE as readonly string[]).includes(resource)) {
      throw new ValidationError([{ field: 'object', message: 'only contacts and organizations can be merged' }]);
    }
    const kind = records.kindOf(resource);
    assertPermission(actor, `crm:${resource}:update`);
    assertPermission(actor, `crm:${resource}:delete`);
    if (input.sourceId === targetId) {
      throw new ValidationError([{ field: 'body.sourceId', message: 'is the record itself: choose another one' }]);
    }
    const unknown = Object.keys(input.keep ?? {}).filter(
      (k) => !(k in kind.fields) && k !== 'tags' && !(kind.customFields && k.startsWith('custom.')),
    );
    if (unknown.length) {
      throw new ValidationError(
        unknown.map((k) => ({ field: `body.keep.${k}`, message: `is not a field of ${resource}` })),
      );
    }
    const now = clock();
    return withWorkspace(db, actor, async (tx) => {
      // Both rows locked in id order, so two merges of the same pair cannot deadlock.
      for (const id of [targetId, input.sourceId].sort()) {
        await tx
          .select({ id: sql`1` })
          .from(kind.table)
          .where(and(eq(kind.idColumn, id), isNull(kind.deletedAtColumn), readableBy(actor, kind, now)))
          .for('update');
      }
      const target = await readOne(tx, actor, kind, targetId, now);
      const source = await readOne(tx, actor, kind, input.sourceId, now);
      const values = mergedValues(kind, target, source, input.keep);
      const defs = kind.customFields ? await customFieldsOf(tx, resource) : [];
      // The source's unique values (an email, a domain) leave with it before the target takes them.
      await deleteIn(tx, actor, kind, source.id, now);
      const merged = Object.keys(values).length
        ? await updateIn(tx, actor, kind, target.id, values, { defs, now, prefix: 'body.merged' })
        : target;
      const moved = await moveLinks(tx, actor, resource as Mergeable, source.id, target.id);
      await recordAudit(tx, actor, {
        action: `${kind.singular}.merged`,
        entityType: kind.singular,
        entityId: target.id,
        metadata: { mergedId: source.id, keep: input.keep ?? {}, fields: Object.keys(values), moved },
      });
      return { data: merged, moved };
    });
  }

  return { merge };
}

export type MergeService = ReturnType<typeof createMergeService>;
