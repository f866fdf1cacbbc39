// The model providers the assistant can use, and how one is turned into an AI SDK language model
// with the official client. Keys arrive here already unsealed and never leave this process.
import { createAnthropic } from '@ai-sdk/anthropic';
import { createGoogleGenerativeAI } from '@ai-sdk/google';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import type { LanguageModelV3 } from '@ai-sdk/provider';
import type { ProviderSettings } from '#server/config.ts';

export interface ProviderInfo {
  name: string;
  label: string;
  defaultModel: string;
  defaultBaseUrl?: string;
  /** Context window of the default model family, in tokens. */
  contextTokens: number;
  keyRequired: boolean;
  baseUrlRequired: boolean;
}

export const PROVIDERS: ProviderInfo[] = [
  {
    name: 'anthropic',
    label: 'Anthropic Claude',
    defaultModel: 'claude-sonnet-4-5',
    contextTokens: 200_000,
    keyRequired: true,
    baseUrlRequired: false,
  },
  {
    name: 'openai',
    label: 'OpenAI',
    defaultModel: 'gpt-4.1-mini',
    contextTokens: 128_000,
    keyRequired: true,
    baseUrlRequired: false,
  },
  {
    name: 'google',
    label: 'Google Gemini',
    defaultModel: 'gemini-2.5-flash',
    contextTokens: 1_000_000,
    keyRequired: true,
    baseUrlRequired: false,
  },
  {
    name: 'kimi',
    label: 'Moonshot Kimi',
    defaultModel: 'kimi-k2-0905-preview',
    defaultBaseUrl: 'https://api.moonshot.ai/v1',
    contextTokens: 256_000,
    keyRequired: true,
    baseUrlRequired: false,
  },
  {
    name: 'compatible',
    label: 'OpenAI-compatible endpoint (Ollama, vLLM, LM Studio)',
    defaultModel: '',
    contextTokens: 32_000,
    keyRequired: false,
    baseUrlRequired: true,
  },
];

export const PROVIDER_NAMES = PROVIDERS.map((p) => p.name) as [string, ...string[]];

export function providerInfo(name: string): ProviderInfo | undefined {
  return PROVIDERS.find((p) => p.name === name);
}

/** The official client for `settings`, as an AI SDK language model. */
export function languageModelFor(settings: ProviderSettings): LanguageModelV3 {
  const info = providerInfo(settings.name);
  if (!info) throw new Error(`unknown provider ${settings.name}`);
  const model = settings.model || info.defaultModel;
  const baseURL = settings.baseUrl || info.defaultBaseUrl;
  switch (settings.name) {
    case 'anthropic':
      return createAnthropic({ apiKey: settings.apiKey ?? '', ...(baseURL ? { baseURL } : {}) })(model);
    case 'openai':
      // Chat Completions: the protocol every OpenAI-compatible server also speaks.
      return createOpenAI({ apiKey: settings.apiKey ?? '', ...(baseURL ? { baseURL } : {}) }).chat(model);
    case 'google':
      return createGoogleGenerativeAI({ apiKey: settings.apiKey ?? '', ...(baseURL ? { baseURL } : {}) })(model);
    default:
      return createOpenAICompatible({
        name: settings.name,
        baseURL: baseURL ?? '',
        ...(settings.apiKey ? { apiKey: settings.apiKey } : {}),
        includeUsage: true,
      })(model);
  }
}

/** USD per million tokens (input, output), by model name prefix; the longest prefix wins. */
const PRICES: Array<[prefix: string, input: number, output: number]> = [
  ['claude-opus-4', 15, 75],
  ['claude-sonnet-4', 3, 15],
  ['claude-3-7-sonnet', 3, 15],
  ['claude-3-5-sonnet', 3, 15],
  ['claude-haiku-4', 1, 5],
  ['claude-3-5-haiku', 0.8, 4],
  ['gpt-5-mini', 0.25, 2],
  ['gpt-5-nano', 0.05, 0.4],
  ['gpt-5', 1.25, 10],
  ['gpt-4.1-nano', 0.1, 0.4],
  ['gpt-4.1-mini', 0.4, 1.6],
  ['gpt-4.1', 2, 8],
  ['gpt-4o-mini', 0.15, 0.6],
  ['gpt-4o', 2.5, 10],
  ['o4-mini', 1.1, 4.4],
  ['o3', 2, 8],
  ['gemini-2.5-pro', 1.25, 10],
  ['gemini-2.5-flash-lite', 0.1, 0.4],
  ['gemini-2.5-flash', 0.3, 2.5],
  ['gemini-2.0-flash', 0.1, 0.4],
  ['kimi-k2', 0.6, 2.5],
  ['moonshot-v1', 0.2, 2],
];

/** Cost of one call in USD; models not in the table (local ones, the offline model) cost nothing. */
export function costUsd(model: string, inputTokens: number, outputTokens: number): number {
  let best: (typeof PRICES)[number] | undefined;
  for (const row of PRICES) if (model.startsWith(row[0]) && (!best || row[0].length > best[0].length)) best = row;
  if (!best) return 0;
  return (inputTokens * best[1] + outputTokens * best[2]) / 1_000_000;
}
