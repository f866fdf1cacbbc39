// Feedback: any member sends it from /feedback; admins read it and mark it reviewed.
import { desc, eq } from 'drizzle-orm';
import { feedback } from '#server/db/schema/crm.ts';
import { users } from '#server/db/schema/identity.ts';
import { assertPermission } from '#server/platform/access/permissions.ts';
import type { Actor } from '#server/platform/actor.ts';
import { recordAudit } from '#server/platform/audit.ts';
import type { Database } from '#server/platform/db/database.ts';
import { withWorkspace } from '#server/platform/db/tenancy.ts';
import { NotFound, ValidationError } from '#server/platform/errors.ts';

export const FEEDBACK_CATEGORIES = ['idea', 'problem', 'praise', 'question'] as const;
export const FEEDBACK_STATUSES = ['new', 'reviewed'] as const;

export function createFeedbackService(deps: { db: Database; clock: () => Date }) {
  const { db, clock } = deps;

  async function send(
    actor: Actor,
    input: { message: string; category?: (typeof FEEDBACK_CATEGORIES)[number] | undefined; page?: string | undefined },
  ) {
    if (!actor.userId) throw new ValidationError([{ field: 'actor', message: 'feedback comes from a member' }]);
    return withWorkspace(db, actor, async (tx) => {
      const [row] = await tx
        .insert(feedback)
        .values({
          workspaceId: actor.workspaceId,
          userId: actor.userId,
          message: input.message,
          category: input.category ?? 'idea',
          page: input.page ?? null,
          createdAt: clock(),
        })
        .returning();
      const created = row as typeof feedback.$inferSelect;
      await recordAudit(tx, actor, { action: 'feedback.sent', entityType: 'feedback', entityId: created.id });
      return created;
    });
  }

  async function list(actor: Actor, status?: (typeof FEEDBACK_STATUSES)[number]) {
    assertPermission(actor, 'admin:feedback:read');
    return withWorkspace(db, actor, (tx) =>
      tx
        .select({
          id: feedback.id,
          category: feedback.category,
          message: feedback.message,
          page: feedback.page,
          status: feedback.status,
          createdAt: feedback.createdAt,
          reviewedAt: feedback.reviewedAt,
          userId: feedback.userId,
          userName: users.name,
        })
        .from(feedback)
        .leftJoin(users, eq(users.id, feedback.userId))
        .where(status ? eq(feedback.status, status) : undefined)
        .orderBy(desc(feedback.createdAt))
        .limit(200),
    );
  }

  async function review(actor: Actor, id: string, status: (typeof FEEDBACK_STATUSES)[number]) {
    assertPermission(actor, 'admin:feedback:update');
    return withWorkspace(db, actor, async (tx) => {
      const [row] = await tx
        .update(feedback)
        .set({ status, reviewedAt: status === 'reviewed' ? clock() : null })
        .where(eq(feedback.id, id))
        .returning();
      if (!row) throw new NotFound('Feedback');
      await recordAudit(tx, actor, {
        action: 'feedback.reviewed',
        entityType: 'feedback',
        entityId: id,
        changes: { status: { old: null, new: status } },
      });
      return row;
    });
  }

  return { send, list, review };
}

export type FeedbackService = ReturnType<typeof createFeedbackService>;
