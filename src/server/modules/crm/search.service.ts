// Global search across CRM objects (the command palette): one ranked query per object the actor
// may read, each over the search index with the same visibility predicate as lists, merged by score.
import { and, isNull, type SQL, sql } from 'drizzle-orm';
import { hasPermission } from '#server/platform/access/permissions.ts';
import type { Actor } from '#server/platform/actor.ts';
import { type Database, execRows } from '#server/platform/db/database.ts';
import { readWorkspace } from '#server/platform/db/tenancy.ts';
import { ValidationError } from '#server/platform/errors.ts';
import { RECORD_KINDS, readableBy } from './kinds.ts';
import { type SearchPlan, searchPlan, withClause } from './search-index.ts';

export interface SearchHit {
  resource: string;
  id: string;
  title: string;
  subtitle: string;
  score: number;
}

export function createSearchService(deps: { db: Database; clock: () => Date }) {
  const { db, clock } = deps;

  async function search(
    actor: Actor,
    input: { q: string; types?: string[] | undefined; limit?: number | undefined },
  ): Promise<SearchHit[]> {
    const q = input.q.trim();
    if (q.length < 1) throw new ValidationError([{ field: 'query.q', message: 'type something to search for' }]);
    const limit = input.limit ?? 20;
    const kinds = RECORD_KINDS.filter(
      (k) =>
        (!input.types?.length || input.types.includes(k.resource)) &&
        hasPermission(actor.permissions, `${k.module}:${k.resource}:read`) &&
        (!actor.scopes || hasPermission(actor.scopes, `${k.module}:${k.resource}:read`)),
    );
    if (!kinds.length) return [];
    const now = clock();
    return readWorkspace(db, actor, async (tx) => {
      // Each kind's best matches the actor may read, then the best of all.
      const plans = kinds.map((kind, k) => searchPlan(kind, actor.workspaceId, q, `k${k}w`));
      const parts: SQL[] = kinds.map((kind, k) => {
        const plan = plans[k] as SearchPlan;
        return sql`(select ${kind.resource} as resource, ${kind.idColumn} as id, ${kind.titleSql} as title, ${kind.subtitleSql} as subtitle, ${plan.score} as score
          from ${kind.table}${plan.join}
          where ${and(isNull(kind.deletedAtColumn), plan.where, readableBy(actor, kind, now))}
          order by ${plan.score} desc, ${kind.idColumn} desc limit ${limit})`;
      });
      const list = await execRows(
        tx,
        sql`${withClause(plans)}select * from (${sql.join(parts, sql` union all `)}) hits order by score desc, title limit ${limit}`,
      );
      return list.map((r) => ({
        resource: String(r.resource),
        id: String(r.id),
        title: String(r.title ?? ''),
        subtitle: String(r.subtitle ?? ''),
        score: Number(r.score),
      }));
    });
  }

  return { search };
}

export type SearchService = ReturnType<typeof createSearchService>;
