import { and, sql } from 'drizzle-orm';
import { pgTable, uuid } from 'drizzle-orm/pg-core';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '#server/platform/actor.ts';
import { withWorkspace } from '#server/platform/db/tenancy.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/db.ts';
import { type Need, visibleTo } from './visibility.ts';

// A stand-in for a CRM table (records with an owner), created for this test only.
const records = pgTable('test_records', {
  id: uuid('id').primaryKey(),
  workspaceId: uuid('workspace_id').notNull(),
  ownerId: uuid('owner_id').notNull(),
});
const target = { module: 'crm', resource: 'test_records', idColumn: records.id, ownerColumn: records.ownerId };

let db: TestDatabase;
const ws = uuidv7();
const u = Object.fromEntries(
  ['alice', 'bob', 'lead', 'carol', 'mia', 'xavier', 'dana'].map((n) => [n, uuidv7()]),
) as Record<string, string>;
const team = { root: uuidv7(), sales: uuidv7(), support: uuidv7() };
const rec = { alice: uuidv7(), bob: uuidv7(), dana: uuidv7() };
const now = new Date('2026-11-23T12:00:00Z');

const actor = (name: string, permissions: string[] = ['crm:*:read', 'crm:*:update']): Actor => ({
  userId: u[name] as string,
  workspaceId: ws,
  role: 'member',
  permissions,
  department: null,
  channel: 'api',
});

async function visible(a: Actor, need: Need = 'read'): Promise<string[]> {
  const rows = await withWorkspace(db, a, (tx) =>
    tx
      .select({ id: records.id })
      .from(records)
      .where(and(visibleTo(a, target, need, now))),
  );
  return rows.map((r) => r.id).sort();
}

async function share(
  entityId: string,
  granteeType: 'user' | 'team',
  granteeId: string,
  access: string,
  expiresAt: Date | null = null,
) {
  await db.query(
    `insert into record_shares (id, workspace_id, entity_type, entity_id, grantee_type, grantee_id, access, expires_at)
     values ($1, $2, 'test_records', $3, $4, $5, $6, $7)`,
    [uuidv7(), ws, entityId, granteeType, granteeId, access, expiresAt],
  );
}

beforeAll(async () => {
  db = await createTestDatabase();
  await db.query(`insert into workspaces (id, name) values ($1, 'Visibility')`, [ws]);
  for (const [name, id] of Object.entries(u)) {
    await db.query(`insert into users (id, email, name, password_hash) values ($1, $2, $3, 'x')`, [
      id,
      `${name}@example.com`,
      name,
    ]);
  }
  await db.query(`create table test_records (id uuid primary key, workspace_id uuid not null, owner_id uuid not null)`);
  await db.query(`alter table test_records enable row level security`);
  await db.query(
    `create policy test_records_tenant on test_records using (workspace_id = nullif(current_setting('app.workspace_id', true), '')::uuid)`,
  );
  await db.query(`grant select on test_records to albedo_app`);
  for (const [owner, id] of Object.entries(rec)) {
    await db.query(`insert into test_records (id, workspace_id, owner_id) values ($1, $2, $3)`, [id, ws, u[owner]]);
  }
  // root ⊃ sales; lead leads root; bob is in sales; dana in support (not under root); mia in support.
  await db.query(
    `insert into teams (id, workspace_id, name, parent_id) values ($1, $4, 'Root', null), ($2, $4, 'Sales', $1), ($3, $4, 'Support', null)`,
    [team.root, team.sales, team.support, ws],
  );
  await db.query(
    `insert into team_members (workspace_id, team_id, user_id, is_leader) values
       ($1, $2, $3, true), ($1, $4, $5, false), ($1, $6, $7, false), ($1, $6, $8, false)`,
    [ws, team.root, u.lead, team.sales, u.bob, team.support, u.dana, u.mia],
  );
});
afterAll(async () => {
  await db.query('drop table if exists test_records');
  await db.dispose();
});

describe('record visibility', () => {
  it('shows owners their own records only', async () => {
    expect(await visible(actor('alice'))).toEqual([rec.alice]);
    expect(await visible(actor('carol'))).toEqual([]);
  });

  it('shows a team leader the records of members of the teams they lead, down the hierarchy', async () => {
    // lead leads Root; Sales sits under Root; bob is in Sales. Dana's Support is elsewhere.
    expect(await visible(actor('lead'))).toEqual([rec.bob]);
    // Plain membership does not open a teammate's records.
    await db.query(`insert into team_members (workspace_id, team_id, user_id, is_leader) values ($1, $2, $3, false)`, [
      ws,
      team.sales,
      u.carol,
    ]);
    expect(await visible(actor('carol'))).toEqual([]);
    await db.query(`delete from team_members where user_id = $1`, [u.carol]);
  });

  it('opens a record shared with a user at the shared level, until the share expires', async () => {
    await share(rec.alice, 'user', u.carol as string, 'read');
    expect(await visible(actor('carol'))).toEqual([rec.alice]);
    expect(await visible(actor('carol'), 'write')).toEqual([]);
    await share(rec.dana, 'user', u.carol as string, 'read_write');
    expect(await visible(actor('carol'), 'write')).toEqual([rec.dana]);
    expect(await visible(actor('carol'), 'full')).toEqual([]);
    await share(rec.bob, 'user', u.carol as string, 'full', new Date('2026-11-23T11:59:59Z'));
    expect(await visible(actor('carol'))).toEqual([rec.alice, rec.dana].sort());
  });

  it('opens a record shared with a team to its members', async () => {
    await share(rec.bob, 'team', team.support, 'read');
    expect(await visible(actor('mia'))).toEqual([rec.bob]);
    expect(await visible(actor('dana'))).toEqual([rec.bob, rec.dana].sort());
  });

  it('shows everything to holders of read_all, and writes only what else allows', async () => {
    const x = actor('xavier', ['crm:test_records:read_all']);
    expect(await visible(x)).toEqual(Object.values(rec).sort());
    expect(await visible(x, 'write')).toEqual([]);
    const admin = actor('xavier', ['crm:*:*']);
    expect(await visible(admin, 'full')).toEqual(Object.values(rec).sort());
    // A wildcard elsewhere does not count.
    expect(await visible(actor('xavier', ['crm:contacts:read_all']))).toEqual([]);
  });

  it('counts what it lists', async () => {
    const a = actor('dana');
    const [row] = await withWorkspace(db, a, (tx) =>
      tx
        .select({ n: sql<number>`count(*)::int` })
        .from(records)
        .where(visibleTo(a, target, 'read', now)),
    );
    expect(row?.n).toBe((await visible(a)).length);
  });
});
