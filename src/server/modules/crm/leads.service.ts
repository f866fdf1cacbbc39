// Lead conversion: one transaction turns a lead into an organization (reusing one with the same
// domain when there is one), a contact in it, and a deal, and marks the lead converted.
import { and, eq, isNull, sql } from 'drizzle-orm';
import { leads, organizations } from '#server/db/schema/crm.ts';
import { assertPermission } from '#server/platform/access/permissions.ts';
import type { Actor } from '#server/platform/actor.ts';
import { recordAudit } from '#server/platform/audit.ts';
import type { Database } from '#server/platform/db/database.ts';
import { withWorkspace } from '#server/platform/db/tenancy.ts';
import { Conflict, NotFound } from '#server/platform/errors.ts';
import { customFieldsOf } from './custom-fields.service.ts';
import { contactKind, dealKind, leadKind, organizationKind, readableBy } from './kinds.ts';
import type { RecordRow, RecordsService } from './records.service.ts';

/** Mail providers whose domain says nothing about the person's company. */
const FREE_MAIL = new Set([
  'gmail.com',
  'googlemail.com',
  'outlook.com',
  'hotmail.com',
  'live.com',
  'yahoo.com',
  'icloud.com',
  'me.com',
  'aol.com',
  'proton.me',
  'protonmail.com',
  'gmx.com',
  'gmx.de',
  'web.de',
  'yandex.ru',
  'mail.ru',
  'qq.com',
  '163.com',
]);

export interface ConvertInput {
  dealName?: string | undefined;
  amount?: string | number | undefined;
  currency?: string | undefined;
  pipelineId?: string | undefined;
  stageId?: string | undefined;
  /** Skip the deal (organization and contact only). */
  createDeal?: boolean | undefined;
}

export interface ConvertResult {
  lead: RecordRow;
  organization: RecordRow | null;
  organizationReused: boolean;
  contact: RecordRow;
  deal: RecordRow | null;
}

export function createLeadsService(deps: { db: Database; records: RecordsService; clock: () => Date }) {
  const { db, records, clock } = deps;
  const { insertIn } = records.internal;

  async function convert(actor: Actor, leadId: string, input: ConvertInput = {}): Promise<ConvertResult> {
    assertPermission(actor, 'crm:leads:update');
    assertPermission(actor, 'crm:contacts:create');
    const withDeal = input.createDeal !== false;
    if (withDeal) assertPermission(actor, 'crm:deals:create');
    const now = clock();
    return withWorkspace(db, actor, async (tx) => {
      const [lead] = await tx
        .select()
        .from(leads)
        .where(and(eq(leads.id, leadId), isNull(leads.deletedAt), readableBy(actor, leadKind, now)))
        .for('update');
      if (!lead) throw new NotFound('Lead');
      if (lead.convertedAt) throw new Conflict('This lead has already been converted.', { lead });

      const emailDomain = lead.email?.split('@')[1]?.toLowerCase();
      const domain = emailDomain && !FREE_MAIL.has(emailDomain) ? emailDomain : null;
      let organization: RecordRow | null = null;
      let organizationReused = false;
      if (domain) {
        const [found] = await tx
          .select({ id: organizations.id })
          .from(organizations)
          .where(
            and(
              sql`lower(${organizations.domain}) = ${domain}`,
              isNull(organizations.deletedAt),
              readableBy(actor, organizationKind, now),
            ),
          )
          .orderBy(organizations.createdAt)
          .limit(1);
        if (found) {
          organization =
            (
              await records.internal.listIn(
                tx,
                actor,
                organizationKind,
                { filters: [{ field: 'id', op: 'eq', value: found.id }], limit: 1 },
                now,
              )
            ).data[0] ?? null;
          organizationReused = organization !== null;
        }
      }
      if (!organization && (lead.companyName || domain)) {
        assertPermission(actor, 'crm:organizations:create');
        organization = await insertIn(
          tx,
          actor,
          organizationKind,
          {
            name: lead.companyName ?? domain,
            ...(domain ? { domain } : {}),
            ...(lead.industry ? { industry: lead.industry } : {}),
          },
          { defs: await customFieldsOf(tx, 'organizations'), now, prefix: 'lead' },
        );
      }
      const [firstName, ...rest] = lead.contactName.trim().split(/\s+/);
      const contact = await insertIn(
        tx,
        actor,
        contactKind,
        {
          firstName: firstName ?? lead.contactName,
          ...(rest.length ? { lastName: rest.join(' ') } : {}),
          ...(lead.email ? { email: lead.email } : {}),
          ...(lead.phone ? { phones: [lead.phone] } : {}),
          ...(organization ? { organizationId: organization.id } : {}),
          lifecycleStage: withDeal ? 'opportunity' : 'sql',
          leadStatus: lead.status,
          tags: lead.tags,
        },
        { defs: await customFieldsOf(tx, 'contacts'), now, prefix: 'lead' },
      );
      const deal = withDeal
        ? await insertIn(
            tx,
            actor,
            dealKind,
            {
              name: input.dealName ?? `${lead.companyName ?? lead.contactName} deal`,
              ...(input.amount !== undefined ? { amount: input.amount } : {}),
              ...(input.currency ? { currency: input.currency } : {}),
              ...(input.pipelineId ? { pipelineId: input.pipelineId } : {}),
              ...(input.stageId ? { stageId: input.stageId } : {}),
              contactId: contact.id,
              ...(organization ? { organizationId: organization.id } : {}),
            },
            { defs: await customFieldsOf(tx, 'deals'), now, prefix: 'body' },
          )
        : null;
      const [updated] = await tx
        .update(leads)
        .set({
          convertedAt: now,
          convertedOrganizationId: organization?.id ?? null,
          convertedContactId: contact.id,
          convertedDealId: deal?.id ?? null,
          updatedAt: now,
          version: sql`${leads.version} + 1`,
        })
        .where(eq(leads.id, leadId))
        .returning();
      await recordAudit(tx, actor, {
        action: 'lead.converted',
        entityType: 'lead',
        entityId: leadId,
        metadata: {
          organizationId: organization?.id ?? null,
          organizationReused,
          contactId: contact.id,
          dealId: deal?.id ?? null,
        },
      });
      const { workspaceId: _w, searchText: _s, searchTerms: _t, ...leadOut } = updated as typeof leads.$inferSelect;
      return { lead: leadOut as unknown as RecordRow, organization, organizationReused, contact, deal };
    });
  }

  return { convert };
}

export type LeadsService = ReturnType<typeof createLeadsService>;
