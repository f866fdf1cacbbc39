// HTTP for feedback: send (any member), review (admins).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf, type Guards, protectedRoutes } from '#server/platform/http/authenticate.ts';
import { FEEDBACK_CATEGORIES, FEEDBACK_STATUSES, type FeedbackService } from './feedback.service.ts';

const out = z.object({
  id: z.uuid(),
  category: z.string(),
  message: z.string(),
  page: z.string().nullable(),
  status: z.string(),
  createdAt: z.date(),
  reviewedAt: z.date().nullable(),
  userId: z.uuid().nullable(),
  userName: z.string().nullable().optional(),
});

export async function feedbackRoutes(app: FastifyInstance, deps: { feedback: FeedbackService; guards: Guards }) {
  await protectedRoutes(app, deps.guards, (scope) => {
    const p = scope.withTypeProvider<ZodTypeProvider>();
    const tags = ['workspace'];
    p.post(
      '/api/v1/feedback',
      {
        schema: {
          tags,
          summary: 'Send feedback to the workspace admins',
          body: z.object({
            message: z.string().trim().min(1, 'write a few words').max(5000),
            category: z.enum(FEEDBACK_CATEGORIES).optional(),
            page: z.string().max(200).optional(),
          }),
          response: { 201: z.object({ data: out }) },
        },
      },
      async (request, reply) =>
        reply.status(201).send({ data: await deps.feedback.send(actorOf(request), request.body) }),
    );
    p.get(
      '/api/v1/feedback',
      {
        schema: {
          tags,
          summary: 'Feedback sent by members (admins)',
          querystring: z.object({ status: z.enum(FEEDBACK_STATUSES).optional() }),
          response: { 200: z.object({ data: z.array(out) }) },
        },
      },
      async (request) => ({ data: await deps.feedback.list(actorOf(request), request.query.status) }),
    );
    p.patch(
      '/api/v1/feedback/:id',
      {
        schema: {
          tags,
          summary: 'Mark feedback reviewed (or new again)',
          params: z.object({ id: z.uuid({ message: 'must be an id' }) }),
          body: z.object({ status: z.enum(FEEDBACK_STATUSES) }),
          response: { 200: z.object({ data: out }) },
        },
      },
      async (request) => ({
        data: await deps.feedback.review(actorOf(request), request.params.id, request.body.status),
      }),
    );
  });
}
