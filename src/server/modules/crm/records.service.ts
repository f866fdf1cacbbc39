// The record engine: create, read, list, update, delete, restore and bulk for every CRM object
// declared in kinds.ts. Each call checks the permission, applies SQL visibility, validates
// (fields, links, custom fields), enforces the version, writes and audits in one transaction.
// Routes, assistant tools, imports and jobs all come through here with an Actor.
import { and, eq, getTableColumns, inArray, isNotNull, isNull, lt, type SQL, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import { notes } from '#server/db/schema/crm.ts';
import { members } from '#server/db/schema/identity.ts';
import { workspaces } from '#server/db/schema/workspaces.ts';
import { assertPermission, hasPermission } from '#server/platform/access/permissions.ts';
import { visibleTo } from '#server/platform/access/visibility.ts';
import { type Actor, systemActor } from '#server/platform/actor.ts';
import { recordAudit } from '#server/platform/audit.ts';
import type { Database, Tx } from '#server/platform/db/database.ts';
import { asSystem, withWorkspace } from '#server/platform/db/tenancy.ts';
import {
  AppError,
  Conflict,
  type FieldProblem,
  Forbidden,
  NotFound,
  ValidationError,
} from '#server/platform/errors.ts';
import { type CustomFieldDef, checkCustomValues, customFieldsOf } from './custom-fields.service.ts';
import { createShape, outputSchema, updateShape } from './fields.ts';
import { kindByResource, RECORD_KINDS, type RecordKind, RelationProblem, readableBy } from './kinds.ts';
import {
  afterCursor,
  commonFields,
  encodeCursor,
  filterSql,
  type ListParams,
  orderBy,
  parseSort,
  searchSql,
} from './query.ts';

export type RecordRow = Record<string, unknown> & { id: string; version: number };

export interface ListResult {
  data: RecordRow[];
  page: { nextCursor: string | null; hasMore: boolean; total?: number };
}

export type BulkResult =
  | { index: number; ok: true; data: RecordRow }
  | { index: number; ok: false; error: { code: string; message: string; details?: unknown } };

export const BULK_LIMIT = 1000;
export const TRASH_DAYS = 30;

const tagsSchema = z
  .array(z.string().trim().min(1, 'must not be empty').max(50, 'must be at most 50 characters'))
  .max(50, 'at most 50 tags');
const customSchema = z.record(z.string(), z.unknown());

/** Input schemas per kind, built once from the field declarations. */
function schemasFor(kind: RecordKind) {
  const extra = {
    ownerId: z.uuid('must be an id').optional(),
    tags: tagsSchema.optional(),
    ...(kind.customFields ? { custom: customSchema.optional() } : {}),
  };
  return {
    create: z.strictObject({ ...createShape(kind.fields), ...extra }),
    update: z.strictObject({
      ...updateShape(kind.fields),
      ...extra,
      version: z.number().int().positive().optional(),
    }),
  };
}

/** The response shape of a record of `kind` (every key optional: lists may select fields). */
export function recordOutputSchema(kind: RecordKind) {
  const shape: Record<string, z.ZodType> = {
    id: z.uuid(),
    ownerId: z.uuid(),
    createdBy: z.uuid().nullable(),
    createdAt: z.date(),
    updatedAt: z.date(),
    version: z.number().int(),
    deletedAt: z.date().nullable(),
    tags: z.array(z.string()),
    ...(kind.customFields ? { custom: z.record(z.string(), z.unknown()) } : {}),
  };
  for (const [name, field] of Object.entries(kind.fields)) shape[name] = outputSchema(field);
  return z.object(shape).partial();
}

function outputColumns(kind: RecordKind): Record<string, PgColumn> {
  const { workspaceId: _w, searchText: _s, ...cols } = getTableColumns(kind.table as never) as Record<string, PgColumn>;
  if (!kind.customFields) delete cols.custom;
  return cols;
}

function zodProblems(error: z.ZodError, prefix: string): FieldProblem[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      return { field: path ? `${prefix}.${path}` : prefix, message: `unknown field(s): ${issue.keys.join(', ')}` };
    }
    return { field: path ? `${prefix}.${path}` : prefix, message: issue.message };
  });
}

export function createRecordsService(deps: { db: Database; clock: () => Date }) {
  const { db, clock } = deps;
  const schemas = new Map(RECORD_KINDS.map((k) => [k.resource, schemasFor(k)]));
  const columns = new Map(RECORD_KINDS.map((k) => [k.resource, outputColumns(k)]));

  function kindOf(resource: string): RecordKind {
    const kind = kindByResource(resource);
    if (!kind) throw new NotFound('Record type');
    return kind;
  }

  const permission = (kind: RecordKind, action: string) => `${kind.module}:${kind.resource}:${action}`;

  function writable(actor: Actor, kind: RecordKind, now: Date): SQL {
    const base = visibleTo(actor, kind, 'write', now);
    // A task's assignee works on it: they may update it (not delete it).
    if (kind.resource === 'tasks' && kind.extraVisibility) {
      const extra = kind.extraVisibility(actor);
      if (extra) return sql`(${base} or ${extra})`;
    }
    return base;
  }

  // ---- validation of links ----

  async function checkLinks(
    tx: Tx,
    actor: Actor,
    kind: RecordKind,
    values: Record<string, unknown>,
    existing: Record<string, unknown> | undefined,
    prefix: string,
    now: Date,
  ): Promise<FieldProblem[]> {
    const problems: FieldProblem[] = [];
    const users = new Set<string>();
    const userFields: Array<[string, string[]]> = [];
    if (typeof values.ownerId === 'string') userFields.push(['ownerId', [values.ownerId]]);
    for (const [name, field] of Object.entries(kind.fields)) {
      const value = values[name];
      if (value === undefined || value === null) continue;
      if (field.type === 'ref' && field.ref) {
        const target = kindByResource(field.ref);
        if (!target) continue; // pipelines and stages: checked by the kind's own rules
        const found = await tx
          .select({ one: sql<number>`1` })
          .from(target.table)
          .where(
            and(eq(target.idColumn, value as string), isNull(target.deletedAtColumn), readableBy(actor, target, now)),
          )
          .limit(1);
        if (!found.length) problems.push({ field: `${prefix}.${name}`, message: `no such ${target.singular}` });
      } else if (field.type === 'userRef') userFields.push([name, [value as string]]);
      else if (field.type === 'userRefs') userFields.push([name, value as string[]]);
    }
    for (const [, ids] of userFields) for (const id of ids) users.add(id);
    if (users.size) {
      const active = await tx
        .select({ userId: members.userId })
        .from(members)
        .where(and(inArray(members.userId, [...users]), eq(members.status, 'active')));
      const ok = new Set(active.map((m) => m.userId));
      for (const [name, ids] of userFields) {
        const missing = ids.filter((id) => !ok.has(id));
        if (missing.length) problems.push({ field: `${prefix}.${name}`, message: 'is not a member of this workspace' });
      }
    }
    if (kind.polyRef) {
      const { typeField, idField } = kind.polyRef;
      const type = (values[typeField] !== undefined ? values[typeField] : existing?.[typeField]) as string | null;
      const id = (values[idField] !== undefined ? values[idField] : existing?.[idField]) as string | null;
      const changed = values[typeField] !== undefined || values[idField] !== undefined;
      if (changed && type && id) {
        const target = kindByResource(type);
        const found = target
          ? await tx
              .select({ one: sql<number>`1` })
              .from(target.table)
              .where(and(eq(target.idColumn, id), isNull(target.deletedAtColumn), readableBy(actor, target, now)))
              .limit(1)
          : [];
        if (!found.length)
          problems.push({ field: `${prefix}.${idField}`, message: `no such ${target?.singular ?? 'record'}` });
      }
    }
    return problems;
  }

  async function runRules(
    kind: RecordKind,
    tx: Tx,
    actor: Actor,
    now: Date,
    values: Record<string, unknown>,
    existing: Record<string, unknown> | undefined,
    prefix: string,
  ): Promise<void> {
    if (!kind.beforeWrite) return;
    try {
      await kind.beforeWrite({ tx, actor, now, existing }, values);
    } catch (err) {
      if (err instanceof RelationProblem) {
        throw new ValidationError([{ field: `${prefix}.${err.field}`, message: err.message }]);
      }
      throw err;
    }
  }

  // ---- single-record writes, inside a caller's transaction (bulk and imports reuse them) ----

  async function insertIn(
    tx: Tx,
    actor: Actor,
    kind: RecordKind,
    input: unknown,
    ctx: { defs: CustomFieldDef[]; now: Date; prefix?: string },
  ): Promise<RecordRow> {
    const prefix = ctx.prefix ?? 'body';
    const parsed = (schemas.get(kind.resource) as ReturnType<typeof schemasFor>).create.safeParse(input);
    if (!parsed.success) throw new ValidationError(zodProblems(parsed.error, prefix));
    const { ownerId, tags, custom, ...values } = parsed.data as Record<string, unknown> & {
      ownerId?: string;
      tags?: string[];
      custom?: Record<string, unknown>;
    };
    const problems: FieldProblem[] = [];
    let customValues: Record<string, unknown> = {};
    if (kind.customFields) {
      const checked = checkCustomValues(ctx.defs, custom ?? {}, 'create', `${prefix}.custom`);
      problems.push(...checked.problems);
      customValues = Object.fromEntries(Object.entries(checked.values).filter(([, v]) => v !== null));
    }
    const owner = ownerId ?? actor.userId;
    if (!owner) problems.push({ field: `${prefix}.ownerId`, message: 'is required when no user is acting' });
    problems.push(...(await checkLinks(tx, actor, kind, { ...values, ownerId }, undefined, prefix, ctx.now)));
    if (problems.length) throw new ValidationError(problems);
    await runRules(kind, tx, actor, ctx.now, values, undefined, prefix);
    const [row] = (await tx
      .insert(kind.table)
      .values({
        ...values,
        workspaceId: actor.workspaceId,
        ownerId: owner,
        createdBy: actor.userId,
        tags: [...new Set(tags ?? [])],
        ...(kind.customFields ? { custom: customValues } : {}),
        createdAt: ctx.now,
        updatedAt: ctx.now,
      } as never)
      .returning(columns.get(kind.resource) as never)) as unknown as RecordRow[];
    const record = row as RecordRow;
    const changes: Record<string, { old: unknown; new: unknown }> = {};
    for (const [k, v] of Object.entries({ ...values, ownerId: owner, ...(tags?.length ? { tags } : {}) })) {
      if (v !== null && v !== undefined) changes[k] = { old: null, new: v };
    }
    if (Object.keys(customValues).length) changes.custom = { old: null, new: customValues };
    await recordAudit(tx, actor, {
      action: `${kind.singular}.created`,
      entityType: kind.singular,
      entityId: record.id,
      changes,
    });
    return record;
  }

  const same = (a: unknown, b: unknown) => {
    if (a instanceof Date || b instanceof Date) {
      return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
    }
    return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  };

  async function updateIn(
    tx: Tx,
    actor: Actor,
    kind: RecordKind,
    id: string,
    input: unknown,
    ctx: { defs: CustomFieldDef[]; now: Date; prefix?: string; ifMatch?: number | undefined },
  ): Promise<RecordRow> {
    const prefix = ctx.prefix ?? 'body';
    const parsed = (schemas.get(kind.resource) as ReturnType<typeof schemasFor>).update.safeParse(input);
    if (!parsed.success) throw new ValidationError(zodProblems(parsed.error, prefix));
    const { version, tags, custom, ...values } = parsed.data as Record<string, unknown> & {
      version?: number;
      tags?: string[];
      custom?: Record<string, unknown>;
    };
    const cols = columns.get(kind.resource) as Record<string, PgColumn>;
    const [existing] = (await tx
      .select(cols)
      .from(kind.table)
      .where(and(eq(kind.idColumn, id), isNull(kind.deletedAtColumn), readableBy(actor, kind, ctx.now)))
      .for('update')) as unknown as RecordRow[];
    if (!existing) throw new NotFound(kind.label);
    const [canWrite] = await tx
      .select({ one: sql<number>`1` })
      .from(kind.table)
      .where(and(eq(kind.idColumn, id), writable(actor, kind, ctx.now)));
    if (!canWrite) throw new Forbidden(`You can see this ${kind.singular} but not change it.`);
    const expected = version ?? ctx.ifMatch;
    if (expected !== undefined && expected !== existing.version) {
      throw new Conflict(`This ${kind.singular} was changed by someone else since you loaded it.`, {
        current: existing,
      });
    }
    const problems: FieldProblem[] = [];
    const set: Record<string, unknown> = {};
    const changes: Record<string, { old: unknown; new: unknown }> = {};
    for (const [k, v] of Object.entries(values)) {
      if (v !== undefined && !same(existing[k], v)) set[k] = v;
    }
    if (tags && !same(existing.tags, [...new Set(tags)])) set.tags = [...new Set(tags)];
    if (kind.customFields && custom) {
      const checked = checkCustomValues(ctx.defs, custom, 'update', `${prefix}.custom`);
      problems.push(...checked.problems);
      const merged: Record<string, unknown> = { ...(existing.custom as Record<string, unknown>) };
      for (const [k, v] of Object.entries(checked.values)) {
        if (v === null) delete merged[k];
        else merged[k] = v;
      }
      if (!same(existing.custom, merged)) set.custom = merged;
    }
    problems.push(...(await checkLinks(tx, actor, kind, set, existing, prefix, ctx.now)));
    if (problems.length) throw new ValidationError(problems);
    await runRules(kind, tx, actor, ctx.now, set, existing, prefix);
    for (const [k, v] of Object.entries(set)) {
      if (same(existing[k], v)) delete set[k];
      else changes[k] = { old: existing[k] ?? null, new: v };
    }
    if (!Object.keys(set).length) return existing;
    const [row] = (await tx
      .update(kind.table)
      .set({ ...set, updatedAt: ctx.now, version: sql`${kind.versionColumn} + 1` } as never)
      .where(eq(kind.idColumn, id))
      .returning(cols as never)) as unknown as RecordRow[];
    await recordAudit(tx, actor, {
      action: `${kind.singular}.updated`,
      entityType: kind.singular,
      entityId: id,
      changes,
    });
    return row as unknown as RecordRow;
  }

  async function deleteIn(tx: Tx, actor: Actor, kind: RecordKind, id: string, now: Date): Promise<void> {
    const [found] = await tx
      .select({ full: sql<boolean>`${visibleTo(actor, kind, 'full', now)}` })
      .from(kind.table)
      .where(and(eq(kind.idColumn, id), isNull(kind.deletedAtColumn), readableBy(actor, kind, now)));
    if (!found) throw new NotFound(kind.label);
    if (!found.full) throw new Forbidden(`You can see this ${kind.singular} but not delete it.`);
    await tx
      .update(kind.table)
      .set({ deletedAt: now, updatedAt: now, version: sql`${kind.versionColumn} + 1` } as never)
      .where(eq(kind.idColumn, id));
    await recordAudit(tx, actor, { action: `${kind.singular}.deleted`, entityType: kind.singular, entityId: id });
  }

  // ---- lists ----

  async function listIn(tx: Tx, actor: Actor, kind: RecordKind, params: ListParams, now: Date): Promise<ListResult> {
    const limit = params.limit ?? 50;
    const keys = parseSort(kind, params.sort, kind.resource === 'notes' ? '-occurredAt' : '-updatedAt');
    const defs = kind.customFields ? await customFieldsOf(tx, kind.resource) : [];
    const customTypes = new Map(defs.map((d) => [d.key, d.type]));
    const conditions: SQL[] = [
      eq(kind.workspaceColumn, actor.workspaceId),
      params.deleted ? isNotNull(kind.deletedAtColumn) : isNull(kind.deletedAtColumn),
      params.deleted ? visibleTo(actor, kind, 'full', now) : readableBy(actor, kind, now),
    ];
    for (const filter of params.filters ?? []) conditions.push(filterSql(kind, filter, actor.userId, customTypes));
    if (params.q) {
      await tx.execute(sql`select set_config('pg_trgm.word_similarity_threshold', '0.5', true)`);
      conditions.push(searchSql(kind.searchColumn, params.q));
    }
    const where = and(...conditions) as SQL;
    const paged = params.cursor ? and(where, afterCursor(keys, kind.idColumn, params.cursor)) : where;
    const cols = columns.get(kind.resource) as Record<string, PgColumn>;
    const selection: Record<string, unknown> = { ...cols };
    keys.forEach((k, i) => {
      selection[`__s${i}`] = sql<string>`(${k.expr})::text`;
    });
    let query = tx
      .select(selection as never)
      .from(kind.table)
      .where(paged)
      .orderBy(orderBy(keys, kind.idColumn))
      .limit(limit + 1)
      .$dynamic();
    if (params.offset && !params.cursor) query = query.offset(params.offset);
    const rows = (await query) as unknown as Array<Record<string, unknown>>;
    const hasMore = rows.length > limit;
    const pageRows = rows.slice(0, limit);
    const last = pageRows[pageRows.length - 1];
    const nextCursor =
      hasMore && last
        ? encodeCursor(
            keys,
            keys.map((_, i) => last[`__s${i}`] as string),
            last.id as string,
          )
        : null;
    const pick = params.fields ? new Set(['id', ...params.fields]) : null;
    if (pick) {
      const known = new Set(Object.keys(cols));
      const unknown = [...pick].filter((f) => !known.has(f));
      if (unknown.length) {
        throw new ValidationError([{ field: 'query.fields', message: `unknown field(s): ${unknown.join(', ')}` }]);
      }
    }
    const data = pageRows.map((row) => {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(row)) if (!k.startsWith('__s') && (!pick || pick.has(k))) out[k] = v;
      return out as RecordRow;
    });
    const page: ListResult['page'] = { nextCursor, hasMore };
    if (params.count) {
      const [counted] = await tx.select({ n: sql<number>`count(*)::int` }).from(kind.table).where(where);
      page.total = counted?.n ?? 0;
    }
    return { data, page };
  }

  // ---- public API ----

  async function list(actor: Actor, resource: string, params: ListParams = {}): Promise<ListResult> {
    const kind = kindOf(resource);
    assertPermission(actor, permission(kind, 'read'));
    const now = clock();
    return withWorkspace(db, actor, (tx) => listIn(tx, actor, kind, params, now));
  }

  async function get(
    actor: Actor,
    resource: string,
    id: string,
    options: { related?: boolean } = {},
  ): Promise<{ data: RecordRow; related?: Record<string, RecordRow[]> }> {
    const kind = kindOf(resource);
    assertPermission(actor, permission(kind, 'read'));
    const now = clock();
    return withWorkspace(db, actor, async (tx) => {
      const [row] = (await tx
        .select(columns.get(kind.resource) as never)
        .from(kind.table)
        .where(and(eq(kind.idColumn, id), isNull(kind.deletedAtColumn), readableBy(actor, kind, now)))) as RecordRow[];
      if (!row) throw new NotFound(kind.label);
      if (!options.related || !kind.related) return { data: row };
      const related: Record<string, RecordRow[]> = {};
      for (const rel of kind.related) {
        const target = kindOf(rel.resource);
        if (!hasPermission(actor.permissions, permission(target, 'read'))) continue;
        related[rel.name] = (
          await listIn(
            tx,
            actor,
            target,
            { filters: [{ field: rel.field, op: 'eq', value: id }], limit: 100, sort: rel.sort },
            now,
          )
        ).data;
      }
      return { data: row, related };
    });
  }

  async function create(actor: Actor, resource: string, input: unknown): Promise<RecordRow> {
    const kind = kindOf(resource);
    assertPermission(actor, permission(kind, 'create'));
    const now = clock();
    return withWorkspace(db, actor, async (tx) => {
      const defs = kind.customFields ? await customFieldsOf(tx, kind.resource) : [];
      return insertIn(tx, actor, kind, input, { defs, now });
    });
  }

  async function update(
    actor: Actor,
    resource: string,
    id: string,
    input: unknown,
    options: { ifMatch?: number | undefined } = {},
  ): Promise<RecordRow> {
    const kind = kindOf(resource);
    assertPermission(actor, permission(kind, 'update'));
    const now = clock();
    return withWorkspace(db, actor, async (tx) => {
      const defs = kind.customFields ? await customFieldsOf(tx, kind.resource) : [];
      return updateIn(tx, actor, kind, id, input, { defs, now, ifMatch: options.ifMatch });
    });
  }

  async function remove(actor: Actor, resource: string, id: string): Promise<void> {
    const kind = kindOf(resource);
    assertPermission(actor, permission(kind, 'delete'));
    const now = clock();
    await withWorkspace(db, actor, (tx) => deleteIn(tx, actor, kind, id, now));
  }

  async function restore(actor: Actor, resource: string, id: string): Promise<RecordRow> {
    const kind = kindOf(resource);
    assertPermission(actor, permission(kind, 'delete'));
    const now = clock();
    return withWorkspace(db, actor, async (tx) => {
      const cols = columns.get(kind.resource) as never;
      const [row] = (await tx
        .update(kind.table)
        .set({ deletedAt: null, updatedAt: now, version: sql`${kind.versionColumn} + 1` } as never)
        .where(and(eq(kind.idColumn, id), isNotNull(kind.deletedAtColumn), visibleTo(actor, kind, 'full', now)))
        .returning(cols)) as RecordRow[];
      if (!row) throw new NotFound(`Deleted ${kind.singular}`);
      await recordAudit(tx, actor, { action: `${kind.singular}.restored`, entityType: kind.singular, entityId: id });
      return row;
    });
  }

  function failure(index: number, err: unknown): BulkResult {
    if (err instanceof AppError) {
      return {
        index,
        ok: false,
        error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) },
      };
    }
    throw err;
  }

  function checkBulkSize(count: number): void {
    if (count === 0 || count > BULK_LIMIT) {
      throw new ValidationError([{ field: 'body.items', message: `send between 1 and ${BULK_LIMIT} items` }]);
    }
  }

  /** Each item in its own savepoint: one bad item fails alone, the rest commit together. */
  async function bulk<T>(
    actor: Actor,
    kind: RecordKind,
    items: T[],
    run: (tx: Tx, item: T, index: number, defs: CustomFieldDef[], now: Date) => Promise<RecordRow>,
  ): Promise<BulkResult[]> {
    checkBulkSize(items.length);
    const now = clock();
    return withWorkspace(db, actor, async (tx) => {
      const defs = kind.customFields ? await customFieldsOf(tx, kind.resource) : [];
      const results: BulkResult[] = [];
      for (const [index, item] of items.entries()) {
        try {
          const data = await tx.transaction((sp) => run(sp, item, index, defs, now));
          results.push({ index, ok: true, data });
        } catch (err) {
          results.push(failure(index, err));
        }
      }
      return results;
    });
  }

  async function bulkCreate(actor: Actor, resource: string, items: unknown[]): Promise<BulkResult[]> {
    const kind = kindOf(resource);
    assertPermission(actor, permission(kind, 'create'));
    return bulk(actor, kind, items, (tx, item, index, defs, now) =>
      insertIn(tx, actor, kind, item, { defs, now, prefix: `body.items.${index}` }),
    );
  }

  async function bulkUpdate(
    actor: Actor,
    resource: string,
    items: Array<{ id: string } & Record<string, unknown>>,
  ): Promise<BulkResult[]> {
    const kind = kindOf(resource);
    assertPermission(actor, permission(kind, 'update'));
    return bulk(actor, kind, items, (tx, { id, ...changes }, index, defs, now) =>
      updateIn(tx, actor, kind, id, changes, { defs, now, prefix: `body.items.${index}` }),
    );
  }

  async function bulkDelete(actor: Actor, resource: string, ids: string[]): Promise<BulkResult[]> {
    const kind = kindOf(resource);
    assertPermission(actor, permission(kind, 'delete'));
    return bulk(actor, kind, ids, async (tx, id, _index, _defs, now) => {
      await deleteIn(tx, actor, kind, id, now);
      return { id, version: 0 };
    });
  }

  /** Everything in the trash the actor may restore, newest deletion first, across objects. */
  async function trash(actor: Actor, limit = 100) {
    const now = clock();
    return withWorkspace(db, actor, async (tx) => {
      const out: Array<{ resource: string; id: string; title: string; deletedAt: Date; purgeAt: Date }> = [];
      for (const kind of RECORD_KINDS) {
        if (!hasPermission(actor.permissions, permission(kind, 'delete'))) continue;
        const rows = await tx
          .select({
            id: sql<string>`${kind.idColumn}`,
            title: sql<string>`${kind.titleSql}`,
            deletedAt: sql<Date>`${kind.deletedAtColumn}`,
          })
          .from(kind.table)
          .where(and(isNotNull(kind.deletedAtColumn), visibleTo(actor, kind, 'full', now)))
          .orderBy(sql`${kind.deletedAtColumn} desc`)
          .limit(limit);
        for (const r of rows) {
          const deletedAt = new Date(r.deletedAt);
          out.push({
            resource: kind.resource,
            id: r.id,
            title: r.title,
            deletedAt,
            purgeAt: new Date(deletedAt.getTime() + TRASH_DAYS * 86_400_000),
          });
        }
      }
      return out.sort((a, b) => b.deletedAt.getTime() - a.deletedAt.getTime()).slice(0, limit);
    });
  }

  /** Purges what has been in the trash for 30 days, workspace by workspace; audited per workspace. */
  async function purgeTrash(): Promise<number> {
    const cutoff = new Date(clock().getTime() - TRASH_DAYS * 86_400_000);
    const ids = await db.orm.transaction((tx) => tx.select({ id: workspaces.id }).from(workspaces));
    let total = 0;
    for (const { id: workspaceId } of ids) {
      total += await asSystem(db, workspaceId, async (tx) => {
        const counts: Record<string, number> = {};
        // Children before parents: notes of purged records go with them.
        for (const kind of [...RECORD_KINDS].reverse()) {
          const gone = await tx
            .delete(kind.table)
            .where(and(isNotNull(kind.deletedAtColumn), lt(kind.deletedAtColumn, cutoff)))
            .returning({ id: kind.idColumn });
          if (gone.length) counts[kind.resource] = gone.length;
          if (gone.length && kind.resource !== 'notes') {
            await tx.delete(notes).where(
              inArray(
                notes.entityId,
                gone.map((g) => g.id as string),
              ),
            );
          }
        }
        const n = Object.values(counts).reduce((a, b) => a + b, 0);
        if (n) {
          await recordAudit(tx, systemActor(workspaceId), {
            action: 'trash.purged',
            entityType: 'workspace',
            entityId: workspaceId,
            metadata: counts,
          });
        }
        return n;
      });
    }
    return total;
  }

  return {
    kindOf,
    list,
    get,
    create,
    update,
    remove,
    restore,
    bulkCreate,
    bulkUpdate,
    bulkDelete,
    trash,
    purgeTrash,
    /** For imports and conversions that compose several writes in one transaction. */
    internal: { insertIn, updateIn, listIn, commonFields },
  };
}

export type RecordsService = ReturnType<typeof createRecordsService>;
