// List queries of CRM records: filters, multi-field sorts and keyset cursors as SQL. Cursors hold
// the sort values of the last row (as PostgreSQL prints them, so timestamps keep their
// microseconds), so paging is stable while rows are added or changed elsewhere.
import { type AnyColumn, type SQL, sql } from 'drizzle-orm';
import type { CustomFieldType } from '#server/db/schema/crm.ts';
import { pgDialect } from '#server/platform/db/database.ts';
import { type FieldProblem, ValidationError } from '#server/platform/errors.ts';
import { type FieldDef, filterValue, sortExpression, sqlType } from './fields.ts';
import type { RecordKind } from './kinds.ts';

export const FILTER_OPS = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'contains', 'empty'] as const;
export type FilterOp = (typeof FILTER_OPS)[number];

export interface Filter {
  field: string;
  op: FilterOp;
  value: string;
}

export interface ListParams {
  limit?: number | undefined;
  cursor?: string | undefined;
  /** Offset paging, for clients that want page numbers (cursor paging is faster and stable). */
  offset?: number | undefined;
  sort?: string | undefined;
  q?: string | undefined;
  filters?: Filter[] | undefined;
  fields?: string[] | undefined;
  /** Also return the total number of matching rows (costs a count query). */
  count?: boolean | undefined;
  /** The trash: deleted records instead of live ones. */
  deleted?: boolean | undefined;
}

/**
 * Reads list parameters from a parsed query string: `filter[status]=a,b`,
 * `filter[amount][gte]=1000`, `sort=-updatedAt,name`, `fields=a,b`, `limit`, `cursor`, `offset`
 * or `page`, `q`, `count`, `deleted`. The bracket keys arrive as they are written.
 */
export function parseListQuery(query: Record<string, unknown>): ListParams {
  const problems: FieldProblem[] = [];
  const one = (key: string): string | undefined => {
    const v = query[key];
    return Array.isArray(v) ? String(v[v.length - 1]) : v === undefined ? undefined : String(v);
  };
  const int = (key: string, min: number, max: number): number | undefined => {
    const raw = one(key);
    if (raw === undefined || raw === '') return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push({ field: `query.${key}`, message: `must be a whole number from ${min} to ${max}` });
      return undefined;
    }
    return n;
  };
  const bool = (key: string): boolean | undefined => {
    const raw = one(key);
    if (raw === undefined) return undefined;
    if (raw !== 'true' && raw !== 'false') problems.push({ field: `query.${key}`, message: 'must be true or false' });
    return raw === 'true';
  };
  const limit = int('limit', 1, 200);
  const page = int('page', 1, 1_000_000);
  let offset = int('offset', 0, 100_000_000);
  if (page !== undefined) offset = (page - 1) * (limit ?? 50);
  const filters: Filter[] = [];
  for (const [key, value] of Object.entries(query)) {
    const m = /^filter\[([A-Za-z0-9_.]+)\](?:\[([a-z]+)\])?$/.exec(key);
    if (!m) {
      if (key.startsWith('filter'))
        problems.push({ field: `query.${key}`, message: 'write filters as filter[field] or filter[field][op]' });
      continue;
    }
    const op = (m[2] ?? 'eq') as FilterOp;
    if (!FILTER_OPS.includes(op)) {
      problems.push({ field: `query.${key}`, message: `unknown operator; use one of ${FILTER_OPS.join(', ')}` });
      continue;
    }
    for (const v of Array.isArray(value) ? value : [value])
      filters.push({ field: m[1] as string, op, value: String(v) });
  }
  const fields = one('fields')
    ?.split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  const params: ListParams = {
    limit,
    offset,
    cursor: one('cursor') || undefined,
    sort: one('sort') || undefined,
    q: one('q')?.trim() || undefined,
    filters,
    fields: fields?.length ? fields : undefined,
    count: bool('count'),
    deleted: bool('deleted'),
  };
  if (problems.length) throw new ValidationError(problems);
  return params;
}

/**
 * A fragment without parameters (a column, a sort expression) rendered once into one raw string:
 * statements are built on every request, and drizzle walks every part of every fragment each time.
 */
export function rendered(fragment: SQL): SQL {
  const query = pgDialect.sqlToQuery(fragment);
  return query.params.length ? fragment : sql.raw(query.sql);
}

const fieldsByKind = new WeakMap<RecordKind, Record<string, FieldDef>>();

/** Every field of a kind by name: the common ones and its own. */
export function fieldsOf(kind: RecordKind): Record<string, FieldDef> {
  let all = fieldsByKind.get(kind);
  if (!all) {
    all = { ...commonFields(kind), ...kind.fields };
    fieldsByKind.set(kind, all);
  }
  return all;
}

/** Fields every record has, besides the kind's own. */
export function commonFields(kind: RecordKind): Record<string, FieldDef> {
  const t = kind.table as unknown as Record<string, AnyColumn>;
  return {
    id: { column: kind.idColumn, type: 'ref', label: 'Id' },
    ownerId: { column: kind.ownerColumn, type: 'userRef', label: 'Owner' },
    createdBy: { column: t.createdBy as AnyColumn, type: 'userRef', label: 'Created by', nullable: true },
    createdAt: { column: t.createdAt as AnyColumn, type: 'datetime', label: 'Created', sortable: true },
    updatedAt: { column: kind.updatedAtColumn, type: 'datetime', label: 'Updated', sortable: true },
    deletedAt: { column: kind.deletedAtColumn, type: 'datetime', label: 'Deleted', sortable: true, nullable: true },
  };
}

export interface SortKey {
  name: string;
  desc: boolean;
  expr: SQL;
  type: string;
}

/**
 * The sort keys of a list. With a search (`q`), the default order is relevance: how closely the
 * words match (search-index.ts), best first.
 */
export function parseSort(kind: RecordKind, sort: string | undefined, fallback: string, q?: string): SortKey[] {
  const spec = sort || (q ? '-relevance' : fallback);
  // Keys without relevance depend only on the kind and the spec: parsed once, their expressions
  // rendered once. Only valid specs get here (others throw), and the bound guards against
  // endless combinations.
  const cacheable = !spec.includes('relevance');
  const cacheKey = `${kind.resource}:${spec}`;
  const known = cacheable ? sortKeysBySpec.get(cacheKey) : undefined;
  if (known) return known;
  const keys = parseSortSpec(kind, spec, q);
  if (cacheable && sortKeysBySpec.size < 1_000) sortKeysBySpec.set(cacheKey, keys);
  return keys;
}

const sortKeysBySpec = new Map<string, SortKey[]>();

function parseSortSpec(kind: RecordKind, spec: string, q: string | undefined): SortKey[] {
  const all = fieldsOf(kind);
  const keys: SortKey[] = [];
  for (const part of spec.split(',').map((s) => s.trim())) {
    if (!part) continue;
    const desc = part.startsWith('-');
    const name = desc ? part.slice(1) : part;
    if (name === 'relevance') {
      if (!q) throw new ValidationError([{ field: 'query.sort', message: 'relevance needs a search (q)' }]);
      // The search text is part of the name, so a cursor cannot be reused with another search.
      const needle = q.toLowerCase();
      keys.push({
        name: `relevance(${needle})`,
        desc,
        // The relevance a search plan joins in as "__search" (search-index.ts, SearchPlan.score).
        expr: sql`"__search"."__score"`,
        type: 'float8',
      });
      continue;
    }
    const field = all[name];
    if (!field?.sortable) {
      const allowed = Object.entries(all)
        .filter(([, f]) => f.sortable)
        .map(([n]) => n);
      throw new ValidationError([
        { field: 'query.sort', message: `cannot sort by "${name}"; use ${allowed.join(', ')}` },
      ]);
    }
    if (keys.some((k) => k.name === name)) continue;
    keys.push({ name, desc, expr: rendered(sortExpression(field)), type: castType(field) });
  }
  return keys;
}

function castType(field: FieldDef): string {
  const text = ['text', 'longText', 'email', 'url', 'phone', 'enum', 'currency'].includes(field.type);
  return text ? 'text' : sqlType(field);
}

export function orderBy(keys: SortKey[], idColumn: AnyColumn): SQL {
  let clause = orderByKeys.get(keys);
  if (!clause) {
    const parts = keys.map((k) => (k.desc ? sql`${k.expr} desc` : sql`${k.expr} asc`));
    // The id breaks ties in the direction of the first key, so an index on (key, id) serves both.
    parts.push(keys[0]?.desc ? sql`${idColumn} desc` : sql`${idColumn} asc`);
    clause = rendered(sql.join(parts, sql`, `));
    orderByKeys.set(keys, clause);
  }
  return clause;
}

const orderByKeys = new WeakMap<SortKey[], SQL>();

/** The sort keys' values as text columns `__s0`, `__s1`…, read back into the next cursor. */
export function sortKeyColumns(keys: SortKey[]): SQL {
  let list = sortKeyLists.get(keys);
  if (!list) {
    list = rendered(
      sql.join(
        keys.map((k, i) => sql`(${k.expr})::text as ${sql.raw(`"__s${i}"`)}`),
        sql`, `,
      ),
    );
    sortKeyLists.set(keys, list);
  }
  return list;
}

const sortKeyLists = new WeakMap<SortKey[], SQL>();

interface CursorData {
  s: string;
  v: string[];
  id: string;
}

const sortSignature = (keys: SortKey[]) => keys.map((k) => `${k.desc ? '-' : ''}${k.name}`).join(',');

export function encodeCursor(keys: SortKey[], values: string[], id: string): string {
  return Buffer.from(JSON.stringify({ s: sortSignature(keys), v: values, id } satisfies CursorData)).toString(
    'base64url',
  );
}

/** The condition "after the cursor's row" in the sort order. */
export function afterCursor(keys: SortKey[], idColumn: AnyColumn, cursor: string): SQL {
  let data: CursorData;
  try {
    data = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(data.v) || typeof data.id !== 'string' || !/^[0-9a-f-]{36}$/i.test(data.id)) throw new Error();
  } catch {
    throw new ValidationError([{ field: 'query.cursor', message: 'is not a cursor from this list' }]);
  }
  if (data.s !== sortSignature(keys) || data.v.length !== keys.length) {
    throw new ValidationError([{ field: 'query.cursor', message: 'belongs to a different sort order' }]);
  }
  const idDesc = keys[0]?.desc ?? false;
  const cols = [...keys.map((k) => k.expr), sql`${idColumn}`];
  const vals = [...keys.map((k, i) => sql`${data.v[i]}::${sql.raw(k.type)}`), sql`${data.id}::uuid`];
  const descs = [...keys.map((k) => k.desc), idDesc];
  // One direction throughout: a row comparison, which an index on the same columns answers.
  if (descs.every((d) => d === descs[0])) {
    return descs[0]
      ? sql`(${sql.join(cols, sql`, `)}) < (${sql.join(vals, sql`, `)})`
      : sql`(${sql.join(cols, sql`, `)}) > (${sql.join(vals, sql`, `)})`;
  }
  // Mixed directions: (a after va) or (a = va and b after vb) or …
  const ors: SQL[] = [];
  for (let i = 0; i < cols.length; i++) {
    const eqs = cols.slice(0, i).map((c, j) => sql`${c} = ${vals[j]}`);
    const after = descs[i] ? sql`${cols[i]} < ${vals[i]}` : sql`${cols[i]} > ${vals[i]}`;
    ors.push(sql`(${sql.join([...eqs, after], sql` and `)})`);
  }
  return sql`(${sql.join(ors, sql` or `)})`;
}

const ARRAY_FIELD = new Set(['userRefs', 'emails', 'phones']);
const TEXTUAL = new Set(['text', 'longText', 'email', 'url', 'phone']);

export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** One filter as SQL, or a field-level problem. `me` stands for the caller in user fields. */
export function filterSql(
  kind: RecordKind,
  filter: Filter,
  userId: string | null,
  customTypes: Map<string, CustomFieldType>,
): SQL {
  const problem = (message: string) =>
    new ValidationError([
      { field: `query.filter[${filter.field}]${filter.op === 'eq' ? '' : `[${filter.op}]`}`, message },
    ]);
  if (filter.field === 'tag' || filter.field === 'tags') {
    const tags = filter.value
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
    if (filter.op === 'empty')
      return filter.value === 'true'
        ? sql`cardinality(${kind.tagsColumn}) = 0`
        : sql`cardinality(${kind.tagsColumn}) > 0`;
    if (filter.op !== 'eq') throw problem('tags support eq (has all of) and empty');
    return sql`${kind.tagsColumn} @> ${sql`array[${sql.join(
      tags.map((t) => sql`${t}`),
      sql`, `,
    )}]::text[]`}`;
  }
  if (filter.field.startsWith('custom.')) {
    const key = filter.field.slice(7);
    const type = customTypes.get(key);
    if (!type) throw problem('is not a custom field of this object');
    const value = sql`(${kind.customColumn} ->> ${key})`;
    if (filter.op === 'empty') return filter.value === 'true' ? sql`${value} is null` : sql`${value} is not null`;
    const cast = type === 'number' || type === 'currency' ? 'numeric' : type === 'boolean' ? 'boolean' : 'text';
    if (cast === 'numeric' && !/^-?\d+(\.\d+)?$/.test(filter.value)) throw problem('must be a number');
    if (filter.op === 'contains') return sql`${value} ilike ${`%${escapeLike(filter.value)}%`}`;
    if (type === 'multi_select') {
      if (filter.op !== 'eq') throw problem('multi-select fields support eq and empty');
      return sql`(${kind.customColumn} -> ${key}) ? ${filter.value}`;
    }
    return compare(sql`${value}::${sql.raw(cast)}`, filter.op, [sql`${filter.value}::${sql.raw(cast)}`], problem);
  }
  const field = fieldsOf(kind)[filter.field];
  if (!field) throw problem('is not a field of this object');
  const col = sql`${field.column}`;
  if (filter.op === 'empty') {
    if (filter.value !== 'true' && filter.value !== 'false') throw problem('must be true or false');
    if (ARRAY_FIELD.has(field.type))
      return filter.value === 'true' ? sql`cardinality(${col}) = 0` : sql`cardinality(${col}) > 0`;
    return filter.value === 'true' ? sql`${col} is null` : sql`${col} is not null`;
  }
  if (filter.op === 'contains') {
    if (!TEXTUAL.has(field.type)) throw problem('contains works on text fields');
    return sql`${col} ilike ${`%${escapeLike(filter.value)}%`}`;
  }
  const raw = filter.value.split(',').map((v) => v.trim());
  const values = raw.map((v) => {
    if ((field.type === 'userRef' || field.type === 'userRefs') && v === 'me') {
      if (!userId) throw problem('"me" needs a signed-in user');
      return userId;
    }
    try {
      return filterValue(field, v);
    } catch (err) {
      throw problem((err as Error).message);
    }
  });
  if (ARRAY_FIELD.has(field.type)) {
    if (filter.op !== 'eq') throw problem('list fields support eq (has all of) and empty');
    const type = field.type === 'userRefs' ? 'uuid' : 'text';
    return sql`${col} @> array[${sql.join(
      values.map((v) => sql`${v}`),
      sql`, `,
    )}]::${sql.raw(type)}[]`;
  }
  const type = sqlType(field);
  const textual = TEXTUAL.has(field.type);
  const left = textual ? sql`lower(${col})` : col;
  const params = values.map((v) =>
    textual ? sql`lower(${String(v)})` : sql`${typeof v === 'boolean' ? String(v) : v}::${sql.raw(type)}`,
  );
  return compare(left, filter.op, params, problem);
}

function compare(left: SQL, op: FilterOp, values: SQL[], problem: (m: string) => Error): SQL {
  switch (op) {
    case 'eq':
      return values.length === 1 ? sql`${left} = ${values[0]}` : sql`${left} in (${sql.join(values, sql`, `)})`;
    case 'ne':
      return sql`${left} is distinct from ${values[0]}`;
    case 'gt':
      return sql`${left} > ${values[0]}`;
    case 'gte':
      return sql`${left} >= ${values[0]}`;
    case 'lt':
      return sql`${left} < ${values[0]}`;
    case 'lte':
      return sql`${left} <= ${values[0]}`;
    default:
      throw problem(`${op} is not supported here`);
  }
}
