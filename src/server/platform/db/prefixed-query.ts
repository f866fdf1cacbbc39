// A pg query that carries trusted statements ahead of itself in the same round trip: BEGIN and the
// tenancy settings travel with a transaction's first query instead of costing a round trip each.
import pg from 'pg';

type QueryCallback = (err: Error | undefined, result: pg.QueryResult) => void;

/**
 * The extended protocol lets a client send several Parse/Bind/Execute groups before one Sync; the
 * server runs them in order, in one transaction (implicit unless a BEGIN opens one), and stops at
 * the first error. The prefix statements are parameterless SQL written by us (never user input);
 * they are executed without Describe, so their rows (a `select set_config(...)` returns one) and
 * completions are skipped here, and the caller sees only the result of its own query.
 */
export class PrefixedQuery extends pg.Query {
  // A named (prepared) query works too, with one caveat the caller handles: pg records the name
  // as prepared on the first ParseComplete it sees, which is the prefix's, so after an error the
  // connection's record may be wrong and the connection must not be reused (db.statements).
  private prefix: readonly string[];
  private pendingCompletions: number;

  constructor(
    prefix: readonly string[],
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
    for (const text of this.prefix) {
      connection.parse({ text, name: '', types: [] });
      connection.bind({ portal: '', statement: '', values: [] });
      connection.execute({ portal: '', rows: 0 });
    }
    super.prepare(connection);
  }

  override handleDataRow(msg: unknown): void {
    if (this.pendingCompletions > 0) return;
    super.handleDataRow(msg);
  }

  override handleCommandComplete(msg: unknown, connection: PgConnection): void {
    if (this.pendingCompletions > 0) {
      this.pendingCompletions--;
      return;
    }
    super.handleCommandComplete(msg, connection);
  }
}

// The parts of pg's (untyped) wire connection this file uses.
interface PgConnection {
  parse(msg: { text: string; name: string; types: unknown[] }): void;
  bind(msg: { portal: string; statement: string; values: unknown[] }): void;
  execute(msg: { portal: string; rows: number }): void;
}

declare module 'pg' {
  interface Query {
    prepare(connection: unknown): void;
    handleDataRow(msg: unknown): void;
    handleCommandComplete(msg: unknown, connection: unknown): void;
  }
}

/** Runs `config` on `client` with `prefix` in front, in one round trip. */
export function queryWithPrefix(
  client: pg.PoolClient,
  prefix: readonly string[],
  config: pg.QueryConfig,
  values: unknown[] | undefined,
): Promise<pg.QueryResult> {
  return new Promise((resolve, reject) => {
    client.query(new PrefixedQuery(prefix, config, values, (err, result) => (err ? reject(err) : resolve(result))));
  });
}
