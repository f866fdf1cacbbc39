// The one error handler and the 404 envelope: every failure leaves as the error envelope
// `{ error: { code, message, details? }, requestId }` with the status from ERROR_STATUS.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { sqlState, TRANSIENT_STATES } from '#server/platform/db/database.ts';
import { AppError, ERROR_STATUS, type ErrorCode } from '#server/platform/errors.ts';

const FASTIFY_STATUS_CODES: Record<number, ErrorCode> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  503: 'UNAVAILABLE',
};

/** The error envelope, as the OpenAPI document names it (`Error`). */
export const errorEnvelope = z
  .object({
    error: z.object({
      code: z.enum(Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]]),
      message: z.string().describe('One sentence for people, saying what to do'),
      details: z
        .unknown()
        .optional()
        .describe('For VALIDATION_ERROR: { fields: [{ field, message }] }; for CONFLICT: { current }'),
    }),
    requestId: z.string().describe('Also in the x-request-id header; quote it when reporting a problem'),
  })
  .meta({ id: 'Error', description: 'Every failure: a code from a closed set, a message, and details' });

const DOCUMENTED_ERRORS: Record<number, string> = {
  400: 'Invalid input: details.fields says which field and why',
  401: 'Not signed in, or the token expired',
  403: 'Signed in, but not allowed',
  404: 'Not found, or not visible to you',
  409: 'Changed by someone else meanwhile (send the current version), or a duplicate',
  429: 'Too many requests: wait for the Retry-After seconds',
};

/**
 * Documents the error answers on every API route: the same envelope for each status, so a
 * generated client knows the shape of a failure. The schema also serializes them.
 */
export function documentErrorResponses(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api/v1') || !route.schema || (route.schema as { hide?: boolean }).hide) return;
    const response = (route.schema.response ?? {}) as Record<string | number, unknown>;
    for (const [status, description] of Object.entries(DOCUMENTED_ERRORS)) {
      if (response[status] === undefined) response[status] = errorEnvelope.describe(description);
    }
    route.schema.response = response;
  });
}

export function sendError(
  reply: FastifyReply,
  request: FastifyRequest,
  code: ErrorCode,
  message: string,
  details?: unknown,
  status: number = ERROR_STATUS[code],
) {
  return reply
    .status(status)
    .send({ error: { code, message, ...(details === undefined ? {} : { details }) }, requestId: request.id });
}

export function registerErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | AppError, request, reply) => {
    if (err instanceof AppError) {
      if (err.headers) reply.headers(err.headers);
      if (err.status >= 500) request.log.error({ err }, err.message);
      return sendError(reply, request, err.code, err.message, err.details, err.status);
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const where = err.validationContext ?? 'body';
      const fields = err.validation.map((v) => ({
        field: [where, ...v.instancePath.split('/').filter(Boolean)].join('.'),
        message: v.message,
      }));
      const first = fields[0];
      const message =
        fields.length === 1 && first ? `${first.field}: ${first.message}` : `${fields.length} fields are invalid`;
      return sendError(reply, request, 'VALIDATION_ERROR', message, { fields });
    }
    const status = (err as FastifyError).statusCode;
    if (status && status >= 400 && status < 500) {
      return sendError(reply, request, FASTIFY_STATUS_CODES[status] ?? 'BAD_REQUEST', err.message, undefined, status);
    }
    // The database rolled the request's transaction back to let another one through (a deadlock):
    // nothing was saved, and the same request will most likely pass in a moment.
    if (TRANSIENT_STATES.has(sqlState(err) ?? '')) {
      request.log.warn({ err }, 'transaction rolled back by the database; answered 503');
      reply.header('retry-after', '1');
      return sendError(
        reply,
        request,
        'UNAVAILABLE',
        'This change met another one made at the same moment and was not saved. Nothing changed; try again.',
      );
    }
    // Unknown: log it whole with the request id, answer with nothing internal (no stack, no SQL).
    request.log.error({ err }, 'unhandled error');
    return sendError(
      reply,
      request,
      'INTERNAL',
      `Something went wrong on our side. Quote request id ${request.id} if you report it.`,
    );
  });
}

export function sendRouteNotFound(request: FastifyRequest, reply: FastifyReply) {
  return sendError(reply, request, 'NOT_FOUND', `No route for ${request.method} ${request.url.split('?')[0]}`);
}
