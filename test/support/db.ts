// A fresh, migrated database for one test file: loaded from the run's PGlite snapshot, or a new
// PostgreSQL database copied from the run's template.
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { inject } from 'vitest';
import { type Database, openDatabase } from '#server/platform/db/database.ts';

export const usingPostgres = Boolean(process.env.TEST_DATABASE_URL);

export interface TestDatabase extends Database {
  /** For PostgreSQL: the connection URL of this file's database (a second pool, a second instance). */
  url: string | null;
  dispose(): Promise<void>;
}

export async function createTestDatabase(options: { poolMax?: number } = {}): Promise<TestDatabase> {
  const template = inject('pgTemplate');
  if (template) {
    const base = process.env.TEST_DATABASE_URL as string;
    const name = `albedo_t_${uuidv7().replaceAll('-', '').slice(-16)}`;
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`create database ${name} template ${template}`);
        break;
      } catch (err) {
        // Two files copying the template at the same instant: PostgreSQL refuses one; try again.
        if (attempt >= 10 || !/being accessed by other users/.test((err as Error).message)) throw err;
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
      }
    }
    const u = new URL(base);
    u.pathname = `/${name}`;
    const db = await openDatabase({ kind: 'postgres', url: u.toString(), poolMax: options.poolMax ?? 5 });
    return Object.assign(db, {
      url: u.toString(),
      async dispose() {
        await db.close();
        await admin.query(`drop database if exists ${name} with (force)`);
        await admin.end();
      },
    });
  }
  const snapshot = inject('pgliteSnapshot');
  if (!snapshot) throw new Error('global setup provided no database snapshot');
  const db = await openDatabase({ kind: 'pglite' }, { loadDataDir: new Blob([readFileSync(snapshot)]) });
  return Object.assign(db, { url: null, dispose: () => db.close() });
}
