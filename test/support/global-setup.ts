// Builds the migrated database once per run: a PGlite data-dir dump (cached on disk by migration
// hash, since initdb + migrations cost ~2.5 s), or a PostgreSQL template database.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '#server/platform/db/database.ts';
import { runMigrations } from '#server/platform/db/migrate.ts';
import { migrationsFolder, projectRoot } from '#server/platform/paths.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteSnapshot: string | null;
    pgTemplate: string | null;
  }
}

function migrationsHash(): string {
  const h = createHash('sha256');
  const pglitePkg = JSON.parse(
    readFileSync(path.join(projectRoot, 'node_modules/@electric-sql/pglite/package.json'), 'utf8'),
  );
  h.update(pglitePkg.version);
  for (const f of readdirSync(migrationsFolder, { recursive: true }).map(String).sort()) {
    const full = path.join(migrationsFolder, f);
    if (f.endsWith('.sql') || f.endsWith('.json')) h.update(f).update(readFileSync(full));
  }
  return h.digest('hex').slice(0, 16);
}

export default async function setup(project: TestProject) {
  const url = process.env.TEST_DATABASE_URL;
  if (url) {
    const template = `albedo_tpl_${process.pid}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`drop database if exists ${template}`);
    await admin.query(`create database ${template}`);
    const u = new URL(url);
    u.pathname = `/${template}`;
    const db = await openDatabase({ kind: 'postgres', url: u.toString(), poolMax: 2 });
    await runMigrations(db);
    await db.close();
    project.provide('pgTemplate', template);
    project.provide('pgliteSnapshot', null);
    return async () => {
      await admin.query(`drop database if exists ${template} with (force)`);
      await admin.end();
    };
  }
  const cacheDir = path.join(projectRoot, '.cache');
  mkdirSync(cacheDir, { recursive: true });
  const file = path.join(cacheDir, `pglite-migrated-${migrationsHash()}.tar`);
  if (!existsSync(file)) {
    const db = await openDatabase({ kind: 'pglite' });
    await runMigrations(db);
    const dump = await db.pglite?.dumpDataDir('none');
    if (!dump) throw new Error('PGlite snapshot failed');
    writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
    await db.close();
  }
  project.provide('pgliteSnapshot', file);
  project.provide('pgTemplate', null);
}
