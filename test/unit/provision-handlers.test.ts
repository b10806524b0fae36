/** The provisioning handlers' own logic, with recipe results given (the SSH path has its own integration tests). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSetupAgentHandler, createSetupMasterHandler } from '../../src/features/provisioning/handlers.ts';
import type { ProvisionRecord, RecipeOutcome, TaskContext } from '../../src/core/ports.ts';

function context(steps: Array<[string, string | undefined]>): TaskContext {
  return {
    jobId: 'job-1', attempt: 1, signal: new AbortController().signal, log: () => undefined,
    progress: { plan: async () => undefined, step: async (name, state) => void steps.push([name, state]), output: () => undefined },
  };
}

const outcome = (changed: boolean): RecipeOutcome => ({ ok: true, changed, steps: [], exitCode: 0, outputTail: [], durationMs: 5 });

test('with no Mesos master configured, verification is skipped and said so, for agents and masters alike', async () => {
  const records: ProvisionRecord[] = [];
  const deps = {
    recipes: { steps: () => ['configure'], run: async () => outcome(true), serviceLog: async () => [] },
    params: () => ({ HOST_NAME: 'slave2' }), joinTimeoutMs: 1000,
    history: { record: async (r: ProvisionRecord) => void records.push(r), last: async () => ({}) },
  };
  const agentSteps: Array<[string, string | undefined]> = [];
  const agent = await createSetupAgentHandler(deps)({ requester: { userId: 'U', channelId: 'C' }, requestId: 'r', host: 'slave2', dryRun: false } as never, context(agentSteps));
  assert.equal(agent.summary, 'slave2: changed, advertised as slave2; registration not verified (no Mesos master configured)');
  assert.deepEqual(agentSteps.at(-1), ['verify registration', 'skipped']);

  const masterSteps: Array<[string, string | undefined]> = [];
  deps.recipes.run = async () => outcome(false);
  const master = await createSetupMasterHandler(deps)({ requester: { userId: 'U', channelId: 'C' }, requestId: 'r', host: 'master', dryRun: false } as never, context(masterSteps));
  assert.equal(master.summary, 'master: no change; services not verified (no Mesos master configured)');
  assert.equal(masterSteps.at(-1)?.[1], 'skipped');
  assert.deepEqual(records.map((r) => [r.host, r.recipe, r.outcome]), [['slave2', 'setup-agent', 'changed'], ['master', 'setup-master', 'no change']]);
});
