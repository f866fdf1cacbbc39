// Builds the Fastify app: platform plugins, error handling, docs, operations routes, modules and
// the web app. Used by main.ts and by tests (app.inject), so nothing here listens or migrates.
import fastifyCookie from '@fastify/cookie';
import fastifyCors from '@fastify/cors';
import fastifyHelmet from '@fastify/helmet';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { v7 as uuidv7 } from 'uuid';
import type { Config } from '#server/config.ts';
import { healthRoutes } from '#server/modules/health/health.routes.ts';
import type { Database } from '#server/platform/db/database.ts';
import { expectedMigrationCount } from '#server/platform/db/migrate.ts';
import { registerErrorHandlers, sendRouteNotFound } from '#server/platform/http/errors.ts';
import { registerWebApp } from '#server/platform/http/web.ts';
import type { JobQueue } from '#server/platform/jobs/queue.ts';
import { registerMetrics } from '#server/platform/observability/metrics.ts';
import { appVersion, webDistFolder } from '#server/platform/paths.ts';

export interface AppDeps {
  config: Config;
  db: Database;
  jobs: JobQueue;
  logger: Logger;
  /** Folder of the built web app; defaults to dist/web. */
  webRoot?: string;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, db, jobs } = deps;
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // Honour a caller's X-Request-Id when it is sane; otherwise mint a time-ordered one.
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : uuidv7();
    },
    requestIdHeader: false,
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    bodyLimit: config.bodyLimitBytes,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    routerOptions: { ignoreTrailingSlash: true },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandlers(app);

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  // While closing, answers still in flight end their keep-alive connection: otherwise Node's
  // server.close() waits for a client that has no reason to hang up.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });

  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        // Mantine sets style attributes at run time.
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        connectSrc: ["'self'"],
        fontSrc: ["'self'", 'data:'],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        upgradeInsecureRequests: null,
      },
    },
    // Served over plain http on a laptop; a TLS-terminating proxy adds HSTS in production.
    strictTransportSecurity: config.publicUrl.startsWith('https:'),
  });
  await app.register(fastifyCors, {
    origin: config.corsOrigins.length ? config.corsOrigins : false,
    credentials: true,
    exposedHeaders: ['x-request-id', 'retry-after', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'],
  });
  await app.register(fastifyCookie);

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Albedo API',
        version: appVersion,
        description:
          'The Albedo CRM API. Responses use `{ data }` envelopes; errors use `{ error: { code, message, details }, requestId }`.',
      },
      servers: [{ url: config.publicUrl }],
      tags: [{ name: 'operations', description: 'Health and metrics' }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs', staticCSP: true });
  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  const metrics = registerMetrics(app, jobs);
  healthRoutes(app, { db, jobs, metrics, version: appVersion, expectedMigrations: expectedMigrationCount() });

  const web = await registerWebApp(app, deps.webRoot ?? webDistFolder);
  app.setNotFoundHandler((request, reply) => {
    if (web?.serveIndex(request, reply)) return;
    return sendRouteNotFound(request, reply);
  });

  return app;
}
