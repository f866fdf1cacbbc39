// The one place that reads the environment. Everything else receives a `Config`.
// Parsed once at start; a bad value stops the process with one line per problem.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

function urlWithProtocols(protocols: string[], example: string) {
  return optionalString.refine(
    (v) => {
      if (v === undefined) return true;
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL like ${example}` },
  );
}

const masterKey = optionalString.refine((v) => v === undefined || decodeMasterKey(v) !== null, {
  message: 'must be 32 bytes, written as 64 hex characters or base64 (openssl rand -base64 32)',
});

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce
    .number({ message: 'must be a number' })
    .int({ message: 'must be a whole number' })
    .min(0, { message: 'must be between 0 and 65535' })
    .max(65535, { message: 'must be between 0 and 65535' })
    .default(3000),
  HOST: z.string().trim().min(1, { message: 'must not be empty' }).default('127.0.0.1'),
  DATA_DIR: z.string().trim().min(1, { message: 'must not be empty' }).default('./data'),
  DATABASE_URL: urlWithProtocols(['postgres:', 'postgresql:'], 'postgres://user:pass@host:5432/db'),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  REDIS_URL: urlWithProtocols(['redis:', 'rediss:'], 'redis://127.0.0.1:6379'),
  SMTP_URL: urlWithProtocols(['smtp:', 'smtps:'], 'smtp://user:pass@mail.example.com:587'),
  MAIL_FROM: optionalString,
  APP_MASTER_KEY: masterKey,
  PUBLIC_URL: urlWithProtocols(['http:', 'https:'], 'https://crm.example.com'),
  LOG_LEVEL: z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  CORS_ORIGINS: optionalString.refine(
    (v) =>
      v === undefined ||
      v.split(',').every((o) => {
        try {
          const u = new URL(o.trim());
          return (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === o.trim();
        } catch {
          return false;
        }
      }),
    { message: 'must be a comma-separated list of origins like https://app.example.com' },
  ),
  BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(100 * 1024 * 1024)
    .default(1024 * 1024),
  JOBS_POLL_INTERVAL_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
  JOBS_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  RATE_LIMIT_AUTH_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(10),
  RATE_LIMIT_USER_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000_000).default(300),
  RATE_LIMIT_WORKSPACE_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000_000).default(600),
});

export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  dataDir: string;
  publicUrl: string;
  logLevel: (typeof LOG_LEVELS)[number];
  corsOrigins: string[];
  bodyLimitBytes: number;
  shutdownTimeoutMs: number;
  /** PGlite without a dataDir runs in memory (tests). */
  database: { kind: 'pglite'; dataDir?: string } | { kind: 'postgres'; url: string; poolMax: number };
  redisUrl: string | undefined;
  smtpUrl: string | undefined;
  /** Sender of every mail, e.g. `Albedo <no-reply@crm.example.com>`. */
  mailFrom: string;
  /** 32 raw bytes; secrets at rest are encrypted under it. */
  masterKey: Buffer;
  /** Where the master key came from: set explicitly, or generated/kept in DATA_DIR (embedded mode only). */
  masterKeySource: 'environment' | 'generated' | 'data-dir';
  jobs: { pollIntervalMs: number; concurrency: number };
  /** Requests per minute: per IP on sign-in endpoints, per user and per workspace on the API. */
  rateLimits: { authPerIp: number; perUser: number; perWorkspace: number };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}

export function decodeMasterKey(value: string): Buffer | null {
  const v = value.trim();
  if (/^[0-9a-fA-F]{64}$/.test(v)) return Buffer.from(v, 'hex');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(v)) {
    const b = Buffer.from(v, 'base64');
    if (b.length === 32) return b;
  }
  return null;
}

/**
 * Parses an environment into a Config. Pure except for the embedded-mode master key,
 * which is read from (or generated into) DATA_DIR/master.key so it survives restarts.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) => {
        const name = String(i.path[0] ?? 'environment');
        const shown = typeof env[name] === 'string' && !/KEY|URL/.test(name) ? ` (got "${env[name]}")` : '';
        return `${name}: ${i.message}${shown}`;
      }),
    );
  }
  const e = parsed.data;
  const dataDir = path.resolve(cwd, e.DATA_DIR);
  const database: Config['database'] = e.DATABASE_URL
    ? { kind: 'postgres', url: e.DATABASE_URL, poolMax: e.DATABASE_POOL_MAX }
    : { kind: 'pglite', dataDir: path.join(dataDir, 'db') };

  let masterKey: Buffer;
  let masterKeySource: Config['masterKeySource'];
  if (e.APP_MASTER_KEY) {
    masterKey = decodeMasterKey(e.APP_MASTER_KEY) as Buffer;
    masterKeySource = 'environment';
  } else if (database.kind === 'postgres') {
    // Several instances share one PostgreSQL: they must share the key, so it cannot be invented here.
    throw new ConfigError([
      'APP_MASTER_KEY: is required when DATABASE_URL is set (generate one with: openssl rand -base64 32)',
    ]);
  } else {
    ({ key: masterKey, source: masterKeySource } = embeddedMasterKey(dataDir));
  }

  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    dataDir,
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, ''),
    logLevel: e.LOG_LEVEL,
    corsOrigins: e.CORS_ORIGINS ? e.CORS_ORIGINS.split(',').map((o) => o.trim()) : [],
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    database,
    redisUrl: e.REDIS_URL,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM ?? `Albedo <no-reply@${new URL(e.PUBLIC_URL ?? 'http://localhost').hostname}>`,
    masterKey,
    masterKeySource,
    jobs: { pollIntervalMs: e.JOBS_POLL_INTERVAL_MS, concurrency: e.JOBS_CONCURRENCY },
    rateLimits: {
      authPerIp: e.RATE_LIMIT_AUTH_PER_MINUTE,
      perUser: e.RATE_LIMIT_USER_PER_MINUTE,
      perWorkspace: e.RATE_LIMIT_WORKSPACE_PER_MINUTE,
    },
  };
}

function embeddedMasterKey(dataDir: string): { key: Buffer; source: 'generated' | 'data-dir' } {
  const file = path.join(dataDir, 'master.key');
  if (existsSync(file)) {
    const key = decodeMasterKey(readFileSync(file, 'utf8'));
    if (!key) throw new ConfigError([`APP_MASTER_KEY: the key file ${file} is corrupt (expected 32 bytes in base64)`]);
    return { key, source: 'data-dir' };
  }
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  return { key, source: 'generated' };
}

/** Loads `.env` from the working directory into process.env without overriding what is already set. */
export function loadDotEnv(cwd = process.cwd()): void {
  const file = path.join(cwd, '.env');
  if (existsSync(file)) process.loadEnvFile(file);
}
