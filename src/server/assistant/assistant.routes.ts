// HTTP and WebSocket for the assistant: conversations, a turn streamed as the AI SDK UI message
// stream (SSE), the same turn over a WebSocket for other clients, AI settings and usage.
import { Readable } from 'node:stream';
import { JsonToSseTransformStream, UI_MESSAGE_STREAM_HEADERS, type UIMessageChunk } from 'ai';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '#server/platform/errors.ts';
import { actorOf, type Guards, protectedRoutes, requestContext } from '#server/platform/http/authenticate.ts';
import { AGENTS, agentFor } from './agents.ts';
import type { AiSettingsService } from './ai-settings.service.ts';
import type { ChatService, TurnInput } from './chat.service.ts';
import type { ConversationsService } from './conversations.service.ts';
import { PROVIDER_NAMES, PROVIDERS } from './providers.ts';
import { toolsFor } from './tool-adapter.ts';
import { USAGE_GROUPS, type UsageService } from './usage.service.ts';

const conversationOut = z.object({
  id: z.uuid(),
  title: z.string(),
  agent: z.string().nullable(),
  provider: z.string().nullable(),
  summary: z.string().nullable(),
  summarizedCount: z.number(),
  createdAt: z.date(),
  updatedAt: z.date(),
});
const messageOut = z.object({
  id: z.string(),
  role: z.enum(['user', 'assistant', 'system']),
  parts: z.array(z.unknown()),
  metadata: z.record(z.string(), z.unknown()).optional(),
});
const providerOut = z.object({
  name: z.string(),
  label: z.string(),
  enabled: z.boolean(),
  model: z.string(),
  baseUrl: z.string().nullable(),
  hasKey: z.boolean(),
  position: z.number(),
  source: z.enum(['workspace', 'environment']),
});
const routingRule = z.strictObject({
  when: z.strictObject({
    language: z.enum(['chinese']).optional(),
    department: z.string().max(50).optional(),
  }),
  provider: z.string(),
  model: z.string().max(200).optional(),
});
const settingsOut = z.object({ monthlyBudgetUsd: z.string().nullable(), routing: z.array(routingRule) });
const turnBody = z.strictObject({
  text: z.string().max(20_000).optional(),
  approvals: z
    .array(
      z.strictObject({ id: z.string().min(1).max(200), approved: z.boolean(), reason: z.string().max(500).optional() }),
    )
    .max(20)
    .optional(),
});
const idParams = z.object({ id: z.uuid({ message: 'must be an id' }) });

export interface AssistantRouteDeps {
  chat: ChatService;
  conversations: ConversationsService;
  aiSettings: AiSettingsService;
  usage: UsageService;
  guards: Guards;
  limitTurns: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
}

export async function assistantRoutes(app: FastifyInstance, deps: AssistantRouteDeps) {
  const { chat, conversations, aiSettings, usage } = deps;
  await protectedRoutes(app, deps.guards, (scope) => {
    const p = scope.withTypeProvider<ZodTypeProvider>();
    const tags = ['assistant'];
    p.get(
      '/api/v1/conversations',
      {
        schema: {
          tags,
          summary: 'My conversations, newest first',
          response: { 200: z.object({ data: z.array(conversationOut) }) },
        },
      },
      async (request) => ({ data: await conversations.list(actorOf(request)) }),
    );
    p.post(
      '/api/v1/conversations',
      {
        schema: {
          tags,
          summary: 'Start a conversation',
          body: z
            .strictObject({
              title: z.string().max(200).optional(),
              agent: z.string().max(50).nullable().optional(),
              provider: z.string().max(50).nullable().optional(),
            })
            .optional(),
          response: { 201: z.object({ data: conversationOut }) },
        },
      },
      async (request, reply) =>
        reply.status(201).send({ data: await conversations.create(actorOf(request), request.body ?? {}) }),
    );
    p.get(
      '/api/v1/conversations/:id',
      {
        schema: {
          tags,
          summary: 'A conversation with all its messages (tool calls and results included)',
          params: idParams,
          response: { 200: z.object({ data: conversationOut.extend({ messages: z.array(messageOut) }) }) },
        },
      },
      async (request) => {
        const { recentRecords: _r, ...c } = await conversations.get(actorOf(request), request.params.id);
        return { data: c };
      },
    );
    p.patch(
      '/api/v1/conversations/:id',
      {
        schema: {
          tags,
          summary: 'Rename a conversation or switch its agent or provider',
          params: idParams,
          body: z.strictObject({
            title: z.string().max(200).optional(),
            agent: z.string().max(50).nullable().optional(),
            provider: z.string().max(50).nullable().optional(),
          }),
          response: { 200: z.object({ data: conversationOut }) },
        },
      },
      async (request) => ({ data: await conversations.update(actorOf(request), request.params.id, request.body) }),
    );
    p.delete(
      '/api/v1/conversations/:id',
      { schema: { tags, summary: 'Delete a conversation', params: idParams } },
      async (request, reply) => {
        await conversations.remove(actorOf(request), request.params.id);
        return reply.status(204).send();
      },
    );
    p.post(
      '/api/v1/conversations/:id/messages',
      {
        preHandler: deps.limitTurns,
        schema: {
          tags,
          summary: 'Send a message (or answer a confirmation); the reply streams as the AI SDK UI message stream (SSE)',
          params: idParams,
          body: turnBody,
        },
      },
      async (request, reply) => {
        const abort = new AbortController();
        // The client went away before the reply finished: stop the model and the tools.
        reply.raw.on('close', () => {
          if (!reply.raw.writableFinished) abort.abort();
        });
        const stream = await chat.send(actorOf(request), request.params.id, request.body as TurnInput, abort.signal);
        reply.headers(UI_MESSAGE_STREAM_HEADERS);
        return reply.send(Readable.fromWeb(stream.pipeThrough(new JsonToSseTransformStream()) as never));
      },
    );

    p.get(
      '/api/v1/ai/status',
      {
        schema: {
          tags,
          summary: 'Whether the assistant is offline, the providers it may use, the agents and the tools it offers you',
          response: {
            200: z.object({
              data: z.object({
                offline: z.boolean(),
                providers: z.array(z.object({ name: z.string(), label: z.string(), model: z.string() })),
                agents: z.array(z.object({ key: z.string(), label: z.string() })),
                defaultAgent: z.string(),
                tools: z.array(
                  z.object({ name: z.string(), title: z.string(), group: z.string(), confirm: z.boolean() }),
                ),
                known: z.array(z.object({ name: z.string(), label: z.string(), defaultModel: z.string() })),
              }),
            }),
          },
        },
      },
      async (request) => {
        const actor = actorOf(request);
        const providers = (await aiSettings.listProviders(actor)).filter((p) => p.enabled);
        return {
          data: {
            offline: providers.length === 0,
            providers: providers.map((p) => ({ name: p.name, label: p.label, model: p.model })),
            agents: AGENTS.map((a) => ({ key: a.key, label: a.label })),
            defaultAgent: agentFor(null, actor.department).key,
            // What this user's assistant can do: the catalogue filtered by their permissions.
            tools: toolsFor(actor).map((d) => ({ name: d.name, title: d.title, group: d.group, confirm: d.confirm })),
            known: PROVIDERS.map((k) => ({ name: k.name, label: k.label, defaultModel: k.defaultModel })),
          },
        };
      },
    );
    p.get(
      '/api/v1/ai/providers',
      {
        schema: {
          tags,
          summary: 'Model providers in fallback order (keys are never returned)',
          response: { 200: z.object({ data: z.array(providerOut) }) },
        },
      },
      async (request) => ({ data: await aiSettings.listProviders(actorOf(request)) }),
    );
    p.put(
      '/api/v1/ai/providers/:name',
      {
        schema: {
          tags,
          summary: 'Add or change a provider (admins); apiKey is write-only, null removes it',
          params: z.object({ name: z.enum(PROVIDER_NAMES) }),
          body: z.strictObject({
            enabled: z.boolean().optional(),
            model: z.string().max(200).optional(),
            baseUrl: z.string().max(500).nullable().optional(),
            apiKey: z.string().max(500).nullable().optional(),
            position: z.number().int().min(0).max(100).optional(),
          }),
          response: { 200: z.object({ data: providerOut }) },
        },
      },
      async (request) => ({
        data: await aiSettings.putProvider(actorOf(request), request.params.name, request.body),
      }),
    );
    p.delete(
      '/api/v1/ai/providers/:name',
      {
        schema: {
          tags,
          summary: 'Remove a provider from this workspace (admins)',
          params: z.object({ name: z.string() }),
        },
      },
      async (request, reply) => {
        await aiSettings.removeProvider(actorOf(request), request.params.name);
        return reply.status(204).send();
      },
    );
    p.get(
      '/api/v1/ai/settings',
      { schema: { tags, summary: 'Budget and routing rules', response: { 200: z.object({ data: settingsOut }) } } },
      async (request) => ({ data: await aiSettings.getSettings(actorOf(request)) }),
    );
    p.put(
      '/api/v1/ai/settings',
      {
        schema: {
          tags,
          summary: 'Set the monthly budget (USD, null for none) and routing rules (admins)',
          body: z.strictObject({
            monthlyBudgetUsd: z.number().min(0).max(1_000_000).nullable().optional(),
            routing: z.array(routingRule).max(20).optional(),
          }),
          response: { 200: z.object({ data: settingsOut }) },
        },
      },
      async (request) => ({ data: await aiSettings.updateSettings(actorOf(request), request.body) }),
    );
    p.get(
      '/api/v1/ai/usage',
      {
        schema: {
          tags,
          summary:
            'Model calls, tokens, cost and latency grouped by user, department, model, provider or day (series= splits each group, e.g. each day by user)',
          querystring: z.object({
            groupBy: z.enum(USAGE_GROUPS).optional(),
            series: z.enum(['user', 'department', 'model', 'provider']).optional(),
            from: z.coerce.date().optional(),
            to: z.coerce.date().optional(),
          }),
          response: {
            200: z.object({
              data: z.object({
                groupBy: z.enum(USAGE_GROUPS),
                from: z.date(),
                to: z.date(),
                totalCostUsd: z.string(),
                spentThisMonthUsd: z.string(),
                rows: z.array(
                  z.object({
                    key: z.string(),
                    label: z.string(),
                    series: z.string().optional(),
                    seriesLabel: z.string().optional(),
                    calls: z.number(),
                    failed: z.number(),
                    inputTokens: z.number(),
                    outputTokens: z.number(),
                    costUsd: z.string(),
                    avgLatencyMs: z.number(),
                  }),
                ),
              }),
            }),
          },
        },
      },
      async (request) => ({ data: await usage.report(actorOf(request), request.query) }),
    );
  });

  await websocketRoute(app, deps);
}

/**
 * `GET /api/v1/assistant/ws`: the first frame authenticates (`{"type":"auth","token":"…"}`), then
 * each `{"type":"send","conversationId","text"|"approvals"}` streams its UI message chunks as
 * `{"type":"chunk","conversationId","chunk"}` frames and ends with `{"type":"done"}`.
 */
async function websocketRoute(app: FastifyInstance, deps: AssistantRouteDeps) {
  // @fastify/websocket is registered once in app.ts for every socket route.
  const frame = z.discriminatedUnion('type', [
    z.object({ type: z.literal('auth'), token: z.string().min(1).max(4096) }),
    z.object({ type: z.literal('send'), conversationId: z.uuid() }).extend(turnBody.shape),
    z.object({ type: z.literal('cancel') }),
  ]);
  app.get('/api/v1/assistant/ws', { websocket: true, schema: { hide: true } }, (socket, request) => {
    let actor: Awaited<ReturnType<Guards['authenticator']['authenticate']>> = null;
    let running: AbortController | null = null;
    const sendJson = (value: unknown) => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(value));
    };
    const fail = (code: string, message: string) => sendJson({ type: 'error', error: { code, message } });
    socket.on('close', () => running?.abort());
    socket.on('message', async (raw: Buffer) => {
      let parsed: z.infer<typeof frame>;
      try {
        parsed = frame.parse(JSON.parse(raw.toString('utf8')));
      } catch {
        return fail('validation_failed', 'Send JSON frames: auth, send or cancel.');
      }
      if (parsed.type === 'auth') {
        actor = await deps.guards.authenticator.authenticate(parsed.token, requestContext(request));
        if (!actor) {
          fail('unauthorized', 'Your access token is invalid or expired.');
          return socket.close(4401, 'unauthorized');
        }
        return sendJson({ type: 'ready' });
      }
      if (!actor) return fail('unauthorized', 'Authenticate first: {"type":"auth","token":"<access token>"}');
      if (parsed.type === 'cancel') return running?.abort();
      if (running) return fail('conflict', 'A turn is already running on this socket; cancel it or wait.');
      const abort = new AbortController();
      running = abort;
      try {
        const { conversationId, type: _t, ...input } = parsed;
        const stream = await deps.chat.send(actor, conversationId, input, abort.signal);
        for await (const chunk of stream as unknown as AsyncIterable<UIMessageChunk>) {
          sendJson({ type: 'chunk', conversationId, chunk });
        }
        sendJson({ type: 'done', conversationId });
      } catch (error) {
        if (error instanceof AppError) fail(error.code, error.message);
        else {
          request.log.error({ err: error }, 'assistant websocket turn failed');
          fail('internal_error', 'Something went wrong on our side.');
        }
      } finally {
        running = null;
      }
    });
  });
}
