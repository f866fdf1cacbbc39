// Talking to the assistant in tests: send a turn over HTTP and read the AI SDK UI message stream
// (SSE) it answers with, as a client would.
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { bearer, type Session } from './flows.ts';

export interface Turn {
  status: number;
  chunks: Array<Record<string, unknown> & { type: string }>;
  /** The reply's text, all text deltas joined. */
  text: string;
  /** Tool calls the model made: name and input. */
  calls: Array<{ toolName: string; input: unknown; toolCallId: string }>;
  /** Tool results by call id. */
  outputs: Map<string, unknown>;
  /** Confirmations the assistant is waiting for. */
  approvals: Array<{ approvalId: string; toolCallId: string }>;
  errors: string[];
  body: string;
}

export function parseUiStream(body: string): Omit<Turn, 'status' | 'body'> {
  const chunks: Turn['chunks'] = [];
  for (const line of body.split('\n')) {
    if (!line.startsWith('data: ')) continue;
    const data = line.slice(6).trim();
    if (data === '[DONE]') continue;
    chunks.push(JSON.parse(data));
  }
  const calls: Turn['calls'] = [];
  const outputs = new Map<string, unknown>();
  const approvals: Turn['approvals'] = [];
  const errors: string[] = [];
  let text = '';
  for (const c of chunks) {
    if (c.type === 'text-delta') text += String(c.delta);
    if (c.type === 'tool-input-available')
      calls.push({ toolName: String(c.toolName), input: c.input, toolCallId: String(c.toolCallId) });
    // A call whose tool or arguments did not fit: the error the user and the model were given.
    if (c.type === 'tool-input-error') {
      calls.push({ toolName: String(c.toolName), input: c.input, toolCallId: String(c.toolCallId) });
      outputs.set(String(c.toolCallId), { error: c.errorText });
    }
    if (c.type === 'tool-output-available') outputs.set(String(c.toolCallId), c.output);
    if (c.type === 'tool-output-error') outputs.set(String(c.toolCallId), { error: c.errorText });
    if (c.type === 'tool-approval-request')
      approvals.push({ approvalId: String(c.approvalId), toolCallId: String(c.toolCallId) });
    if (c.type === 'error') errors.push(String(c.errorText));
  }
  return { chunks, text, calls, outputs, approvals, errors };
}

export async function newConversation(app: FastifyInstance, s: Session, body: object = {}): Promise<string> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/conversations',
    headers: bearer(s.accessToken),
    payload: body,
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().data.id;
}

export async function say(
  app: FastifyInstance,
  s: Session,
  conversationId: string,
  body: { text?: string; approvals?: Array<{ id: string; approved: boolean }> } | string,
): Promise<Turn> {
  const res = await app.inject({
    method: 'POST',
    url: `/api/v1/conversations/${conversationId}/messages`,
    headers: bearer(s.accessToken),
    payload: typeof body === 'string' ? { text: body } : body,
  });
  if (res.statusCode !== 200) {
    return {
      status: res.statusCode,
      body: res.body,
      chunks: [],
      text: '',
      calls: [],
      outputs: new Map(),
      approvals: [],
      errors: [],
    };
  }
  return { status: res.statusCode, body: res.body, ...parseUiStream(res.body) };
}
