// Wires the module services once, for every way in: the HTTP app, the CLI, and (later) the
// assistant, MCP and jobs all call these same functions with an Actor.
import type { Config } from '#server/config.ts';
import { createAccessService } from '#server/modules/access/access.service.ts';
import { createAuditService } from '#server/modules/audit/audit.service.ts';
import { createAccountService } from '#server/modules/auth/account.service.ts';
import { createAuthService } from '#server/modules/auth/auth.service.ts';
import { createMfaService } from '#server/modules/auth/mfa.service.ts';
import { createPersonalTokensService } from '#server/modules/auth/personal-tokens.service.ts';
import { createCustomFieldsService } from '#server/modules/crm/custom-fields.service.ts';
import { createLeadsService } from '#server/modules/crm/leads.service.ts';
import { createPipelinesService } from '#server/modules/crm/pipelines.service.ts';
import { createRecordsService } from '#server/modules/crm/records.service.ts';
import { createSearchService } from '#server/modules/crm/search.service.ts';
import { createTransfersService } from '#server/modules/crm/transfers.service.ts';
import { createFeedbackService } from '#server/modules/feedback/feedback.service.ts';
import { createMembersService } from '#server/modules/members/members.service.ts';
import { createWorkspacesService } from '#server/modules/workspaces/workspaces.service.ts';
import { createSharesService } from '#server/platform/access/shares.ts';
import { createTokenSigner } from '#server/platform/auth/tokens.ts';
import type { Database } from '#server/platform/db/database.ts';
import type { JobQueue } from '#server/platform/jobs/queue.ts';
import { createMailer } from '#server/platform/mail/mailer.ts';

export function createServices(deps: { config: Config; db: Database; jobs: JobQueue; clock?: () => Date }) {
  const { config, db, jobs } = deps;
  const clock = deps.clock ?? (() => new Date());
  const tokens = createTokenSigner(config.masterKey, config.publicUrl);
  const mailer = createMailer({ db, jobs, smtpUrl: config.smtpUrl, from: config.mailFrom });
  const mfa = createMfaService({ db, masterKey: config.masterKey, clock });
  const account = createAccountService({ db, mailer, jobs, publicUrl: config.publicUrl, clock });
  const auth = createAuthService({ db, tokens, mfa, account, clock });
  const records = createRecordsService({ db, clock });
  return {
    clock,
    mailer,
    mfa,
    account,
    auth,
    personalTokens: createPersonalTokensService({ db, clock }),
    members: createMembersService({ db, mailer, auth, publicUrl: config.publicUrl, clock }),
    workspaces: createWorkspacesService({ db, clock }),
    audit: createAuditService({ db }),
    access: createAccessService({ db, clock }),
    shares: createSharesService({ db, clock }),
    records,
    pipelines: createPipelinesService({ db, clock }),
    customFields: createCustomFieldsService({ db, clock }),
    search: createSearchService({ db, clock }),
    leads: createLeadsService({ db, records, clock }),
    feedback: createFeedbackService({ db, clock }),
    transfers: createTransfersService({ db, jobs, records, actorFor: auth.actorFor, clock }),
  };
}

export type Services = ReturnType<typeof createServices>;
