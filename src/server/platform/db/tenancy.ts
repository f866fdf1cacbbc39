// withWorkspace: the only way domain code reaches the database. One transaction per call, run as
// the non-superuser application role with `app.workspace_id` set, so RLS hides other workspaces
// even from a query that forgets its workspace filter.
import { sql } from 'drizzle-orm';
import type { Actor } from '#server/platform/actor.ts';
import type { Database, Tx } from './database.ts';

export const APP_ROLE = 'albedo_app';

export async function withWorkspace<T>(
  db: Database,
  actor: Pick<Actor, 'workspaceId'>,
  fn: (tx: Tx) => Promise<T>,
): Promise<T> {
  return db.orm.transaction(async (tx) => {
    // set_config(..., true) is SET LOCAL: both revert at commit or rollback, so a pooled
    // connection never carries one workspace's settings into the next request.
    await tx.execute(
      sql`select set_config('role', ${APP_ROLE}, true), set_config('app.workspace_id', ${actor.workspaceId}, true)`,
    );
    return fn(tx);
  });
}

/**
 * A transaction as the connecting role with `app.workspace_id` set: for sign-up, sign-in and
 * token refresh, which must read identity tables before any user is established. Forced tables
 * still see only this workspace. Domain code never uses it.
 */
export async function asSystem<T>(db: Database, workspaceId: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db.orm.transaction(async (tx) => {
    await tx.execute(sql`select set_config('app.workspace_id', ${workspaceId}, true)`);
    return fn(tx);
  });
}
