// A pg query that carries trusted statements ahead of itself in the same round trip: BEGIN, the
// tenancy settings and a remembered actor's session check travel with a call's first query
// instead of costing a round trip each.
import pg from 'pg';
// pg's own conversion of JavaScript values to parameters (Dates, arrays, JSON), as its queries use.
import pgUtils from 'pg/lib/utils.js';

type QueryCallback = (err: Error | undefined, result: pg.QueryResult) => void;

/**
 * A statement sent ahead of a query: SQL we wrote without parameters, or a named statement with
 * parameters, prepared on the connection the first time it goes out there (planned once).
 */
export type PrefixStatement = string | { name: string; text: string; values: unknown[] };

/**
 * The extended protocol lets a client send several Parse/Bind/Execute groups before one Sync; the
 * server runs them in order, in one transaction (implicit unless a BEGIN opens one), and stops at
 * the first error. Prefix statements are executed without Describe; their rows (a
 * `select set_config(...)` returns one) and completions are skipped here, so the caller sees only
 * the result of its own query.
 */
export class PrefixedQuery extends pg.Query {
  private prefix: readonly PrefixStatement[];
  private pendingCompletions: number;
  /** Named statements this query parses on its connection (recorded once it succeeds). */
  private parsing: Array<{ name: string; text: string }> = [];
  /** Whether this query sends the Parse of its own named statement. */
  private parsesOwn = false;
  /** How this query's rows are built, when it is a prepared statement (see rowReader). */
  private reader: RowReader | undefined;

  constructor(
    prefix: readonly PrefixStatement[],
    config: pg.QueryConfig,
    values: unknown[] | undefined,
    callback: QueryCallback,
  ) {
    // Extended mode even without parameters: a simple-protocol query could not share the Sync.
    super({ ...config, queryMode: 'extended' } as pg.QueryConfig, values, callback);
    this.prefix = prefix;
    this.pendingCompletions = prefix.length;
  }

  override prepare(connection: PgConnection): void {
    const evicted = this.name ? keepPrepared(connection, this.name) : undefined;
    this.parsesOwn = Boolean(this.name) && !this.hasBeenParsed(connection);
    const prefix = evicted ? [`deallocate "${evicted}"`, ...this.prefix] : this.prefix;
    if (evicted) this.pendingCompletions++;
    for (const item of prefix) {
      if (typeof item === 'string') {
        connection.parse({ text: item, name: '', types: [] });
        connection.bind({ portal: '', statement: '', values: [] });
      } else {
        if (connection.parsedStatements[item.name] === undefined) {
          connection.parse({ text: item.text, name: item.name, types: [] });
          this.parsing.push(item);
        }
        connection.bind({ portal: '', statement: item.name, values: item.values, valueMapper: pgUtils.prepareValue });
      }
      connection.execute({ portal: '', rows: 0 });
    }
    super.prepare(connection);
  }

  override handleRowDescription(msg: { fields: FieldDescription[] }): void {
    this.reader = this.name && this._rowMode !== 'array' ? rowReader(this.name, msg.fields, this.types) : undefined;
    if (!this.reader) {
      super.handleRowDescription(msg);
      return;
    }
    // pg's own handling, without its per-result setup (Result.addFields), which the reader replaces.
    this._checkForMultirow();
    this._result.fields = msg.fields;
    this._accumulateRows = Boolean(this.callback) || !this.listeners('row').length;
  }

  override handleDataRow(msg: { fields: Array<string | null> }): void {
    if (this.pendingCompletions > 0) return;
    if (this.reader) {
      if (this._canceledDueToError) return;
      let row: Record<string, unknown>;
      try {
        row = this.reader.read(msg.fields);
      } catch (err) {
        this._canceledDueToError = err;
        return;
      }
      this.emit('row', row, this._result);
      if (this._accumulateRows) this._result.addRow(row);
      return;
    }
    super.handleDataRow(msg);
  }

  override handleCommandComplete(msg: unknown, connection: PgConnection): void {
    if (this.pendingCompletions > 0) {
      this.pendingCompletions--;
      return;
    }
    super.handleCommandComplete(msg, connection);
  }

  override handleReadyForQuery(connection: PgConnection): void {
    for (const item of this.parsing) connection.parsedStatements[item.name] = item.text;
    super.handleReadyForQuery(connection);
  }

  // After a failure, which of this query's Parse messages succeeded is unknown, and pg records a
  // named query as prepared on the first ParseComplete it sees (a prefix's): the connection's
  // record of prepared statements cannot be trusted, so the connection is not reused.
  override handleError(err: Error, connection: PgConnection): void {
    if (this.parsing.length || this.parsesOwn) untrusted.add(connection);
    super.handleError(err, connection);
  }
}

const untrusted = new WeakSet<object>();

/**
 * How many statements named by their text stay prepared on one connection. Texts vary with the
 * filters, sorts and search words a list is asked for, and each prepared statement holds its plan
 * in the server process, so a connection keeps the most recently used ones and deallocates the
 * rest.
 */
export const PREPARED_PER_CONNECTION = 64;

/** Names of the statements this file prepared on each connection, least recently used first. */
const preparedOn = new WeakMap<object, Set<string>>();

/**
 * Marks `name` as the most recently used statement of `connection` and returns the statement to
 * deallocate to make room for it, if any: the caller sends the DEALLOCATE ahead of its query, and
 * pg forgets it was prepared so that its next use parses it again.
 */
function keepPrepared(connection: PgConnection, name: string): string | undefined {
  let names = preparedOn.get(connection);
  if (!names) {
    names = new Set();
    preparedOn.set(connection, names);
  }
  if (names.delete(name)) {
    names.add(name);
    return undefined;
  }
  names.add(name);
  if (names.size <= PREPARED_PER_CONNECTION) return undefined;
  const [oldest] = names as Iterable<string>;
  if (oldest === undefined) return undefined;
  names.delete(oldest);
  delete connection.parsedStatements[oldest];
  return oldest;
}

/** Whether a pooled client must be released as broken (see PrefixedQuery.handleError). */
export function mustDiscard(client: pg.PoolClient): boolean {
  return untrusted.has((client as unknown as { connection: object }).connection);
}

interface FieldDescription {
  name: string;
  dataTypeID: number;
  format?: string;
}

interface RowReader {
  fields: FieldDescription[];
  read(values: Array<string | null>): Record<string, unknown>;
}

type TypeParsers = { getTypeParser(oid: number, format: string): (value: string) => unknown } | undefined;

/**
 * Row readers by statement name: a prepared statement's columns are the same at every execution.
 * One map per set of value parsers: the same statement may be read parsed or as text.
 */
const readersByTypes = new WeakMap<object, Map<string, RowReader>>();

/**
 * How the rows of a prepared statement are built. pg sets up each result from its description
 * (a parser per column, then an object of every column spread for each row, in dictionary mode
 * past a few columns): for a statement that comes back with the same columns every time, that is
 * done once, and each row is one object literal of a fixed shape. The code is generated from the
 * column names the database sent, each quoted as a JSON string.
 */
function rowReader(name: string, fields: FieldDescription[], types: TypeParsers): RowReader | undefined {
  const parsing = types ?? pg.types;
  let readers = readersByTypes.get(parsing);
  if (!readers) {
    readers = new Map();
    readersByTypes.set(parsing, readers);
  }
  const known = readers.get(name);
  if (known && sameFields(known.fields, fields)) return known;
  if (fields.some((f) => f.format === 'binary')) return undefined;
  const parsers = fields.map((f) => parsing.getTypeParser(f.dataTypeID, 'text'));
  const body = fields.map((f, i) => `${JSON.stringify(f.name)}: v[${i}] === null ? null : p[${i}](v[${i}])`);
  const build = new Function('v', 'p', `return { ${body.join(', ')} };`) as (
    values: Array<string | null>,
    p: typeof parsers,
  ) => Record<string, unknown>;
  const reader: RowReader = { fields, read: (values) => build(values, parsers) };
  // Bounded like the statement names themselves.
  if (readers.size < 10_000) readers.set(name, reader);
  return reader;
}

function sameFields(a: FieldDescription[], b: FieldDescription[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i]?.name !== b[i]?.name || a[i]?.dataTypeID !== b[i]?.dataTypeID) return false;
  }
  return true;
}

// The parts of pg's (untyped) wire connection this file uses.
interface PgConnection {
  parsedStatements: Record<string, string>;
  parse(msg: { text: string; name: string; types: unknown[] }): void;
  bind(msg: {
    portal: string;
    statement: string;
    values: unknown[];
    valueMapper?: (value: unknown, index: number) => unknown;
  }): void;
  execute(msg: { portal: string; rows: number }): void;
}

declare module 'pg' {
  interface Query {
    name?: string;
    hasBeenParsed(connection: unknown): boolean;
    handleError(err: Error, connection: unknown): void;
    handleReadyForQuery(connection: unknown): void;
    prepare(connection: unknown): void;
    handleDataRow(msg: unknown): void;
    handleRowDescription(msg: unknown): void;
    types?: TypeParsers;
    _rowMode?: string;
    _canceledDueToError: unknown;
    _accumulateRows: boolean;
    _result: { addRow(row: unknown): void; fields: unknown[] };
    _checkForMultirow(): void;
    callback?: unknown;
    handleCommandComplete(msg: unknown, connection: unknown): void;
  }
}

/** Runs `config` on `client` with `prefix` in front, in one round trip. */
export function queryWithPrefix(
  client: pg.PoolClient,
  prefix: readonly PrefixStatement[],
  config: pg.QueryConfig,
  values: unknown[] | undefined,
): Promise<pg.QueryResult> {
  return new Promise((resolve, reject) => {
    client.query(new PrefixedQuery(prefix, config, values, (err, result) => (err ? reject(err) : resolve(result))));
  });
}
