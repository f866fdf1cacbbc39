// A workspace's AI settings: its own providers (keys sealed with AES-256-GCM, bound to the
// workspace), the fallback order, routing rules and the monthly budget; and the provider chain a
// turn uses, after the instance-wide providers from the environment. Keys never leave this module.
import { asc, eq } from 'drizzle-orm';
import type { ProviderSettings } from '#server/config.ts';
import { aiProviders, aiSettings, type RoutingRule } from '#server/db/schema/assistant.ts';
import { assertPermission } from '#server/platform/access/permissions.ts';
import type { Actor } from '#server/platform/actor.ts';
import { recordAudit } from '#server/platform/audit.ts';
import { decryptSecret, encryptSecret } from '#server/platform/crypto.ts';
import type { Database, Tx } from '#server/platform/db/database.ts';
import { withWorkspace } from '#server/platform/db/tenancy.ts';
import { NotFound, ValidationError } from '#server/platform/errors.ts';
import { AGENTS } from './agents.ts';
import { PROVIDER_NAMES, providerInfo } from './providers.ts';

export interface ProviderView {
  name: string;
  label: string;
  enabled: boolean;
  model: string;
  baseUrl: string | null;
  hasKey: boolean;
  position: number;
  /** `workspace` = configured in Settings → AI; `environment` = instance-wide. */
  source: 'workspace' | 'environment';
}

export interface ProviderInput {
  enabled?: boolean | undefined;
  model?: string | undefined;
  baseUrl?: string | null | undefined;
  /** Write-only: a new key, or null to remove the stored one. */
  apiKey?: string | null | undefined;
  position?: number | undefined;
}

export interface SettingsView {
  monthlyBudgetUsd: string | null;
  routing: RoutingRule[];
}

/** Mostly Chinese text: more than a third of the letters are CJK ideographs. */
export function isChinese(text: string): boolean {
  const han = text.match(/\p{Script=Han}/gu)?.length ?? 0;
  const letters = text.match(/\p{L}/gu)?.length ?? 0;
  return letters > 0 && han / letters > 0.33;
}

/** Associated data of a sealed provider key: a copy moved to another workspace does not open. */
export const keyBinding = (workspaceId: string) => `ai-provider-key:${workspaceId}`;

export function createAiSettingsService(deps: {
  db: Database;
  masterKey: Buffer;
  environment: ProviderSettings[];
  clock: () => Date;
}) {
  const { db, clock } = deps;

  async function providersIn(tx: Tx) {
    return tx.select().from(aiProviders).orderBy(asc(aiProviders.position), asc(aiProviders.name));
  }

  async function listProviders(actor: Actor): Promise<ProviderView[]> {
    assertPermission(actor, 'ai:chat:use');
    return withWorkspace(db, actor, async (tx) => {
      const own = await providersIn(tx);
      const views: ProviderView[] = own.map((p) => ({
        name: p.name,
        label: providerInfo(p.name)?.label ?? p.name,
        enabled: p.enabled,
        model: p.model,
        baseUrl: p.baseUrl,
        hasKey: p.apiKeySealed !== null,
        position: p.position,
        source: 'workspace',
      }));
      deps.environment.forEach((p, i) => {
        if (own.some((o) => o.name === p.name)) return;
        views.push({
          name: p.name,
          label: providerInfo(p.name)?.label ?? p.name,
          enabled: true,
          model: p.model || (providerInfo(p.name)?.defaultModel ?? ''),
          baseUrl: null,
          hasKey: Boolean(p.apiKey),
          position: 1000 + i,
          source: 'environment',
        });
      });
      return views;
    });
  }

  async function putProvider(actor: Actor, name: string, input: ProviderInput): Promise<ProviderView> {
    assertPermission(actor, 'ai:settings:manage');
    const info = providerInfo(name);
    if (!info) throw new NotFound(`Provider "${name}" (known: ${PROVIDER_NAMES.join(', ')})`);
    const problems: Array<{ field: string; message: string }> = [];
    if (input.baseUrl) {
      try {
        const u = new URL(input.baseUrl);
        if (!['http:', 'https:'].includes(u.protocol)) throw new Error();
      } catch {
        problems.push({ field: 'body.baseUrl', message: 'must be an http(s) URL' });
      }
    }
    const now = clock();
    return withWorkspace(db, actor, async (tx) => {
      const [existing] = await tx.select().from(aiProviders).where(eq(aiProviders.name, name));
      const model = input.model?.trim() || existing?.model || info.defaultModel;
      const baseUrl = input.baseUrl === undefined ? (existing?.baseUrl ?? null) : input.baseUrl?.trim() || null;
      const sealed =
        input.apiKey === undefined
          ? (existing?.apiKeySealed ?? null)
          : input.apiKey === null || input.apiKey.trim() === ''
            ? null
            : encryptSecret(deps.masterKey, input.apiKey.trim(), keyBinding(actor.workspaceId));
      if (!model) problems.push({ field: 'body.model', message: 'give the model name' });
      if (info.baseUrlRequired && !baseUrl) problems.push({ field: 'body.baseUrl', message: 'give the endpoint URL' });
      if (info.keyRequired && !sealed && !deps.environment.some((p) => p.name === name && p.apiKey)) {
        problems.push({ field: 'body.apiKey', message: `${info.label} needs an API key` });
      }
      if (problems.length) throw new ValidationError(problems);
      const values = {
        enabled: input.enabled ?? existing?.enabled ?? true,
        model,
        baseUrl,
        apiKeySealed: sealed,
        position: input.position ?? existing?.position ?? (await providersIn(tx)).length,
        updatedAt: now,
      };
      if (existing) await tx.update(aiProviders).set(values).where(eq(aiProviders.id, existing.id));
      else await tx.insert(aiProviders).values({ workspaceId: actor.workspaceId, name, ...values, createdAt: now });
      await recordAudit(tx, actor, {
        action: existing ? 'ai.provider.updated' : 'ai.provider.added',
        entityType: 'ai_provider',
        entityId: actor.workspaceId,
        // Never the key itself: only whether it changed.
        metadata: {
          name,
          model,
          baseUrl,
          enabled: values.enabled,
          keyChanged: input.apiKey !== undefined,
        },
      });
      return {
        name,
        label: info.label,
        enabled: values.enabled,
        model,
        baseUrl,
        hasKey: sealed !== null,
        position: values.position,
        source: 'workspace' as const,
      };
    });
  }

  async function removeProvider(actor: Actor, name: string): Promise<void> {
    assertPermission(actor, 'ai:settings:manage');
    await withWorkspace(db, actor, async (tx) => {
      const gone = await tx.delete(aiProviders).where(eq(aiProviders.name, name)).returning({ id: aiProviders.id });
      if (!gone.length) throw new NotFound(`Provider "${name}" in this workspace`);
      await recordAudit(tx, actor, {
        action: 'ai.provider.removed',
        entityType: 'ai_provider',
        entityId: actor.workspaceId,
        metadata: { name },
      });
    });
  }

  async function settingsIn(tx: Tx, workspaceId: string): Promise<SettingsView> {
    const [row] = await tx.select().from(aiSettings).where(eq(aiSettings.workspaceId, workspaceId));
    return { monthlyBudgetUsd: row?.monthlyBudgetUsd ?? null, routing: row?.routing ?? [] };
  }

  async function getSettings(actor: Actor): Promise<SettingsView> {
    assertPermission(actor, 'ai:chat:use');
    return withWorkspace(db, actor, (tx) => settingsIn(tx, actor.workspaceId));
  }

  async function updateSettings(
    actor: Actor,
    input: { monthlyBudgetUsd?: number | null | undefined; routing?: RoutingRule[] | undefined },
  ): Promise<SettingsView> {
    assertPermission(actor, 'ai:settings:manage');
    const problems: Array<{ field: string; message: string }> = [];
    input.routing?.forEach((r, i) => {
      if (!PROVIDER_NAMES.includes(r.provider)) {
        problems.push({ field: `body.routing.${i}.provider`, message: `must be one of ${PROVIDER_NAMES.join(', ')}` });
      }
      if (!r.when.language && !r.when.department) {
        problems.push({ field: `body.routing.${i}.when`, message: 'give a language or a department' });
      }
      if (r.when.department && !AGENTS.some((a) => a.key === r.when.department)) {
        problems.push({ field: `body.routing.${i}.when.department`, message: 'is not a department agent' });
      }
    });
    if (problems.length) throw new ValidationError(problems);
    return withWorkspace(db, actor, async (tx) => {
      const current = await settingsIn(tx, actor.workspaceId);
      const next = {
        monthlyBudgetUsd:
          input.monthlyBudgetUsd === undefined
            ? current.monthlyBudgetUsd
            : input.monthlyBudgetUsd === null
              ? null
              : input.monthlyBudgetUsd.toFixed(2),
        routing: input.routing ?? current.routing,
      };
      await tx
        .insert(aiSettings)
        .values({ workspaceId: actor.workspaceId, ...next, updatedAt: clock() })
        .onConflictDoUpdate({ target: aiSettings.workspaceId, set: { ...next, updatedAt: clock() } });
      await recordAudit(tx, actor, {
        action: 'ai.settings.updated',
        entityType: 'workspace',
        entityId: actor.workspaceId,
        metadata: next,
      });
      return next;
    });
  }

  /**
   * The providers a turn tries, in order: the conversation's choice, then a matching routing rule,
   * then the workspace's enabled providers by position, then the environment's. Keys unsealed here.
   */
  async function chainFor(
    actor: Actor,
    input: { preferred?: string | null | undefined; agent: string; text: string },
  ): Promise<ProviderSettings[]> {
    return withWorkspace(db, actor, (tx) => chainIn(tx, actor, input));
  }

  /** chainFor inside a transaction the caller already holds (one round of a turn's reads). */
  async function chainIn(
    tx: Tx,
    actor: Actor,
    input: { preferred?: string | null | undefined; agent: string; text: string },
    known?: SettingsView,
  ): Promise<ProviderSettings[]> {
    {
      const own = await providersIn(tx);
      const settings = known ?? (await settingsIn(tx, actor.workspaceId));
      const chain: ProviderSettings[] = [];
      for (const p of own) {
        if (!p.enabled) continue;
        chain.push({
          name: p.name,
          model: p.model,
          baseUrl: p.baseUrl ?? undefined,
          apiKey: p.apiKeySealed
            ? decryptSecret(deps.masterKey, p.apiKeySealed, keyBinding(actor.workspaceId))
            : deps.environment.find((e) => e.name === p.name)?.apiKey,
        });
      }
      const disabled = new Set(own.filter((p) => !p.enabled).map((p) => p.name));
      for (const e of deps.environment) {
        if (!chain.some((c) => c.name === e.name) && !disabled.has(e.name)) chain.push(e);
      }
      const promote = (name: string, model?: string) => {
        const i = chain.findIndex((c) => c.name === name);
        if (i < 0) return;
        const [p] = chain.splice(i, 1) as [ProviderSettings];
        chain.unshift(model ? { ...p, model } : p);
      };
      const chinese = isChinese(input.text);
      // Later rules are weaker: apply in reverse so the first matching rule ends up first.
      for (const rule of [...settings.routing].reverse()) {
        const matches =
          (rule.when.language === 'chinese' && chinese) ||
          (rule.when.department !== undefined && rule.when.department === input.agent);
        if (matches) promote(rule.provider, rule.model);
      }
      if (input.preferred && input.preferred !== 'offline') promote(input.preferred);
      return chain;
    }
  }

  return { listProviders, putProvider, removeProvider, getSettings, updateSettings, chainFor, chainIn, settingsIn };
}

export type AiSettingsService = ReturnType<typeof createAiSettingsService>;
