/** The feature list: one declaration per feature; duplicates refused at start; parts wired by role. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { defineTaskKind, requesterSchema } from '../../src/core/task-kind.ts';
import { answer, checkFeatures, defineFeature, handle, on, type FeatureDeps } from '../../src/features/define-feature.ts';
import { buildFeatures } from '../../src/features/build-features.ts';
import { features } from '../../src/features/list.ts';

const spec = (name: string) => ({ name, summary: name, usage: '', role: 'viewer' as const, run: 'direct' as const, schema: z.strictObject({}) });
const kind = (name: string) => defineTaskKind({ name, queue: 'q', schema: z.object({ requester: requesterSchema }), jobId: () => name, title: () => name });
const reply = (text: string) => () => async () => ({ text });
const noDeps = {} as FeatureDeps; // the test features below never touch their deps

test('the shipped feature list declares every command and task kind once', () => {
  assert.doesNotThrow(() => checkFeatures(features));
  const names = features.flatMap((f) => (f.commands ?? []).map((c) => c.spec.name));
  for (const expected of ['help', 'jobs', 'cancel', 'history', 'status', 'agents', 'jenkins', 'hosts', 'setup-agent', 'setup-master', 'prepull', 'trust-host', 'selftest', 'digest now']) {
    assert.ok(names.includes(expected), expected);
  }
});

test('two features declaring the same command are refused, naming both', () => {
  const a = defineFeature({ name: 'a', roles: ['serve'], setup: () => ({}), commands: [answer(spec('hosts'), reply('a'))] });
  const b = defineFeature({ name: 'b', roles: ['serve'], setup: () => ({}), commands: [answer(spec('hosts'), reply('b'))] });
  assert.throws(() => checkFeatures([a, b]), /command "hosts" is declared by both feature "a" and feature "b"/);
});

test('two features declaring the same task kind are refused', () => {
  const run = () => async () => ({ summary: 'ok' });
  const a = defineFeature({ name: 'a', roles: ['worker'], setup: () => ({}), tasks: [handle(kind('job'), run)] });
  const b = defineFeature({ name: 'b', roles: ['worker'], setup: () => ({}), tasks: [handle(kind('job'), run)] });
  assert.throws(() => checkFeatures([a, b]), /task kind "job" is declared by both feature "a" and feature "b"/);
  assert.throws(() => checkFeatures([a, a]), /feature "a" is declared by both/);
});

test('a feature with task kinds must run in the worker role, one with sources in watch', () => {
  const run = () => async () => ({ summary: 'ok' });
  const tasksOnServe = defineFeature({ name: 'x', roles: ['serve'], setup: () => ({}), tasks: [handle(kind('k'), run)] });
  assert.throws(() => checkFeatures([tasksOnServe]), /has task kinds but does not run in role worker/);
  const sourceOnWorker = defineFeature({ name: 'y', roles: ['worker'], setup: () => ({}), sources: [() => ({ name: 's', run: async () => {} })] });
  assert.throws(() => checkFeatures([sourceOnWorker]), /has sources but does not run in role watch/);
  const eventsOnWatch = defineFeature({ name: 'z', roles: ['watch'], setup: () => ({}), events: [on('app_home_opened', () => async () => {})] });
  assert.throws(() => checkFeatures([eventsOnWatch]), /handles Slack events but does not run in role serve/);
});

test('buildFeatures refuses duplicates before building anything, and builds only the features of the roles asked', async () => {
  const built: string[] = [];
  const started: string[] = [];
  const feature = (name: string, roles: Array<'serve' | 'worker' | 'watch'>) => defineFeature({
    name, roles, setup: () => void built.push(name),
    commands: [answer(spec(`${name}-cmd`), reply(name))],
    sources: roles.includes('watch') ? [() => ({ name: `${name}-src`, run: async () => void started.push(name) })] : [],
  });
  const dupe = defineFeature({ name: 'dupe', roles: ['serve'], setup: () => void built.push('dupe'), commands: [answer(spec('front-cmd'), reply('x'))] });
  await assert.rejects(buildFeatures([feature('front', ['serve']), dupe], noDeps, ['serve']), /command "front-cmd"/);
  assert.deepEqual(built, []);

  const all = [feature('front', ['serve']), feature('watcher', ['watch'])];
  const serveOnly = await buildFeatures(all, noDeps, ['serve']);
  assert.deepEqual(built, ['front']);
  assert.deepEqual(serveOnly.specs.map((s) => s.name), ['front-cmd']);
  assert.equal(serveOnly.sources.length, 0);
  const answerText = await serveOnly.run(spec('front-cmd'), {}, { requester: { userId: 'U1', channelId: 'C1' }, role: 'viewer' });
  assert.equal(answerText.text, 'front');
  await assert.rejects(serveOnly.run(spec('watcher-cmd'), {}, { requester: { userId: 'U1', channelId: 'C1' }, role: 'viewer' }), /not available/);

  const watch = await buildFeatures(all, noDeps, ['watch']);
  assert.deepEqual(watch.sources.map((s) => s.name), ['watcher-src']);
});

test('a kind is bound to a handler of its own data type (checked by tsc)', () => {
  const setup = defineTaskKind({ name: 'setup', queue: 'q', schema: z.object({ requester: requesterSchema, host: z.string() }), jobId: (d) => d.host, title: (d) => d.host });
  const hostHandler = () => async (task: { host: string }) => ({ summary: task.host });
  const imageHandler = () => async (task: { image: string }) => ({ summary: task.image });
  assert.equal(handle(setup, hostHandler).kind, setup);
  // @ts-expect-error -- a handler for another kind's data does not type-check
  assert.equal(handle(setup, imageHandler).kind, setup);
});
