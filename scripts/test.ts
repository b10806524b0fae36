/**
 * `npm test`: type-check, lint, import rules, folder cycles, dead exports (knip), recipe shellcheck, then unit,
 * integration and end-to-end tests with Node's test runner. Each step runs even when an earlier one failed, so one run shows every problem;
 * the exit code is non-zero when any step failed.
 *
 * TEST_ONLY=unit|integration|e2e limits the test step; extra arguments are passed to `node --test`.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const bin = (name: string) => join('node_modules', '.bin', name);
const levels = process.env.TEST_ONLY ? [process.env.TEST_ONLY] : ['unit', 'integration', 'e2e'];
const files = levels.flatMap((level) => listTests(join('test', level)));

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
  ['--test', '--test-concurrency=2', '--test-timeout=300000', ...process.argv.slice(2), ...files],
]);

const failed: string[] = [];
for (const [name, cmd, args] of steps) {
  if (process.env.SKIP_STATIC && name !== 'tests') continue;
  console.log(`\n── ${name} ──`);
  const res = spawnSync(cmd, args, { stdio: 'inherit' });
  if (res.status !== 0) failed.push(`${name}${res.error ? ` (${res.error.message})` : ''}`);
}
if (failed.length > 0) {
  console.error(`\nfailed: ${failed.join(', ')}`);
  process.exit(1);
}

function listTests(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => join(dir, f))
    .sort();
}
