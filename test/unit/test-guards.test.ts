/**
 * Guards that keep a test run honest: UPDATE_GOLDEN cannot turn comparisons into passes under CI, and `npm test`
 * (scripts/test.ts) fails when a level has no test files or nothing ran (e.g. a --test-name-pattern matching nothing).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertGolden, goldenMode } from '../support/golden.ts';
import { namePatterns, ranProblems, testFiles } from '../../scripts/test-plan.ts';

const repo = new URL('../../', import.meta.url).pathname;
const GOLDEN = 'chat/help';

describe('UPDATE_GOLDEN', () => {
  test('is refused when CI is set, and then writes nothing', (t) => {
    // A name with no golden file: if the guard were gone, the update would create it (removed again below).
    const name = `guard-test-${process.pid}`;
    const path = new URL(`../golden/${name}.json`, import.meta.url);
    t.after(() => rmSync(path, { force: true }));
    assert.throws(() => assertGolden(name, { not: 'the rendering' }, { UPDATE_GOLDEN: '1', CI: 'true' }), /refused when CI is set/);
    assert.equal(existsSync(path), false, 'no golden file was written');
  });

  test('compares by default and under CI; updates only locally', () => {
    assert.equal(goldenMode({}), 'compare');
    assert.equal(goldenMode({ CI: 'true' }), 'compare');
    assert.equal(goldenMode({ UPDATE_GOLDEN: '1' }), 'update');
    assert.throws(() => assertGolden(GOLDEN, { not: 'the rendering' }, { CI: 'true' }), /differs from test\/golden/);
  });
});

describe('npm test never passes with nothing executed', () => {
  test('a level without test files is an error', () => {
    assert.ok(testFiles('unit').length > 10);
    assert.throws(() => testFiles('unti'), /no test files under test\/unti/);
  });

  test('a run where no test ran, or a name pattern matched none, has problems', () => {
    const file = '/repo/test/unit/a.test.ts';
    const ran = [
      { name: 'parses a command', type: 'test', file, skipped: false },
      { name: 'chat', type: 'suite', file, skipped: false },
      { name: 'a skipped one', type: 'test', file, skipped: true },
    ];
    assert.deepEqual(ranProblems(ran, []), []);
    assert.deepEqual(ranProblems(ran, ['parses', '/^CHAT$/i']), []);
    assert.deepEqual(ranProblems(ran, ['skipped']), ['--test-name-pattern skipped matched no test']);
    // What the runner reports for a file in which no test matched: the file itself as one passing "test".
    assert.deepEqual(ranProblems([{ name: 'test/unit/a.test.ts', type: 'test', file, skipped: false }], ['zzz']),
      ['no test ran', '--test-name-pattern zzz matched no test']);
    assert.deepEqual(ranProblems([], []), ['no test ran']);
    assert.deepEqual(namePatterns(['--test-name-pattern=a b', '--test-name-pattern', 'c', '--x']), ['a b', 'c']);
  });

  test('scripts/test.ts exits 1 for an empty level, and for a name pattern that matches no test (and 0 when one does)', (t) => {
    // A small tree of its own (TEST_DIR), so this does not run the whole unit level inside the unit level.
    const tree = mkdtempSync(join(tmpdir(), 'ci-bot-test-guards-'));
    t.after(() => rmSync(tree, { recursive: true, force: true }));
    mkdirSync(join(tree, 'unit'));
    writeFileSync(join(tree, 'unit', 'one.test.ts'), "import { test } from 'node:test';\ntest('the only test', () => {});\n");
    const run = (args: string[], env: Record<string, string>) =>
      spawnSync(process.execPath, ['scripts/test.ts', ...args], {
        cwd: repo, env: { ...withoutTestContext(process.env), SKIP_STATIC: '1', TEST_DIR: tree, ...env }, encoding: 'utf8', timeout: 120_000,
      });
    const empty = run([], { TEST_ONLY: 'integration' });
    assert.equal(empty.status, 1, empty.stderr);
    assert.match(empty.stderr, /no test files under .*integration/);
    const none = run(['--test-name-pattern=^no test is called this$'], { TEST_ONLY: 'unit' });
    assert.equal(none.status, 1, none.stdout.slice(-2000));
    assert.match(none.stderr, /npm test: no test ran/);
    assert.match(none.stderr, /matched no test/);
    const one = run(['--test-name-pattern=only test'], { TEST_ONLY: 'unit' });
    assert.equal(one.status, 0, `${one.stdout.slice(-2000)}\n${one.stderr}`);
  });
});

/** The environment minus NODE_TEST_CONTEXT, which would make the inner `node --test` report to this runner instead of running on its own. */
function withoutTestContext(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { NODE_TEST_CONTEXT: _ignored, ...rest } = env;
  return rest;
}
