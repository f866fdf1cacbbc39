// One language model made of a chain of providers: each call is retried with backoff on rate
// limits, 5xx and timeouts, then handed to the next provider. Every attempt is reported (usage
// rows), successful or not, so a failover shows up in the usage view with both attempts.
import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3StreamPart,
  LanguageModelV3Usage,
} from '@ai-sdk/provider';
import { APICallError } from 'ai';

export interface Candidate {
  provider: string;
  model: LanguageModelV3;
}

export interface CallReport {
  provider: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  latencyMs: number;
  success: boolean;
  error?: string | undefined;
}

export interface FallbackOptions {
  candidates: Candidate[];
  maxRetries: number;
  retryBaseMs: number;
  callTimeoutMs: number;
  report: (call: CallReport) => void;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function tokens(usage: LanguageModelV3Usage | undefined) {
  return { inputTokens: usage?.inputTokens.total ?? 0, outputTokens: usage?.outputTokens.total ?? 0 };
}

/** Whether another attempt on the same provider may succeed: rate limits, server errors, timeouts. */
function retryable(error: unknown, timedOut: boolean): boolean {
  if (timedOut) return true;
  if (APICallError.isInstance(error)) {
    const status = error.statusCode;
    return status === undefined || status === 408 || status === 409 || status === 429 || status >= 500;
  }
  // Network failures (connection refused or reset) are worth another try too.
  return error instanceof TypeError;
}

function retryAfterMs(error: unknown): number | undefined {
  if (!APICallError.isInstance(error)) return undefined;
  const header = error.responseHeaders?.['retry-after'];
  const seconds = header ? Number(header) : Number.NaN;
  return Number.isFinite(seconds) ? Math.min(seconds * 1000, 10_000) : undefined;
}

function describe(error: unknown, timedOut: boolean): string {
  if (timedOut) return 'timeout';
  if (APICallError.isInstance(error)) return `HTTP ${error.statusCode ?? '?'}: ${error.message}`.slice(0, 300);
  return (error instanceof Error ? error.message : String(error)).slice(0, 300);
}

export function createFallbackModel(options: FallbackOptions): LanguageModelV3 {
  const { candidates, report } = options;
  const sleep = options.sleep ?? defaultSleep;
  const first = candidates[0];
  if (!first) throw new Error('createFallbackModel: no candidates');

  /** Runs `call` along the chain; `call` returns once the provider has accepted the request. */
  async function run<T>(
    callOptions: LanguageModelV3CallOptions,
    call: (candidate: Candidate, options: LanguageModelV3CallOptions, started: number) => PromiseLike<T>,
  ): Promise<T> {
    const outer = callOptions.abortSignal;
    let lastError: unknown;
    for (const candidate of candidates) {
      for (let attempt = 0; attempt <= options.maxRetries; attempt++) {
        const timeout = AbortSignal.timeout(options.callTimeoutMs);
        const signal = outer ? AbortSignal.any([outer, timeout]) : timeout;
        const started = performance.now();
        try {
          return await call(candidate, { ...callOptions, abortSignal: signal }, started);
        } catch (error) {
          if (outer?.aborted) throw error;
          const timedOut = timeout.aborted;
          lastError = error;
          report({
            provider: candidate.provider,
            model: candidate.model.modelId,
            inputTokens: 0,
            outputTokens: 0,
            latencyMs: Math.round(performance.now() - started),
            success: false,
            error: describe(error, timedOut),
          });
          if (!retryable(error, timedOut) || attempt === options.maxRetries) break;
          await sleep(retryAfterMs(error) ?? options.retryBaseMs * 2 ** attempt);
        }
      }
    }
    throw lastError;
  }

  return {
    specificationVersion: 'v3',
    provider: first.provider,
    modelId: first.model.modelId,
    supportedUrls: {},
    async doGenerate(callOptions) {
      return run(callOptions, async (candidate, opts, started) => {
        const result = await candidate.model.doGenerate(opts);
        report({
          provider: candidate.provider,
          model: candidate.model.modelId,
          ...tokens(result.usage),
          latencyMs: Math.round(performance.now() - started),
          success: true,
        });
        return result;
      });
    },
    async doStream(callOptions) {
      return run(callOptions, async (candidate, opts, started) => {
        const result = await candidate.model.doStream(opts);
        let reported = false;
        const finish = (usage: LanguageModelV3Usage | undefined, error?: string) => {
          if (reported) return;
          reported = true;
          report({
            provider: candidate.provider,
            model: candidate.model.modelId,
            ...tokens(usage),
            latencyMs: Math.round(performance.now() - started),
            success: error === undefined,
            error,
          });
        };
        const stream = result.stream.pipeThrough(
          new TransformStream<LanguageModelV3StreamPart, LanguageModelV3StreamPart>({
            transform(part, controller) {
              if (part.type === 'finish') finish(part.usage);
              else if (part.type === 'error') finish(undefined, describe(part.error, false));
              controller.enqueue(part);
            },
            flush() {
              finish(undefined, 'stream ended without finishing');
            },
          }),
        );
        return { ...result, stream };
      });
    },
  };
}
