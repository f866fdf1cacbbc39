// The `albedo` command line: operator tasks through the same services as the app.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { type Config, ConfigError, decodeMasterKey, loadConfig, loadDotEnv } from '#server/config.ts';
import type { RequestContext } from '#server/modules/auth/auth.service.ts';
import { DEMO_SIZES, seedDemo } from '#server/modules/crm/demo-data.ts';
import { DataDirLockedError, setLockRole } from '#server/platform/db/data-dir-lock.ts';
import { type Database, openDatabase } from '#server/platform/db/database.ts';
import { expectedMigrationCount, runMigrations } from '#server/platform/db/migrate.ts';
import { AppError } from '#server/platform/errors.ts';
import { createJobQueue } from '#server/platform/jobs/queue.ts';
import { rotateMasterKey } from '#server/platform/key-rotation.ts';
import { createServices } from '#server/services.ts';

const HELP = `Usage: albedo <command> [options]

Commands:
  migrate                         Apply pending database migrations
  create-admin --email E --name N --workspace W [--password-stdin]
                                  Create a workspace and its owner (prints a generated password
                                  unless one is piped in with --password-stdin)
  reset-password --email E [--password-stdin]
                                  Set a new password (generated unless piped in), clear any
                                  lockout and sign the user out everywhere
  seed-demo --email E [--workspace ID] [--size small|medium]
                                  Fill the workspace of the member with email E with a generated
                                  demo dataset (companies, people, leads, deals, projects, tasks,
                                  notes). Only ever loaded when asked for.
  rotate-master-key [--new-key-stdin]
                                  Re-seal every stored secret (AI provider keys, authenticator
                                  secrets) under a new master key, generated unless one is piped
                                  in; then start the server with the new APP_MASTER_KEY
  outbox [N]                      Show the N most recent mails (default 10): where mail waits without SMTP
  help                            Show this help

Configuration comes from the environment and .env, as for the server (see docs/configuration.md).`;

const CLI_CONTEXT: RequestContext = { channel: 'system', userAgent: 'albedo-cli' };

/** A password of ~120 bits that passes the policy, for operators to hand over once. */
const generatedPassword = () => randomBytes(15).toString('base64url');

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

async function withServices<T>(
  fn: (s: ReturnType<typeof createServices>, db: Database, config: Config) => Promise<T>,
): Promise<T> {
  const config = loadConfig();
  const db = await openDatabase(config.database);
  try {
    await runMigrations(db);
    // Jobs are only enqueued here (mail); a running server delivers them.
    const jobs = createJobQueue({ db, logger: pino({ level: 'silent' }) });
    return await fn(createServices({ config, db, jobs }), db, config);
  } finally {
    await db.close();
  }
}

function option(args: string[], spec: Record<string, { type: 'string' | 'boolean' }>) {
  return parseArgs({ args, options: spec, allowPositionals: true }).values as Record<
    string,
    string | boolean | undefined
  >;
}

const commands: Record<string, (args: string[]) => Promise<void>> = {
  async migrate() {
    const config = loadConfig();
    const db = await openDatabase(config.database);
    try {
      const applied = await runMigrations(db);
      process.stdout.write(
        `Applied ${applied} migration(s); ${expectedMigrationCount()} in total are in place (${db.kind}).\n`,
      );
    } finally {
      await db.close();
    }
  },

  async 'create-admin'(args) {
    const o = option(args, {
      email: { type: 'string' },
      name: { type: 'string' },
      workspace: { type: 'string' },
      'password-stdin': { type: 'boolean' },
    });
    const missing = ['email', 'name', 'workspace'].filter((k) => typeof o[k] !== 'string' || !(o[k] as string).trim());
    if (missing.length) throw new UsageError(`missing ${missing.map((m) => `--${m}`).join(', ')}`);
    const password = o['password-stdin'] ? await readStdin() : generatedPassword();
    await withServices(async (s) => {
      const result = await s.auth.signup(
        { email: o.email as string, name: o.name as string, workspaceName: o.workspace as string, password },
        CLI_CONTEXT,
      );
      process.stdout.write(
        `Created workspace "${result.workspace.name}" (${result.workspace.id}) with owner ${result.user.email}.\n`,
      );
      if (!o['password-stdin']) process.stdout.write(`Password (shown once): ${password}\n`);
    });
  },

  async 'reset-password'(args) {
    const o = option(args, { email: { type: 'string' }, 'password-stdin': { type: 'boolean' } });
    if (typeof o.email !== 'string') throw new UsageError('missing --email');
    const password = o['password-stdin'] ? await readStdin() : generatedPassword();
    await withServices(async (s) => {
      await s.account.setPassword(o.email as string, password, CLI_CONTEXT);
      process.stdout.write(`Password set for ${o.email}; every session was signed out.\n`);
      if (!o['password-stdin']) process.stdout.write(`New password (shown once): ${password}\n`);
    });
  },

  async 'seed-demo'(args) {
    const o = option(args, { email: { type: 'string' }, workspace: { type: 'string' }, size: { type: 'string' } });
    if (typeof o.email !== 'string') throw new UsageError('missing --email (the owner of the workspace to fill)');
    const size = DEMO_SIZES[(o.size as string | undefined) ?? 'small'];
    if (!size) throw new UsageError(`--size must be one of ${Object.keys(DEMO_SIZES).join(', ')}`);
    await withServices(async (s, db) => {
      const found = await db.query<{ user_id: string; workspace_id: string; name: string }>(
        `select m.user_id, m.workspace_id, w.name from members m join users u on u.id = m.user_id
           join workspaces w on w.id = m.workspace_id
          where lower(u.email) = lower($1) and m.status = 'active' and ($2::uuid is null or m.workspace_id = $2::uuid)`,
        [o.email, (o.workspace as string | undefined) ?? null],
      );
      if (found.length === 0) throw new UsageError(`no active member with email ${o.email}`);
      if (found.length > 1) {
        throw new UsageError(
          `${o.email} belongs to several workspaces; choose one with --workspace (${found.map((f) => `${f.workspace_id} ${f.name}`).join(', ')})`,
        );
      }
      const { user_id: userId, workspace_id: workspaceId, name } = found[0] as (typeof found)[number];
      const actor = await s.auth.actorFor({ userId, workspaceId }, 'system');
      if (!actor) throw new UsageError(`${o.email} is not an active member`);
      const members = await db.query<{ user_id: string }>(
        `select user_id from members where workspace_id = $1 and status = 'active'`,
        [workspaceId],
      );
      const counts = await seedDemo(
        s,
        actor,
        members.map((m) => m.user_id),
        size,
      );
      process.stdout.write(
        `Filled "${name}" with demo data: ${Object.entries(counts)
          .map(([k, v]) => `${v} ${k}`)
          .join(', ')}.\n`,
      );
    });
  },

  async 'rotate-master-key'(args) {
    const o = option(args, { 'new-key-stdin': { type: 'boolean' } });
    const given = o['new-key-stdin'] ? decodeMasterKey(await readStdin()) : randomBytes(32);
    if (!given) throw new UsageError('the new key must be 32 bytes, as base64 or 64 hex characters');
    await withServices(async (_s, db, config) => {
      const counts = await rotateMasterKey(db, config.masterKey, given);
      const encoded = given.toString('base64');
      process.stdout.write(
        `Re-sealed ${Object.entries(counts)
          .map(([k, v]) => `${v} ${k}`)
          .join(' and ')} under the new key.\n`,
      );
      if (config.masterKeySource === 'environment') {
        process.stdout.write(
          `Set APP_MASTER_KEY=${o['new-key-stdin'] ? '<the key you piped in>' : encoded} on every instance and restart them.\n`,
        );
      } else {
        // Embedded mode keeps its key beside the data; the next start reads the new one.
        writeFileSync(path.join(config.dataDir, 'master.key'), `${encoded}\n`, { mode: 0o600 });
        process.stdout.write(`Wrote the new key to ${path.join(config.dataDir, 'master.key')}.\n`);
      }
    });
  },

  async outbox(args) {
    const limit = Math.min(Math.max(Number(args[0] ?? 10) || 10, 1), 500);
    await withServices(async (_s, db) => {
      const mails = await db.query<{ to: string; subject: string; status: string; created_at: Date; text: string }>(
        `select "to", subject, status, created_at, text from outbox_emails order by created_at desc limit $1`,
        [limit],
      );
      if (mails.length === 0) process.stdout.write('The outbox is empty.\n');
      for (const m of mails) {
        process.stdout.write(
          `--- ${new Date(m.created_at).toISOString()}  [${m.status}]\nTo: ${m.to}\nSubject: ${m.subject}\n\n${m.text}\n\n`,
        );
      }
    });
  },

  async help() {
    process.stdout.write(`${HELP}\n`);
  },
};

class UsageError extends Error {}

/** What to do instead while the server holds the embedded database. */
const WHILE_RUNNING: Record<string, string> = {
  outbox: 'While the server runs, the outbox is in the app: Settings → Mail outbox.\n',
  'create-admin': 'While the server runs, create the workspace on its sign-up page instead.\n',
  'reset-password': 'While the server runs, use "Forgot password" on its sign-in page instead.\n',
};

async function run(argv: string[]): Promise<number> {
  loadDotEnv();
  const name = argv[0] ?? 'help';
  const command = commands[name === '--help' || name === '-h' ? 'help' : name];
  if (!command) {
    process.stderr.write(`albedo: unknown command "${name}"\n\n${HELP}\n`);
    return 2;
  }
  setLockRole(`cli ${name}`);
  try {
    await command(argv.slice(1));
    return 0;
  } catch (err) {
    if (err instanceof DataDirLockedError) {
      // Refused before anything was read or written: the running server keeps the only copy.
      process.stderr.write(`albedo ${name}: ${err.message}\n${WHILE_RUNNING[name] ?? ''}`);
      return 1;
    }
    if (err instanceof ConfigError) {
      for (const p of err.problems) process.stderr.write(`albedo: configuration error: ${p}\n`);
      return 1;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`albedo ${name}: ${err.message}\n\n${HELP}\n`);
      return 2;
    }
    if (err instanceof AppError) {
      const fields = (err.details as { fields?: Array<{ field: string; message: string }> } | undefined)?.fields;
      const detail = fields?.length ? fields.map((f) => f.message).join('; ') : err.message;
      process.stderr.write(`albedo ${name}: ${detail}\n`);
      return 1;
    }
    process.stderr.write(`albedo: ${name} failed: ${(err as Error).message}\n`);
    return 1;
  }
}

process.exitCode = await run(process.argv.slice(2));
