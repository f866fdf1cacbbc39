// Wires the module services once, for every way in: the HTTP app, the CLI, and (later) the
// assistant, MCP and jobs all call these same functions with an Actor.

import type { LanguageModelV3 } from '@ai-sdk/provider';
import { createAiSettingsService } from '#server/assistant/ai-settings.service.ts';
import { createChatService } from '#server/assistant/chat.service.ts';
import { createConversationsService } from '#server/assistant/conversations.service.ts';
import { createUsageService } from '#server/assistant/usage.service.ts';
import type { Config } from '#server/config.ts';
import { createAccessService } from '#server/modules/access/access.service.ts';
import { createAuditService } from '#server/modules/audit/audit.service.ts';
import { createAccountService } from '#server/modules/auth/account.service.ts';
import { createAuthService } from '#server/modules/auth/auth.service.ts';
import { createMfaService } from '#server/modules/auth/mfa.service.ts';
import { createPersonalTokensService } from '#server/modules/auth/personal-tokens.service.ts';
import { createCalendarService } from '#server/modules/calendar/calendar.service.ts';
import { createCustomFieldsService } from '#server/modules/crm/custom-fields.service.ts';
import { createLeadsService } from '#server/modules/crm/leads.service.ts';
import { createMergeService } from '#server/modules/crm/merge.service.ts';
import { createPipelinesService } from '#server/modules/crm/pipelines.service.ts';
import { createRecordsService } from '#server/modules/crm/records.service.ts';
import { createSearchService } from '#server/modules/crm/search.service.ts';
import { createTransfersService } from '#server/modules/crm/transfers.service.ts';
import { createViewsService } from '#server/modules/crm/views.service.ts';
import { createFeedbackService } from '#server/modules/feedback/feedback.service.ts';
import { createMembersService } from '#server/modules/members/members.service.ts';
import { createNotificationsService } from '#server/modules/notifications/notifications.service.ts';
import { createWorkspacesService } from '#server/modules/workspaces/workspaces.service.ts';
import { createSharesService } from '#server/platform/access/shares.ts';
import { createTokenSigner } from '#server/platform/auth/tokens.ts';
import type { Database } from '#server/platform/db/database.ts';
import type { JobQueue } from '#server/platform/jobs/queue.ts';
import { createMailer } from '#server/platform/mail/mailer.ts';
import { createRealtimeHub, type RealtimeHub } from '#server/platform/realtime/hub.ts';

export function createServices(deps: {
  config: Config;
  db: Database;
  jobs: JobQueue;
  clock?: () => Date;
  /** An in-process model instead of the configured providers (benchmarks). */
  modelOverride?: LanguageModelV3 | undefined;
  /** Live delivery; the app passes one backed by Redis when REDIS_URL is set. */
  hub?: RealtimeHub | undefined;
}) {
  const { config, db, jobs } = deps;
  const clock = deps.clock ?? (() => new Date());
  const tokens = createTokenSigner(config.masterKey, config.publicUrl);
  const mailer = createMailer({ db, jobs, smtpUrl: config.smtpUrl, from: config.mailFrom });
  const mfa = createMfaService({ db, masterKey: config.masterKey, clock });
  const account = createAccountService({ db, mailer, jobs, publicUrl: config.publicUrl, clock });
  const auth = createAuthService({ db, tokens, mfa, account, clock });
  const records = createRecordsService({ db, clock });
  const members = createMembersService({ db, mailer, auth, publicUrl: config.publicUrl, clock });
  const pipelines = createPipelinesService({ db, clock });
  const search = createSearchService({ db, clock });
  const leads = createLeadsService({ db, records, clock });
  const merge = createMergeService({ db, records, clock });
  const views = createViewsService({ db, clock });
  const conversations = createConversationsService({ db, clock });
  const aiSettings = createAiSettingsService({
    db,
    masterKey: config.masterKey,
    environment: config.ai.providers,
    clock,
  });
  const usage = createUsageService({ db, clock });
  const hub = deps.hub ?? createRealtimeHub();
  const notifications = createNotificationsService({ db, mailer, hub, publicUrl: config.publicUrl, clock });
  const calendar = createCalendarService({
    db,
    mailer,
    jobs,
    scanCron: config.reminderScanCron,
    records,
    notifications,
    publicUrl: config.publicUrl,
    clock,
  });
  const chat = createChatService({
    db,
    ai: config.ai,
    tools: { calendar, records, search, leads, merge, pipelines, members, clock },
    conversations,
    settings: aiSettings,
    usage,
    clock,
    modelOverride: deps.modelOverride,
  });
  return {
    clock,
    mailer,
    mfa,
    account,
    auth,
    personalTokens: createPersonalTokensService({ db, clock }),
    members,
    workspaces: createWorkspacesService({ db, clock }),
    audit: createAuditService({ db }),
    access: createAccessService({ db, clock }),
    shares: createSharesService({ db, clock }),
    records,
    pipelines,
    customFields: createCustomFieldsService({ db, clock }),
    search,
    leads,
    merge,
    views,
    feedback: createFeedbackService({ db, clock }),
    transfers: createTransfersService({ db, jobs, records, actorFor: auth.actorFor, clock }),
    conversations,
    aiSettings,
    usage,
    chat,
    hub,
    notifications,
    calendar,
  };
}

export type Services = ReturnType<typeof createServices>;
