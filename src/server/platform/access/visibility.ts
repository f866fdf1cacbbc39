// Record visibility as SQL, composed into every list, get, count, search and export query:
// a user sees a record they own, one owned by a member of a team they lead (or of any team below
// it), one shared with them or with a team of theirs (unexpired), or every record of the kind
// when they hold `<module>:<resource>:read_all`. Never filter rows in JavaScript.
import { type AnyColumn, type SQL, sql } from 'drizzle-orm';
import type { Actor } from '#server/platform/actor.ts';
import { hasPermission } from './permissions.ts';

/** What the caller wants to do with the record: each level needs a share of at least that access. */
export type Need = 'read' | 'write' | 'full';

const SHARE_LEVELS: Record<Need, string[]> = {
  read: ['read', 'read_write', 'full'],
  write: ['read_write', 'full'],
  full: ['full'],
};

export interface VisibilityTarget {
  /** e.g. `crm` and `contacts`: `read_all` is checked as `crm:contacts:read_all`. */
  module: string;
  resource: string;
  idColumn: AnyColumn;
  ownerColumn: AnyColumn;
}

/**
 * The SQL condition under which `actor` may `need` a record of `target`. Run it inside
 * withWorkspace: the team and share tables it reads are limited to the workspace by RLS.
 */
export function visibleTo(actor: Actor, target: VisibilityTarget, need: Need, now: Date = new Date()): SQL {
  const allAction = need === 'read' ? 'read_all' : need === 'write' ? 'update_all' : 'delete_all';
  if (hasPermission(actor.permissions, `${target.module}:${target.resource}:${allAction}`)) return sql`true`;
  if (!actor.userId) return sql`false`;
  const me = actor.userId;
  const levels = SHARE_LEVELS[need];
  return sql`(
    ${target.ownerColumn} = ${me}
    or ${target.ownerColumn} in (
      with recursive led as (
        select tm.team_id as id from team_members tm where tm.user_id = ${me} and tm.is_leader
        union
        select t.id from teams t join led on t.parent_id = led.id
      )
      select tm.user_id from team_members tm where tm.team_id in (select id from led)
    )
    or exists (
      select 1 from record_shares s
       where s.entity_type = ${target.resource}
         and s.entity_id = ${target.idColumn}
         and s.access in (${sql.join(
           levels.map((l) => sql`${l}`),
           sql`, `,
         )})
         and (s.expires_at is null or s.expires_at > ${now.toISOString()}::timestamptz)
         and ((s.grantee_type = 'user' and s.grantee_id = ${me})
           or (s.grantee_type = 'team' and s.grantee_id in (select tm.team_id from team_members tm where tm.user_id = ${me})))
    )
  )`;
}
