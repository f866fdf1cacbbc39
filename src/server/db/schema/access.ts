// Access beyond roles: teams (with parent teams, leaders and members), permission sets granted to
// members (optionally until a date), record shares, and personal access tokens.
import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  boolean,
  index,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { createdAtColumn, idColumn, updatedAtColumn, workspaceColumn } from './columns.ts';
import { members, users } from './identity.ts';
import { tenantPolicy } from './tenancy.ts';

export const teams = pgTable(
  'teams',
  {
    id: idColumn(),
    workspaceId: workspaceColumn(),
    name: text('name').notNull(),
    parentId: uuid('parent_id').references((): AnyPgColumn => teams.id, { onDelete: 'set null' }),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
  (t) => [uniqueIndex('teams_workspace_name_idx').on(t.workspaceId, sql`lower(${t.name})`), tenantPolicy('teams')],
).enableRLS();

export const teamMembers = pgTable(
  'team_members',
  {
    workspaceId: uuid('workspace_id').notNull(),
    teamId: uuid('team_id')
      .notNull()
      .references(() => teams.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    isLeader: boolean('is_leader').notNull().default(false),
  },
  (t) => [
    primaryKey({ columns: [t.teamId, t.userId] }),
    index('team_members_user_idx').on(t.workspaceId, t.userId),
    tenantPolicy('team_members'),
  ],
).enableRLS();

export const permissionSets = pgTable(
  'permission_sets',
  {
    id: idColumn(),
    workspaceId: workspaceColumn(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    permissions: text('permissions').array().notNull().default(sql`'{}'::text[]`),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
  (t) => [
    uniqueIndex('permission_sets_workspace_name_idx').on(t.workspaceId, sql`lower(${t.name})`),
    tenantPolicy('permission_sets'),
  ],
).enableRLS();

export const memberPermissionSets = pgTable(
  'member_permission_sets',
  {
    workspaceId: uuid('workspace_id').notNull(),
    memberId: uuid('member_id')
      .notNull()
      .references(() => members.id, { onDelete: 'cascade' }),
    permissionSetId: uuid('permission_set_id')
      .notNull()
      .references(() => permissionSets.id, { onDelete: 'cascade' }),
    /** Null: until revoked. */
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    grantedBy: uuid('granted_by'),
    createdAt: createdAtColumn(),
  },
  (t) => [primaryKey({ columns: [t.memberId, t.permissionSetId] }), tenantPolicy('member_permission_sets')],
).enableRLS();

export const SHARE_ACCESS = ['read', 'read_write', 'full'] as const;
export type ShareAccess = (typeof SHARE_ACCESS)[number];

export const recordShares = pgTable(
  'record_shares',
  {
    id: idColumn(),
    workspaceId: workspaceColumn(),
    /** The shared record: its type (`contacts`, `deals`, …) and id. */
    entityType: text('entity_type').notNull(),
    entityId: uuid('entity_id').notNull(),
    granteeType: text('grantee_type').$type<'user' | 'team'>().notNull(),
    granteeId: uuid('grantee_id').notNull(),
    access: text('access').$type<ShareAccess>().notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    createdBy: uuid('created_by'),
    createdAt: createdAtColumn(),
  },
  (t) => [
    index('record_shares_entity_idx').on(t.workspaceId, t.entityType, t.entityId),
    index('record_shares_grantee_idx').on(t.workspaceId, t.granteeType, t.granteeId),
    tenantPolicy('record_shares'),
  ],
).enableRLS();

export const personalAccessTokens = pgTable(
  'personal_access_tokens',
  {
    id: idColumn(),
    workspaceId: workspaceColumn(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** SHA-256 of the token, which is shown once. */
    tokenHash: text('token_hash').notNull(),
    /** Permissions the token may use, within its user's own. */
    scopes: text('scopes').array().notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    createdAt: createdAtColumn(),
  },
  (t) => [
    uniqueIndex('personal_access_tokens_hash_idx').on(t.tokenHash),
    index('personal_access_tokens_user_idx').on(t.workspaceId, t.userId),
    tenantPolicy('personal_access_tokens'),
  ],
).enableRLS();
