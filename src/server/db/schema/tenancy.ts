// Row-level security shared by every workspace-owned table: rows are visible only when their
// workspace_id matches the transaction's `app.workspace_id` (set by withWorkspace).
import { sql } from 'drizzle-orm';
import { pgPolicy } from 'drizzle-orm/pg-core';

/** Unset or empty setting → NULL → no row matches; never an error, never every row. */
export const currentWorkspaceSql = sql`nullif(current_setting('app.workspace_id', true), '')::uuid`;

export function tenantPolicy(table: string) {
  return pgPolicy(`${table}_tenant_isolation`, {
    as: 'permissive',
    for: 'all',
    using: sql`workspace_id = ${currentWorkspaceSql}`,
    withCheck: sql`workspace_id = ${currentWorkspaceSql}`,
  });
}
