// Workspaces: the tenant. Later modules add settings columns (timezone, currency, plan limits).
import { boolean, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { newId } from '../../platform/ids.ts';

export const workspaces = pgTable('workspaces', {
  id: uuid('id')
    .primaryKey()
    .$defaultFn(() => newId()),
  name: text('name').notNull(),
  /** Members without a second factor can do nothing but set one up. */
  requireMfa: boolean('require_mfa').notNull().default(false),
  /** IANA time zone for dates shown and scheduled in this workspace. */
  timezone: text('timezone').notNull().default('UTC'),
  /** ISO 4217 code used when an amount gives none. */
  currency: text('currency').notNull().default('USD'),
  /** BCP 47 language tag for formatting. */
  locale: text('locale').notNull().default('en'),
  /** Plan limit: active members plus pending invitations; null means no limit. */
  maxUsers: integer('max_users'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});
