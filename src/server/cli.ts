// The `albedo` command line. Subcommands arrive with the features that own them.
import { ConfigError, loadConfig, loadDotEnv } from '#server/config.ts';
import { openDatabase } from '#server/platform/db/database.ts';
import { expectedMigrationCount, runMigrations } from '#server/platform/db/migrate.ts';

const HELP = `Usage: albedo <command>

Commands:
  migrate     Apply pending database migrations (embedded database in DATA_DIR, or DATABASE_URL)
  outbox [N]  Show the N most recent mails (default 10): the outbox is where mail waits without SMTP
  help        Show this help

Configuration comes from the environment and .env, as for the server (see docs/configuration.md).`;

const commands: Record<string, () => Promise<void>> = {
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
  async outbox() {
    const limit = Math.min(Math.max(Number(process.argv[3] ?? 10) || 10, 1), 500);
    const config = loadConfig();
    const db = await openDatabase(config.database);
    try {
      await runMigrations(db);
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
    } finally {
      await db.close();
    }
  },
  async help() {
    process.stdout.write(`${HELP}\n`);
  },
};

async function run(argv: string[]): Promise<number> {
  loadDotEnv();
  const name = argv[0] ?? 'help';
  const command = commands[name === '--help' || name === '-h' ? 'help' : name];
  if (!command) {
    process.stderr.write(`albedo: unknown command "${name}"\n\n${HELP}\n`);
    return 2;
  }
  try {
    await command();
    return 0;
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const p of err.problems) process.stderr.write(`albedo: configuration error: ${p}\n`);
      return 1;
    }
    process.stderr.write(`albedo: ${name} failed: ${(err as Error).message}\n`);
    return 1;
  }
}

process.exitCode = await run(process.argv.slice(2));
