/**
 * What `npm test` (scripts/test.ts) runs and how it knows something ran: the test files of each level (a level with
 * none is an error, not a silent pass), the `--test-name-pattern`s given, and the check that every pattern matched
 * at least one test that ran, read from what scripts/test-count-reporter.ts recorded.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** One finished test or suite, as scripts/test-count-reporter.ts writes it (one JSON object a line). */
export interface RanTest {
  name: string;
  /** `test` or `suite`. */
  type: string;
  /** The test file; when the runner reports a whole file as one "test" (no test in it ran), `name` is its path. */
  file?: string;
  skipped: boolean;
}

/** The `*.test.ts` files under `test/<level>`, sorted. @throws when there are none (a typo in TEST_ONLY, a moved folder) */
export function testFiles(level: string, root = 'test'): string[] {
  const dir = join(root, level);
  const files = existsSync(dir)
    ? readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.test.ts')).map((f) => join(dir, f)).sort()
    : [];
  if (files.length === 0) throw new Error(`no test files under ${dir}: nothing would run`);
  return files;
}

/** The values of every `--test-name-pattern=X` / `--test-name-pattern X` in `args`. */
export function namePatterns(args: readonly string[]): string[] {
  const out: string[] = [];
  args.forEach((a, i) => {
    if (a.startsWith('--test-name-pattern=')) out.push(a.slice('--test-name-pattern='.length));
    else if (a === '--test-name-pattern' && args[i + 1] !== undefined) out.push(args[i + 1] as string);
  });
  return out;
}

/** Problems with a finished run: no test ran at all, or a name pattern matched no test or suite that ran. */
export function ranProblems(ran: readonly RanTest[], patterns: readonly string[]): string[] {
  const real = ran.filter((r) => !r.skipped && !(r.file !== undefined && (r.file === r.name || r.file.endsWith(`/${r.name}`))));
  const problems: string[] = [];
  if (!real.some((r) => r.type === 'test')) problems.push('no test ran');
  for (const p of patterns) {
    const re = patternRegExp(p);
    if (!real.some((r) => re.test(r.name))) problems.push(`--test-name-pattern ${p} matched no test`);
  }
  return problems;
}

/** Node reads `/x/i` as a regular expression with flags and anything else as a plain regular expression. */
function patternRegExp(p: string): RegExp {
  const m = /^\/(.*)\/([a-z]*)$/s.exec(p);
  return m ? new RegExp(m[1] as string, m[2]) : new RegExp(p);
}
