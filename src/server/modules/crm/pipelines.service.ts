// Deal pipelines and their ordered stages. Every workspace has one default pipeline, created the
// first time anything needs it (so workspaces made before pipelines existed get one too).
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { deals, pipelineStages, pipelines, type StageKind } from '#server/db/schema/crm.ts';
import { assertPermission } from '#server/platform/access/permissions.ts';
import type { Actor } from '#server/platform/actor.ts';
import { recordAudit } from '#server/platform/audit.ts';
import type { Database, Tx } from '#server/platform/db/database.ts';
import { withWorkspace } from '#server/platform/db/tenancy.ts';
import { Conflict, NotFound, ValidationError } from '#server/platform/errors.ts';

export const DEFAULT_STAGES: Array<{ name: string; probability: number; kind: StageKind }> = [
  { name: 'Lead in', probability: 10, kind: 'open' },
  { name: 'Qualified', probability: 25, kind: 'open' },
  { name: 'Proposal', probability: 50, kind: 'open' },
  { name: 'Negotiation', probability: 75, kind: 'open' },
  { name: 'Won', probability: 100, kind: 'won' },
  { name: 'Lost', probability: 0, kind: 'lost' },
];

export interface StageInput {
  id?: string | undefined;
  name: string;
  probability: number;
  kind: StageKind;
}

export interface PipelineView {
  id: string;
  name: string;
  isDefault: boolean;
  position: number;
  stages: Array<{ id: string; name: string; position: number; probability: number; kind: StageKind }>;
}

/** The workspace's default pipeline id, creating it with the standard stages when missing. */
export async function ensureDefaultPipeline(tx: Tx, workspaceId: string): Promise<string> {
  const [found] = await tx
    .select({ id: pipelines.id })
    .from(pipelines)
    .where(and(eq(pipelines.workspaceId, workspaceId), eq(pipelines.isDefault, true)));
  if (found) return found.id;
  const [created] = await tx
    .insert(pipelines)
    .values({ workspaceId, name: 'Sales', isDefault: true })
    .onConflictDoNothing()
    .returning({ id: pipelines.id });
  if (!created) return ensureDefaultPipeline(tx, workspaceId);
  await tx
    .insert(pipelineStages)
    .values(DEFAULT_STAGES.map((s, position) => ({ ...s, position, workspaceId, pipelineId: created.id })));
  return created.id;
}

export async function stageById(tx: Tx, stageId: string) {
  const [stage] = await tx.select().from(pipelineStages).where(eq(pipelineStages.id, stageId));
  return stage;
}

export async function firstOpenStage(tx: Tx, pipelineId: string) {
  const [stage] = await tx
    .select()
    .from(pipelineStages)
    .where(eq(pipelineStages.pipelineId, pipelineId))
    .orderBy(sql`${pipelineStages.kind} <> 'open'`, asc(pipelineStages.position))
    .limit(1);
  return stage;
}

function checkStages(stages: StageInput[]): void {
  const problems: Array<{ field: string; message: string }> = [];
  if (!stages.some((s) => s.kind === 'open')) problems.push({ field: 'body.stages', message: 'needs an open stage' });
  const names = new Set<string>();
  stages.forEach((s, i) => {
    const key = s.name.trim().toLowerCase();
    if (names.has(key)) problems.push({ field: `body.stages.${i}.name`, message: 'is used by another stage' });
    names.add(key);
  });
  if (problems.length) throw new ValidationError(problems);
}

export function createPipelinesService(deps: { db: Database; clock: () => Date }) {
  const { db, clock } = deps;

  async function load(tx: Tx): Promise<PipelineView[]> {
    const rows = await tx.select().from(pipelines).orderBy(asc(pipelines.position), asc(pipelines.createdAt));
    const stages = await tx.select().from(pipelineStages).orderBy(asc(pipelineStages.position));
    return rows.map((p) => ({
      id: p.id,
      name: p.name,
      isDefault: p.isDefault,
      position: p.position,
      stages: stages
        .filter((s) => s.pipelineId === p.id)
        .map((s) => ({ id: s.id, name: s.name, position: s.position, probability: s.probability, kind: s.kind })),
    }));
  }

  async function list(actor: Actor): Promise<PipelineView[]> {
    assertPermission(actor, 'crm:deals:read');
    return withWorkspace(db, actor, async (tx) => {
      await ensureDefaultPipeline(tx, actor.workspaceId);
      return load(tx);
    });
  }

  function uniqueName(err: unknown): never {
    const message = String((err as { cause?: Error }).cause?.message ?? (err as Error).message);
    if (/duplicate key|unique/i.test(message)) throw new Conflict('A pipeline with this name already exists.');
    throw err;
  }

  async function create(actor: Actor, input: { name: string; stages: StageInput[] }): Promise<PipelineView> {
    assertPermission(actor, 'admin:pipelines:manage');
    checkStages(input.stages);
    try {
      return await withWorkspace(db, actor, async (tx) => {
        await ensureDefaultPipeline(tx, actor.workspaceId);
        const [count] = await tx.select({ n: sql<number>`count(*)::int` }).from(pipelines);
        const [created] = await tx
          .insert(pipelines)
          .values({ workspaceId: actor.workspaceId, name: input.name, position: count?.n ?? 0 })
          .returning();
        const id = (created as { id: string }).id;
        await tx.insert(pipelineStages).values(
          input.stages.map((s, position) => ({
            workspaceId: actor.workspaceId,
            pipelineId: id,
            name: s.name,
            probability: s.probability,
            kind: s.kind,
            position,
          })),
        );
        await recordAudit(tx, actor, {
          action: 'pipeline.created',
          entityType: 'pipeline',
          entityId: id,
          metadata: { name: input.name, stages: input.stages.map((s) => s.name) },
        });
        return (await load(tx)).find((p) => p.id === id) as PipelineView;
      });
    } catch (err) {
      uniqueName(err);
    }
  }

  /** Renames, makes default, and replaces the stage list (stages keep their ids when given). */
  async function update(
    actor: Actor,
    id: string,
    input: { name?: string | undefined; isDefault?: boolean | undefined; stages?: StageInput[] | undefined },
  ): Promise<PipelineView> {
    assertPermission(actor, 'admin:pipelines:manage');
    if (input.stages) checkStages(input.stages);
    try {
      return await withWorkspace(db, actor, async (tx) => {
        const [pipeline] = await tx.select().from(pipelines).where(eq(pipelines.id, id));
        if (!pipeline) throw new NotFound('Pipeline');
        if (input.isDefault === false && pipeline.isDefault) {
          throw new ValidationError([
            { field: 'body.isDefault', message: 'make another pipeline the default instead' },
          ]);
        }
        if (input.isDefault && !pipeline.isDefault) {
          await tx.update(pipelines).set({ isDefault: false }).where(eq(pipelines.isDefault, true));
        }
        await tx
          .update(pipelines)
          .set({
            ...(input.name !== undefined ? { name: input.name } : {}),
            ...(input.isDefault ? { isDefault: true } : {}),
            updatedAt: clock(),
          })
          .where(eq(pipelines.id, id));
        if (input.stages) await replaceStages(tx, actor, id, input.stages);
        await recordAudit(tx, actor, {
          action: 'pipeline.updated',
          entityType: 'pipeline',
          entityId: id,
          metadata: {
            ...(input.name !== undefined ? { name: input.name } : {}),
            ...(input.isDefault ? { isDefault: true } : {}),
            ...(input.stages ? { stages: input.stages.map((s) => s.name) } : {}),
          },
        });
        return (await load(tx)).find((p) => p.id === id) as PipelineView;
      });
    } catch (err) {
      uniqueName(err);
    }
  }

  async function replaceStages(tx: Tx, actor: Actor, pipelineId: string, stages: StageInput[]): Promise<void> {
    const current = await tx.select().from(pipelineStages).where(eq(pipelineStages.pipelineId, pipelineId));
    const keep = new Set(stages.flatMap((s) => (s.id ? [s.id] : [])));
    for (const [i, s] of stages.entries()) {
      if (s.id && !current.some((c) => c.id === s.id)) {
        throw new ValidationError([{ field: `body.stages.${i}.id`, message: 'is not a stage of this pipeline' }]);
      }
    }
    const removed = current.filter((c) => !keep.has(c.id)).map((c) => c.id);
    if (removed.length) {
      const [used] = await tx
        .select({ n: sql<number>`count(*)::int` })
        .from(deals)
        .where(inArray(deals.stageId, removed));
      if ((used?.n ?? 0) > 0) {
        throw new Conflict(`${used?.n} deal(s) are in a stage being removed; move them to another stage first.`);
      }
      await tx.delete(pipelineStages).where(inArray(pipelineStages.id, removed));
    }
    for (const [position, s] of stages.entries()) {
      if (s.id) {
        await tx
          .update(pipelineStages)
          .set({ name: s.name, probability: s.probability, kind: s.kind, position })
          .where(eq(pipelineStages.id, s.id));
      } else {
        await tx.insert(pipelineStages).values({
          workspaceId: actor.workspaceId,
          pipelineId,
          name: s.name,
          probability: s.probability,
          kind: s.kind,
          position,
        });
      }
    }
  }

  return { list, create, update };
}

export type PipelinesService = ReturnType<typeof createPipelinesService>;
