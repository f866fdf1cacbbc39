// Local stand-ins for model providers, speaking their real wire protocols over loopback: the
// OpenAI Chat Completions API and the Anthropic Messages API, each with JSON and streaming (SSE)
// answers and tool calls. A test scripts the answers in order and reads the requests received.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedToolCall {
  name: string;
  input: Record<string, unknown>;
  id?: string;
}

export interface ScriptedReply {
  text?: string;
  toolCalls?: ScriptedToolCall[];
  /** Answer with this HTTP status and an error body in the provider's format instead. */
  status?: number;
  /** Wait before answering (for timeouts). */
  delayMs?: number;
  usage?: { input: number; output: number };
  headers?: Record<string, string>;
}

export type Script = ScriptedReply | ((request: ReceivedRequest) => ScriptedReply);

export interface ReceivedRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown> & { messages?: unknown[]; tools?: unknown[]; system?: unknown; stream?: boolean };
}

export interface FakeModelServer {
  url: string;
  /** Base URL to configure the provider with. */
  baseUrl: string;
  requests: ReceivedRequest[];
  /** Requests whose client hung up before the answer was complete. */
  aborted: number;
  /** Queue replies; once the queue is empty, `fallback` answers. */
  script(...replies: Script[]): void;
  fallback: Script;
  close(): Promise<void>;
}

type Protocol = 'openai' | 'anthropic';

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

let counter = 0;
const nextId = (prefix: string) => `${prefix}_${Date.now().toString(36)}${(counter++).toString(36)}`;

/** Splits a string into a few pieces, so streamed answers arrive in several deltas. */
function pieces(text: string, size = 12): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out.length ? out : [''];
}

function openaiError(res: ServerResponse, status: number) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      error: {
        message: status === 429 ? 'Rate limit reached for requests' : `The server had an error (${status})`,
        type: status === 429 ? 'requests' : 'server_error',
        code: status === 429 ? 'rate_limit_exceeded' : null,
      },
    }),
  );
}

function anthropicError(res: ServerResponse, status: number) {
  const type =
    status === 429
      ? 'rate_limit_error'
      : status === 529
        ? 'overloaded_error'
        : status === 401
          ? 'authentication_error'
          : 'api_error';
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ type: 'error', error: { type, message: `fake ${type}` } }));
}

function openaiAnswer(res: ServerResponse, body: ReceivedRequest['body'], reply: ScriptedReply) {
  const id = nextId('chatcmpl');
  const created = Math.floor(Date.now() / 1000);
  const model = String(body.model);
  const usage = { prompt_tokens: reply.usage?.input ?? 100, completion_tokens: reply.usage?.output ?? 20 };
  const toolCalls = (reply.toolCalls ?? []).map((c) => ({
    id: c.id ?? nextId('call'),
    type: 'function' as const,
    function: { name: c.name, arguments: JSON.stringify(c.input) },
  }));
  const finish = toolCalls.length ? 'tool_calls' : 'stop';
  if (!body.stream) {
    res.writeHead(200, { 'content-type': 'application/json', ...(reply.headers ?? {}) });
    res.end(
      JSON.stringify({
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: reply.text ?? null,
              ...(toolCalls.length ? { tool_calls: toolCalls } : {}),
            },
            finish_reason: finish,
          },
        ],
        usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
      }),
    );
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...(reply.headers ?? {}) });
  const chunk = (delta: Record<string, unknown>, finishReason: string | null = null) =>
    res.write(
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, finish_reason: finishReason }] })}\n\n`,
    );
  chunk({ role: 'assistant', content: '' });
  if (reply.text) for (const p of pieces(reply.text)) chunk({ content: p });
  toolCalls.forEach((call, index) => {
    chunk({
      tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }],
    });
    for (const p of pieces(call.function.arguments, 20)) chunk({ tool_calls: [{ index, function: { arguments: p } }] });
  });
  chunk({}, finish);
  res.write(
    `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, choices: [], usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } })}\n\n`,
  );
  res.end('data: [DONE]\n\n');
}

function anthropicAnswer(res: ServerResponse, body: ReceivedRequest['body'], reply: ScriptedReply) {
  const id = nextId('msg');
  const model = String(body.model);
  const usage = { input_tokens: reply.usage?.input ?? 100, output_tokens: reply.usage?.output ?? 20 };
  const content: Array<Record<string, unknown>> = [];
  if (reply.text) content.push({ type: 'text', text: reply.text });
  for (const c of reply.toolCalls ?? [])
    content.push({ type: 'tool_use', id: c.id ?? nextId('toolu'), name: c.name, input: c.input });
  const stop = reply.toolCalls?.length ? 'tool_use' : 'end_turn';
  if (!body.stream) {
    res.writeHead(200, { 'content-type': 'application/json', ...(reply.headers ?? {}) });
    res.end(
      JSON.stringify({
        id,
        type: 'message',
        role: 'assistant',
        model,
        content,
        stop_reason: stop,
        stop_sequence: null,
        usage,
      }),
    );
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...(reply.headers ?? {}) });
  const event = (name: string, data: Record<string, unknown>) =>
    res.write(`event: ${name}\ndata: ${JSON.stringify({ type: name, ...data })}\n\n`);
  event('message_start', {
    message: {
      id,
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: usage.input_tokens, output_tokens: 1 },
    },
  });
  content.forEach((block, index) => {
    if (block.type === 'text') {
      event('content_block_start', { index, content_block: { type: 'text', text: '' } });
      for (const p of pieces(String(block.text)))
        event('content_block_delta', { index, delta: { type: 'text_delta', text: p } });
    } else {
      event('content_block_start', {
        index,
        content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} },
      });
      for (const p of pieces(JSON.stringify(block.input), 20))
        event('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: p } });
    }
    event('content_block_stop', { index });
  });
  event('message_delta', {
    delta: { stop_reason: stop, stop_sequence: null },
    usage: { output_tokens: usage.output_tokens },
  });
  event('message_stop', {});
  res.end();
}

export async function startFakeModelServer(
  protocol: Protocol,
  options: { apiKey?: string } = {},
): Promise<FakeModelServer> {
  const queue: Script[] = [];
  const requests: ReceivedRequest[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const fake: FakeModelServer = {
    url: '',
    baseUrl: '',
    requests,
    aborted: 0,
    script: (...replies) => queue.push(...replies),
    fallback: { text: 'OK.' },
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer(async (req, res) => {
    const raw = await readBody(req);
    const path = req.url ?? '';
    const expected = protocol === 'openai' ? '/v1/chat/completions' : '/v1/messages';
    if (req.method !== 'POST' || path !== expected) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `no route ${req.method} ${path}` } }));
      return;
    }
    const key = protocol === 'openai' ? req.headers.authorization?.replace(/^Bearer /, '') : req.headers['x-api-key'];
    if (options.apiKey && key !== options.apiKey) {
      if (protocol === 'openai') openaiError(res, 401);
      else anthropicError(res, 401);
      return;
    }
    res.on('close', () => {
      if (!res.writableFinished) fake.aborted++;
    });
    const request: ReceivedRequest = { path, headers: req.headers, body: JSON.parse(raw) };
    requests.push(request);
    const next = queue.shift() ?? fake.fallback;
    const reply = typeof next === 'function' ? next(request) : next;
    if (reply.delayMs) {
      await new Promise((r) => setTimeout(r, reply.delayMs));
      if (res.destroyed || req.destroyed) return;
    }
    if (reply.status && reply.status >= 400) {
      if (protocol === 'openai') openaiError(res, reply.status);
      else anthropicError(res, reply.status);
      return;
    }
    if (protocol === 'openai') openaiAnswer(res, request.body, reply);
    else anthropicAnswer(res, request.body, reply);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  fake.url = `http://127.0.0.1:${port}`;
  fake.baseUrl = `${fake.url}/v1`;
  return fake;
}

/** The text of the last user message a provider received, in either protocol. */
export function lastUserText(request: ReceivedRequest): string {
  const messages = (request.body.messages ?? []) as Array<{ role: string; content: unknown }>;
  const last = [...messages].reverse().find((m) => m.role === 'user');
  if (!last) return '';
  if (typeof last.content === 'string') return last.content;
  return (last.content as Array<{ type: string; text?: string }>)
    .filter((p) => p.type === 'text')
    .map((p) => p.text)
    .join('\n');
}

/** The system prompt a provider received, in either protocol. */
export function systemText(request: ReceivedRequest): string {
  if (request.body.system !== undefined) {
    const s = request.body.system;
    return typeof s === 'string' ? s : (s as Array<{ text: string }>).map((p) => p.text).join('\n');
  }
  const messages = (request.body.messages ?? []) as Array<{ role: string; content: unknown }>;
  return messages
    .filter((m) => m.role === 'system')
    .map((m) => String(m.content))
    .join('\n');
}
