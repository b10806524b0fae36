// Types of node-runtime.js (plain JS: the `ci-bot` binary runs without a build step).
type GlibcKey = 'MALLOC_ARENA_MAX' | 'MALLOC_MMAP_THRESHOLD_' | 'MALLOC_TRIM_THRESHOLD_';
export declare const NODE_FLAGS: string[];
export declare const JEMALLOC: string;
export declare const jemallocInstalled: boolean;
export declare const IMAGE_MALLOC_ENV: Readonly<Record<GlibcKey | 'LD_PRELOAD', string>>;
export declare const MALLOC_ENV: Readonly<Partial<Record<GlibcKey | 'LD_PRELOAD', string>>>;
export declare function withMallocEnv<T extends Record<string, string | undefined>>(env: T): T & Record<string, string | undefined>;
