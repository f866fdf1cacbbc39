// Outgoing mail, written in the transaction of the change that causes it (transactional outbox).
// A job delivers it over SMTP when SMTP_URL is set; otherwise it stays here for admins to read.
import { index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { createdAtColumn, idColumn } from './columns.ts';
import { tenantPolicy } from './tenancy.ts';

export const MAIL_STATUSES = ['queued', 'sent', 'failed', 'outbox'] as const;

export const outboxEmails = pgTable(
  'outbox_emails',
  {
    id: idColumn(),
    /** The workspace the mail is about; null for mail about an account (password reset). */
    workspaceId: uuid('workspace_id'),
    to: text('to').notNull(),
    subject: text('subject').notNull(),
    text: text('text').notNull(),
    html: text('html').notNull(),
    /** Template name, e.g. `password-reset`: lets tests and admins tell mails apart. */
    template: text('template').notNull(),
    status: text('status').$type<(typeof MAIL_STATUSES)[number]>().notNull().default('queued'),
    /** An iCalendar invitation sent with the mail (METHOD:REQUEST or CANCEL), as calendar apps read it. */
    calendar: jsonb('calendar').$type<{ method: 'REQUEST' | 'CANCEL'; content: string }>(),
    error: text('error'),
    createdAt: createdAtColumn(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
  },
  (t) => [
    index('outbox_emails_created_idx').on(t.createdAt),
    index('outbox_emails_workspace_idx').on(t.workspaceId, t.createdAt),
    tenantPolicy('outbox_emails'),
  ],
).enableRLS();
