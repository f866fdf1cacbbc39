// Identity: users (global, one per email), their membership of workspaces with a role and a
// department, roles with permission strings, and sign-in sessions with rotating refresh tokens.
import { sql } from 'drizzle-orm';
import { boolean, index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAtColumn, idColumn, updatedAtColumn, workspaceColumn } from './columns.ts';
import { tenantPolicy } from './tenancy.ts';

export const users = pgTable(
  'users',
  {
    id: idColumn(),
    email: text('email').notNull(),
    name: text('name').notNull(),
    passwordHash: text('password_hash').notNull(),
    emailVerifiedAt: timestamp('email_verified_at', { withTimezone: true }),
    failedLoginCount: integer('failed_login_count').notNull().default(0),
    lockedUntil: timestamp('locked_until', { withTimezone: true }),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
  (t) => [uniqueIndex('users_email_idx').on(sql`lower(${t.email})`)],
);

export const roles = pgTable(
  'roles',
  {
    id: idColumn(),
    workspaceId: workspaceColumn(),
    key: text('key').notNull(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    permissions: text('permissions').array().notNull().default(sql`'{}'::text[]`),
    isSystem: boolean('is_system').notNull().default(false),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
  (t) => [uniqueIndex('roles_workspace_key_idx').on(t.workspaceId, t.key), tenantPolicy('roles')],
).enableRLS();

export const MEMBER_STATUSES = ['active', 'deactivated'] as const;

export const members = pgTable(
  'members',
  {
    id: idColumn(),
    workspaceId: workspaceColumn(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    roleId: uuid('role_id')
      .notNull()
      .references(() => roles.id),
    department: text('department'),
    status: text('status').$type<(typeof MEMBER_STATUSES)[number]>().notNull().default('active'),
    lastSignedInAt: timestamp('last_signed_in_at', { withTimezone: true }),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
  (t) => [
    uniqueIndex('members_workspace_user_idx').on(t.workspaceId, t.userId),
    index('members_user_idx').on(t.userId),
    tenantPolicy('members'),
  ],
).enableRLS();

export const sessions = pgTable(
  'sessions',
  {
    /** Also the refresh-token family: every rotation stays in the session; reuse revokes it whole. */
    id: idColumn(),
    workspaceId: workspaceColumn(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    ip: text('ip'),
    userAgent: text('user_agent'),
    createdAt: createdAtColumn(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    revokedReason: text('revoked_reason'),
  },
  (t) => [index('sessions_user_idx').on(t.userId), tenantPolicy('sessions')],
).enableRLS();

export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    id: idColumn(),
    workspaceId: uuid('workspace_id').notNull(),
    sessionId: uuid('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    /** SHA-256 of the token; the token itself is never stored. */
    tokenHash: text('token_hash').notNull(),
    createdAt: createdAtColumn(),
    /** Set when this token was exchanged for the next one. */
    rotatedAt: timestamp('rotated_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('refresh_tokens_hash_idx').on(t.tokenHash), tenantPolicy('refresh_tokens')],
).enableRLS();

/** A user's TOTP authenticator. Enabled once confirmed with a code; the secret is encrypted at rest. */
export const userMfa = pgTable('user_mfa', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  secretEncrypted: text('secret_encrypted').notNull(),
  enabledAt: timestamp('enabled_at', { withTimezone: true }),
  /** The last accepted TOTP time step: codes from it or before are refused (no replay). */
  lastTimeStep: integer('last_time_step'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
}).enableRLS();

export const mfaBackupCodes = pgTable(
  'mfa_backup_codes',
  {
    id: idColumn(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    codeHash: text('code_hash').notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
  },
  (t) => [index('mfa_backup_codes_user_idx').on(t.userId)],
).enableRLS();

export const USER_TOKEN_PURPOSES = ['email_verify', 'password_reset'] as const;

/** Single-use, expiring tokens sent by email; only their SHA-256 is stored. */
export const userTokens = pgTable(
  'user_tokens',
  {
    id: idColumn(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    purpose: text('purpose').$type<(typeof USER_TOKEN_PURPOSES)[number]>().notNull(),
    tokenHash: text('token_hash').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    createdAt: createdAtColumn(),
  },
  (t) => [uniqueIndex('user_tokens_hash_idx').on(t.tokenHash)],
).enableRLS();

/** An invitation to join a workspace with a role; accepted once, within 7 days. */
export const invitations = pgTable(
  'invitations',
  {
    id: idColumn(),
    workspaceId: workspaceColumn(),
    email: text('email').notNull(),
    roleId: uuid('role_id')
      .notNull()
      .references(() => roles.id),
    department: text('department'),
    tokenHash: text('token_hash').notNull(),
    invitedBy: uuid('invited_by').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    acceptedAt: timestamp('accepted_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    createdAt: createdAtColumn(),
  },
  (t) => [
    uniqueIndex('invitations_hash_idx').on(t.tokenHash),
    index('invitations_workspace_idx').on(t.workspaceId),
    tenantPolicy('invitations'),
  ],
).enableRLS();
