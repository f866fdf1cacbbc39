// Process entry: read configuration, start the server, stop cleanly on SIGTERM/SIGINT.
import { ConfigError, loadConfig, loadDotEnv } from '#server/config.ts';
import { tuneHeap } from '#server/platform/memory.ts';
import { createLogger, logDestination } from '#server/platform/observability/logger.ts';
import { startServer } from '#server/server.ts';

async function main(): Promise<void> {
  tuneHeap();
  loadDotEnv();
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const problem of err.problems) process.stderr.write(`albedo: configuration error: ${problem}\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel, logDestination(config.logFormat));
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer(config, logger);
  } catch (err) {
    logger.fatal({ err }, 'start failed');
    process.stderr.write(`albedo: could not start: ${(err as Error).message}\n`);
    process.exit(1);
  }
  const hardExit = (code: number) => setTimeout(() => process.exit(code), 0);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      const force = setTimeout(() => {
        logger.error({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown took too long; exiting');
        process.exit(1);
      }, config.shutdownTimeoutMs);
      force.unref();
      server.shutdown(signal).then(
        () => hardExit(0),
        (err) => {
          logger.error({ err }, 'shutdown failed');
          hardExit(1);
        },
      );
    });
  }
}

await main();
