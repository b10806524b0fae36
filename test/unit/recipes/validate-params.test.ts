import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { loadRecipes } from '../../../src/recipes/load-recipes.ts';
import { validateParams, checkValue } from '../../../src/recipes/validate-params.ts';
import { UserFacingError } from '../../../src/core/errors.ts';
import { injectionPayloads } from '../../support/injection-payloads.ts';

const recipes = loadRecipes(new URL('../../../commands/', import.meta.url));
const agent = recipes.get('setup-agent')!;
const prepull = recipes.get('prepull')!;
const good = { HOST_NAME: 'slave2', HOST_IP: '10.0.0.3', ZK_ENSEMBLE: '10.0.0.1' };

/**
 * R12: every one of these must be refused, whatever parameter it lands in. Each that could run something would, if
 * executed on a host, create a file under /var/lib/cibot-pwned (test/support/injection-payloads.ts; the integration
 * and e2e tests look for those traces on real hosts).
 */
const INJECTIONS: Array<[string, string]> = injectionPayloads('/var/lib/cibot-pwned').map((p) => [p.what, p.value]);

describe('validateParams (R12)', () => {
  test('accepts good values and fills defaults', () => {
    const env = validateParams(agent, good);
    assert.equal(env.HOST_NAME, 'slave2');
    assert.equal(env.PACKAGES_DEBIAN, 'mesos docker.io');
    assert.equal(env.REPO_URL_RHEL, '');
  });

  for (const [what, value] of INJECTIONS) {
    test(`refuses ${what} in a hostname`, () => {
      assert.throws(() => validateParams(agent, { ...good, HOST_NAME: value }), (err: unknown) => {
        assert.ok(err instanceof UserFacingError);
        assert.equal(err.code, 'bad_arguments');
        assert.match(err.message, /HOST_NAME/);
        assert.ok(err.message.length < 400, 'message stays short even for huge input');
        assert.ok(!err.message.includes('\n') && !err.message.includes('\u0000'), 'message shows no raw control chars');
        return true;
      });
    });
    test(`refuses ${what} in an image name`, () => {
      assert.throws(() => validateParams(prepull, { IMAGE: `jenkins/jenkins:lts${value}` }), UserFacingError);
    });
  }

  test('lists every problem at once, including unknown and missing parameters', () => {
    assert.throws(
      () => validateParams(agent, { HOST_NAME: 'a;b', BOGUS: 'x' }),
      (err: Error) => /HOST_NAME/.test(err.message) && /BOGUS/.test(err.message) && /HOST_IP: required/.test(err.message),
    );
  });

  test('accepts realistic image names and refuses malformed ones', () => {
    for (const ok of ['jenkins/jenkins:lts', 'registry.local:5000/team/agent:1.2.3', 'busybox', `alpine@sha256:${'a'.repeat(64)}`]) {
      assert.equal(checkValue(ok, 'image'), undefined, ok);
    }
    for (const bad of ['Jenkins', 'jenkins:', '/jenkins', 'a//b', 'x:tag:tag']) {
      assert.notEqual(checkValue(bad, 'image'), undefined, bad);
    }
  });

  test('host lists are comma-separated hosts without spaces', () => {
    assert.equal(checkValue('10.0.0.1,master2.example.com', 'host-list'), undefined);
    assert.notEqual(checkValue('10.0.0.1, 10.0.0.2', 'host-list'), undefined);
    assert.notEqual(checkValue('256.0.0.1', 'ipv4'), undefined);
  });
});
