/**
 * `npm test`: type-check, lint, import rules, folder cycles, dead exports (knip), recipe shellcheck, then unit,
 * integration and end-to-end tests with Node's test runner. Each step runs even when an earlier one failed, so one run shows every problem;
 * the exit code is non-zero when any step failed.
 *
 * TEST_ONLY=unit|integration|e2e limits the test step; extra arguments are passed to `node --test`; TEST_DIR
 * (default `test`) is where the level folders are (the guards' own test points it at a small tree).
 * A run never passes with nothing executed: a level without test files, a run in which no test ran, or a
 * `--test-name-pattern` that matched no test fails it (scripts/test-plan.ts).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { namePatterns, ranProblems, testFiles, type RanTest } from './test-plan.ts';

const bin = (name: string) => join('node_modules', '.bin', name);
const levels = process.env.TEST_ONLY ? [process.env.TEST_ONLY] : ['unit', 'integration', 'e2e'];
let files: string[];
try {
  files = levels.flatMap((level) => testFiles(level, process.env.TEST_DIR || 'test'));
} catch (err) {
  console.error(`npm test: ${(err as Error).message}`);
  process.exit(1);
}
const extra = process.argv.slice(2);
const ranDir = mkdtempSync(join(tmpdir(), 'ci-bot-test-ran-'));
const ranFile = join(ranDir, 'ran.jsonl');
const reporter = new URL('./test-count-reporter.ts', import.meta.url).pathname;

// Every recipe's run.sh and the shared shell library sent ahead of it.
const recipes = existsSync('commands')
  ? readdirSync('commands', { withFileTypes: true }).flatMap((d) =>
      d.isDirectory() ? (existsSync(join('commands', d.name, 'run.sh')) ? [join('commands', d.name, 'run.sh')] : []) : d.name.endsWith('.sh') ? [join('commands', d.name)] : [],
    )
  : [];

const steps: Array<[string, string, string[]]> = [
  ['type-check', bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']],
  ['lint', bin('eslint'), ['--max-warnings', '0', '.']],
  ['import rules', bin('depcruise'), ['src', '--config', '.dependency-cruiser.cjs']],
  ['folder cycles', process.execPath, [join('scripts', 'folder-cycles.ts')]],
  ['dead exports', bin('knip'), ['--no-progress']],
];
if (recipes.length > 0) steps.push(['shellcheck', 'shellcheck', ['-s', 'bash', ...recipes]]);
steps.push([
  'tests',
  process.execPath,
  [
    '--test', '--test-concurrency=2', '--test-timeout=300000',
    '--test-reporter=spec', '--test-reporter-destination=stdout', `--test-reporter=${reporter}`, `--test-reporter-destination=${ranFile}`,
    ...extra, ...files,
  ],
]);

const failed: string[] = [];
for (const [name, cmd, args] of steps) {
  if (process.env.SKIP_STATIC && name !== 'tests') continue;
  console.log(`\n── ${name} ──`);
  const res = spawnSync(cmd, args, { stdio: 'inherit' });
  if (res.status !== 0) failed.push(`${name}${res.error ? ` (${res.error.message})` : ''}`);
  if (name === 'tests') {
    const ran = existsSync(ranFile) ? readFileSync(ranFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as RanTest) : [];
    for (const problem of ranProblems(ran, namePatterns(extra))) {
      console.error(`npm test: ${problem}`);
      failed.push(problem);
    }
  }
}
rmSync(ranDir, { recursive: true, force: true });
if (failed.length > 0) {
  console.error(`\nfailed: ${failed.join(', ')}`);
  process.exit(1);
}
