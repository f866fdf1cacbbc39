// The closed set of error codes and the one table mapping them to HTTP statuses.
// Services throw these; the HTTP error handler is the only place that turns them into responses.

export const ERROR_STATUS = {
  BAD_REQUEST: 400,
  VALIDATION_ERROR: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  EXTERNAL_SERVICE: 502,
  UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface FieldProblem {
  /** Dotted path of the offending field, e.g. `body.email` or `query.limit`. */
  field: string;
  message: string;
}

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    /** Extra response headers, e.g. Retry-After. */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = new.target.name;
    this.status = ERROR_STATUS[code];
  }
}

export class BadRequest extends AppError {
  constructor(message: string, details?: unknown) {
    super('BAD_REQUEST', message, details);
  }
}

export class ValidationError extends AppError {
  constructor(
    readonly fields: FieldProblem[],
    message = fields.length === 1 && fields[0] ? `${fields[0].field}: ${fields[0].message}` : 'Some fields are invalid',
  ) {
    super('VALIDATION_ERROR', message, { fields });
  }
}

export class Unauthorized extends AppError {
  constructor(message = 'Sign in to continue') {
    super('UNAUTHORIZED', message);
  }
}

/**
 * The remembered actor of a request no longer matches the database (revoked session, changed role
 * or permissions). Raised before anything was written; read requests are answered again with the
 * actor as it is now (authenticate.ts), so a client sees this only if that is impossible.
 */
export class StaleActor extends Unauthorized {
  constructor() {
    super('Your session or permissions changed. Refresh your access token or sign in again.');
  }
}

export class Forbidden extends AppError {
  constructor(message = 'You do not have permission to do this') {
    super('FORBIDDEN', message);
  }
}

export class NotFound extends AppError {
  constructor(what = 'Resource') {
    super('NOT_FOUND', `${what} not found`);
  }
}

export class Conflict extends AppError {
  constructor(message: string, details?: unknown) {
    super('CONFLICT', message, details);
  }
}

export class RateLimited extends AppError {
  constructor(retryAfterSeconds: number) {
    super('RATE_LIMITED', `Too many requests; try again in ${retryAfterSeconds} s`, undefined, {
      'retry-after': String(retryAfterSeconds),
    });
  }
}

export class ExternalServiceError extends AppError {
  constructor(service: string, message: string) {
    super('EXTERNAL_SERVICE', `${service}: ${message}`);
  }
}

export class Unavailable extends AppError {
  constructor(message: string, details?: unknown) {
    super('UNAVAILABLE', message, details);
  }
}
