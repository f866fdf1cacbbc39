// withWorkspace: the only way domain code reaches the database. One transaction per call, run as
// the non-superuser application role with `app.workspace_id` set, so RLS hides other workspaces
// even from a query that forgets its workspace filter.
import { type Actor, STALE_ACTOR_CODE } from '#server/platform/actor.ts';
import { StaleActor } from '#server/platform/errors.ts';
import {
  type Database,
  type FirstStatement,
  type Statement,
  type StatementOptions,
  sqlState,
  type Tx,
} from './database.ts';

export const APP_ROLE = 'albedo_app';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The workspace id, checked before anything is sent: it comes from a signed token or our own
 * rows, so anything but exactly a UUID would be a bug (it travels as a parameter either way).
 */
function checkedWorkspace(workspaceId: string): string {
  if (!UUID.test(workspaceId)) throw new Error('withWorkspace: the workspace id is not a UUID');
  return workspaceId;
}

// The settings, as statements prepared once per connection. The trigram threshold is for
// typo-tolerant search (`<%`): 0.5 lets one or two wrong letters in a name match; set here so that
// a search costs no statement of its own. set_config(..., true) is SET LOCAL: it ends with the
// transaction (an implicit one ends at the statement's Sync).
const TENANCY = `select set_config('role', '${APP_ROLE}', true), set_config('app.workspace_id', $1::text, true), set_config('pg_trgm.word_similarity_threshold', '0.5', true)`;
const tenancySetup = (workspaceId: string): Statement => ({
  name: 'albedo_tenancy',
  text: TENANCY,
  values: [checkedWorkspace(workspaceId)],
});
const readSetup = (workspaceId: string): Statement => ({
  name: 'albedo_tenancy_read',
  text: `${TENANCY}, set_config('transaction_read_only', 'on', true)`,
  values: [checkedWorkspace(workspaceId)],
});
const systemSetup = (workspaceId: string): Statement => ({
  name: 'albedo_tenancy_system',
  text: `select set_config('app.workspace_id', $1::text, true)`,
  values: [checkedWorkspace(workspaceId)],
});

type TenantActor = Pick<Actor, 'workspaceId' | 'sessionCheck'>;

export async function withWorkspace<T>(db: Database, actor: TenantActor, fn: (tx: Tx) => Promise<T>): Promise<T> {
  // set_config(..., true) is SET LOCAL: both revert at commit or rollback, so a pooled
  // connection never carries one workspace's settings into the next request.
  return checked(actor, (first) => db.transaction(tenancySetup(actor.workspaceId), fn, { first }));
}

/**
 * Runs `call` with the actor's pending session check (if any) as its first statement, and
 * records the outcome: a failed check means nothing of the call ran, and raises StaleActor.
 */
async function checked<T>(actor: TenantActor, call: (first: FirstStatement | undefined) => Promise<T>): Promise<T> {
  const check = actor.sessionCheck?.state === 'pending' ? actor.sessionCheck : undefined;
  if (!check) return call(undefined);
  const first: FirstStatement = { statement: check.statement, sent: false };
  let outcome: { ok: true; value: T } | { ok: false; error: unknown };
  try {
    outcome = { ok: true, value: await call(first) };
  } catch (error) {
    outcome = { ok: false, error };
  }
  // Only the first query carries the check, so its error is the one to read, even when the
  // caller's code caught it and went on (nothing after it could commit, but the answer is void).
  if (isStale(first.error)) {
    check.state = 'stale';
    throw new StaleActor();
  }
  // Sent with a query that did not fail: the check passed, whatever failed afterwards.
  if (first.sent && first.error === undefined) check.state = 'confirmed';
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}

function isStale(err: unknown): boolean {
  return sqlState(err) === STALE_ACTOR_CODE;
}

/**
 * withWorkspace for reads that need no transaction (a record, a page of a list, a search): each
 * statement runs alone behind the same settings, in one round trip on PostgreSQL, and read-only,
 * so a write slipping into such a call fails instead of committing on its own.
 */
export async function readWorkspace<T>(
  db: Database,
  actor: TenantActor,
  fn: (tx: Tx) => Promise<T>,
  options?: StatementOptions,
): Promise<T> {
  return checked(actor, (first) => db.statements(readSetup(actor.workspaceId), fn, { ...options, first }));
}

/**
 * A transaction as the connecting role with `app.workspace_id` set: for sign-up, sign-in and
 * token refresh, which must read identity tables before any user is established. Forced tables
 * still see only this workspace. Domain code never uses it.
 */
export async function asSystem<T>(db: Database, workspaceId: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction(systemSetup(workspaceId), fn);
}
