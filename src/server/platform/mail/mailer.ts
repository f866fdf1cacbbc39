// Mail: written to the outbox in the caller's transaction, delivered by the `mail.send` job over
// SMTP when SMTP_URL is set. Without SMTP the mail stays in the outbox (status `outbox`), where
// admins and `albedo outbox` can read it.
import { eq } from 'drizzle-orm';
import type { Transporter } from 'nodemailer';
import { z } from 'zod';
import { outboxEmails } from '#server/db/schema/mail.ts';
import type { Database, Tx } from '#server/platform/db/database.ts';
import { defineJob, type JobQueue } from '#server/platform/jobs/queue.ts';
import { type RenderedMail, type TemplateName, type TemplateValues, templates } from './templates.ts';

export interface MailerOptions {
  db: Database;
  jobs: JobQueue;
  smtpUrl: string | undefined;
  from: string;
}

export function createMailer(options: MailerOptions) {
  const { db, jobs, smtpUrl, from } = options;
  // nodemailer is loaded only when there is an SMTP server to talk to.
  let transport: Promise<Transporter> | undefined;
  const smtp = () => {
    transport ??= import('nodemailer').then((m) => m.default.createTransport(smtpUrl as string));
    return transport;
  };

  const sendJob = defineJob({
    name: 'mail.send',
    payload: z.object({ id: z.uuid() }),
    maxAttempts: 6,
    retryDelayMs: 30_000,
    async handler({ id }, ctx) {
      const [mail] = await db.orm.select().from(outboxEmails).where(eq(outboxEmails.id, id));
      if (!mail || mail.status === 'sent' || !smtpUrl) return { skipped: true };
      try {
        const info = await (await smtp()).sendMail({
          from,
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
          html: mail.html,
          // A calendar invitation travels as a text/calendar part with its METHOD, as mail clients
          // (Gmail, Outlook) expect to offer Accept/Decline.
          ...(mail.calendar
            ? { icalEvent: { method: mail.calendar.method, filename: 'invite.ics', content: mail.calendar.content } }
            : {}),
        });
        await db.orm
          .update(outboxEmails)
          .set({ status: 'sent', sentAt: new Date(), error: null })
          .where(eq(outboxEmails.id, id));
        return { messageId: info.messageId };
      } catch (err) {
        const last = ctx.job.attempts >= ctx.job.maxAttempts;
        await db.orm
          .update(outboxEmails)
          .set({ status: last ? 'failed' : 'queued', error: (err as Error).message })
          .where(eq(outboxEmails.id, id));
        throw err;
      }
    },
  });
  jobs.register(sendJob);

  /** Queues a mail from a template inside `tx`: it exists, and is sent, only if the change commits. */
  async function send<T extends TemplateName>(
    tx: Tx,
    message: {
      to: string;
      template: T;
      values: TemplateValues<T>;
      workspaceId?: string | null;
      calendar?: { method: 'REQUEST' | 'CANCEL'; content: string } | undefined;
    },
  ): Promise<string> {
    const render = templates[message.template] as (values: TemplateValues<T>) => RenderedMail;
    const rendered = render(message.values);
    const [row] = await tx
      .insert(outboxEmails)
      .values({
        workspaceId: message.workspaceId ?? null,
        to: message.to,
        template: message.template,
        ...rendered,
        calendar: message.calendar ?? null,
        status: smtpUrl ? 'queued' : 'outbox',
      })
      .returning({ id: outboxEmails.id });
    const id = (row as { id: string }).id;
    if (smtpUrl) await jobs.enqueue(sendJob, { id }, { tx, workspaceId: message.workspaceId ?? null });
    return id;
  }

  return { send, sendJob, delivers: Boolean(smtpUrl) };
}

export type Mailer = ReturnType<typeof createMailer>;
