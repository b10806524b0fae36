// How production runs Node (the `ci-bot` binary, the Docker image, and the benchmarks that measure "as shipped").
// The Dockerfile repeats these (it cannot import them); test/unit/project.test.ts holds the two together.
import { existsSync } from 'node:fs';

/**
 * V8 flags.
 * - A 1 MB young-generation semi-space keeps a mostly idle bot's heap small (about 20-40 MB less RSS at idle and
 *   after large cluster reads, see test/bench/idle-rss.ts and status-scale.ts) at the cost of more, tiny scavenges.
 * - The old generation may grow 25 % past what the last full GC kept before the next one. V8's own factor (up to
 *   4×) let a bot that keeps 85 MB of a 50,000-agent cluster grow to 200+ MB of heap over a few `/ci status` and
 *   digests, each parsing a 32 MB `/master/slaves` (TARGETS.md P4: ≤ 150 MB extra RSS). Measured with
 *   status-scale.ts at 50,000 agents: extra RSS +238 MB → +90 MB over three rounds, wall time unchanged.
 * - A function's bytecode (and its baseline code) is dropped at the first full GC that finds it unused since the
 *   previous one (V8's default waits five), and compiled again from source if it runs again. Most of a bot's code
 *   runs at start-up or in bursts (config and schema building, 100 SSH handshakes, a digest) and then idles: with
 *   100 pooled SSH connections, V8's heap at idle went from 46-50 MB to 34-38 MB (TARGETS.md P5, measured with
 *   test/bench/memory-soak.ts's idle part). Code that keeps running keeps its bytecode and optimized code.
 */
export const NODE_FLAGS = ['--max-semi-space-size=1', '--heap-growing-percent=25', '--bytecode-old-age=1', '--flush-baseline-code'];

/**
 * The allocator. Measured with test/bench/memory-soak.ts (TARGETS.md P5):
 * - jemalloc (Debian's libjemalloc2; the Docker image installs it) is preloaded where it is installed. A burst of
 *   work (100 SSH handshakes, a large cluster read) mallocs and frees many blocks on Node's and V8's threads; glibc
 *   keeps what is freed below a block still in use, and returns it only when the top of its heap is free. Idle
 *   `ci-bot all` with 100 pooled SSH connections, 7 runs each: glibc 112-123 MiB, jemalloc 108-118 MiB. The
 *   spread is where freed blocks happen to sit; jemalloc narrows it and lowers it, it does not remove it.
 * - Where it is not installed, glibc with two arenas and a fixed 128 KiB mmap / trim threshold: with glibc's
 *   defaults, each of Node's threads gets a malloc arena, freed blocks stay in them, and the dynamic mmap threshold
 *   moves large blocks onto the never-shrinking heap (idle `ci-bot all` 8-15 MB more). jemalloc ignores these.
 */
export const JEMALLOC = 'libjemalloc.so.2';
const GLIBC_ENV = {
  MALLOC_ARENA_MAX: '2',
  MALLOC_MMAP_THRESHOLD_: '131072',
  MALLOC_TRIM_THRESHOLD_: '131072',
};
/** What the Docker image sets (the dynamic loader finds the bare library name in the system's library path). */
export const IMAGE_MALLOC_ENV = { LD_PRELOAD: JEMALLOC, ...GLIBC_ENV };

const LIB_DIRS = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/lib/x86_64-linux-gnu', '/lib/aarch64-linux-gnu'];
/** Whether jemalloc is installed where the dynamic loader looks (a missing preload only warns, on every start). */
export const jemallocInstalled = LIB_DIRS.some((d) => existsSync(`${d}/${JEMALLOC}`));

/** The image's settings, without jemalloc where it is not installed. */
export const MALLOC_ENV = jemallocInstalled ? IMAGE_MALLOC_ENV : GLIBC_ENV;

/** `env` with {@link MALLOC_ENV} filled in where it has no value of its own (an LD_PRELOAD of its own wins). */
export function withMallocEnv(env) {
  return { ...MALLOC_ENV, ...env };
}
