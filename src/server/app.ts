// Builds the Fastify app: platform plugins, error handling, docs, operations routes, modules and
// the web app. Used by main.ts and by tests (app.inject), so nothing here listens or migrates.
import { randomUUID } from 'node:crypto';
import type { LanguageModelV3 } from '@ai-sdk/provider';
import fastifyCookie from '@fastify/cookie';
import fastifyCors from '@fastify/cors';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject, validatorCompiler } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { assistantRoutes } from '#server/assistant/assistant.routes.ts';
import type { Config } from '#server/config.ts';
import { accessRoutes } from '#server/modules/access/access.routes.ts';
import { shareRoutes } from '#server/modules/access/shares.routes.ts';
import { auditRoutes } from '#server/modules/audit/audit.routes.ts';
import { accountRoutes } from '#server/modules/auth/account.routes.ts';
import { authRoutes, signedInResponder } from '#server/modules/auth/auth.routes.ts';
import { calendarRoutes } from '#server/modules/calendar/calendar.routes.ts';
import { registerCrmJobs } from '#server/modules/crm/crm.jobs.ts';
import { crmRoutes } from '#server/modules/crm/crm.routes.ts';
import { RECORD_KINDS } from '#server/modules/crm/kinds.ts';
import { recordRoutes } from '#server/modules/crm/records.routes.ts';
import { transferRoutes } from '#server/modules/crm/transfers.routes.ts';
import { feedbackRoutes } from '#server/modules/feedback/feedback.routes.ts';
import { healthRoutes } from '#server/modules/health/health.routes.ts';
import { membersRoutes } from '#server/modules/members/members.routes.ts';
import { notificationsRoutes } from '#server/modules/notifications/notifications.routes.ts';
import { workspacesRoutes } from '#server/modules/workspaces/workspaces.routes.ts';
import type { ShareableKind } from '#server/platform/access/shares.ts';
import type { Database } from '#server/platform/db/database.ts';
import { expectedMigrationCount } from '#server/platform/db/migrate.ts';
import { collectRoutes } from '#server/platform/http/authenticate.ts';
import { documentErrorResponses, registerErrorHandlers, sendRouteNotFound } from '#server/platform/http/errors.ts';
import { createRateLimitGuards } from '#server/platform/http/rate-limits.ts';
import { albedoSecurityHeaders, apiSecurityHeaders } from '#server/platform/http/security-headers.ts';
import { serializerCompiler } from '#server/platform/http/serializer.ts';
import { registerWebApp } from '#server/platform/http/web.ts';
import type { JobQueue } from '#server/platform/jobs/queue.ts';
import { LazyChildLogger, RequestLogController } from '#server/platform/observability/logger.ts';
import { registerMetrics } from '#server/platform/observability/metrics.ts';
import { appVersion, webDistFolder } from '#server/platform/paths.ts';
import { createMemoryRateLimiter, createRedisRateLimiter, type RateLimiter } from '#server/platform/rate-limit.ts';
import { createRealtimeHub } from '#server/platform/realtime/hub.ts';
import { createServices } from '#server/services.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route with whether it requires authentication, filled when the app is ready. */
    routeTable: Array<{ method: string; url: string; auth: boolean }>;
    /** Makes a kind of record shareable: registers it and adds /api/v1/<resource>/:id/shares. */
    shareable(kind: ShareableKind): Promise<void>;
  }
}

export interface AppDeps {
  config: Config;
  db: Database;
  jobs: JobQueue;
  logger: Logger;
  /** Folder of the built web app; defaults to dist/web. */
  webRoot?: string;
  /** Time source for services (tests move it by hand). */
  clock?: () => Date;
  /** Shared limiter (tests); by default Redis when REDIS_URL is set, else in process. */
  rateLimiter?: RateLimiter;
  /** An in-process model instead of the configured providers (benchmarks). */
  modelOverride?: LanguageModelV3 | undefined;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, db, jobs } = deps;
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // Honour a caller's X-Request-Id when it is sane; otherwise mint a time-ordered one.
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    requestIdHeader: false,
    logController: new RequestLogController(),
    childLoggerFactory: (logger, bindings, options) =>
      new LazyChildLogger(logger as unknown as Logger, bindings, options) as unknown as FastifyBaseLogger,
    bodyLimit: config.bodyLimitBytes,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    routerOptions: { ignoreTrailingSlash: true },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandlers(app);
  documentErrorResponses(app);

  const https = config.publicUrl.startsWith('https:');
  const pageHeaders = albedoSecurityHeaders(https);
  const apiHeaders = apiSecurityHeaders(https);
  // A callback hook, not async: this runs on every request and a promise per hook shows in req/s.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    reply.headers(request.url.startsWith('/api/') ? apiHeaders : pageHeaders);
    done();
  });
  // While closing, keep-alive sockets of requests still in flight become idle only after their
  // answer; server.close() closes idle sockets once, so sweep until the server has closed.
  app.addHook('preClose', (done) => {
    const sweep = setInterval(() => app.server.closeIdleConnections(), 25);
    app.server.once('close', () => clearInterval(sweep));
    done();
  });

  // Same-origin by default: the web app needs no CORS, so no CORS hook runs unless origins are listed.
  if (config.corsOrigins.length) {
    await app.register(fastifyCors, {
      origin: config.corsOrigins,
      credentials: true,
      exposedHeaders: [
        'x-request-id',
        'retry-after',
        'x-ratelimit-limit',
        'x-ratelimit-remaining',
        'x-ratelimit-reset',
      ],
    });
  }
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
      tags: [
        { name: 'operations', description: 'Health and metrics' },
        { name: 'auth', description: 'Sign-up, sign-in and tokens' },
        { name: 'me', description: 'The signed-in user' },
        { name: 'workspace', description: 'Workspace settings' },
        { name: 'members', description: 'Members, invitations and roles' },
        { name: 'audit', description: 'Audit log and mail outbox' },
        { name: 'access', description: 'Custom roles, permission sets and teams' },
        {
          name: 'crm',
          description:
            'Contacts, organizations, leads, deals, projects, tasks, notes; pipelines, custom fields, search',
        },
        { name: 'sharing', description: 'Sharing records with members and teams' },
        { name: 'assistant', description: 'Conversations with the assistant, AI providers, settings and usage' },
        { name: 'calendar', description: 'Calendar range, recurring occurrences, the private ICS feed' },
        { name: 'notifications', description: 'Notifications, unread count and preferences' },
      ],
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
    },
    transform: jsonSchemaTransform,
    // Schemas named in zod's registry (records, the error envelope) go to components.schemas.
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs', staticCSP: true });
  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  app.decorateRequest('actor', null);
  const routes = collectRoutes(app);
  app.decorate('routeTable', routes);

  const hub = createRealtimeHub(config.redisUrl);
  app.addHook('onClose', () => hub.close());
  const services = createServices({
    config,
    db,
    jobs,
    ...(deps.clock ? { clock: deps.clock } : {}),
    modelOverride: deps.modelOverride,
    hub,
  });
  const metrics = registerMetrics(app, { jobs, db, usage: services.usage });
  healthRoutes(app, { db, jobs, metrics, version: appVersion, expectedMigrations: expectedMigrationCount() });
  const { auth, mfa, account, members } = services;
  const limiter =
    deps.rateLimiter ?? (config.redisUrl ? await createRedisRateLimiter(config.redisUrl) : createMemoryRateLimiter());
  if (!deps.rateLimiter) app.addHook('onClose', () => limiter.close());
  const limits = createRateLimitGuards(limiter, config.rateLimits);
  const guards = { authenticator: auth, afterAuth: limits.byActor };
  const publicHost = new URL(config.publicUrl).hostname;
  // Browsers treat localhost as secure, so Secure cookies work there over plain http too.
  const secureCookies =
    config.publicUrl.startsWith('https:') || publicHost === 'localhost' || publicHost === '127.0.0.1';
  await authRoutes(app, {
    auth,
    mfa,
    guards,
    limitPublic: limits.byIp,
    limitRefresh: limits.refreshByIp,
    secureCookies,
  });
  await accountRoutes(app, {
    account,
    tokens: services.personalTokens,
    guards,
    limitPublic: limits.byIp,
  });
  await membersRoutes(app, {
    members,
    guards,
    limitPublic: limits.byIp,
    sendSignedIn: signedInResponder(secureCookies),
  });
  await workspacesRoutes(app, { workspaces: services.workspaces, members, guards });
  await auditRoutes(app, { audit: services.audit, guards });
  await accessRoutes(app, { access: services.access, guards });
  // Modules make their records shareable here: the kind is registered and its share routes added.
  app.decorate('shareable', async (kind: ShareableKind) => {
    services.shares.register(kind);
    await shareRoutes(app, { shares: services.shares, guards }, kind.resource);
  });
  await recordRoutes(app, { records: services.records, guards });
  for (const kind of RECORD_KINDS) await app.shareable(kind);
  await crmRoutes(app, { ...services, guards });
  await transferRoutes(app, { transfers: services.transfers, guards });
  await feedbackRoutes(app, { feedback: services.feedback, guards });
  await app.register(fastifyWebsocket, { options: { maxPayload: 64 * 1024 } });
  await assistantRoutes(app, { ...services, guards, limitTurns: limits.assistantByUser });
  await calendarRoutes(app, { calendar: services.calendar, auth: services.auth, guards });
  await notificationsRoutes(app, { notifications: services.notifications, hub, guards });
  await services.calendar.registerJobs();
  await registerCrmJobs(jobs, services);

  const web = await registerWebApp(app, deps.webRoot ?? webDistFolder);
  app.setNotFoundHandler((request, reply) => {
    if (web?.serveIndex(request, reply)) return;
    return sendRouteNotFound(request, reply);
  });

  return app;
}
