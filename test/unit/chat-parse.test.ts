import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { UserFacingError } from '../../src/core/errors.ts';
import { CommandRegistry } from '../../src/chat/registry.ts';
import { commandSpecsOf } from '../../src/features/define-feature.ts';
import { features } from '../../src/features/list.ts';
import { renderHelp } from '../../src/chat/help.ts';
import { tokenize } from '../../src/chat/tokenize.ts';
import { injectionPayloads } from '../support/injection-payloads.ts';
import { PATHOLOGICAL_INPUTS } from '../support/pathological-inputs.ts';

const createRegistry = () => new CommandRegistry(commandSpecsOf(features));

const registry = createRegistry();
const fails = (text: string): UserFacingError => {
  try {
    registry.parse(text);
  } catch (err) {
    assert.ok(err instanceof UserFacingError, `expected UserFacingError, got ${String(err)}`);
    return err;
  }
  assert.fail(`"${text}" should have been refused`);
};

describe('tokenize', () => {
  const cases: Array<[string, unknown[]]> = [
    ['status', [{ kind: 'word', value: 'status' }]],
    ['  a   b ', [{ kind: 'word', value: 'a' }, { kind: 'word', value: 'b' }]],
    ['"0 9 * * 1-5" x', [{ kind: 'word', value: '0 9 * * 1-5' }, { kind: 'word', value: 'x' }]],
    ['“smart quotes”', [{ kind: 'word', value: 'smart quotes' }]],
    ['<@U123ABC|alice>', [{ kind: 'user', id: 'U123ABC', label: 'alice' }]],
    ['<#C024BE7LR|ci-alerts>', [{ kind: 'channel', id: 'C024BE7LR', label: 'ci-alerts' }]],
    ['<#C024BE7LR>', [{ kind: 'channel', id: 'C024BE7LR' }]],
    ['<!subteam^S0614TZR7|@ops>', [{ kind: 'usergroup', id: 'S0614TZR7', label: '@ops' }]],
    ['a&amp;b &lt;x&gt;', [{ kind: 'word', value: 'a&b' }, { kind: 'word', value: '<x>' }]],
    ['héllo ✓ 日本', [{ kind: 'word', value: 'héllo' }, { kind: 'word', value: '✓' }, { kind: 'word', value: '日本' }]],
  ];
  for (const [text, expected] of cases) {
    test(JSON.stringify(text), () => assert.deepEqual(tokenize(text), expected));
  }
  test('an unclosed quote and text over 10 kB are explained', () => {
    assert.throws(() => tokenize('"abc'), /quote \(" \) is not closed|quote \("\) is not closed/);
    assert.throws(() => tokenize('x'.repeat(10_241)), /too long/);
    assert.equal(tokenize(`help ${'y'.repeat(10_000)}`).length, 2);
  });
});

describe('registry.parse', () => {
  test('commands and their arguments', () => {
    assert.equal(registry.parse('').spec.name, 'help');
    assert.deepEqual(registry.parse('setup-agent slave1 slave2').args, { hosts: ['slave1', 'slave2'], dryRun: false });
    assert.deepEqual(registry.parse('setup-master master --dry-run').args, { host: 'master', dryRun: true });
    assert.deepEqual(registry.parse('prepull jenkins/jenkins:lts --hosts slave1,slave2').args, {
      image: 'jenkins/jenkins:lts', hosts: ['slave1', 'slave2'],
    });
    assert.deepEqual(registry.parse('digest add "0 9 * * 1-5" <#C024BE7LR|ci> --tz Europe/Berlin').args, {
      cron: '0 9 * * 1-5', channel: 'C024BE7LR', tz: 'Europe/Berlin',
    });
    assert.deepEqual(registry.parse('digest add "0 9 * * *" --tz=UTC').args, { cron: '0 9 * * *', tz: 'UTC' });
    assert.equal(registry.parse('DIGEST LIST').spec.name, 'digest list');
    assert.deepEqual(registry.parse('history 5').args, { count: 5 });
  });

  test('unknown subcommand → closest matches', () => {
    assert.match(fails('stauts').message, /Did you mean `\/ci status`/);
    assert.match(fails('setup-agnet slave1').message, /`\/ci setup-agent`/);
    assert.match(fails('digest frobnicate').message, /has no subcommand "frobnicate".*digest add/s);
    assert.equal(fails('zzzzzzzzzz').code, 'unknown_command');
  });

  test('bad arguments → what was wrong and the usage line', () => {
    const e = fails('setup-agent');
    assert.equal(e.code, 'bad_arguments');
    assert.match(e.message, /at least one host/);
    assert.match(e.message, /Usage: `\/ci setup-agent <host…> \[--dry-run\]`/);
    assert.match(fails('status extra').message, /Unexpected `extra`/);
    assert.match(fails('setup-agent slave1 --force').message, /Unknown option `--force`/);
    assert.match(fails('digest add "0 9 * * *" --tz Mars/Olympus').message, /IANA time zone/);
    assert.match(fails('digest add "0 9 * * *" general').message, /channel link/);
    assert.match(fails('trust-host slave1 md5:aa').message, /SHA256:/);
    assert.match(fails('prepull').message, /Usage: `\/ci prepull/);
  });

  test('R12: injection attempts are refused by validation', () => {
    // Each that could run something would leave a trace file on a host if executed (see test/support/injection-payloads.ts).
    const corpus = injectionPayloads('/var/lib/cibot-pwned').map((p) => p.value);
    for (const bad of corpus) {
      for (const cmd of ['setup-agent', 'setup-master', 'prepull']) {
        const text = `${cmd} "${bad.replaceAll('"', '')}"`;
        const err = fails(text);
        assert.ok(['bad_arguments'].includes(err.code), `${text} → ${err.code}`);
      }
    }
    assert.equal(fails(`setup-agent ${'a'.repeat(10_300)}`).code, 'bad_arguments');
  });
});

describe('validators', () => {
  test('Docker image references', () => {
    const ok = ['jenkins/jenkins:lts', 'amazoncorretto:8', 'mesosphere/jenkins:3.5.2-2.107.2', 'localhost:5000/team/app',
      `registry.example.com:5000/team/app@sha256:${'a'.repeat(64)}`, 'ubuntu', 'my_org/app.v2:1.0_rc1'];
    for (const image of ok) assert.equal(registry.parse(`prepull ${image}`).args.image, image);
    for (const bad of ['Jenkins', 'a//b', '/abs', 'a:', 'a/b:', '-rm', 'a b', 'a;b']) fails(`prepull "${bad}"`);
  });

  test('no pattern runs on an over-long argument: the length check refuses it first', () => {
    // How long these take is measured in test/bench/chat-parse.ts; here, that the length limit is what refused them.
    for (const text of PATHOLOGICAL_INPUTS) {
      const err = fails(text);
      assert.equal(err.code, 'bad_arguments');
      assert.match(err.message, /at most \d+ characters|expected string to have <=\d+ characters/, text.slice(0, 20));
    }
  });

  test('a fingerprint with a trailing = is pinned without it (ssh fingerprints carry no padding)', () => {
    assert.equal(registry.parse(`trust-host slave1 SHA256:${'A'.repeat(43)}=`).args.fingerprint, `SHA256:${'A'.repeat(43)}`);
  });
});

describe('help', () => {
  test('lists every command, generated from the registry', () => {
    const help = renderHelp(registry);
    for (const spec of registry.specs) assert.ok(help.text.includes(`/ci ${spec.name}`), spec.name);
    assert.match(help.text, /setup-master <host> \[--dry-run\]` — .*\(admin\).*asks to confirm/);
  });
  test('help for one command, and for an unknown one', () => {
    assert.match(renderHelp(registry, ['setup-agent']).text, /Usage:\* `\/ci setup-agent <host…> \[--dry-run\]`/);
    assert.match(renderHelp(registry, ['digest', 'add']).text, /--tz Area\/City/);
    assert.throws(() => renderHelp(registry, ['stat']), /Did you mean `status`/);
  });
});
