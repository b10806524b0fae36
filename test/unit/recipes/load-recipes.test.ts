import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { loadRecipes } from '../../../src/recipes/load-recipes.ts';
import { PermanentError } from '../../../src/core/errors.ts';

const commands = new URL('../../../commands/', import.meta.url);

describe('loadRecipes', () => {
  test('loads the shipped recipes with the shared library first', () => {
    const recipes = loadRecipes(commands);
    assert.deepEqual([...recipes.keys()], ['image-present', 'prepull', 'setup-agent', 'setup-master']);
    const agent = recipes.get('setup-agent')!;
    assert.ok(agent.script.indexOf('detect_os()') < agent.script.indexOf("step 'detect os'"));
    assert.equal(recipes.get('setup-master')!.confirm, true);
    assert.equal(agent.role, 'agent');
  });

  test('every shipped script is shellcheck-clean (library included)', () => {
    const dir = new URL('.', commands).pathname;
    const files = ['lib.sh', 'setup-agent/run.sh', 'setup-master/run.sh', 'prepull/run.sh', 'image-present/run.sh'].map((f) => join(dir, f));
    const res = spawnSync('shellcheck', ['-s', 'bash', ...files], { encoding: 'utf8' });
    assert.equal(res.status, 0, res.stdout + res.stderr);
  });

  const bad: Array<[string, string, string, RegExp]> = [
    ['unknown type', 'type: hostname', 'type: fqdn', /parameters\.HOST\.type/],
    ['missing description', 'description: a test\n', '', /description/],
    ['name differs from folder', 'name: demo', 'name: other', /must equal the folder name/],
    ['bad default', "default: 'x'", "default: 'x;y'", /parameters\.HOST\.default/],
    ['undeclared step in run.sh', '  - one', '  - one\n  - two', /"two" is declared/],
    ['unknown field', 'confirm: false', 'confirm: false\nshell: zsh', /shell/],
  ];
  for (const [what, from, to, expect] of bad) {
    test(`a bad recipe stops loading with the file and field named: ${what}`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'ci-bot-recipes-'));
      try {
        mkdirSync(join(dir, 'demo'));
        const yaml = `name: demo\ndescription: a test\nrole: any\ntimeoutMs: 60000\nconfirm: false\nsteps:\n  - one\nparameters:\n  HOST:\n    type: hostname\n    description: h\n    default: 'x'\n`;
        writeFileSync(join(dir, 'demo', 'recipe.yaml'), yaml.replace(from, to));
        writeFileSync(join(dir, 'demo', 'run.sh'), "set -eu\nstep 'one'\n");
        assert.throws(() => loadRecipes(dir), (err: unknown) => {
          assert.ok(err instanceof PermanentError, String(err));
          assert.equal(err.code, 'config');
          assert.match(err.message, /demo[/\\](recipe\.yaml|run\.sh)/);
          assert.match(err.message, expect);
          return true;
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  test('run.sh without set -eu is refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ci-bot-recipes-'));
    try {
      mkdirSync(join(dir, 'demo'));
      writeFileSync(join(dir, 'demo', 'recipe.yaml'), readFileSync(new URL('prepull/recipe.yaml', commands), 'utf8').replace('name: prepull', 'name: demo'));
      writeFileSync(join(dir, 'demo', 'run.sh'), "step 'check docker'\nstep 'pull image'\n");
      assert.throws(() => loadRecipes(dir), /set -eu/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
