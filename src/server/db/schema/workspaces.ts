// Workspaces: the tenant. Later modules add settings columns (timezone, currency, plan limits).
import { boolean, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { v7 as uuidv7 } from 'uuid';

export const workspaces = pgTable('workspaces', {
  id: uuid('id')
    .primaryKey()
    .$defaultFn(() => uuidv7()),
  name: text('name').notNull(),
  /** Members without a second factor can do nothing but set one up. */
  requireMfa: boolean('require_mfa').notNull().default(false),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});
