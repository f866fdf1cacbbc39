// Column definitions every table repeats: a UUIDv7 key, the owning workspace, and timestamps.
import { timestamp, uuid } from 'drizzle-orm/pg-core';
import { newId } from '../../platform/ids.ts';
import { workspaces } from './workspaces.ts';

/** Primary key: UUIDv7, time-ordered for index locality and sortable cursors. */
export const idColumn = () =>
  uuid('id')
    .primaryKey()
    .$defaultFn(() => newId());

/** The owning workspace; its rows go when the workspace goes. */
export const workspaceColumn = () =>
  uuid('workspace_id')
    .notNull()
    .references(() => workspaces.id, { onDelete: 'cascade' });

export const createdAtColumn = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
export const updatedAtColumn = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();
