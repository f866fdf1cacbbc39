import { sql } from 'drizzle-orm';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog } from '#server/db/schema/audit.ts';
import { workspaces } from '#server/db/schema/workspaces.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/db.ts';
import { execRows } from './database.ts';
import { PREPARED_PER_CONNECTION } from './prefixed-query.ts';
import { readWorkspace, withWorkspace } from './tenancy.ts';

let db: TestDatabase;

/** The database's own message behind drizzle's "Failed query" wrapper. */
async function causeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    const e = err as Error & { cause?: Error };
    return e.cause?.message ?? e.message;
  }
  return 'did not throw';
}
const A = uuidv7();
const B = uuidv7();

beforeAll(async () => {
  db = await createTestDatabase({ poolMax: 1 });
  await db.orm.insert(workspaces).values([
    { id: A, name: 'Acme' },
    { id: B, name: 'Borealis' },
  ]);
  for (const [ws, n] of [
    [A, 3],
    [B, 2],
  ] as const) {
    await withWorkspace(db, { workspaceId: ws }, async (tx) => {
      for (let i = 0; i < n; i++) {
        await tx
          .insert(auditLog)
          .values({ workspaceId: ws, channel: 'system', action: 'test.seed', entityType: 'test' });
      }
    });
  }
});
afterAll(() => db.dispose());

describe('row-level security through withWorkspace', () => {
  it('runs as the non-superuser application role', async () => {
    const rows = await withWorkspace(db, { workspaceId: A }, (tx) =>
      execRows(
        tx,
        sql`select current_user as who, (select rolsuper from pg_roles where rolname = current_user) as su, (select rolbypassrls from pg_roles where rolname = current_user) as bypass`,
      ),
    );
    expect(rows[0]).toMatchObject({ who: 'albedo_app', su: false, bypass: false });
  });

  it('a query that forgets its workspace filter returns only the current workspace', async () => {
    const inA = await withWorkspace(db, { workspaceId: A }, (tx) => tx.select().from(auditLog));
    const inB = await withWorkspace(db, { workspaceId: B }, (tx) => tx.select().from(auditLog));
    expect(inA).toHaveLength(3);
    expect(inA.every((r) => r.workspaceId === A)).toBe(true);
    expect(inB).toHaveLength(2);
    expect(inB.every((r) => r.workspaceId === B)).toBe(true);
    const count = await withWorkspace(db, { workspaceId: A }, (tx) =>
      execRows(tx, sql`select count(*)::int as n from audit_log`),
    );
    expect(count[0]).toEqual({ n: 3 });
  });

  it('refuses to write a row into another workspace', async () => {
    await expect(
      withWorkspace(db, { workspaceId: A }, (tx) =>
        tx.insert(auditLog).values({ workspaceId: B, channel: 'system', action: 'test.sneak', entityType: 'test' }),
      ),
    ).rejects.toThrow();
    const inB = await withWorkspace(db, { workspaceId: B }, (tx) => tx.select().from(auditLog));
    expect(inB.some((r) => r.action === 'test.sneak')).toBe(false);
  });

  it('cannot guess its way to another workspace row by id', async () => {
    const [bRow] = await withWorkspace(db, { workspaceId: B }, (tx) => tx.select().from(auditLog).limit(1));
    const seen = await withWorkspace(db, { workspaceId: A }, (tx) =>
      execRows(tx, sql`select id from audit_log where id = ${bRow?.id}`),
    );
    expect(seen).toHaveLength(0);
  });

  it('keeps the audit log append-only for the application role', async () => {
    const update = withWorkspace(db, { workspaceId: A }, (tx) =>
      tx.execute(sql`update audit_log set action = 'rewritten'`),
    );
    expect(await causeOf(update)).toMatch(/permission denied/);
    const del = withWorkspace(db, { workspaceId: A }, (tx) => tx.execute(sql`delete from audit_log`));
    expect(await causeOf(del)).toMatch(/permission denied/);
  });

  it('with no workspace set, the application role sees nothing', async () => {
    const rows = await db.orm.transaction(async (tx) => {
      await tx.execute(sql`set local role albedo_app`);
      return tx.select().from(auditLog);
    });
    expect(rows).toHaveLength(0);
  });

  it('does not carry the role or workspace past the transaction on a pooled connection', async () => {
    await withWorkspace(db, { workspaceId: A }, (tx) => tx.select().from(auditLog));
    // poolMax is 1, so this is the same connection the transaction used.
    const [after] = await db.query<{ who: string; ws: string | null }>(
      `select current_user as who, nullif(current_setting('app.workspace_id', true), '') as ws`,
    );
    expect(after?.ws).toBeNull();
    expect(after?.who).not.toBe('albedo_app');
  });

  it('refuses a workspace id that is not a UUID before sending anything', async () => {
    let ran = false;
    await expect(
      withWorkspace(db, { workspaceId: "x', true); drop table audit_log; --" }, async () => {
        ran = true;
      }),
    ).rejects.toThrow('not a UUID');
    expect(ran).toBe(false);
    expect(await db.query('select count(*)::int as n from audit_log')).toHaveLength(1);
  });

  it('rolls back the whole transaction when the function throws', async () => {
    await expect(
      withWorkspace(db, { workspaceId: A }, async (tx) => {
        await tx
          .insert(auditLog)
          .values({ workspaceId: A, channel: 'system', action: 'test.rollback', entityType: 'test' });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const rows = await withWorkspace(db, { workspaceId: A }, (tx) => tx.select().from(auditLog));
    expect(rows.some((r) => r.action === 'test.rollback')).toBe(false);
  });

  it('keeps one transaction across statements, and a failed statement undoes the earlier ones', async () => {
    const message = await causeOf(
      withWorkspace(db, { workspaceId: A }, async (tx) => {
        await tx
          .insert(auditLog)
          .values({ workspaceId: A, channel: 'system', action: 'test.first', entityType: 'test' });
        const seen = await tx.select().from(auditLog);
        expect(seen.some((r) => r.action === 'test.first')).toBe(true);
        await execRows(tx, sql`select 1/0`);
      }),
    );
    expect(message).toMatch(/division by zero/);
    const rows = await withWorkspace(db, { workspaceId: A }, (tx) => tx.select().from(auditLog));
    expect(rows.some((r) => r.action === 'test.first')).toBe(false);
    // The connection is usable afterwards (poolMax is 1: it is the same one).
    expect(await db.query('select 1 as one')).toEqual([{ one: 1 }]);
  });
});

describe('reads through readWorkspace (no BEGIN or COMMIT on PostgreSQL)', () => {
  it('runs every statement as the application role in the workspace, also several at once', async () => {
    const [who, inA, again] = await readWorkspace(db, { workspaceId: A }, (tx) =>
      Promise.all([
        execRows<{ who: string; ws: string }>(
          tx,
          sql`select current_user as who, current_setting('app.workspace_id') as ws`,
        ),
        tx.select().from(auditLog),
        tx.select().from(auditLog),
      ]),
    );
    expect(who?.[0]).toEqual({ who: 'albedo_app', ws: A });
    expect(inA.map((r) => r.workspaceId)).toEqual([A, A, A]);
    expect(again).toHaveLength(3);
    const inB = await readWorkspace(db, { workspaceId: B }, (tx) => tx.select().from(auditLog));
    expect(inB.map((r) => r.workspaceId)).toEqual([B, B]);
  });

  it('refuses a write and keeps nothing of it', async () => {
    const message = await causeOf(
      readWorkspace(db, { workspaceId: A }, (tx) =>
        tx.insert(auditLog).values({ workspaceId: A, channel: 'system', action: 'test.readonly', entityType: 'test' }),
      ),
    );
    expect(message).toMatch(/read-only transaction/);
    const rows = await withWorkspace(db, { workspaceId: A }, (tx) => tx.select().from(auditLog));
    expect(rows.some((r) => r.action === 'test.readonly')).toBe(false);
  });

  it('keeps statements prepared when asked, and recovers from a failed one', async () => {
    const read = (n: number) =>
      readWorkspace(db, { workspaceId: A }, (tx) => execRows<{ n: number }>(tx, sql`select 10 / ${n}::int as n`), {
        prepare: true,
      });
    // The first call parses the statement; later ones reuse it (same text, same name).
    for (let i = 0; i < 7; i++) expect(await read(2)).toEqual([{ n: 5 }]);
    // A failure at execution (and at parse, below) must not leave the pool naming a statement
    // the connection does not have, nor one it has twice.
    await expect(read(0)).rejects.toThrow();
    expect(await read(5)).toEqual([{ n: 2 }]);
    const bad = () =>
      causeOf(
        readWorkspace(db, { workspaceId: A }, (tx) => execRows(tx, sql`select no_such_column from audit_log`), {
          prepare: true,
        }),
      );
    expect(await bad()).toMatch(/no_such_column/);
    expect(await bad()).toMatch(/no_such_column/);
    expect(await read(1)).toEqual([{ n: 10 }]);
  });

  it('keeps at most PREPARED_PER_CONNECTION statements prepared, the most recently used, and runs evicted ones again', async () => {
    // One connection (poolMax 1): texts that differ only in a constant are different statements.
    const read = (k: number) =>
      readWorkspace(
        db,
        { workspaceId: A },
        (tx) =>
          execRows<{ k: number; at: string; tags: string[] }>(
            tx,
            sql`select ${sql.raw(String(k))}::int as k, now() as at, array['a', 'b']::text[] as tags`,
          ),
        { prepare: true },
      );
    const total = PREPARED_PER_CONNECTION + 10;
    for (let k = 0; k < total; k++) {
      const [row] = await read(k);
      // Rows of prepared statements are built by a reader made once per statement: values parsed
      // as for any other query (timestamps stay text for drizzle, arrays are arrays).
      expect(row).toMatchObject({ k, tags: ['a', 'b'] });
      expect(typeof row?.at).toBe('string');
    }
    // The first ones were deallocated; running one again prepares it again.
    expect(await read(0)).toMatchObject([{ k: 0 }]);
    expect(await read(total - 1)).toMatchObject([{ k: total - 1 }]);
    if (db.kind === 'postgres') {
      const [held] = await db.query<{ n: number; first: boolean; last: boolean }>(
        `select count(*)::int as n, bool_or(statement like '%select 0::int as k%') as first,
                bool_or(statement like '%select ${total - 1}::int as k%') as last
           from pg_prepared_statements where name ~ '^albedo_[A-Za-z0-9_-]{27}$'`,
      );
      expect(held?.n).toBeLessThanOrEqual(PREPARED_PER_CONNECTION);
      expect(held?.n).toBeGreaterThan(PREPARED_PER_CONNECTION / 2);
      expect(held).toMatchObject({ first: true, last: true });
    }
  });

  it('works on a new connection whose first call fails after its settings were prepared', async () => {
    // A fresh connection (the pool replaces the one ended here): its first call prepares the
    // settings statement and then fails; the next call must not trip over that statement.
    if (db.kind === 'postgres') await db.query('select pg_terminate_backend(pg_backend_pid())').catch(() => {});
    for (const fresh of [true, false]) {
      await expect(readWorkspace(db, { workspaceId: A }, (tx) => execRows(tx, sql`select 1/0`))).rejects.toThrow();
      await expect(withWorkspace(db, { workspaceId: A }, (tx) => execRows(tx, sql`select 1/0`))).rejects.toThrow();
      const rows = await readWorkspace(db, { workspaceId: A }, (tx) => tx.select().from(auditLog));
      expect(rows.length, `fresh connection: ${fresh}`).toBeGreaterThan(0);
      expect(await withWorkspace(db, { workspaceId: B }, (tx) => tx.select().from(auditLog))).toHaveLength(2);
    }
  });

  it('leaves nothing behind on the pooled connection, after an error too', async () => {
    await expect(readWorkspace(db, { workspaceId: A }, (tx) => execRows(tx, sql`select 1/0`))).rejects.toThrow();
    await readWorkspace(db, { workspaceId: A }, (tx) => tx.select().from(auditLog));
    const [after] = await db.query<{ who: string; ws: string | null; ro: string }>(
      `select current_user as who, nullif(current_setting('app.workspace_id', true), '') as ws, current_setting('transaction_read_only') as ro`,
    );
    expect(after).toMatchObject({ ws: null, ro: 'off' });
    expect(after?.who).not.toBe('albedo_app');
  });
});

describe('every workspace-owned table is protected', () => {
  // Tables read across workspaces as the connecting role (the job queue; sign-in and refresh,
  // before a workspace is known): RLS on for the app role, not forced on the owner.
  const NOT_FORCED = new Set([
    'jobs',
    'members',
    'sessions',
    'refresh_tokens',
    'invitations',
    'outbox_emails',
    'personal_access_tokens',
    'member_permission_sets',
    'permission_sets',
    'roles',
  ]);

  it('has RLS enabled, a tenant policy, and FORCE unless it is a system table', async () => {
    const tables = await db.query<{ table: string; rls: boolean; forced: boolean; policies: number }>(
      `select c.relname as table, c.relrowsecurity as rls, c.relforcerowsecurity as forced,
              (select count(*)::int from pg_policies p where p.tablename = c.relname and p.schemaname = 'public') as policies
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relkind = 'r'
          and exists (select 1 from information_schema.columns col
                       where col.table_schema = 'public' and col.table_name = c.relname and col.column_name = 'workspace_id')
        order by 1`,
    );
    expect(tables.length).toBeGreaterThan(0);
    for (const t of tables) {
      expect({ table: t.table, rls: t.rls, hasPolicy: t.policies > 0 }).toEqual({
        table: t.table,
        rls: true,
        hasPolicy: true,
      });
      expect({ table: t.table, forced: t.forced }).toEqual({ table: t.table, forced: !NOT_FORCED.has(t.table) });
    }
  });
});

describe('values as each way in reads them', () => {
  const VALUES = `select '2026-01-02T03:04:05Z'::timestamptz as at, array['2026-01-02T03:04:05Z'::timestamptz] as ats,
                         '2026-01-02'::date as day, 7::int as n`;

  it('raw queries parse timestamps and dates, arrays of them too', async () => {
    const [row] = await db.query<{ at: Date; ats: Date[]; day: Date; n: number }>(VALUES);
    expect(row?.at).toBeInstanceOf(Date);
    expect(row?.at.toISOString()).toBe('2026-01-02T03:04:05.000Z');
    expect(row?.ats.map((d) => d.toISOString())).toEqual(['2026-01-02T03:04:05.000Z']);
    expect(row?.day).toBeInstanceOf(Date);
    expect(row?.n).toBe(7);
  });

  it('workspace statements keep them as text for the columns to map, and typed selects map them', async () => {
    const [raw] = await readWorkspace(db, { workspaceId: A }, (tx) => execRows(tx, sql.raw(VALUES)));
    expect(raw).toMatchObject({ at: expect.any(String), ats: expect.any(String), day: '2026-01-02', n: 7 });
    expect(new Date(raw?.at as string).toISOString()).toBe('2026-01-02T03:04:05.000Z');
    const [typed] = await withWorkspace(db, { workspaceId: A }, (tx) =>
      tx.select({ createdAt: auditLog.createdAt }).from(auditLog).limit(1),
    );
    expect(typed?.createdAt).toBeInstanceOf(Date);
    expect(Number.isNaN(typed?.createdAt.getTime())).toBe(false);
  });
});
