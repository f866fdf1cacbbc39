// Types for scripts/server-env.mjs (a plain script, imported by a test).
export declare const SERVER_ENV: { MALLOC_MMAP_THRESHOLD_: string };
export declare function serverEnv(env?: Record<string, string | undefined>): Record<string, string | undefined>;
