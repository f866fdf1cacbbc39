// Structured JSON logs (pino), or the same records as readable lines on a terminal (pino-pretty).
// Secrets are redacted by path before anything is written.
import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import pino, { type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';

const SECRET_KEYS = [
  'password',
  'currentPassword',
  'newPassword',
  'token',
  'accessToken',
  'refreshToken',
  'mfaToken',
  'apiKey',
  'secret',
  'clientSecret',
  'masterKey',
  'key',
  'totp',
  'backupCode',
];

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((k) => `*.${k}`),
  ...SECRET_KEYS.map((k) => `*.*.${k}`),
];

/**
 * Where logs go: `pretty` (or `auto` on a terminal) writes one readable line per record to stdout,
 * synchronously (no worker thread, nothing lost on exit); otherwise JSON lines, for collectors.
 */
export function logDestination(format: 'auto' | 'json' | 'pretty', isTTY = process.stdout.isTTY === true) {
  if (format === 'json' || (format === 'auto' && !isTTY)) return undefined;
  return pretty({
    colorize: isTTY,
    sync: true,
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname',
    singleLine: true,
  });
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '[Redacted]' },
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

const PROBES = new Set(['/health', '/health/ready', '/metrics']);

/**
 * One log line per request, written when it completes (Fastify's default writes two), and none
 * for successful health and metrics probes, which load balancers and Prometheus send all day.
 */
export class RequestLogController extends LogController {
  constructor() {
    super({ requestIdLogLabel: 'requestId' });
  }

  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (reply.statusCode < 400 && !error && PROBES.has(request.url)) return;
    const entry = {
      req: { method: request.method, url: request.url, remoteAddress: request.ip },
      res: { statusCode: reply.statusCode },
      responseTime: reply.elapsedTime,
    };
    if (error) reply.log.error({ ...entry, err: error }, 'request errored');
    else reply.log.info(entry, 'request completed');
  }
}

type LogArgs = Parameters<Logger['info']>;

/**
 * A request's logger, built only when the request logs something. Fastify would otherwise make a
 * pino child (bindings stringified and redacted) for every request, most of which log nothing.
 */
export class LazyChildLogger {
  private built: Logger | undefined;
  constructor(
    private readonly parent: Logger,
    private readonly bindings: Record<string, unknown>,
    private readonly options: object,
  ) {}
  private logger(): Logger {
    this.built ??= this.parent.child(this.bindings, this.options);
    return this.built;
  }
  get level(): string {
    return (this.built ?? this.parent).level;
  }
  set level(value: string) {
    this.logger().level = value;
  }
  child(bindings: Record<string, unknown>, options?: object): Logger {
    return this.logger().child(bindings, options);
  }
  fatal(...args: LogArgs): void {
    if (this.parent.isLevelEnabled('fatal')) this.logger().fatal(...args);
  }
  error(...args: LogArgs): void {
    if (this.parent.isLevelEnabled('error')) this.logger().error(...args);
  }
  warn(...args: LogArgs): void {
    if (this.parent.isLevelEnabled('warn')) this.logger().warn(...args);
  }
  info(...args: LogArgs): void {
    if (this.parent.isLevelEnabled('info')) this.logger().info(...args);
  }
  debug(...args: LogArgs): void {
    if (this.parent.isLevelEnabled('debug')) this.logger().debug(...args);
  }
  trace(...args: LogArgs): void {
    if (this.parent.isLevelEnabled('trace')) this.logger().trace(...args);
  }
  silent(): void {}
}
