/**
 * Recipe parameters computed from the inventory and `packages.*`: what the hosts advertise (their address by
 * default, as the seed writes it; their name when asked), and both OS families' package lists.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { configSchema } from '../../../src/config/schema.ts';
import { loadRecipes } from '../../../src/recipes/load-recipes.ts';
import { validateParams } from '../../../src/recipes/validate-params.ts';
import { recipeParams } from '../../../src/features/provisioning/index.ts';

const recipes = loadRecipes(new URL('../../../commands/', import.meta.url));

function config(extra: { advertise?: 'address' | 'name'; slave1?: Record<string, unknown>; packages?: unknown } = {}) {
  return configSchema.parse({
    inventory: {
      ...(extra.advertise ? { advertise: extra.advertise } : {}),
      hosts: [
        { name: 'master', address: '172.26.1.1', roles: ['master'] },
        { name: 'slave1', address: '172.26.1.2', roles: ['agent'], ...extra.slave1 },
        { name: 'slave2', address: '172.26.1.3', roles: ['agent'] },
      ],
    },
    ...(extra.packages ? { packages: extra.packages } : {}),
  });
}

describe('advertised hostname', () => {
  test('by default every host advertises its address, as the seed writes it', () => {
    const c = config();
    assert.equal(recipeParams(c, 'setup-master', 'master').HOST_NAME, '172.26.1.1');
    assert.equal(recipeParams(c, 'setup-agent', 'slave1').HOST_NAME, '172.26.1.2');
    assert.equal(recipeParams(c, 'setup-agent', 'slave1').HOST_IP, '172.26.1.2');
  });

  test('advertise: name on one host uses its inventory name there only', () => {
    const c = config({ slave1: { advertise: 'name' } });
    assert.equal(recipeParams(c, 'setup-agent', 'slave1').HOST_NAME, 'slave1');
    assert.equal(recipeParams(c, 'setup-agent', 'slave2').HOST_NAME, '172.26.1.3');
  });

  test('inventory.advertise sets the default; a host may still ask for its address', () => {
    const c = config({ advertise: 'name', slave1: { advertise: 'address' } });
    assert.equal(recipeParams(c, 'setup-master', 'master').HOST_NAME, 'master');
    assert.equal(recipeParams(c, 'setup-agent', 'slave1').HOST_NAME, '172.26.1.2');
    assert.equal(recipeParams(c, 'setup-agent', 'slave2').HOST_NAME, 'slave2');
  });

  test('anything else is a config error naming the path', () => {
    const r = configSchema.safeParse({ inventory: { hosts: [{ name: 'a', address: '10.0.0.1', roles: ['agent'], advertise: 'fqdn' }] } });
    assert.equal(r.success, false);
    assert.deepEqual(r.error?.issues[0]?.path, ['inventory', 'hosts', 0, 'advertise']);
  });
});

describe('packages per OS family', () => {
  test('defaults: RHEL as the seed (yum install mesos marathon mesosphere-zookeeper / docker mesos), Debian its own names', () => {
    const c = config();
    assert.deepEqual(pick(recipeParams(c, 'setup-master', 'master')), {
      PACKAGES_RHEL: 'mesos marathon mesosphere-zookeeper', PACKAGES_DEBIAN: 'mesos marathon zookeeperd',
    });
    assert.deepEqual(pick(recipeParams(c, 'setup-agent', 'slave1')), { PACKAGES_RHEL: 'mesos docker', PACKAGES_DEBIAN: 'mesos docker.io' });
  });

  test('each name and each repository is overridable per family', () => {
    const c = config({
      packages: {
        rhel: { docker: 'docker-ce', repository: 'http://repo.local/el/7' },
        debian: { mesos: 'mesos=1.11.0-2', repository: 'http://repo.local/debian', suite: 'bookworm' },
      },
    });
    assert.deepEqual(recipeParams(c, 'setup-agent', 'slave1'), {
      HOST_NAME: '172.26.1.2', HOST_IP: '172.26.1.2', ZK_ENSEMBLE: '172.26.1.1',
      PACKAGES_RHEL: 'mesos docker-ce', PACKAGES_DEBIAN: 'mesos=1.11.0-2 docker.io',
      REPO_URL_RHEL: 'http://repo.local/el/7', REPO_URL_DEBIAN: 'http://repo.local/debian', REPO_SUITE: 'bookworm',
    });
  });

  test('the old flat form (one name for every family) is refused with its path, not silently ignored', () => {
    const r = configSchema.safeParse({ packages: { docker: 'docker.io' } });
    assert.equal(r.success, false);
    assert.match(JSON.stringify(r.error?.issues), /docker/);
  });

  test("the recipes' own defaults are the config's defaults (a recipe run by hand installs the same)", () => {
    for (const [recipe, host] of [['setup-agent', 'slave1'], ['setup-master', 'master']] as const) {
      const fromConfig = recipeParams(config(), recipe, host);
      const fromRecipe = validateParams(recipes.get(recipe)!, { HOST_NAME: 'h', HOST_IP: '10.0.0.1', ZK_ENSEMBLE: '10.0.0.1' });
      assert.deepEqual(pick(fromRecipe), pick(fromConfig), recipe);
    }
  });

  test('the parameters the bot computes are exactly ones the recipes declare and accept', () => {
    const c = config({ packages: { rhel: { repository: 'http://r.local/el' }, debian: { repository: 'http://r.local/d', suite: 'x' } } });
    assert.doesNotThrow(() => validateParams(recipes.get('setup-agent')!, recipeParams(c, 'setup-agent', 'slave1')));
    assert.doesNotThrow(() => validateParams(recipes.get('setup-master')!, recipeParams(c, 'setup-master', 'master')));
  });
});

function pick(p: Readonly<Record<string, string>>) {
  return { PACKAGES_RHEL: p.PACKAGES_RHEL, PACKAGES_DEBIAN: p.PACKAGES_DEBIAN };
}
