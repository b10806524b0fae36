// How production runs Node (the `ci-bot` binary, the Docker image, and the benchmarks that measure "as shipped").
// The Dockerfile repeats these (it cannot import them); test/unit/project.test.ts holds the two together.

/**
 * V8 flags.
 * - A 1 MB young-generation semi-space keeps a mostly idle bot's heap small (about 20-40 MB less RSS at idle and
 *   after large cluster reads, see test/bench/idle-rss.ts and status-scale.ts) at the cost of more, tiny scavenges.
 * - The old generation may grow 25 % past what the last full GC kept before the next one. V8's own factor (up to
 *   4×) let a bot that keeps 85 MB of a 50,000-agent cluster grow to 200+ MB of heap over a few `/ci status` and
 *   digests, each parsing a 32 MB `/master/slaves` (TARGETS.md P4: ≤ 150 MB extra RSS). Measured with
 *   status-scale.ts at 50,000 agents: extra RSS +238 MB → +90 MB over three rounds, wall time unchanged.
 */
export const NODE_FLAGS = ['--max-semi-space-size=1', '--heap-growing-percent=25'];

/**
 * glibc malloc settings, set only where the environment does not set them already. Measured with
 * test/bench/memory-soak.ts (TARGETS.md P5): with glibc's defaults, Node's threads each get a malloc arena and
 * freed blocks stay in them, and the dynamic mmap threshold moves large blocks onto the never-shrinking heap; two
 * arenas and a fixed 128 KiB mmap / trim threshold return that memory (idle `ci-bot all` about 8-15 MB less RSS).
 */
export const MALLOC_ENV = {
  MALLOC_ARENA_MAX: '2',
  MALLOC_MMAP_THRESHOLD_: '131072',
  MALLOC_TRIM_THRESHOLD_: '131072',
};

/** `env` with {@link MALLOC_ENV} filled in where it has no value of its own. */
export function withMallocEnv(env) {
  return { ...MALLOC_ENV, ...env };
}
