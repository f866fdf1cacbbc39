// HTTP for the audit log and the mail outbox (admins).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf, type Guards, protectedRoutes } from '#server/platform/http/authenticate.ts';
import type { AuditService } from './audit.service.ts';

const entry = z.object({
  id: z.uuid(),
  action: z.string(),
  entityType: z.string(),
  entityId: z.string().nullable(),
  actor: z.object({ id: z.string(), name: z.string().nullable(), email: z.string().nullable() }).nullable(),
  channel: z.string(),
  changes: z.record(z.string(), z.object({ old: z.unknown(), new: z.unknown() })).nullable(),
  metadata: z.record(z.string(), z.unknown()).nullable(),
  requestId: z.string().nullable(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  createdAt: z.date(),
});

const filters = z.object({
  actorId: z.uuid().optional(),
  action: z.string().max(100).optional(),
  entityType: z.string().max(100).optional(),
  entityId: z.uuid().optional(),
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
});

export async function auditRoutes(app: FastifyInstance, deps: { audit: AuditService; guards: Guards }): Promise<void> {
  await protectedRoutes(app, deps.guards, (scope) => {
    const p = scope.withTypeProvider<ZodTypeProvider>();
    p.get(
      '/api/v1/audit',
      {
        schema: {
          tags: ['audit'],
          summary: 'The audit log, newest first',
          querystring: filters.extend({
            limit: z.coerce.number().int().min(1).max(200).default(50),
            cursor: z.string().max(500).optional(),
          }),
          response: {
            200: z.object({
              data: z.array(entry),
              page: z.object({ nextCursor: z.string().nullable(), hasMore: z.boolean() }),
            }),
          },
        },
      },
      async (request) => deps.audit.list(actorOf(request), request.query),
    );
    p.get(
      '/api/v1/audit/export',
      {
        schema: {
          tags: ['audit'],
          summary: 'The audit log as CSV (same filters as the list; at most 100,000 rows, newest first)',
          querystring: filters,
          produces: ['text/csv'],
        },
      },
      async (request, reply) => {
        const { csv, truncated } = await deps.audit.exportCsv(actorOf(request), request.query);
        const day = new Date().toISOString().slice(0, 10);
        return reply
          .header('content-type', 'text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="audit-${day}.csv"`)
          .header('x-truncated', String(truncated))
          .send(csv);
      },
    );
    p.get(
      '/api/v1/admin/outbox',
      {
        schema: {
          tags: ['audit'],
          summary: "The workspace's outgoing mail, newest first (where mail waits when SMTP is not configured)",
          querystring: z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }),
          response: {
            200: z.object({
              data: z.array(
                z.object({
                  id: z.uuid(),
                  to: z.string(),
                  subject: z.string(),
                  text: z.string(),
                  template: z.string(),
                  status: z.string(),
                  createdAt: z.date(),
                  sentAt: z.date().nullable(),
                }),
              ),
            }),
          },
        },
      },
      async (request) => ({ data: await deps.audit.outbox(actorOf(request), request.query.limit) }),
    );
  });
}
