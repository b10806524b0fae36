import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CommandRegistry } from '../../src/chat/registry.ts';
import { commandSpecsOf } from '../../src/features/define-feature.ts';
import { features } from '../../src/features/list.ts';
import { renderHelp } from '../../src/chat/help.ts';
import { confirmReply, deniedReply } from '../../src/chat/render/replies.ts';
import { listMessage, renderHistory } from '../../src/chat/render/lists.ts';
import { renderProvisionHosts } from '../../src/chat/render/provision-hosts.ts';
import { validateBlocks } from '../../src/playground/slack-emulator/index.ts';
import { assertGolden } from '../support/golden.ts';

const createRegistry = () => new CommandRegistry(commandSpecsOf(features));

const registry = createRegistry();
const spec = (name: string) => registry.find(name) ?? assert.fail(name);

/** Every rendered message must pass the emulator's Block Kit checks (the same ones Slack applies). */
function valid(message: { blocks?: unknown[] }) {
  assert.deepEqual(validateBlocks((message.blocks ?? []) as never, 'message'), []);
  return message;
}

test('help, help <command>', () => {
  assertGolden('chat/help', valid(renderHelp(registry)));
  assertGolden('chat/help-setup-agent', valid(renderHelp(registry, ['setup-agent'])));
});

test('confirmation and denial', () => {
  const pending = { id: '5f0c1b2a', command: 'setup-master', text: 'setup-master master', args: { host: 'master', dryRun: false }, requester: { userId: 'U0ALICE001', channelId: 'C0CI000001' }, createdAt: 0 };
  assertGolden('chat/confirm-setup-master', valid(confirmReply(spec('setup-master'), pending, '/ci setup-master master', 300_000)));
  assertGolden('chat/denied', valid(deniedReply(spec('setup-agent'), 'viewer')));
});

test('lists stay within Block Kit limits however long they are', () => {
  const lines = Array.from({ length: 5000 }, (_, i) => `line ${i} ${'x'.repeat(i % 300)}`);
  const msg = valid(listMessage('Many', lines, 'none'));
  assert.ok((msg.blocks?.length ?? 0) <= 50);
  assert.match(JSON.stringify(msg.blocks?.at(-1)), /and 4960 more/);
  assertGolden('chat/history', valid(renderHistory([
    { id: '1-0', at: Date.UTC(2026, 10, 26, 9, 0, 0), kind: 'command', user: 'U0ALICE001', command: 'setup-agent', args: '/ci setup-agent slave2', outcome: 'accepted' },
    { id: '2-0', at: Date.UTC(2026, 10, 26, 9, 0, 5), kind: 'denied', user: 'U0CAROL001', command: 'setup-master', outcome: 'needs admin' },
  ])));
  // `/ci hosts` as posted: pins (inventory and trust-host), last provisioning result and how long ago.
  const now = Date.UTC(2026, 10, 26, 12, 0, 0);
  assertGolden('chat/hosts', valid(renderProvisionHosts([
    { name: 'master', address: '10.0.0.10', port: 22, user: 'root', roles: ['master'], pins: [`SHA256:${'k'.repeat(43)}`, `SHA256:${'p'.repeat(43)}`],
      last: { host: 'master', recipe: 'setup-master', outcome: 'changed', at: now - 3 * 3_600_000 - 5 * 60_000, jobId: 'master-ab12cd34' } },
    { name: 'slave1', address: '10.0.0.11', port: 22, user: 'root', roles: ['agent'], pins: [],
      last: { host: 'slave1', recipe: 'setup-agent', outcome: 'failed', at: now - 90_000, jobId: 'slave1-ab12cd34', detail: 'install docker' } },
    { name: 'slave2', address: '10.0.0.12', port: 22, user: 'root', roles: ['agent'], pins: [] },
  ], now)));
});
