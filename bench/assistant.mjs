// The assistant's own overhead per turn, with an instant model: a loopback server speaking the
// OpenAI Chat Completions protocol (streaming) answers at once, so what is measured is Albedo —
// auth, loading and storing the conversation, the prompt, the AI SDK loop, the tool's service call
// and the UI message stream. Prints p50/p95/p99 for: request → first streamed text token (a
// text-only turn) and request → end of a one-tool turn (create a contact, then a reply).
// Runs on the embedded database, or PostgreSQL with BENCH_DATABASE_URL.

import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, percentile, rssMb, spawnNode, stop, waitFor200 } from './lib.mjs';

const TURNS = Number(process.env.BENCH_TURNS ?? 200);
const WARMUP = 20;
const PORT = Number(process.env.BENCH_PORT ?? (await freePort()));

/** An OpenAI-compatible model that answers instantly: a tool call for "create …", else text. */
function startInstantModel() {
  let calls = 0;
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => {
      raw += c;
    });
    req.on('end', () => {
      calls++;
      const body = JSON.parse(raw);
      const last = body.messages[body.messages.length - 1];
      const lastUser = [...body.messages].reverse().find((m) => m.role === 'user');
      const userText =
        typeof lastUser?.content === 'string'
          ? lastUser.content
          : (lastUser?.content ?? []).map((p) => p.text ?? '').join('');
      const wantsTool = last.role === 'user' && userText.startsWith('create');
      const id = `chatcmpl-${calls}`;
      const head = { id, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: body.model };
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const send = (delta, finish = null) =>
        res.write(`data: ${JSON.stringify({ ...head, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`);
      send({ role: 'assistant', content: '' });
      if (wantsTool) {
        const args = JSON.stringify({
          object: 'contacts',
          fields: { firstName: 'Bench', lastName: `Person ${calls}` },
        });
        send({
          tool_calls: [
            { index: 0, id: `call_${calls}`, type: 'function', function: { name: 'create_record', arguments: args } },
          ],
        });
        send({}, 'tool_calls');
      } else {
        for (const word of ['Done', ' — ', 'all', ' good.']) send({ content: word });
        send({}, 'stop');
      }
      res.write(
        `data: ${JSON.stringify({ ...head, choices: [], usage: { prompt_tokens: 500, completion_tokens: 10, total_tokens: 510 } })}\n\n`,
      );
      res.end('data: [DONE]\n\n');
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${server.address().port}/v1`, calls: () => calls }),
    ),
  );
}

async function turn(base, headers, conversationId, text) {
  const t0 = performance.now();
  const res = await fetch(`${base}/api/v1/conversations/${conversationId}/messages`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ text }),
  });
  if (res.status !== 200) throw new Error(`turn answered ${res.status}: ${await res.text()}`);
  let first = null;
  let buffer = '';
  let sawTool = false;
  const decoder = new TextDecoder();
  for await (const chunk of res.body) {
    buffer += decoder.decode(chunk, { stream: true });
    if (first === null && buffer.includes('"type":"text-delta"')) first = performance.now() - t0;
    if (buffer.includes('"type":"tool-output-available"')) sawTool = true;
  }
  return { first, total: performance.now() - t0, sawTool };
}

function summary(label, values) {
  const sorted = [...values].sort((a, b) => a - b);
  const f = (v) => v.toFixed(1);
  return `${label}: p50 ${f(percentile(sorted, 50))} ms · p95 ${f(percentile(sorted, 95))} ms · p99 ${f(percentile(sorted, 99))} ms (n=${sorted.length})`;
}

async function main() {
  const model = await startInstantModel();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'albedo-bench-ai-'));
  const database = process.env.BENCH_DATABASE_URL;
  // BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server.
  const nodeArgs = process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ') : [];
  const child = spawnNode([...nodeArgs, 'dist/server/main.js'], {
    PORT: String(PORT),
    DATA_DIR: dataDir,
    OPENAI_API_KEY: 'sk-bench',
    OPENAI_BASE_URL: model.url,
    OPENAI_MODEL: 'gpt-4.1-mini',
    RATE_LIMIT_ASSISTANT_PER_MINUTE: '1000000',
    ...(database ? { DATABASE_URL: database, APP_MASTER_KEY: Buffer.alloc(32, 3).toString('base64') } : {}),
  });
  const base = `http://127.0.0.1:${PORT}`;
  try {
    await waitFor200(`${base}/health/ready`, child);
    const email = `bench-ai-${Date.now()}@example.com`;
    const signup = await (
      await fetch(`${base}/api/v1/auth/signup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: 'bench-harbour-lantern-42', name: 'Bench', workspaceName: 'Bench AI' }),
      })
    ).json();
    const headers = { authorization: `Bearer ${signup.data.accessToken}` };
    const newConversation = async () =>
      (
        await (
          await fetch(`${base}/api/v1/conversations`, {
            method: 'POST',
            headers: { ...headers, 'content-type': 'application/json' },
            body: '{}',
          })
        ).json()
      ).data.id;

    // Text-only turns: request → first token, and → end. A fresh conversation every 10 turns,
    // so history stays the size of a normal conversation.
    const firsts = [];
    const textTotals = [];
    let conversation = await newConversation();
    for (let i = 0; i < WARMUP + TURNS; i++) {
      if (i % 10 === 0) conversation = await newConversation();
      const r = await turn(base, headers, conversation, `hello number ${i}`);
      if (i >= WARMUP) {
        firsts.push(r.first);
        textTotals.push(r.total);
      }
    }
    // One-tool turns: the model asks for create_record, the tool runs, the model answers.
    const toolTotals = [];
    for (let i = 0; i < WARMUP + TURNS; i++) {
      if (i % 10 === 0) conversation = await newConversation();
      const r = await turn(base, headers, conversation, `create a contact ${i}`);
      if (!r.sawTool) throw new Error('the tool did not run');
      if (i >= WARMUP) toolTotals.push(r.total);
    }
    console.log(
      `\nAssistant overhead per turn with an instant model (${database ? 'PostgreSQL' : 'PGlite'}, sequential turns):`,
    );
    console.log(`  ${summary('request → first streamed token', firsts)}`);
    console.log(`  ${summary('text-only turn, request → end', textTotals)}`);
    console.log(`  ${summary('one-tool turn (2 model calls + create), request → end', toolTotals)}`);
    console.log(`  model calls served: ${model.calls()}; server RSS ${rssMb(child.pid)} MB`);
  } finally {
    await stop(child);
    model.server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
