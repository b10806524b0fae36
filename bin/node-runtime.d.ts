// Types of node-runtime.js (plain JS: the `ci-bot` binary runs without a build step).
export declare const NODE_FLAGS: string[];
export declare const MALLOC_ENV: Readonly<Record<'MALLOC_ARENA_MAX' | 'MALLOC_MMAP_THRESHOLD_' | 'MALLOC_TRIM_THRESHOLD_', string>>;
export declare function withMallocEnv<T extends Record<string, string | undefined>>(env: T): T & Record<string, string | undefined>;
