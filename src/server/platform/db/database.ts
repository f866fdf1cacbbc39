// The database behind one interface: embedded PGlite (persisted in DATA_DIR) or a PostgreSQL pool.
// Same migrations, same SQL, same RLS on both; only opening and closing differ.

import { createHash } from 'node:crypto';
import { PGlite, types as pgliteTypes, type Results, type Transaction } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { pgcrypto } from '@electric-sql/pglite/contrib/pgcrypto';
import { DrizzleQueryError, type SQL, sql } from 'drizzle-orm';
import { drizzle as drizzlePg, NodePgSession, NodePgTransaction } from 'drizzle-orm/node-postgres';
import { type PgDatabase, PgDialect, type PgQueryResultHKT, type PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';
import type { Config } from '#server/config.ts';
import { lockDataDir } from './data-dir-lock.ts';
import { mustDiscard, type PrefixStatement, queryWithPrefix } from './prefixed-query.ts';

// biome-ignore lint/complexity/noBannedTypes: drizzle's "no relational schema" type
type NoSchema = {};
export type Orm = PgDatabase<PgQueryResultHKT, NoSchema>;
export type Tx = PgTransaction<PgQueryResultHKT, NoSchema>;

export interface QueryOptions {
  /**
   * Prepare the statement under this name (PostgreSQL keeps it per connection and stops
   * re-planning it): for hot queries whose planning costs more than their execution. The same
   * name must always carry the same text.
   */
  prepare?: string;
}

/**
 * A statement the platform runs ahead of a call's queries (the tenancy settings, a session check):
 * fixed text under a fixed name, with parameters. On PostgreSQL it is prepared once per connection
 * and travels in the same round trip as the query it precedes.
 */
export interface Statement {
  name: string;
  text: string;
  values: unknown[];
}

export interface SetupOptions {
  /**
   * A statement sent once, ahead of the setup with the first query (a remembered actor's session
   * check): if it fails, nothing of the call runs.
   */
  first?: FirstStatement | undefined;
}

/** A statement to send once, ahead of everything else; `sent` tells whether it went. */
export interface FirstStatement {
  statement: Statement;
  sent: boolean;
  /** The error of the query it went with, kept even if the caller's code catches that error. */
  error?: unknown;
}

/** Sends `run`, the query that carries `first`, recording that it went and how it failed. */
function carrying<R>(first: FirstStatement, run: () => Promise<R>): Promise<R> {
  first.sent = true;
  return run().catch((err: unknown) => {
    first.error = err;
    throw err;
  });
}

/** A Statement as drizzle SQL with the same parameters (the embedded database runs it so). */
function statementSql(statement: Statement): SQL {
  const parts = statement.text.split(/\$(\d+)/);
  const chunks: SQL[] = [];
  parts.forEach((part, i) => {
    chunks.push(i % 2 === 0 ? sql.raw(part) : sql`${statement.values[Number(part) - 1]}`);
  });
  return sql.join(chunks);
}

export interface StatementOptions extends SetupOptions {
  /**
   * Keep each statement prepared on its connection, named by its text, so PostgreSQL parses and
   * plans it once instead of on every call (PREPARED_PER_CONNECTION most recently used per
   * connection). For statements whose text depends on the shape of a request (kind, filters,
   * sort), never on values: those are parameters.
   */
  prepare?: boolean;
}

/** A statement name derived from its text: the same text always gets the same name. */
const statementNames = new Map<string, string>();
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (!name) {
    name = `albedo_${createHash('sha1').update(text).digest('base64url')}`;
    // A memo of hashes, bounded against texts that never repeat.
    if (statementNames.size < 10_000) statementNames.set(text, name);
  }
  return name;
}

export interface Database {
  readonly kind: 'pglite' | 'postgres';
  readonly orm: Orm;
  /**
   * Parameterised SQL as the connecting role, outside row-level security. For platform tables
   * only (migrations, job queue, health); domain data goes through withWorkspace.
   */
  query<R = Record<string, unknown>>(text: string, params?: unknown[], options?: QueryOptions): Promise<R[]>;
  /**
   * One transaction that starts with `setup` (e.g. the tenancy settings). On PostgreSQL, BEGIN
   * and the setup go in the same round trip as the first query.
   */
  transaction<T>(setup: Statement, fn: (tx: Tx) => Promise<T>, options?: SetupOptions): Promise<T>;
  /**
   * For reads: `fn`'s statements each run alone, every one behind `setup`, with no BEGIN or
   * COMMIT (one round trip per statement on PostgreSQL). The setup must make the statements
   * read-only (`transaction_read_only`), since nothing here could roll a write back.
   */
  statements<T>(setup: Statement, fn: (tx: Tx) => Promise<T>, options?: StatementOptions): Promise<T>;
  /** Runs fn on one dedicated connection (advisory locks, migrations). */
  withConnection<T>(fn: (orm: Orm, query: Database['query']) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /** Connections now: open, idle, callers waiting for one, and the most there may be. */
  poolStats(): { total: number; idle: number; waiting: number; max: number };
  /** Set in embedded mode: the PGlite instance, for snapshots (tests, tooling). */
  readonly pglite?: PGlite;
}

/**
 * deadlock_detected and serialization_failure: PostgreSQL rolled the transaction (or savepoint)
 * back because of another one running at the same moment, not because of what it asked.
 */
export const TRANSIENT_STATES: ReadonlySet<string> = new Set(['40P01', '40001']);

/** The SQLSTATE of a database error, whether the driver's own or drizzle's wrapper around it. */
export function sqlState(err: unknown): string | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | null | undefined;
  const code = typeof e?.code === 'string' ? e.code : e?.cause?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Rows of a raw `tx.execute(sql...)`: both drivers return `{ rows }`, typed loosely by drizzle. */
export async function execRows<R = Record<string, unknown>>(runner: Orm | Tx, query: SQL): Promise<R[]> {
  const direct = (runner as { [directRunner]?: Runner })[directRunner];
  if (direct) return runDirect<R>(direct, query);
  return ((await runner.execute(query)) as unknown as { rows: R[] }).rows;
}

/**
 * Rows of a read whose values come as PostgreSQL's text, unparsed (`text: true`), on PostgreSQL;
 * on PGlite, which parses values itself, the rows execRows gives (`text: false`). For writing
 * values out as JSON without making objects of them first (crm/record-json.ts).
 */
export async function execTextRows<R = Record<string, unknown>>(
  runner: Orm | Tx,
  query: SQL,
): Promise<{ rows: R[]; text: boolean }> {
  const direct = (runner as { [directRunner]?: Runner })[directRunner];
  if (direct) return { rows: await runDirect<R>(direct, query, textTypes), text: true };
  return { rows: await execRows<R>(runner, query), text: false };
}

type Runner = { query: (config: pg.QueryConfig, values?: unknown[]) => Promise<unknown> };

/** Set on PostgreSQL transactions (txOver): the runner their statements go to. */
const directRunner = Symbol('albedo.directRunner');
/** The one PostgreSQL dialect that renders our statements (it holds no per-query state). */
export const pgDialect = new PgDialect();

// The value parsers drizzle's node-postgres session gives its queries: dates, timestamps and
// intervals (and arrays of them) stay text, for the columns' own mapping to read.
/** The array types among them (numeric[] too), with their element types. */
const ARRAY_ELEMENT = new Map([
  [1115, pg.types.builtins.TIMESTAMP],
  [1185, pg.types.builtins.TIMESTAMPTZ],
  [1182, pg.types.builtins.DATE],
  [1187, pg.types.builtins.INTERVAL],
  [1231, pg.types.builtins.NUMERIC],
]);
const KEEP_TEXT = new Set([
  pg.types.builtins.TIMESTAMPTZ,
  pg.types.builtins.TIMESTAMP,
  pg.types.builtins.DATE,
  pg.types.builtins.INTERVAL,
  ...ARRAY_ELEMENT.keys(),
]);
const asText = (value: string) => value;
const drizzleTypes = {
  getTypeParser: (oid: number, format?: string) =>
    KEEP_TEXT.has(oid) ? asText : pg.types.getTypeParser(oid, (format ?? 'text') as 'text'),
};

/** Every value as the text PostgreSQL sent. */
const textTypes = { getTypeParser: () => asText };

/**
 * What `tx.execute` does on PostgreSQL, without drizzle's layers around the driver call (tracing
 * spans, cache check, prepared-query object: four promises per statement on every request): the
 * same text and parameters, the same value parsers, errors wrapped the same way.
 */
async function runDirect<R>(runner: Runner, query: SQL, types = drizzleTypes): Promise<R[]> {
  const { sql: text, params } = pgDialect.sqlToQuery(query);
  try {
    return ((await runner.query({ text, types } as pg.QueryConfig, params)) as { rows: R[] }).rows;
  } catch (err) {
    throw new DrizzleQueryError(text, params, err as Error);
  }
}

// Extensions must be registered on every PGlite open, not only when created.
export const pgliteExtensions = { pg_trgm, pgcrypto };

export interface OpenOptions {
  /** A PGlite data-dir dump to start from (tests start every file from one migrated snapshot). */
  loadDataDir?: Blob;
}

export async function openDatabase(config: Config['database'], options: OpenOptions = {}): Promise<Database> {
  return config.kind === 'postgres' ? openPostgres(config.url, config.poolMax) : openPglite(config.dataDir, options);
}

async function openPglite(dataDir: string | undefined, options: OpenOptions): Promise<Database> {
  const persisted = dataDir && !options.loadDataDir ? dataDir : undefined;
  // One writer: a second process on the same folder would corrupt it (throws naming the holder).
  const lock = persisted ? lockDataDir(persisted) : undefined;
  let client: PGlite;
  try {
    client = await PGlite.create({
      ...(persisted ? { dataDir: persisted } : {}),
      ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
      extensions: pgliteExtensions,
    });
  } catch (err) {
    lock?.release();
    throw err;
  }
  keepDrizzleText(client);
  // drizzle's session calls only `query` and `transaction` on its client.
  const orm = drizzlePglite({ client: withoutQueryParsers(client) as PGlite }) as unknown as Orm;
  const query: Database['query'] = async (text, params) => {
    await turn();
    return withPgliteValues(await client.query(text, params as unknown[] | undefined)) as never;
  };
  let closed = false;
  return {
    kind: 'pglite',
    orm,
    query,
    // In process there is no round trip to save: drizzle's transaction, then the setup. Reads
    // too: one transaction is as cheap as one statement here.
    transaction: (setup, fn, options) => pgliteTransaction(orm, setup, fn, options),
    statements: (setup, fn, options) => pgliteTransaction(orm, setup, fn, options),
    // PGlite is one connection already; queries from elsewhere wait while a transaction holds it.
    withConnection: (fn) => fn(orm, query),
    poolStats: () => ({ total: 1, idle: 1, waiting: 0, max: 1 }),
    async close() {
      if (closed) return;
      closed = true;
      try {
        await client.close();
      } finally {
        lock?.release();
      }
    },
    pglite: client,
  };
}

// drizzle's PGlite session passes its value parsers (the KEEP_TEXT types as text, as on
// PostgreSQL) with every query, and PGlite then copies its own table of over 300 parsers to merge
// them in: the most expensive step of a short read (12 % of the server's CPU in a profile of get
// by id, docs/decisions.md). So the instance holds drizzle's parsers from the start, what
// drizzle hands PGlite loses its per-query copy, and raw queries put back the values PGlite's
// own parsers make of those types (Dates for dates and timestamps).

type PgliteParser = (value: string, typeId?: number) => unknown;

/** PGlite's default parser for each KEEP_TEXT type that has one (arrays parse their elements). */
const pgliteDefaultParsers = new Map<number, PgliteParser>();
for (const oid of KEEP_TEXT) {
  const element = ARRAY_ELEMENT.get(oid);
  const parse = pgliteTypes.parsers[element ?? oid];
  if (!parse) continue;
  pgliteDefaultParsers.set(oid, element === undefined ? parse : (value) => pgliteTypes.arrayParser(value, parse, oid));
}

/** Makes the instance parse the KEEP_TEXT types as drizzle's session asks: not at all. */
function keepDrizzleText(client: PGlite): void {
  for (const oid of KEEP_TEXT) client.parsers[oid] = asText;
}

type PgliteRunner = Pick<Transaction, 'query'> & { transaction?: PGlite['transaction'] };

/**
 * The client as drizzle's session sees it: the same queries and transactions, with the
 * per-query parsers dropped (the instance already holds the same ones, keepDrizzleText).
 */
function withoutQueryParsers(client: PgliteRunner): PgliteRunner {
  const wrapped: PgliteRunner = {
    query: (text, params, options) =>
      client.query(text, params, options?.rowMode ? { rowMode: options.rowMode } : undefined),
  };
  const transaction = client.transaction?.bind(client);
  if (transaction) wrapped.transaction = (fn) => transaction((tx) => fn(withoutQueryParsers(tx) as Transaction));
  return wrapped;
}

/** A raw query's rows with the KEEP_TEXT types parsed as PGlite does by default. */
function withPgliteValues(result: Results<Record<string, unknown>>): Record<string, unknown>[] {
  const parsed: { name: string; type: number; parse: PgliteParser }[] = [];
  for (const { name, dataTypeID } of result.fields) {
    const parse = pgliteDefaultParsers.get(dataTypeID);
    if (parse) parsed.push({ name, type: dataTypeID, parse });
  }
  if (parsed.length === 0) return result.rows;
  for (const row of result.rows) {
    for (const { name, type, parse } of parsed) {
      const value = row[name];
      if (typeof value === 'string') row[name] = parse(value, type);
    }
  }
  return result.rows;
}

/**
 * PGlite runs a statement synchronously and settles its promise at once, so a job sending one
 * transaction after another (an import's chunks) would run on microtasks alone and never give
 * the event loop a turn: no request served, no timer fired (a shutdown's grace period, a job's
 * time limit), until it ended. So a call to the database first lets the loop come round if it has
 * not for a few milliseconds. (Waiting for it before every call sent every statement of every
 * request round the loop: in alternating benchmark runs search served 62–65 req/s that way and
 * 76–83 this way, docs/benchmarks.md, session 16.)
 */
const STARVED_MS = 5;
/** Whether a marker set up to run on the loop's next turn is still waiting, and since when. */
let markerSince: number | null = null;
function turn(): Promise<void> | undefined {
  if (markerSince === null) {
    markerSince = performance.now();
    setImmediate(() => {
      markerSince = null;
    });
    return undefined;
  }
  if (performance.now() - markerSince < STARVED_MS) return undefined;
  return new Promise<void>((resolve) => setImmediate(resolve));
}

async function pgliteTransaction<T>(
  orm: Orm,
  setup: Statement,
  fn: (tx: Tx) => Promise<T>,
  options: SetupOptions = {},
): Promise<T> {
  await turn();
  return orm.transaction(async (tx) => {
    const { first } = options;
    if (first) await carrying(first, () => tx.execute(statementSql(selectBoth(first.statement, setup))));
    else await tx.execute(statementSql(setup));
    return fn(tx);
  });
}

/**
 * Two `select ...` statements as one select of both lists, `first`'s before `then`'s, so that
 * `first` is evaluated first and its error fails the whole. Each statement is a pass through
 * PGlite's engine and protocol parser (about a tenth of a read's CPU); the session check and the
 * tenancy settings are both a select of function calls.
 */
function selectBoth(first: Statement, then: Statement): Statement {
  const SELECT = /^select /;
  if (!SELECT.test(first.text) || !SELECT.test(then.text)) throw new Error('selectBoth: both must be a select');
  const shift = first.values.length;
  const rest = then.text.replace(SELECT, '').replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + shift}`);
  return {
    name: `${first.name}_${then.name}`,
    text: `${first.text}, ${rest}`,
    values: [...first.values, ...then.values],
  };
}

async function openPostgres(url: string, max: number): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max, idleTimeoutMillis: 30_000 });
  // An idle client dying (server restart) must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  const orm = drizzlePg({ client: pool }) as unknown as Orm;
  // A drizzle transaction over our own runner: drizzle only ever calls `query(config, values)`.
  const txOver = (runner: Runner) => {
    const tx = new NodePgTransaction(pgDialect, new NodePgSession(runner as never, pgDialect, undefined), undefined);
    Object.defineProperty(tx, directRunner, { value: runner });
    return tx as unknown as Tx;
  };
  let closed = false;
  return {
    kind: 'postgres',
    orm,
    // drizzle's own transaction sends BEGIN alone, and a request would pay a round trip for it and
    // one for the setup: here both travel in front of the transaction's first query
    // (prefixed-query.ts), and a transaction that sends no query costs none. Nested
    // tx.transaction() calls are savepoints, as with drizzle's.
    async transaction(setup, fn, options = {}) {
      const client = await pool.connect();
      const { first } = options;
      let prefix: PrefixStatement[] | null = first ? ['begin', first.statement, setup] : ['begin', setup];
      const runner = {
        query(config: string | pg.QueryConfig, values?: unknown[]) {
          const query = typeof config === 'string' ? { text: config } : config;
          if (!prefix) return client.query(query, values);
          const sending = prefix;
          prefix = null;
          const run = () => queryWithPrefix(client, sending, query, values);
          return first ? carrying(first, run) : run();
        },
      };
      let broken = false;
      try {
        const result = await fn(txOver(runner));
        if (!prefix) await client.query('commit');
        return result;
      } catch (err) {
        if (!prefix) {
          await client.query('rollback').catch(() => {
            broken = true;
          });
        }
        throw err;
      } finally {
        client.release(broken || mustDiscard(client));
      }
    },
    // No BEGIN and no COMMIT: each statement is sent behind the setup and runs in the implicit
    // transaction the protocol gives it up to its Sync, so a read costs one round trip, as it
    // would without row-level security. Under READ COMMITTED each statement of a transaction sees
    // its own snapshot anyway, so reads lose nothing by it.
    async statements(setup, fn, options = {}) {
      const client = await pool.connect();
      const { first } = options;
      let firstPrefix: PrefixStatement[] | null = first ? [first.statement, setup] : null;
      const setupOnly = [setup];
      const runner = {
        query(config: string | pg.QueryConfig, values?: unknown[]) {
          const query = typeof config === 'string' ? { text: config } : config;
          if (query.name) return Promise.reject(new Error('db.statements: named statements are not supported'));
          const prefix = firstPrefix ?? setupOnly;
          const carriesFirst = firstPrefix !== null;
          firstPrefix = null;
          const named = options.prepare ? { ...query, name: statementName(query.text) } : query;
          const run = () => queryWithPrefix(client, prefix, named, values);
          return first && carriesFirst ? carrying(first, run) : run();
        },
      };
      try {
        return await fn(txOver(runner));
      } finally {
        client.release(mustDiscard(client));
      }
    },
    query: async (text, params, options) =>
      (
        await pool.query(
          options?.prepare
            ? { name: options.prepare, text, values: params as unknown[] | undefined }
            : { text, values: params as unknown[] | undefined },
        )
      ).rows,
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max }),
    async withConnection(fn) {
      const conn = await pool.connect();
      try {
        return await fn(
          drizzlePg({ client: conn }) as unknown as Orm,
          async (text, params) => (await conn.query(text, params as unknown[] | undefined)).rows,
        );
      } finally {
        conn.release();
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}
