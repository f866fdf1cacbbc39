// Personal access tokens for scripts, MCP clients and integrations: scoped to a subset of the
// user's permissions, expiring, revocable, shown once and stored as SHA-256.
import { and, desc, eq, isNull } from 'drizzle-orm';
import { personalAccessTokens } from '#server/db/schema/access.ts';
import { hasPermission, isPermission } from '#server/platform/access/permissions.ts';
import { type Actor, userIdOf } from '#server/platform/actor.ts';
import { recordAudit } from '#server/platform/audit.ts';
import { hashToken, newOpaqueToken } from '#server/platform/auth/tokens.ts';
import type { Database } from '#server/platform/db/database.ts';
import { withWorkspace } from '#server/platform/db/tenancy.ts';
import { NotFound, ValidationError } from '#server/platform/errors.ts';

export interface TokenView {
  id: string;
  name: string;
  scopes: string[];
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  createdAt: Date;
}

export function createPersonalTokensService(deps: { db: Database; clock: () => Date }) {
  const { db, clock } = deps;

  async function create(actor: Actor, input: { name: string; scopes: string[]; expiresInDays: number }) {
    const problems = input.scopes.flatMap((scope, i) => {
      if (!isPermission(scope))
        return [{ field: `body.scopes.${i}`, message: `"${scope}" is not a permission (module:resource:action)` }];
      // A token can do at most what its user can: every scope must be covered by the user's permissions.
      if (!hasPermission(actor.permissions, scope)) {
        return [{ field: `body.scopes.${i}`, message: `You do not have "${scope}" yourself` }];
      }
      return [];
    });
    if (problems.length) throw new ValidationError(problems);
    const token = newOpaqueToken('pat');
    const now = clock();
    const row = await withWorkspace(db, actor, async (tx) => {
      const [created] = await tx
        .insert(personalAccessTokens)
        .values({
          workspaceId: actor.workspaceId,
          userId: userIdOf(actor),
          name: input.name,
          tokenHash: hashToken(token),
          scopes: [...new Set(input.scopes)],
          expiresAt: new Date(now.getTime() + input.expiresInDays * 86_400_000),
          createdAt: now,
        })
        .returning();
      const t = created as typeof personalAccessTokens.$inferSelect;
      await recordAudit(tx, actor, {
        action: 'auth.token_created',
        entityType: 'personal_access_token',
        entityId: t.id,
        metadata: { name: t.name, scopes: t.scopes },
      });
      return t;
    });
    return { token, ...view(row) };
  }

  function view(t: typeof personalAccessTokens.$inferSelect): TokenView {
    return {
      id: t.id,
      name: t.name,
      scopes: t.scopes,
      expiresAt: t.expiresAt,
      lastUsedAt: t.lastUsedAt,
      createdAt: t.createdAt,
    };
  }

  async function list(actor: Actor): Promise<TokenView[]> {
    const rows = await withWorkspace(db, actor, (tx) =>
      tx
        .select()
        .from(personalAccessTokens)
        .where(and(eq(personalAccessTokens.userId, userIdOf(actor)), isNull(personalAccessTokens.revokedAt)))
        .orderBy(desc(personalAccessTokens.createdAt)),
    );
    return rows.map(view);
  }

  async function revoke(actor: Actor, id: string): Promise<void> {
    const done = await withWorkspace(db, actor, async (tx) => {
      const [row] = await tx
        .update(personalAccessTokens)
        .set({ revokedAt: clock() })
        .where(
          and(
            eq(personalAccessTokens.id, id),
            eq(personalAccessTokens.userId, userIdOf(actor)),
            isNull(personalAccessTokens.revokedAt),
          ),
        )
        .returning({ id: personalAccessTokens.id });
      if (row)
        await recordAudit(tx, actor, {
          action: 'auth.token_revoked',
          entityType: 'personal_access_token',
          entityId: id,
        });
      return Boolean(row);
    });
    if (!done) throw new NotFound('Access token');
  }

  return { create, list, revoke };
}

export type PersonalTokensService = ReturnType<typeof createPersonalTokensService>;
