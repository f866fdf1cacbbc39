// What autovacuum does on PostgreSQL, for where it cannot be relied on. PGlite has no autovacuum:
// without these its tables were never analyzed (the planner guessed at every filter) and never
// vacuumed (an update's old row versions stayed for good), and the GIN indexes' pending lists were
// merged only when full, so every search read up to 4 MB of them. On 30,000 contacts loaded in
// bulk, `VACUUM ANALYZE` took a first page from 13.7 to 4.6 ms (p50) and a search from 160 to
// 70 ms. See docs/decisions.md, "PGlite has no autovacuum".
import type { Database } from './database.ts';

/**
 * After a bulk write (an import): the table's statistics now, instead of after autovacuum's next
 * look (up to a minute on PostgreSQL, never on PGlite), and on PGlite the table vacuumed too.
 * `table` is one of our own table names, never input. On PostgreSQL a role that does not own the
 * table gets a warning, not an error, and the statistics wait for autovacuum.
 *
 * On PostgreSQL the table's GIN indexes (search, tags) also have their pending lists merged: new
 * entries wait there, up to 4 MB an index, until autovacuum or a full list merges them, and every
 * search reads the whole list meanwhile (49 of a search's 58 ms after importing 100,000 contacts).
 * Only indexes the role owns: PostgreSQL refuses the merge to anyone else.
 */
export async function afterBulkWrite(db: Database, table: string): Promise<void> {
  if (!/^[a-z_]+$/.test(table)) throw new Error(`not a table name: ${table}`);
  if (db.kind === 'pglite') {
    await db.query(`vacuum analyze "${table}"`);
    return;
  }
  await db.query(`analyze "${table}"`);
  await db.query(
    `select gin_clean_pending_list(i.indexrelid)
       from pg_index i
       join pg_class c on c.oid = i.indexrelid
       join pg_am a on a.oid = c.relam
      where i.indrelid = to_regclass($1) and a.amname = 'gin' and pg_has_role(c.relowner, 'USAGE')`,
    [table],
  );
}

/** The whole database vacuumed and analyzed: daily on PGlite (platform/jobs/housekeeping.jobs.ts). */
export async function vacuumAnalyze(db: Database): Promise<void> {
  await db.query('vacuum analyze');
}
