// AI usage: one row per model call (tokens, cost from the price table, latency, success), the
// month's spend against the workspace budget, and reports grouped by user, department, model or day.
import { and, eq, gte, lt, sql } from 'drizzle-orm';
import { aiUsage } from '#server/db/schema/assistant.ts';
import { users } from '#server/db/schema/identity.ts';
import { assertPermission } from '#server/platform/access/permissions.ts';
import type { Actor } from '#server/platform/actor.ts';
import type { Database, Tx } from '#server/platform/db/database.ts';
import { withWorkspace } from '#server/platform/db/tenancy.ts';
import { ValidationError } from '#server/platform/errors.ts';
import type { UsageTotals } from '#server/platform/observability/metrics.ts';
import type { CallReport } from './fallback-model.ts';
import { costUsd } from './providers.ts';

export const USAGE_GROUPS = ['user', 'department', 'model', 'provider', 'day'] as const;
export type UsageGroup = (typeof USAGE_GROUPS)[number];

export interface UsageRow {
  key: string;
  label: string;
  /** With a second grouping (`series`), the group within the key, e.g. the user of a day. */
  series?: string;
  seriesLabel?: string;
  calls: number;
  failed: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: string;
  avgLatencyMs: number;
}

export function monthStart(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
}

export function createUsageService(deps: { db: Database; clock: () => Date }) {
  const { db, clock } = deps;
  const totals = new Map<string, UsageTotals>();
  function count(calls: CallReport[]): void {
    for (const c of calls) {
      const key = `${c.provider}\u0000${c.model}`;
      let t = totals.get(key);
      if (!t) {
        t = {
          provider: c.provider,
          model: c.model,
          calls: 0,
          failures: 0,
          inputTokens: 0,
          outputTokens: 0,
          costUsd: 0,
        };
        // Bounded: a provider's model list is short, but the model name is configuration.
        if (totals.size < 500) totals.set(key, t);
      }
      t.calls++;
      if (!c.success) t.failures++;
      t.inputTokens += c.inputTokens;
      t.outputTokens += c.outputTokens;
      t.costUsd += costUsd(c.model, c.inputTokens, c.outputTokens);
    }
  }

  type UsageContext = { conversationId?: string | undefined; agent?: string | undefined; purpose?: string | undefined };

  async function record(actor: Actor, calls: CallReport[], context: UsageContext): Promise<void> {
    if (!calls.length) return;
    await withWorkspace(db, actor, (tx) => recordIn(tx, actor, calls, context));
  }

  /** record, inside a transaction the caller holds (a turn stores its reply and usage together). */
  async function recordIn(tx: Tx, actor: Actor, calls: CallReport[], context: UsageContext): Promise<void> {
    if (!calls.length) return;
    count(calls);
    const now = clock();
    await tx.insert(aiUsage).values(
      calls.map((c) => ({
        workspaceId: actor.workspaceId,
        userId: actor.userId,
        conversationId: context.conversationId ?? null,
        department: actor.department,
        agent: context.agent ?? null,
        provider: c.provider,
        model: c.model,
        purpose: context.purpose ?? 'chat',
        inputTokens: c.inputTokens,
        outputTokens: c.outputTokens,
        costUsd: costUsd(c.model, c.inputTokens, c.outputTokens).toFixed(6),
        latencyMs: c.latencyMs,
        success: c.success,
        error: c.error ?? null,
        createdAt: now,
      })),
    );
  }

  /** USD spent by the workspace this calendar month (UTC). */
  async function spentThisMonth(tx: Tx, workspaceId: string): Promise<number> {
    const [row] = await tx
      .select({ total: sql<string>`coalesce(sum(${aiUsage.costUsd}), 0)::text` })
      .from(aiUsage)
      .where(and(eq(aiUsage.workspaceId, workspaceId), gte(aiUsage.createdAt, monthStart(clock()))));
    return Number(row?.total ?? 0);
  }

  async function report(
    actor: Actor,
    input: {
      groupBy?: UsageGroup | undefined;
      /** A second grouping: with groupBy=day and series=user, one row per day and user (charts over time). */
      series?: Exclude<UsageGroup, 'day'> | undefined;
      from?: Date | undefined;
      to?: Date | undefined;
    },
  ): Promise<{
    groupBy: UsageGroup;
    from: Date;
    to: Date;
    rows: UsageRow[];
    totalCostUsd: string;
    spentThisMonthUsd: string;
  }> {
    assertPermission(actor, 'ai:usage:read');
    const groupBy = input.groupBy ?? 'day';
    const to = input.to ?? clock();
    const from = input.from ?? new Date(to.getTime() - 30 * 86_400_000);
    if (from >= to) throw new ValidationError([{ field: 'query.from', message: 'must be before "to"' }]);
    const keys = {
      user: sql<string>`coalesce(${aiUsage.userId}::text, 'none')`,
      department: sql<string>`coalesce(${aiUsage.department}, 'none')`,
      model: sql<string>`${aiUsage.provider} || '/' || ${aiUsage.model}`,
      provider: sql<string>`${aiUsage.provider}`,
      day: sql<string>`to_char(${aiUsage.createdAt} at time zone 'UTC', 'YYYY-MM-DD')`,
    };
    const key = keys[groupBy];
    if (input.series && input.series === (groupBy as string)) {
      throw new ValidationError([{ field: 'query.series', message: 'must differ from groupBy' }]);
    }
    // A constant cannot be grouped by in PostgreSQL, so without a series it is only selected.
    const series = input.series ? keys[input.series] : sql<string>`''`;
    return withWorkspace(db, actor, async (tx) => {
      const rows = await tx
        .select({
          key,
          series,
          calls: sql<number>`count(*)::int`,
          failed: sql<number>`(count(*) filter (where not ${aiUsage.success}))::int`,
          inputTokens: sql<number>`coalesce(sum(${aiUsage.inputTokens}), 0)::int`,
          outputTokens: sql<number>`coalesce(sum(${aiUsage.outputTokens}), 0)::int`,
          costUsd: sql<string>`coalesce(sum(${aiUsage.costUsd}), 0)::text`,
          avgLatencyMs: sql<number>`coalesce(avg(${aiUsage.latencyMs}), 0)::int`,
        })
        .from(aiUsage)
        .where(and(eq(aiUsage.workspaceId, actor.workspaceId), gte(aiUsage.createdAt, from), lt(aiUsage.createdAt, to)))
        .groupBy(...(input.series ? [key, series] : [key]))
        .orderBy(...(input.series ? [key, series] : [key]));
      let names = new Map<string, string>();
      if (groupBy === 'user' || input.series === 'user') {
        const ids = [...new Set(rows.map((r) => (groupBy === 'user' ? r.key : r.series)))].filter((k) => k !== 'none');
        if (ids.length) {
          const found = await tx
            .select({ id: users.id, name: users.name })
            .from(users)
            .where(
              sql`${users.id} in (${sql.join(
                ids.map((id) => sql`${id}::uuid`),
                sql`, `,
              )})`,
            );
          names = new Map(found.map((u) => [u.id, u.name]));
        }
      }
      const total = rows.reduce((s, r) => s + Number(r.costUsd), 0);
      return {
        groupBy,
        from,
        to,
        rows: rows.map((r) => ({
          ...r,
          calls: Number(r.calls),
          failed: Number(r.failed),
          inputTokens: Number(r.inputTokens),
          outputTokens: Number(r.outputTokens),
          avgLatencyMs: Number(r.avgLatencyMs),
          label: names.get(r.key) ?? r.key,
          ...(input.series ? { series: r.series, seriesLabel: names.get(r.series) ?? r.series } : {}),
        })),
        totalCostUsd: total.toFixed(6),
        spentThisMonthUsd: (await spentThisMonth(tx, actor.workspaceId)).toFixed(6),
      };
    });
  }

  return { record, recordIn, spentThisMonth, report, totals: (): UsageTotals[] => [...totals.values()] };
}

export type UsageService = ReturnType<typeof createUsageService>;
