// Notifications: stored per user with an unread count, delivered live (realtime hub → WebSocket)
// and by email (SMTP, or the outbox without it), each as the user's preferences for that kind say.
// Exactly once: a notification with a dedupe key is inserted at most once per workspace.
import { and, count, desc, eq, inArray, isNull } from 'drizzle-orm';
import { notificationPreferences, notifications } from '#server/db/schema/calendar.ts';
import { users } from '#server/db/schema/identity.ts';
import type { Actor } from '#server/platform/actor.ts';
import type { Database, Tx } from '#server/platform/db/database.ts';
import { asSystem, withWorkspace } from '#server/platform/db/tenancy.ts';
import { Unauthorized, ValidationError } from '#server/platform/errors.ts';
import type { Mailer } from '#server/platform/mail/mailer.ts';
import type { RealtimeHub } from '#server/platform/realtime/hub.ts';

export const NOTIFICATION_KINDS = ['event.reminder', 'task.reminder'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export interface NotificationView {
  id: string;
  kind: string;
  title: string;
  body: string | null;
  link: string | null;
  dueAt: Date | null;
  late: boolean;
  readAt: Date | null;
  createdAt: Date;
}

export interface NewNotification {
  workspaceId: string;
  userId: string;
  kind: NotificationKind;
  title: string;
  body?: string | undefined;
  link?: string | undefined;
  dueAt?: Date | undefined;
  late?: boolean | undefined;
  dedupeKey: string;
  /** For the email: when it is, as the user reads it. */
  when: string;
}

const view = (n: typeof notifications.$inferSelect): NotificationView => ({
  id: n.id,
  kind: n.kind,
  title: n.title,
  body: n.body,
  link: n.link,
  dueAt: n.dueAt,
  late: n.late,
  readAt: n.readAt,
  createdAt: n.createdAt,
});

export function createNotificationsService(deps: {
  db: Database;
  mailer: Mailer;
  hub: RealtimeHub;
  publicUrl: string;
  clock: () => Date;
}) {
  const { db, clock } = deps;

  function userOf(actor: Actor): string {
    if (!actor.userId) throw new Unauthorized();
    return actor.userId;
  }

  async function unreadIn(tx: Tx, workspaceId: string, userId: string): Promise<number> {
    const [row] = await tx
      .select({ n: count() })
      .from(notifications)
      .where(
        and(eq(notifications.workspaceId, workspaceId), eq(notifications.userId, userId), isNull(notifications.readAt)),
      );
    return Number(row?.n ?? 0);
  }

  async function list(actor: Actor, input: { unread?: boolean | undefined; limit?: number | undefined } = {}) {
    const userId = userOf(actor);
    return withWorkspace(db, actor, async (tx) => {
      const rows = await tx
        .select()
        .from(notifications)
        .where(and(eq(notifications.userId, userId), ...(input.unread ? [isNull(notifications.readAt)] : [])))
        .orderBy(desc(notifications.createdAt))
        .limit(input.limit ?? 50);
      return { data: rows.map(view), unread: await unreadIn(tx, actor.workspaceId, userId) };
    });
  }

  async function markRead(actor: Actor, input: { ids?: string[] | undefined; all?: boolean | undefined }) {
    const userId = userOf(actor);
    if (!input.all && !input.ids?.length) {
      throw new ValidationError([{ field: 'body.ids', message: 'give the notification ids, or all: true' }]);
    }
    return withWorkspace(db, actor, async (tx) => {
      await tx
        .update(notifications)
        .set({ readAt: clock() })
        .where(
          and(
            eq(notifications.userId, userId),
            isNull(notifications.readAt),
            ...(input.all ? [] : [inArray(notifications.id, input.ids as string[])]),
          ),
        );
      return { unread: await unreadIn(tx, actor.workspaceId, userId) };
    });
  }

  async function preferences(actor: Actor) {
    const userId = userOf(actor);
    return withWorkspace(db, actor, async (tx) => {
      const rows = await tx.select().from(notificationPreferences).where(eq(notificationPreferences.userId, userId));
      return NOTIFICATION_KINDS.map((kind) => {
        const row = rows.find((r) => r.kind === kind);
        return { kind, inApp: row?.inApp ?? true, email: row?.email ?? true };
      });
    });
  }

  async function setPreference(actor: Actor, input: { kind: NotificationKind; inApp: boolean; email: boolean }) {
    const userId = userOf(actor);
    await withWorkspace(db, actor, (tx) =>
      tx
        .insert(notificationPreferences)
        .values({ workspaceId: actor.workspaceId, userId, ...input })
        .onConflictDoUpdate({
          target: [notificationPreferences.workspaceId, notificationPreferences.userId, notificationPreferences.kind],
          set: { inApp: input.inApp, email: input.email },
        }),
    );
    return preferences(actor);
  }

  /**
   * Stores and delivers one notification, once: a second call with the same dedupe key (another
   * instance, a retried job) finds it there and does nothing. Returns whether it was new.
   */
  async function notify(n: NewNotification): Promise<boolean> {
    const created = await asSystem(db, n.workspaceId, async (tx) => {
      const [pref] = await tx
        .select()
        .from(notificationPreferences)
        .where(
          and(
            // Explicit as well as by RLS: a superuser connection bypasses RLS.
            eq(notificationPreferences.workspaceId, n.workspaceId),
            eq(notificationPreferences.userId, n.userId),
            eq(notificationPreferences.kind, n.kind),
          ),
        );
      const [row] = await tx
        .insert(notifications)
        .values({
          workspaceId: n.workspaceId,
          userId: n.userId,
          kind: n.kind,
          title: n.title,
          body: n.body ?? null,
          link: n.link ?? null,
          dueAt: n.dueAt ?? null,
          late: n.late ?? false,
          dedupeKey: n.dedupeKey,
          // Not wanted in the app: stored already read, so the history is complete but the bell is quiet.
          readAt: pref && !pref.inApp ? clock() : null,
          createdAt: clock(),
        })
        .onConflictDoNothing({ target: [notifications.workspaceId, notifications.dedupeKey] })
        .returning();
      if (!row) return null;
      if (pref?.email ?? true) {
        const [user] = await tx
          .select({ email: users.email, name: users.name })
          .from(users)
          .where(eq(users.id, n.userId));
        if (user) {
          await deps.mailer.send(tx, {
            to: user.email,
            template: 'reminder',
            workspaceId: n.workspaceId,
            values: {
              name: user.name,
              title: n.title,
              when: n.when,
              url: `${deps.publicUrl}${n.link ?? '/calendar'}`,
              late: n.late ?? false,
            },
          });
        }
      }
      return { row, inApp: pref?.inApp ?? true, unread: await unreadIn(tx, n.workspaceId, n.userId) };
    });
    if (!created) return false;
    if (created.inApp) {
      await deps.hub.publish({
        workspaceId: n.workspaceId,
        userId: n.userId,
        type: 'notification',
        payload: { notification: view(created.row), unread: created.unread },
      });
    }
    return true;
  }

  return { list, markRead, preferences, setPreference, notify };
}

export type NotificationsService = ReturnType<typeof createNotificationsService>;
