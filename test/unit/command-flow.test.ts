import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CommandFlow } from '../../src/slack/command-flow.ts';
import { CommandRegistry } from '../../src/chat/registry.ts';
import { commandSpecsOf } from '../../src/features/define-feature.ts';
import { features } from '../../src/features/list.ts';
import { MemoryConfirmationStore } from '../../src/store/memory-confirmations.ts';
import { UpstreamError } from '../../src/core/errors.ts';
import type { AuditEntry } from '../../src/core/ports.ts';
import type { Role } from '../../src/core/types.ts';

const createRegistry = () => new CommandRegistry(commandSpecsOf(features));

const ALICE = { userId: 'UALICE', channelId: 'C1' };
const FP = `SHA256:${'A'.repeat(43)}`;

function setup(roles: Record<string, Role>) {
  const ran: Array<{ name: string; args: Record<string, unknown> }> = [];
  const audit: AuditEntry[] = [];
  const confirmations = new MemoryConfirmationStore();
  const flow = new CommandFlow({
    registry: createRegistry(),
    roles: { roleOf: async (u: string) => roles[u] ?? 'viewer' } as never,
    audit: { append: async (e) => void audit.push(e), appendOnce: async (e) => (audit.push(e), true), recent: async () => [] },
    confirmations,
    services: { run: async (spec, args) => (ran.push({ name: spec.name, args }), { text: `ran ${spec.name}` }) },
    visibility: {},
    secondAdminMayConfirm: false,
    logError: (err) => assert.fail(String(err)),
  });
  return { flow, ran, audit, confirmations };
}

const pendingId = async (store: MemoryConfirmationStore, flowReply: unknown) => {
  const id = /"value":"([^"]+)"/.exec(JSON.stringify(flowReply))?.[1];
  assert.ok(id && (await store.get(id)), 'a pending confirmation');
  return id;
};

test('a confirmed command runs what was typed, validated again — not arguments stored beside it', async () => {
  const { flow, ran, confirmations } = setup({ UALICE: 'admin' });
  const out = await flow.command(`trust-host slave1 ${FP}`, ALICE);
  const id = await pendingId(confirmations, out.ack);
  const stored = await confirmations.get(id);
  (stored as { args: Record<string, unknown> }).args = { host: 'evil', fingerprint: 'anything' }; // tampered in the store
  const reply = await flow.decide(id, ALICE, true);
  assert.match(reply.message.text, /Confirmed by <@UALICE>/);
  assert.deepEqual(ran, [{ name: 'trust-host', args: { host: 'slave1', fingerprint: FP } }]);
});

test('someone whose role was taken away before confirming gets nothing run', async () => {
  const roles: Record<string, Role> = { UALICE: 'admin' };
  const { flow, ran, audit, confirmations } = setup(roles);
  const id = await pendingId(confirmations, (await flow.command('setup-master master', ALICE)).ack);
  roles.UALICE = 'operator';
  const reply = await flow.decide(id, ALICE, true);
  assert.match(reply.message.text, /needs the \*admin\* role; you are \*operator\*/);
  assert.deepEqual(ran, []);
  assert.ok(audit.some((e) => e.kind === 'denied' && e.command === 'setup-master'));
});

test('buttons: values are validated by the command schema; commands that need confirmation cannot be pressed', async () => {
  const { flow, ran } = setup({ UALICE: 'admin' });
  const bad = await flow.runAs('cancel', { job: 'x; rm -rf /' }, ALICE);
  assert.match(bad.message.text, /does not accept/);
  const confirmOnly = await flow.runAs('setup-master', { host: 'master' }, ALICE);
  assert.match(confirmOnly.message.text, /cannot be run from a button/);
  await flow.runAs('cancel', { job: 'selftest-1' }, ALICE);
  assert.deepEqual(ran, [{ name: 'cancel', args: { job: 'selftest-1' } }]);
});

test('a secret answer (/ci jenkins password) stays ephemeral even when the visibility map asks for in_channel', async () => {
  const flow = new CommandFlow({
    registry: createRegistry(),
    roles: { roleOf: async () => 'admin' } as never,
    audit: { append: async () => undefined, appendOnce: async () => true, recent: async () => [] },
    confirmations: new MemoryConfirmationStore(),
    services: { run: async (spec) => ({ text: `ran ${spec.name}` }) },
    visibility: { 'jenkins password': 'in_channel', 'jenkins cloud': 'in_channel' },
    secondAdminMayConfirm: false,
    logError: (err) => assert.fail(String(err)),
  });
  const secret = await (await flow.command('jenkins password', ALICE)).later?.();
  assert.equal(secret?.visibility, 'ephemeral');
  // The override itself works for a command without a secret, so the guard is what keeps the password ephemeral.
  const other = await (await flow.command('jenkins cloud', ALICE)).later?.();
  assert.equal(other?.visibility, 'in_channel');
});

test('a cluster service failing a command is named with how it failed, not "something went wrong on our side"', async () => {
  const logged: unknown[] = [];
  const flow = new CommandFlow({
    registry: createRegistry(),
    roles: { roleOf: async () => 'admin' } as never,
    audit: { append: async () => undefined, appendOnce: async () => true, recent: async () => [] },
    confirmations: new MemoryConfirmationStore(),
    services: {
      run: async () => {
        throw new UpstreamError('jenkins', 'GET /crumbIssuer/api/json', { failure: 'http', status: 503, detail: 'Jenkins is not running\n(its Marathon task is not up) <!channel>' });
      },
    },
    visibility: {},
    secondAdminMayConfirm: false,
    logError: (err) => void logged.push(err),
  });
  const reply = await (await flow.command('jenkins cloud', ALICE)).later?.();
  assert.equal(reply?.visibility, 'ephemeral');
  assert.match(reply?.message.text ?? '', /^:x: \*Jenkins\*: HTTP 503 on GET \/crumbIssuer\/api\/json \(Jenkins is not running \(its Marathon task is not up\) &lt;!channel&gt;\)\. `\/ci status` shows what is up/);
  assert.doesNotMatch(reply?.message.text ?? '', /<!channel>/, 'upstream text cannot mention the channel');
  assert.doesNotMatch(reply?.message.text ?? '', /went wrong on our side/);
  assert.equal(logged.length, 1, 'still logged, under the id the reply names');
});
