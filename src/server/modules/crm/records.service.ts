// The record engine: create, read, list, update, delete, restore and bulk for every CRM object
// declared in kinds.ts. Each call checks the permission, applies SQL visibility, validates
// (fields, links, custom fields), enforces the version, writes and audits in one transaction.
// Routes, assistant tools, imports and jobs all come through here with an Actor.

import { setTimeout as sleep } from 'node:timers/promises';
import {
  and,
  Column,
  eq,
  getTableColumns,
  getTableName,
  inArray,
  is,
  isNotNull,
  isNull,
  lt,
  SQL,
  sql,
} from 'drizzle-orm';
import { PgArray, type PgColumn } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import { events } from '#server/db/schema/calendar.ts';
import { notes } from '#server/db/schema/crm.ts';
import { members } from '#server/db/schema/identity.ts';
import { workspaces } from '#server/db/schema/workspaces.ts';
import { assertPermission, hasPermission } from '#server/platform/access/permissions.ts';
import { visibleTo } from '#server/platform/access/visibility.ts';
import { type Actor, systemActor } from '#server/platform/actor.ts';
import { recordAudit, recordAuditMany } from '#server/platform/audit.ts';
import {
  type Database,
  execRows,
  execTextRows,
  sqlState,
  TRANSIENT_STATES,
  type Tx,
} from '#server/platform/db/database.ts';
import { asSystem, readWorkspace, withWorkspace } from '#server/platform/db/tenancy.ts';
import {
  AppError,
  Conflict,
  type FieldProblem,
  Forbidden,
  NotFound,
  ValidationError,
} from '#server/platform/errors.ts';
import { newId } from '#server/platform/ids.ts';
import { type CustomFieldDef, checkCustomValues, customFieldsOf } from './custom-fields.service.ts';
import { createShape, outputSchema, updateShape } from './fields.ts';
import { kindByResource, RECORD_KINDS, type RecordKind, RelationProblem, readableBy } from './kinds.ts';
import {
  afterCursor,
  commonFields,
  encodeCursor,
  type Filter,
  filterSql,
  type ListParams,
  orderBy,
  parseSort,
  rendered,
  sortKeyColumns,
} from './query.ts';
import { type JsonWriter, jsonWriter } from './record-json.ts';
import { searchPlan, withClause } from './search-index.ts';

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
/** Rows a multi-row insert writes in one statement (under one savepoint). */
const INSERT_BATCH = 500;

/** The tables whose records' terms fill the search dictionary (`search_terms.kind`). */
const SEARCHED_TABLES: ReadonlyArray<[string, ReturnType<typeof sql.identifier>]> = [
  ...RECORD_KINDS.map((k) => getTableName(k.table)),
  getTableName(events),
].map((name) => [name, sql.identifier(name)]);

/**
 * A row's own problem: a constraint it breaks (class 23) or a value the column cannot take (22).
 * Only these fail the row alone; anything else (a deadlock, a lost connection) is the
 * transaction's, and goes to the caller, which may run the transaction again.
 */
const isRowProblem = (err: unknown): boolean => /^2[23]/.test(sqlState(err) ?? '');
/** A deadlock or a serialization failure: the same statement may well pass when sent again. */
const isTransient = (err: unknown): boolean => TRANSIENT_STATES.has(sqlState(err) ?? '');
/**
 * How long a statement rolled back by a deadlock waits before it is sent again: 20–40 ms. The
 * rollback wakes the other transaction, which still has to be scheduled to take the lock it
 * waited for; sent at once, on a busy machine the statement can take that lock back first and
 * meet the same deadlock. The spread keeps two retrying writers from meeting again in step.
 */
const retryPause = () => sleep(20 + Math.random() * 20);

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
function outputSchemaOf(kind: RecordKind) {
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

const pascal = (s: string) => s.replace(/(^|_)([a-z])/g, (_m, _u, c: string) => c.toUpperCase());

/**
 * Each kind's create and update input and its output, built once per process and named in zod's
 * registry (ContactCreate, ContactUpdate, Contact): the service validates with them and the
 * OpenAPI document shows them, one definition for both.
 */
export const RECORD_SCHEMAS: ReadonlyMap<string, { create: z.ZodObject; update: z.ZodObject; output: z.ZodObject }> =
  new Map(
    RECORD_KINDS.map((kind) => {
      const { create, update } = schemasFor(kind);
      const output = outputSchemaOf(kind);
      const name = pascal(kind.singular);
      z.globalRegistry.add(create, { id: `${name}Create`, description: `A new ${kind.singular}` });
      z.globalRegistry.add(update, { id: `${name}Update`, description: `Changes to a ${kind.singular}` });
      z.globalRegistry.add(output, { id: name, description: `A ${kind.singular}` });
      return [kind.resource, { create, update, output }];
    }),
  );

/** The response shape of a record of `kind`. */
export const recordOutputSchema = (kind: RecordKind) =>
  (RECORD_SCHEMAS.get(kind.resource) as { output: z.ZodObject }).output;

function outputColumns(kind: RecordKind): Record<string, PgColumn> {
  const {
    workspaceId: _w,
    searchText: _s,
    searchTerms: _t,
    ...cols
  } = getTableColumns(kind.table as never) as Record<string, PgColumn>;
  if (!kind.customFields) delete cols.custom;
  return cols;
}

/**
 * A kind's output columns as one prebuilt SQL list, and the mapping of a raw row back to a record:
 * for the hottest statements (a record by id, rows just inserted), which skip drizzle's query
 * builder and per-value entity checks (a fifth of a request's CPU in profiles).
 */
interface RawOutput {
  list: SQL;
  /** `select <list> from <table> where <id> = ` and ` and <deleted_at> is null and `, rendered once. */
  byIdHead: SQL;
  byIdTail: SQL;
  read(raw: Record<string, unknown>): RecordRow;
  /** Writes a raw row as the record's JSON text (record-json.ts). */
  json: JsonWriter;
}

function rawOutput(kind: RecordKind): RawOutput {
  const entries = Object.entries(outputColumns(kind));
  // Column names come from our schema, never from input.
  const list = sql.raw(entries.map(([, c]) => `"${c.name}"`).join(', '));
  const maps = entries.map(([, column]) => driverMapping(column));
  // One object literal per record, generated from the schema's own keys and column names (each
  // quoted as a JSON string): a page of 50 records is built without a property added at a time.
  const body = entries.map(([key, column], i) => {
    const value = `raw[${JSON.stringify(column.name)}]`;
    return maps[i]
      ? `${JSON.stringify(key)}: ${value} == null ? null : m[${i}](${value})`
      : `${JSON.stringify(key)}: ${value} ?? null`;
  });
  const build = new Function('raw', 'm', `return { ${body.join(', ')} };`) as (
    raw: Record<string, unknown>,
    m: typeof maps,
  ) => RecordRow;
  return {
    list,
    byIdHead: rendered(sql`select ${list} from ${kind.table} where ${kind.idColumn} = `),
    byIdTail: rendered(sql` and ${kind.deletedAtColumn} is null and `),
    read: (raw) => build(raw, maps),
    json: jsonWriter(entries, maps),
  };
}

/**
 * How a column's value from the driver becomes the record's: none for the many columns drizzle
 * passes through unchanged (text, uuid, jsonb, and arrays of those, which pg already parsed), so
 * that reading a page of 50 records does not call a mapping per value.
 */
function driverMapping(column: PgColumn): ((value: unknown) => unknown) | null {
  const passthrough = (c: PgColumn) => c.mapFromDriverValue === Column.prototype.mapFromDriverValue;
  if (passthrough(column)) return null;
  const base = (column as { baseColumn?: PgColumn }).baseColumn;
  if (is(column, PgArray) && base && passthrough(base)) {
    return (value) => (Array.isArray(value) ? value : column.mapFromDriverValue(value as string));
  }
  return (value) => column.mapFromDriverValue(value);
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

/**
 * Inserts many rows in one statement with one parameter: the rows as a JSON array, expanded by
 * jsonb_populate_recordset into the table's own row type. Building a multi-row VALUES list costs
 * more (drizzle checks every value) than the database spends inserting it. Values missing from a
 * row take the column's default; results are mapped back like any drizzle query.
 */
async function insertRows(tx: Tx, kind: RecordKind, rows: Array<Record<string, unknown>>): Promise<RecordRow[]> {
  const all = getTableColumns(kind.table as never) as Record<string, PgColumn>;
  const keys = new Set<string>(['id']);
  for (const r of rows)
    for (const k of Object.keys(r)) if (all[k] && !(all[k] as { generated?: unknown }).generated) keys.add(k);
  const names = [...keys];
  const fill = (column: PgColumn): unknown => {
    if (column.hasDefault && column.default !== undefined && !is(column.default, SQL)) return column.default;
    if (column.columnType === 'PgArray') return [];
    return null;
  };
  const doc = rows.map((r) => {
    const out: Record<string, unknown> = {};
    for (const k of names) {
      const column = all[k] as PgColumn;
      let value = k === 'id' ? (r.id ?? newId()) : r[k];
      if (value === undefined) value = fill(column);
      out[column.name] = value instanceof Date ? value.toISOString() : value;
    }
    return out;
  });
  const list = sql.join(
    names.map((k) => sql.identifier((all[k] as PgColumn).name)),
    sql`, `,
  );
  const output = rawOutputs.get(kind.resource) as RawOutput;
  const raw = await execRows(
    tx,
    sql`insert into ${kind.table} (${list}) select ${list} from jsonb_populate_recordset(null::${kind.table}, ${JSON.stringify(doc)}::jsonb) returning ${output.list}`,
  );
  return raw.map(output.read);
}

const rawOutputs = new Map(RECORD_KINDS.map((k) => [k.resource, rawOutput(k)]));

export function createRecordsService(deps: { db: Database; clock: () => Date }) {
  const { db, clock } = deps;
  const schemas = RECORD_SCHEMAS;
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

  /** Ids among `ids` that are live records of `target` the actor may read (one query). */
  async function readableIds(tx: Tx, actor: Actor, target: RecordKind, ids: string[], now: Date): Promise<Set<string>> {
    if (!ids.length) return new Set();
    const rows = await tx
      .select({ id: sql<string>`${target.idColumn}` })
      .from(target.table)
      .where(
        and(
          eq(target.workspaceColumn, actor.workspaceId),
          inArray(target.idColumn, ids),
          isNull(target.deletedAtColumn),
          readableBy(actor, target, now),
        ),
      );
    return new Set(rows.map((r) => r.id));
  }

  /**
   * Checks the links of many records at once: records they point at exist, are live and readable;
   * users are active members. One query per linked kind, not per record.
   */
  async function checkLinksMany(
    tx: Tx,
    actor: Actor,
    kind: RecordKind,
    items: Array<{ values: Record<string, unknown>; existing?: Record<string, unknown> | undefined; prefix: string }>,
    now: Date,
  ): Promise<FieldProblem[][]> {
    const problems: FieldProblem[][] = items.map(() => []);
    const wanted = new Map<string, Set<string>>();
    const want = (resource: string, id: string) => {
      if (!wanted.has(resource)) wanted.set(resource, new Set());
      wanted.get(resource)?.add(id);
    };
    const users = new Set<string>();
    const userFieldsOf = (values: Record<string, unknown>): Array<[string, string[]]> => {
      const out: Array<[string, string[]]> = [];
      if (typeof values.ownerId === 'string') out.push(['ownerId', [values.ownerId]]);
      for (const [name, field] of Object.entries(kind.fields)) {
        const v = values[name];
        if (v === undefined || v === null) continue;
        if (field.type === 'userRef') out.push([name, [v as string]]);
        else if (field.type === 'userRefs') out.push([name, v as string[]]);
      }
      return out;
    };
    const polyOf = (item: (typeof items)[number]) => {
      if (!kind.polyRef) return null;
      const { typeField, idField } = kind.polyRef;
      const { values, existing } = item;
      if (values[typeField] === undefined && values[idField] === undefined) return null;
      const type = (values[typeField] !== undefined ? values[typeField] : existing?.[typeField]) as string | null;
      const id = (values[idField] !== undefined ? values[idField] : existing?.[idField]) as string | null;
      return type && id ? { type, id, field: idField } : null;
    };
    for (const item of items) {
      for (const [name, field] of Object.entries(kind.fields)) {
        const v = item.values[name];
        if (field.type === 'ref' && field.ref && kindByResource(field.ref) && typeof v === 'string') want(field.ref, v);
      }
      for (const [, ids] of userFieldsOf(item.values)) for (const id of ids) users.add(id);
      const poly = polyOf(item);
      if (poly && kindByResource(poly.type)) want(poly.type, poly.id);
    }
    const found = new Map<string, Set<string>>();
    for (const [resource, ids] of wanted) {
      found.set(resource, await readableIds(tx, actor, kindByResource(resource) as RecordKind, [...ids], now));
    }
    let activeUsers = new Set<string>();
    if (users.size) {
      const active = await tx
        .select({ userId: members.userId })
        .from(members)
        .where(
          and(
            eq(members.workspaceId, actor.workspaceId),
            inArray(members.userId, [...users]),
            eq(members.status, 'active'),
          ),
        );
      activeUsers = new Set(active.map((m) => m.userId));
    }
    items.forEach((item, i) => {
      const list = problems[i] as FieldProblem[];
      for (const [name, field] of Object.entries(kind.fields)) {
        const v = item.values[name];
        if (field.type !== 'ref' || !field.ref || typeof v !== 'string') continue;
        const target = kindByResource(field.ref);
        if (target && !found.get(field.ref)?.has(v))
          list.push({ field: `${item.prefix}.${name}`, message: `no such ${target.singular}` });
      }
      for (const [name, ids] of userFieldsOf(item.values)) {
        if (ids.some((id) => !activeUsers.has(id))) {
          list.push({ field: `${item.prefix}.${name}`, message: 'is not a member of this workspace' });
        }
      }
      const poly = polyOf(item);
      if (poly && !found.get(poly.type)?.has(poly.id)) {
        list.push({
          field: `${item.prefix}.${poly.field}`,
          message: `no such ${kindByResource(poly.type)?.singular ?? 'record'}`,
        });
      }
    });
    return problems;
  }

  async function checkLinks(
    tx: Tx,
    actor: Actor,
    kind: RecordKind,
    values: Record<string, unknown>,
    existing: Record<string, unknown> | undefined,
    prefix: string,
    now: Date,
  ): Promise<FieldProblem[]> {
    return (await checkLinksMany(tx, actor, kind, [{ values, existing, prefix }], now))[0] as FieldProblem[];
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

  /**
   * Creates many records in one transaction with few statements: each input is validated on its
   * own (a bad one fails alone), links are checked in one query per linked kind, the good ones
   * are inserted in multi-row statements, and their audit entries written together. Returns a
   * record or the error for each input, in order.
   */
  async function insertMany(
    tx: Tx,
    actor: Actor,
    kind: RecordKind,
    inputs: unknown[],
    ctx: { defs: CustomFieldDef[]; now: Date; prefix?: (index: number) => string },
  ): Promise<Array<RecordRow | AppError>> {
    const prefixOf = ctx.prefix ?? (() => 'body');
    const schema = (schemas.get(kind.resource) as { create: z.ZodObject }).create;
    const results: Array<RecordRow | AppError | null> = inputs.map(() => null);
    const prepared: Array<{
      index: number;
      values: Record<string, unknown>;
      owner: string;
      ownerId: string | undefined;
      tags: string[];
      customValues: Record<string, unknown>;
      problems: FieldProblem[];
    }> = [];
    inputs.forEach((input, index) => {
      const prefix = prefixOf(index);
      const parsed = schema.safeParse(input);
      if (!parsed.success) {
        results[index] = new ValidationError(zodProblems(parsed.error, prefix));
        return;
      }
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
      const owner = ownerId ?? actor.userId ?? '';
      if (!owner) problems.push({ field: `${prefix}.ownerId`, message: 'is required when no user is acting' });
      prepared.push({ index, values, owner, ownerId, tags: [...new Set(tags ?? [])], customValues, problems });
    });
    const linkProblems = await checkLinksMany(
      tx,
      actor,
      kind,
      prepared.map((p) => ({ values: { ...p.values, ownerId: p.ownerId }, prefix: prefixOf(p.index) })),
      ctx.now,
    );
    const ready: typeof prepared = [];
    for (const [i, p] of prepared.entries()) {
      p.problems.push(...(linkProblems[i] ?? []));
      if (p.problems.length) {
        results[p.index] = new ValidationError(p.problems);
        continue;
      }
      try {
        await runRules(kind, tx, actor, ctx.now, p.values, undefined, prefixOf(p.index));
        ready.push(p);
      } catch (err) {
        if (err instanceof AppError) results[p.index] = err;
        else throw err;
      }
    }
    const rowOf = (p: (typeof ready)[number]) =>
      ({
        ...p.values,
        workspaceId: actor.workspaceId,
        ownerId: p.owner,
        createdBy: actor.userId,
        tags: p.tags,
        ...(kind.customFields ? { custom: p.customValues } : {}),
        createdAt: ctx.now,
        updatedAt: ctx.now,
      }) as never;
    const cols = columns.get(kind.resource) as never;
    const created: Array<(typeof ready)[number] & { row: RecordRow }> = [];
    // An import chunk (500 rows) is one statement, so its new search terms are locked in one
    // sorted pass: two chunks importing at once cannot take them in opposite orders. 500 rows of
    // the widest table (28 columns) stay far below PostgreSQL's 65,535 parameters a statement.
    for (let i = 0; i < ready.length; i += INSERT_BATCH) {
      const chunk = ready.slice(i, i + INSERT_BATCH);
      // A savepoint per statement: should a row break a constraint, the others are retried alone.
      // Should PostgreSQL roll the statement back to break a deadlock, its locks go with it, the
      // other transaction goes on, and after a short pause (`retryPause`) the statement is sent
      // once more; a second time, the error is the caller's (an import runs the chunk again; a
      // request answers 503).
      const insertChunk = () => tx.transaction((sp) => insertRows(sp, kind, chunk.map(rowOf)));
      try {
        const rows = await insertChunk().catch(async (err) => {
          if (!isTransient(err)) throw err;
          await retryPause();
          return insertChunk();
        });
        for (const [k, p] of chunk.entries()) created.push({ ...p, row: rows[k] as RecordRow });
      } catch (err) {
        if (!isRowProblem(err)) throw err;
        for (const p of chunk) {
          try {
            const [row] = (await tx.transaction((sp) =>
              sp.insert(kind.table).values(rowOf(p)).returning(cols),
            )) as unknown as RecordRow[];
            created.push({ ...p, row: row as RecordRow });
          } catch (err) {
            if (!isRowProblem(err)) throw err;
            results[p.index] = new ValidationError([
              {
                field: prefixOf(p.index),
                message: `could not be saved: ${(err as { cause?: Error }).cause?.message ?? (err as Error).message}`,
              },
            ]);
          }
        }
      }
    }
    await recordAuditMany(
      tx,
      actor,
      created.map((p) => {
        const changes: Record<string, { old: unknown; new: unknown }> = {};
        for (const [k, v] of Object.entries({
          ...p.values,
          ownerId: p.owner,
          ...(p.tags.length ? { tags: p.tags } : {}),
        })) {
          if (v !== null && v !== undefined) changes[k] = { old: null, new: v };
        }
        if (Object.keys(p.customValues).length) changes.custom = { old: null, new: p.customValues };
        return { action: `${kind.singular}.created`, entityType: kind.singular, entityId: p.row.id, changes };
      }),
    );
    for (const p of created) results[p.index] = p.row;
    return results as Array<RecordRow | AppError>;
  }

  async function insertIn(
    tx: Tx,
    actor: Actor,
    kind: RecordKind,
    input: unknown,
    ctx: { defs: CustomFieldDef[]; now: Date; prefix?: string },
  ): Promise<RecordRow> {
    const prefix = ctx.prefix ?? 'body';
    const [result] = await insertMany(tx, actor, kind, [input], { defs: ctx.defs, now: ctx.now, prefix: () => prefix });
    if (result instanceof AppError) throw result;
    return result as RecordRow;
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
    const parsed = (schemas.get(kind.resource) as { update: z.ZodObject }).update.safeParse(input);
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

  /**
   * One page of `kind`: its raw rows (the output columns and the sort keys, `__s…`), the next
   * cursor and, when asked, the total. Shared by the list as records and as JSON text; `asText`
   * reads the values as PostgreSQL's text where the driver allows (execTextRows).
   */
  async function pageIn(
    tx: Tx,
    actor: Actor,
    kind: RecordKind,
    params: ListParams,
    now: Date,
    asText = false,
  ): Promise<{
    rows: Array<Record<string, unknown>>;
    text: boolean;
    page: ListResult['page'];
    pick: ReadonlySet<string> | null;
  }> {
    const limit = params.limit ?? 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      throw new ValidationError([{ field: 'query.limit', message: 'must be a whole number from 1 to 1000' }]);
    }
    const cols = columns.get(kind.resource) as Record<string, PgColumn>;
    const pick = params.fields ? new Set(['id', ...params.fields]) : null;
    if (pick) {
      const unknown = [...pick].filter((f) => !Object.hasOwn(cols, f));
      if (unknown.length) {
        throw new ValidationError([{ field: 'query.fields', message: `unknown field(s): ${unknown.join(', ')}` }]);
      }
    }
    const keys = parseSort(kind, params.sort, kind.resource === 'notes' ? '-occurredAt' : '-updatedAt', params.q);
    // Custom field definitions only when a filter names one (a statement less for every other list).
    const needsDefs = kind.customFields && params.filters?.some((f) => f.field.startsWith('custom.'));
    const defs = needsDefs ? await customFieldsOf(tx, kind.resource) : [];
    const customTypes = new Map(defs.map((d) => [d.key, d.type]));
    const conditions: SQL[] = [
      eq(kind.workspaceColumn, actor.workspaceId),
      params.deleted ? isNotNull(kind.deletedAtColumn) : isNull(kind.deletedAtColumn),
      params.deleted ? visibleTo(actor, kind, 'full', now) : readableBy(actor, kind, now),
    ];
    for (const filter of params.filters ?? []) conditions.push(filterSql(kind, filter, actor.userId, customTypes));
    // A search: the close terms of each word first (WITH), then the records holding them.
    const search = params.q ? searchPlan(kind, actor.workspaceId, params.q) : null;
    if (search) conditions.push(search.where);
    const where = and(...conditions) as SQL;
    const paged = params.cursor ? (and(where, afterCursor(keys, kind.idColumn, params.cursor)) as SQL) : where;
    const head = withClause([search]);
    const source = sql`${kind.table}${search?.join ?? sql``}`;
    const output = rawOutputs.get(kind.resource) as RawOutput;
    const sortKeys = sortKeyColumns(keys);
    const offset = params.offset && !params.cursor ? sql` offset ${params.offset}` : sql``;
    // The limit is written into the statement (a whole number, checked above): as a parameter,
    // PostgreSQL's generic plan for the prepared statement assumes a tenth of the table, costs it
    // far above a planned one, and so plans the list again on every call.
    const statement = sql`${head}select ${output.list}, ${sortKeys} from ${source} where ${paged} order by ${orderBy(keys, kind.idColumn)} limit ${sql.raw(String(limit + 1))}${offset}`;
    const { rows, text } = asText
      ? await execTextRows(tx, statement)
      : { rows: await execRows(tx, statement), text: false };
    const hasMore = rows.length > limit;
    if (hasMore) rows.length = limit;
    const last = rows[rows.length - 1];
    const nextCursor =
      hasMore && last
        ? encodeCursor(
            keys,
            keys.map((_, i) => last[`__s${i}`] as string),
            last.id as string,
          )
        : null;
    const page: ListResult['page'] = { nextCursor, hasMore };
    if (params.count) {
      const [counted] = await execRows(tx, sql`${head}select count(*)::int as n from ${source} where ${where}`);
      page.total = Number(counted?.n ?? 0);
    }
    return { rows, text, page, pick };
  }

  async function listIn(tx: Tx, actor: Actor, kind: RecordKind, params: ListParams, now: Date): Promise<ListResult> {
    const { rows, page, pick } = await pageIn(tx, actor, kind, params, now);
    const output = rawOutputs.get(kind.resource) as RawOutput;
    // Read by the output column list: the sort keys (`__s…`) stay behind.
    const outKeys = pick ? Object.keys(columns.get(kind.resource) as object).filter((k) => pick.has(k)) : [];
    const data = rows.map((raw) => {
      const row = output.read(raw);
      if (!pick) return row;
      const out: Record<string, unknown> = {};
      for (const k of outKeys) out[k] = row[k];
      return out as RecordRow;
    });
    return { data, page };
  }

  // ---- public API ----

  /** The kind behind `resource` once the actor may read it, its output, and the read's moment. */
  function readable(actor: Actor, resource: string) {
    const kind = kindOf(resource);
    assertPermission(actor, permission(kind, 'read'));
    return { kind, output: rawOutputs.get(kind.resource) as RawOutput, now: clock() };
  }

  /** A record of `kind` by id, if the actor may see it: one prepared statement. */
  const byId = (actor: Actor, kind: RecordKind, output: RawOutput, id: string, now: Date) =>
    sql`${output.byIdHead}${id}${output.byIdTail}${readableBy(actor, kind, now)}`;

  async function list(actor: Actor, resource: string, params: ListParams = {}): Promise<ListResult> {
    const { kind, now } = readable(actor, resource);
    // Prepared unless searching: a search's plan depends on its words (how many terms each is close
    // to), and PostgreSQL's generic plan for it costs more than planning each one (3.3 → 4.1 ms).
    return readWorkspace(db, actor, (tx) => listIn(tx, actor, kind, params, now), { prepare: !params.q });
  }

  /**
   * The same list as its HTTP response body, `{"data":[…],"page":{…}}`: each record written to
   * JSON from the row as read (record-json.ts), the same text `list` would serialize to, without
   * the objects in between. The same permission, visibility and validation.
   */
  async function listJson(actor: Actor, resource: string, params: ListParams = {}): Promise<string> {
    const { kind, output, now } = readable(actor, resource);
    return readWorkspace(
      db,
      actor,
      async (tx) => {
        const { rows, text, page, pick } = await pageIn(tx, actor, kind, params, now, true);
        let data = '';
        for (const row of rows) data += `${data ? ',' : ''}${output.json.write(row, text, pick)}`;
        return `{"data":[${data}],"page":${JSON.stringify(page)}}`;
      },
      { prepare: !params.q },
    );
  }

  /** One record as its HTTP response body, `{"data":{…}}`, written as listJson writes them. */
  async function getJson(actor: Actor, resource: string, id: string): Promise<string> {
    const { kind, output, now } = readable(actor, resource);
    return readWorkspace(
      db,
      actor,
      async (tx) => {
        const { rows, text } = await execTextRows(tx, byId(actor, kind, output, id, now));
        const [raw] = rows;
        if (!raw) throw new NotFound(kind.label);
        return `{"data":${output.json.write(raw, text)}}`;
      },
      { prepare: true },
    );
  }

  async function get(
    actor: Actor,
    resource: string,
    id: string,
    options: { related?: boolean } = {},
  ): Promise<{ data: RecordRow; related?: Record<string, RecordRow[]> }> {
    const { kind, output, now } = readable(actor, resource);
    return readWorkspace(
      db,
      actor,
      async (tx) => {
        const [raw] = await execRows(tx, byId(actor, kind, output, id, now));
        if (!raw) throw new NotFound(kind.label);
        const row = output.read(raw);
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
      },
      { prepare: true },
    );
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
    checkBulkSize(items.length);
    const now = clock();
    return withWorkspace(db, actor, async (tx) => {
      const defs = kind.customFields ? await customFieldsOf(tx, kind.resource) : [];
      const results = await insertMany(tx, actor, kind, items, { defs, now, prefix: (i) => `body.items.${i}` });
      return results.map((r, index) =>
        r instanceof AppError ? failure(index, r) : { index, ok: true as const, data: r },
      );
    });
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

  /**
   * Takes out of each workspace's search dictionary the terms no record holds any more (renamed,
   * purged), so that a typed word is not matched against words of records long gone. Then puts
   * back the terms of every record written in the last day: a write that committed after this
   * pass looked at its table may have added its term (finding it still there, so adding nothing)
   * just before this pass took it out. Returns the number of terms taken out.
   */
  async function pruneSearchTerms(): Promise<number> {
    const since = new Date(clock().getTime() - 25 * 3_600_000);
    const ids = await db.orm.transaction((tx) => tx.select({ id: workspaces.id }).from(workspaces));
    let total = 0;
    for (const { id: workspaceId } of ids) {
      for (const [kind, table] of SEARCHED_TABLES) {
        total += await asSystem(db, workspaceId, async (tx) => {
          // The terms the records hold, gathered in one pass (~4 µs a record) and compared with
          // the dictionary by hash. A probe of the records' GIN index per term is faster on a
          // tidy index (~10 µs a term) but reads the index's whole pending list each time, up to
          // 4 MB where no autovacuum merged it (PGlite has none): 59 s for 21,000 terms.
          const gone = await execRows(
            tx,
            sql`delete from search_terms d
                 where d.workspace_id = ${workspaceId} and d.kind = ${kind}
                   and not exists (
                     select 1 from (select distinct w from ${table} r, unnest(r.search_terms) w
                                     where r.workspace_id = ${workspaceId} and w !~ '^[0-9]+$') held
                      where held.w = d.term)
                returning 1`,
          );
          if (gone.length) {
            await tx.execute(
              sql`insert into search_terms (workspace_id, kind, term)
                  select distinct r.workspace_id, ${kind}, w from ${table} r, unnest(r.search_terms) w
                   where r.workspace_id = ${workspaceId} and r.updated_at >= ${since} and w !~ '^[0-9]+$'
                   order by 1, 3
                  on conflict do nothing`,
            );
          }
          return gone.length;
        });
      }
    }
    return total;
  }

  /**
   * Counts (and optionally sums) the visible live records grouped by one field: pipeline and KPI
   * summaries for the assistant and dashboards, with the same visibility as the list.
   */
  async function summarize(
    actor: Actor,
    resource: string,
    input: { groupBy: string; sum?: string | undefined; filters?: Filter[] | undefined },
  ): Promise<Array<{ key: string | null; count: number; sum: string | null }>> {
    const kind = kindOf(resource);
    assertPermission(actor, permission(kind, 'read'));
    const group = kind.fields[input.groupBy];
    if (!group) throw new ValidationError([{ field: 'groupBy', message: `unknown field "${input.groupBy}"` }]);
    const sumField = input.sum ? kind.fields[input.sum] : undefined;
    if (input.sum && (!sumField || !['money', 'int', 'number', 'percent'].includes(sumField.type))) {
      throw new ValidationError([{ field: 'sum', message: `"${input.sum}" is not a number field` }]);
    }
    const now = clock();
    return withWorkspace(db, actor, async (tx) => {
      const conditions: SQL[] = [
        eq(kind.workspaceColumn, actor.workspaceId),
        isNull(kind.deletedAtColumn),
        readableBy(actor, kind, now),
      ];
      for (const filter of input.filters ?? []) conditions.push(filterSql(kind, filter, actor.userId, new Map()));
      const rows = await tx
        .select({
          key: sql<string | null>`(${group.column})::text`,
          count: sql<number>`count(*)::int`,
          sum: sumField ? sql<string | null>`sum(${sumField.column})::text` : sql<null>`null`,
        })
        .from(kind.table)
        .where(and(...conditions))
        .groupBy(group.column as PgColumn);
      return rows.map((r) => ({ key: r.key, count: Number(r.count), sum: r.sum }));
    });
  }

  return {
    kindOf,
    list,
    listJson,
    summarize,
    get,
    getJson,
    create,
    update,
    remove,
    restore,
    bulkCreate,
    bulkUpdate,
    bulkDelete,
    trash,
    purgeTrash,
    pruneSearchTerms,
    /** For imports and conversions that compose several writes in one transaction. */
    internal: { insertIn, insertMany, updateIn, deleteIn, listIn, readableIds, commonFields },
  };
}

export type RecordsService = ReturnType<typeof createRecordsService>;
