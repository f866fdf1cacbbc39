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
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty'], { message: 'must be one of auto, json, pretty' }).default('auto'),
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
  RATE_LIMIT_ASSISTANT_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(60),
  // Instance-wide model providers (a workspace's own settings come first).
  ANTHROPIC_API_KEY: optionalString,
  ANTHROPIC_BASE_URL: urlWithProtocols(['http:', 'https:'], 'https://api.anthropic.com/v1'),
  ANTHROPIC_MODEL: optionalString,
  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: urlWithProtocols(['http:', 'https:'], 'https://api.openai.com/v1'),
  OPENAI_MODEL: optionalString,
  GOOGLE_GENERATIVE_AI_API_KEY: optionalString,
  GOOGLE_BASE_URL: urlWithProtocols(['http:', 'https:'], 'https://generativelanguage.googleapis.com/v1beta'),
  GOOGLE_MODEL: optionalString,
  MOONSHOT_API_KEY: optionalString,
  MOONSHOT_BASE_URL: urlWithProtocols(['http:', 'https:'], 'https://api.moonshot.ai/v1'),
  MOONSHOT_MODEL: optionalString,
  AI_COMPATIBLE_BASE_URL: urlWithProtocols(['http:', 'https:'], 'http://127.0.0.1:11434/v1'),
  AI_COMPATIBLE_MODEL: optionalString,
  AI_COMPATIBLE_API_KEY: optionalString,
  AI_STEP_LIMIT: z.coerce.number().int().min(1).max(50).default(8),
  AI_TURN_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).default(120_000),
  AI_CALL_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(60_000),
  AI_MAX_RETRIES: z.coerce.number().int().min(0).max(10).default(2),
  AI_RETRY_BASE_MS: z.coerce.number().int().min(0).max(60_000).default(500),
  AI_HISTORY_TOKEN_BUDGET: z.coerce.number().int().min(200).max(2_000_000).default(24_000),
  // How often reminders are looked for (each is then queued for its exact time); six fields for seconds.
  REMINDER_SCAN_CRON: z
    .string()
    .trim()
    .default('* * * * *')
    .refine((v) => /^(\S+\s+){4,5}\S+$/.test(v), { message: 'must be a cron expression such as "* * * * *"' }),
});

/** A model provider as the environment or a workspace's settings describe it. */
export interface ProviderSettings {
  name: string;
  model: string;
  apiKey?: string | undefined;
  baseUrl?: string | undefined;
}

export interface AiConfig {
  /** Instance-wide providers from the environment, in fallback order. */
  providers: ProviderSettings[];
  stepLimit: number;
  turnTimeoutMs: number;
  callTimeoutMs: number;
  maxRetries: number;
  retryBaseMs: number;
  /** Tokens of history sent to the model before older turns are summarised. */
  historyTokenBudget: number;
}

export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  dataDir: string;
  publicUrl: string;
  logLevel: (typeof LOG_LEVELS)[number];
  /** `auto`: readable lines on a terminal, JSON lines otherwise (a log collector, a pipe). */
  logFormat: 'auto' | 'json' | 'pretty';
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
  rateLimits: { authPerIp: number; perUser: number; perWorkspace: number; assistantPerUser: number };
  ai: AiConfig;
  /** Cron of the reminder scan (UTC). */
  reminderScanCron: string;
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
    logFormat: e.LOG_FORMAT,
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
      assistantPerUser: e.RATE_LIMIT_ASSISTANT_PER_MINUTE,
    },
    reminderScanCron: e.REMINDER_SCAN_CRON,
    ai: {
      providers: environmentProviders(e),
      stepLimit: e.AI_STEP_LIMIT,
      turnTimeoutMs: e.AI_TURN_TIMEOUT_MS,
      callTimeoutMs: e.AI_CALL_TIMEOUT_MS,
      maxRetries: e.AI_MAX_RETRIES,
      retryBaseMs: e.AI_RETRY_BASE_MS,
      historyTokenBudget: e.AI_HISTORY_TOKEN_BUDGET,
    },
  };
}

/** Anthropic first (the primary), then OpenAI, Gemini, Kimi and a compatible endpoint, as configured. */
function environmentProviders(e: z.infer<typeof envSchema>): ProviderSettings[] {
  const list: ProviderSettings[] = [];
  const add = (name: string, apiKey: string | undefined, model: string | undefined, baseUrl: string | undefined) => {
    if (apiKey || (name === 'compatible' && baseUrl && model)) list.push({ name, model: model ?? '', apiKey, baseUrl });
  };
  add('anthropic', e.ANTHROPIC_API_KEY, e.ANTHROPIC_MODEL, e.ANTHROPIC_BASE_URL);
  add('openai', e.OPENAI_API_KEY, e.OPENAI_MODEL, e.OPENAI_BASE_URL);
  add('google', e.GOOGLE_GENERATIVE_AI_API_KEY, e.GOOGLE_MODEL, e.GOOGLE_BASE_URL);
  add('kimi', e.MOONSHOT_API_KEY, e.MOONSHOT_MODEL, e.MOONSHOT_BASE_URL);
  add('compatible', e.AI_COMPATIBLE_API_KEY, e.AI_COMPATIBLE_MODEL, e.AI_COMPATIBLE_BASE_URL);
  return list;
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
