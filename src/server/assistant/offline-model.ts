// The built-in offline model: an AI SDK language model (specification v3) that needs no provider.
// It reads the same prompt a hosted model gets (system prompt, messages, tool results), answers the
// commands in offline-grammar.ts with the same tool calls, and phrases the results.
import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3Content,
  LanguageModelV3Prompt,
  LanguageModelV3StreamPart,
  LanguageModelV3Usage,
} from '@ai-sdk/provider';
import type { MentionedRecord } from '#server/db/schema/assistant.ts';
import { type GrammarContext, reply, understand } from './offline-grammar.ts';
import { toolDefinition } from './tool-adapter.ts';

export const OFFLINE_PROVIDER = 'offline';
export const OFFLINE_MODEL_ID = 'albedo-offline-1';

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter((p): p is { type: 'text'; text: string } => p?.type === 'text')
    .map((p) => p.text)
    .join('\n');
}

/** Reads the fixed-format lines of the system prompt (see agents.ts). */
function contextFrom(prompt: LanguageModelV3Prompt, lastUser: number): GrammarContext {
  const system = prompt
    .filter((m) => m.role === 'system')
    .map((m) => m.content as string)
    .join('\n');
  const now = system.match(/^Current time \(UTC\): (\S+)$/m)?.[1];
  const timezone = system.match(/^Timezone: (\S+)$/m)?.[1] ?? 'UTC';
  const recent: MentionedRecord[] = [];
  for (const m of system.matchAll(/^- (\w+) "(.*)" id=([0-9a-f-]{36})$/gm)) {
    recent.push({ object: m[1] as string, title: m[2] as string, id: m[3] as string });
  }
  let lastAssistantText: string | null = null;
  for (let i = lastUser - 1; i >= 0; i--) {
    const m = prompt[i];
    if (m?.role === 'user') break;
    if (m?.role === 'assistant') {
      const text = textOf(m.content);
      if (text) {
        lastAssistantText = text;
        break;
      }
    }
  }
  return { now: now ? new Date(now) : new Date(), timezone, recent, lastAssistantText };
}

function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

function usage(input: number, output: number): LanguageModelV3Usage {
  return {
    inputTokens: { total: input, noCache: input, cacheRead: undefined, cacheWrite: undefined },
    outputTokens: { total: output, text: output, reasoning: undefined },
  };
}

/**
 * The model's answer to a prompt: text, or tool calls for the caller to run. `offered` names the
 * tools this turn offers (the user's permissions decide): a command needing another is answered
 * in words, as a hosted model would.
 */
export function respond(prompt: LanguageModelV3Prompt, offered?: ReadonlySet<string>): LanguageModelV3Content[] {
  let lastUser = -1;
  prompt.forEach((m, i) => {
    if (m.role === 'user') lastUser = i;
  });
  // Tool results after the user's message: the tools ran, so say what happened.
  const outcomes: Array<{ toolName: string; output: unknown; denied?: boolean }> = [];
  for (const m of prompt.slice(lastUser + 1)) {
    if (m.role !== 'tool') continue;
    for (const part of m.content) {
      if (part.type !== 'tool-result') continue;
      const out = part.output;
      if (out.type === 'execution-denied') outcomes.push({ toolName: part.toolName, output: null, denied: true });
      else if (out.type === 'json' || out.type === 'text')
        outcomes.push({ toolName: part.toolName, output: out.value });
      else if (out.type === 'error-text' || out.type === 'error-json')
        outcomes.push({ toolName: part.toolName, output: { ok: false, error: { message: String(out.value) } } });
    }
  }
  if (outcomes.length) return [{ type: 'text', text: reply(outcomes) }];
  const user = prompt[lastUser];
  const understood = understand(user ? textOf(user.content) : '', contextFrom(prompt, lastUser));
  if ('text' in understood) return [{ type: 'text', text: understood.text }];
  const missing = offered ? understood.calls.find((c) => !offered.has(c.toolName)) : undefined;
  if (missing) {
    const title = toolDefinition(missing.toolName)?.title ?? missing.toolName;
    return [
      {
        type: 'text',
        text: `I couldn't do that: your role does not allow "${title}" here. Ask a workspace admin if you need it.`,
      },
    ];
  }
  return understood.calls.map((c, i) => ({
    type: 'tool-call',
    toolCallId: `offline-${Date.now().toString(36)}-${i}-${Math.random().toString(36).slice(2, 8)}`,
    toolName: c.toolName,
    input: JSON.stringify(c.input),
  }));
}

export function createOfflineModel(): LanguageModelV3 {
  function run(options: LanguageModelV3CallOptions) {
    const offered = options.tools ? new Set(options.tools.map((t) => t.name)) : undefined;
    const content = respond(options.prompt, offered);
    const inTokens = estimateTokens(JSON.stringify(options.prompt));
    const outTokens = estimateTokens(JSON.stringify(content));
    const toolCalls = content.some((c) => c.type === 'tool-call');
    return {
      content,
      usage: usage(inTokens, outTokens),
      finishReason: { unified: toolCalls ? ('tool-calls' as const) : ('stop' as const), raw: undefined },
    };
  }
  return {
    specificationVersion: 'v3',
    provider: OFFLINE_PROVIDER,
    modelId: OFFLINE_MODEL_ID,
    supportedUrls: {},
    async doGenerate(options) {
      return { ...run(options), warnings: [] };
    },
    async doStream(options) {
      const { content, usage: u, finishReason } = run(options);
      const parts: LanguageModelV3StreamPart[] = [{ type: 'stream-start', warnings: [] }];
      content.forEach((c, i) => {
        if (c.type === 'text') {
          const id = `t${i}`;
          parts.push({ type: 'text-start', id });
          // Word by word, so the page streams as it would with a hosted model.
          for (const piece of c.text.match(/\S+\s*|\s+/g) ?? []) parts.push({ type: 'text-delta', id, delta: piece });
          parts.push({ type: 'text-end', id });
        } else if (c.type === 'tool-call') {
          parts.push(c);
        }
      });
      parts.push({ type: 'finish', usage: u, finishReason });
      return {
        stream: new ReadableStream<LanguageModelV3StreamPart>({
          start(controller) {
            for (const p of parts) controller.enqueue(p);
            controller.close();
          },
        }),
      };
    },
  };
}
