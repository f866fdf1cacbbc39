// A deadlock between the app and another transaction, built on purpose (tests on PostgreSQL).
import pg from 'pg';

/**
 * Runs `request` caught in a deadlock over search terms. Another transaction (as the database's
 * owner, outside the app) holds the new term `zulu<word>`; the request takes `alpha<word>` (terms
 * go in sorted) and waits for it; then the other transaction asks for `alpha<word>` too. The
 * request waited first, so PostgreSQL's deadlock check runs in it first and rolls its statement
 * back; the other transaction then commits (had it been the one rolled back, this would throw).
 * `statement` is a LIKE pattern for the statement the request waits in.
 */
export async function deadlocked<T>(
  url: string,
  workspaceId: string,
  word: string,
  request: () => Promise<T>,
  statement = '%',
): Promise<T> {
  const other = new pg.Client({ connectionString: url });
  const watcher = new pg.Client({ connectionString: url });
  await other.connect();
  await watcher.connect();
  try {
    const term = (w: string) =>
      other.query(
        "insert into search_terms (workspace_id, kind, term) values ($1, 'contacts', $2) on conflict do nothing",
        [workspaceId, w],
      );
    const otherPid = (await other.query('select pg_backend_pid() as pid')).rows[0].pid;
    await other.query('begin');
    await term(`zulu${word}`);
    const answer = request();
    // Bounded, so a change that never makes the request wait fails here instead of hanging.
    for (let waited = 0; ; waited += 20) {
      const waiting = await watcher.query(
        `select 1 from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock' and pid <> $1 and query like $2`,
        [otherPid, statement],
      );
      if (waiting.rowCount) break;
      if (waited > 10_000) throw new Error(`nothing waited for the held search term in a statement like ${statement}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    await term(`alpha${word}`);
    await other.query('commit');
    return await answer;
  } finally {
    await other.end();
    await watcher.end();
  }
}
