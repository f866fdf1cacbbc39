// Conversations and their messages: private to the member who holds them, persisted with every
// tool call, result and approval state, so a conversation resumes exactly after a restart.
import { and, asc, desc, eq, gte } from 'drizzle-orm';
import { conversationMessages, conversations, type MentionedRecord } from '#server/db/schema/assistant.ts';
import { assertPermission } from '#server/platform/access/permissions.ts';
import { type Actor, userIdOf } from '#server/platform/actor.ts';
import type { Database, Tx } from '#server/platform/db/database.ts';
import { withWorkspace } from '#server/platform/db/tenancy.ts';
import { NotFound, ValidationError } from '#server/platform/errors.ts';
import { AGENTS } from './agents.ts';
import { PROVIDER_NAMES } from './providers.ts';

/** A message as the AI SDK's UI (and our storage) knows it. */
export interface StoredMessage {
  id: string;
  role: 'user' | 'assistant' | 'system';
  parts: unknown[];
  metadata?: Record<string, unknown> | undefined;
}

export interface ConversationView {
  id: string;
  title: string;
  agent: string | null;
  provider: string | null;
  summary: string | null;
  summarizedCount: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface ConversationState extends ConversationView {
  recentRecords: MentionedRecord[];
  messages: StoredMessage[];
}

const view = (c: typeof conversations.$inferSelect): ConversationView => ({
  id: c.id,
  title: c.title,
  agent: c.agent,
  provider: c.provider,
  summary: c.summary,
  summarizedCount: c.summarizedCount,
  createdAt: c.createdAt,
  updatedAt: c.updatedAt,
});

export interface ConversationInput {
  title?: string | undefined;
  agent?: string | null | undefined;
  provider?: string | null | undefined;
}

function checkInput(input: ConversationInput): void {
  const problems = [];
  if (input.agent && !AGENTS.some((a) => a.key === input.agent)) {
    problems.push({ field: 'body.agent', message: `must be one of ${AGENTS.map((a) => a.key).join(', ')}` });
  }
  if (input.provider && !['offline', ...PROVIDER_NAMES].includes(input.provider)) {
    problems.push({ field: 'body.provider', message: `must be one of offline, ${PROVIDER_NAMES.join(', ')}` });
  }
  if (problems.length) throw new ValidationError(problems);
}

export function createConversationsService(deps: { db: Database; clock: () => Date }) {
  const { db, clock } = deps;

  async function own(tx: Tx, actor: Actor, id: string) {
    const [row] = await tx
      .select()
      .from(conversations)
      .where(and(eq(conversations.id, id), eq(conversations.userId, userIdOf(actor))));
    if (!row) throw new NotFound('Conversation');
    return row;
  }

  function userOf(actor: Actor): string {
    assertPermission(actor, 'ai:chat:use');
    if (!actor.userId) throw new NotFound('Conversation');
    return actor.userId;
  }

  async function list(actor: Actor): Promise<ConversationView[]> {
    const userId = userOf(actor);
    return withWorkspace(db, actor, async (tx) =>
      (
        await tx
          .select()
          .from(conversations)
          .where(eq(conversations.userId, userId))
          .orderBy(desc(conversations.updatedAt))
          .limit(200)
      ).map(view),
    );
  }

  async function create(actor: Actor, input: ConversationInput = {}): Promise<ConversationView> {
    const userId = userOf(actor);
    checkInput(input);
    const now = clock();
    return withWorkspace(db, actor, async (tx) => {
      const [row] = await tx
        .insert(conversations)
        .values({
          workspaceId: actor.workspaceId,
          userId,
          title: input.title?.trim() || 'New conversation',
          agent: input.agent ?? null,
          provider: input.provider ?? null,
          createdAt: now,
          updatedAt: now,
        })
        .returning();
      return view(row as typeof conversations.$inferSelect);
    });
  }

  async function get(actor: Actor, id: string): Promise<ConversationState> {
    userOf(actor);
    return withWorkspace(db, actor, (tx) => load(tx, actor, id));
  }

  async function load(tx: Tx, actor: Actor, id: string): Promise<ConversationState> {
    const row = await own(tx, actor, id);
    const messages = await tx
      .select()
      .from(conversationMessages)
      .where(eq(conversationMessages.conversationId, id))
      .orderBy(asc(conversationMessages.position));
    return {
      ...view(row),
      recentRecords: row.recentRecords,
      messages: messages.map((m) => ({
        id: m.id,
        role: m.role,
        parts: m.parts,
        ...(m.metadata ? { metadata: m.metadata } : {}),
      })),
    };
  }

  async function update(actor: Actor, id: string, input: ConversationInput): Promise<ConversationView> {
    userOf(actor);
    checkInput(input);
    if (input.title !== undefined && !input.title.trim()) {
      throw new ValidationError([{ field: 'body.title', message: 'must not be empty' }]);
    }
    return withWorkspace(db, actor, async (tx) => {
      await own(tx, actor, id);
      const [row] = await tx
        .update(conversations)
        .set({
          ...(input.title !== undefined ? { title: input.title.trim().slice(0, 200) } : {}),
          ...(input.agent !== undefined ? { agent: input.agent } : {}),
          ...(input.provider !== undefined ? { provider: input.provider } : {}),
          updatedAt: clock(),
        })
        .where(eq(conversations.id, id))
        .returning();
      return view(row as typeof conversations.$inferSelect);
    });
  }

  async function remove(actor: Actor, id: string): Promise<void> {
    userOf(actor);
    await withWorkspace(db, actor, async (tx) => {
      await own(tx, actor, id);
      await tx.delete(conversations).where(eq(conversations.id, id));
    });
  }

  /**
   * Loads a conversation, lets `change` add or alter messages, and stores them from the first
   * changed position, in one transaction (the start of every turn).
   */
  async function beginTurn(
    actor: Actor,
    id: string,
    change: (state: ConversationState) => { from: number; title?: string | undefined },
  ): Promise<ConversationState> {
    userOf(actor);
    const now = clock();
    return withWorkspace(db, actor, async (tx) => {
      const state = await load(tx, actor, id);
      const { from, title } = change(state);
      await writeMessages(tx, actor, id, state.messages, from, now, { title });
      return title ? { ...state, title } : state;
    });
  }

  async function writeMessages(
    tx: Tx,
    actor: Actor,
    id: string,
    messages: StoredMessage[],
    from: number,
    now: Date,
    memory: {
      title?: string | undefined;
      recentRecords?: MentionedRecord[] | undefined;
      summary?: string | undefined;
      summarizedCount?: number | undefined;
    },
  ): Promise<void> {
    await tx
      .delete(conversationMessages)
      .where(and(eq(conversationMessages.conversationId, id), gte(conversationMessages.position, from)));
    const rows = messages.slice(from).map((m, i) => ({
      id: m.id,
      workspaceId: actor.workspaceId,
      conversationId: id,
      position: from + i,
      role: m.role,
      parts: m.parts,
      metadata: m.metadata ?? null,
      createdAt: now,
      updatedAt: now,
    }));
    if (rows.length) await tx.insert(conversationMessages).values(rows);
    await tx
      .update(conversations)
      .set({
        updatedAt: now,
        ...(memory.title ? { title: memory.title } : {}),
        ...(memory.recentRecords ? { recentRecords: memory.recentRecords } : {}),
        ...(memory.summary !== undefined ? { summary: memory.summary } : {}),
        ...(memory.summarizedCount !== undefined ? { summarizedCount: memory.summarizedCount } : {}),
      })
      .where(eq(conversations.id, id));
  }

  /** Writes messages (new or changed) in order from `from`; later ones are replaced. */
  async function saveMessages(
    actor: Actor,
    id: string,
    messages: StoredMessage[],
    from: number,
    memory: {
      title?: string | undefined;
      recentRecords?: MentionedRecord[] | undefined;
      summary?: string | undefined;
      summarizedCount?: number | undefined;
    } = {},
    /** More writes for the same transaction (the turn's usage rows). */
    also?: (tx: Tx) => Promise<void>,
  ): Promise<void> {
    const now = clock();
    await withWorkspace(db, actor, async (tx) => {
      await own(tx, actor, id);
      await writeMessages(tx, actor, id, messages, from, now, memory);
      await also?.(tx);
    });
  }

  return { list, create, get, update, remove, beginTurn, saveMessages };
}

export type ConversationsService = ReturnType<typeof createConversationsService>;
