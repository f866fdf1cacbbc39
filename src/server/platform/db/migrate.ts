// Applies pending drizzle-kit migrations at start, on either driver. On PostgreSQL an advisory lock
// makes concurrent starts of several instances apply each migration once.
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { migrate as migrateNodePg } from 'drizzle-orm/node-postgres/migrator';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { migrationsFolder } from '#server/platform/paths.ts';
import type { Database } from './database.ts';

const MIGRATION_LOCK = 7_214_221_001; // arbitrary, fixed: the key of Albedo's migration advisory lock

export function expectedMigrationCount(): number {
  return readMigrationFiles({ migrationsFolder }).length;
}

export async function appliedMigrationCount(db: Database): Promise<number> {
  const rows = await db
    .query<{ n: number }>(`select count(*)::int as n from drizzle.__drizzle_migrations`)
    .catch(() => [{ n: 0 }]);
  return rows[0]?.n ?? 0;
}

/** Returns how many migrations were applied by this call. */
export async function runMigrations(db: Database): Promise<number> {
  const before = await appliedMigrationCount(db);
  if (db.kind === 'pglite') {
    await migratePglite(db.orm as never, { migrationsFolder });
  } else {
    await db.withConnection(async (orm, query) => {
      await query('select pg_advisory_lock($1)', [MIGRATION_LOCK]);
      try {
        await migrateNodePg(orm as never, { migrationsFolder });
      } finally {
        await query('select pg_advisory_unlock($1)', [MIGRATION_LOCK]);
      }
    });
  }
  return (await appliedMigrationCount(db)) - before;
}
