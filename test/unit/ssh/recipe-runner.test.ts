import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { RecipeRunner, recipeFailure, type ScriptExecutor } from '../../../src/ssh/recipe-runner.ts';
import type { ExecRequest, ExecResult } from '../../../src/ssh/exec.ts';
import { UpstreamError } from '../../../src/core/errors.ts';
import { parseStepMarker } from '../../../src/recipes/step-markers.ts';
import { within } from '../../support/deadline.ts';

/** Plays back stdout in small, awkwardly cut chunks, then exits; optionally hangs until aborted. */
class ScriptedExecutor implements ScriptExecutor {
  requests: ExecRequest[] = [];
  readonly out: string;
  readonly exitCode: number;
  readonly hang: boolean;
  constructor(out: string, exitCode: number, hang = false) {
    this.out = out;
    this.exitCode = exitCode;
    this.hang = hang;
  }
  async exec(_t: unknown, req: ExecRequest): Promise<ExecResult> {
    this.requests.push(req);
    for (let i = 0; i < this.out.length; i += 7) req.onStdout?.(this.out.slice(i, i + 7));
    if (this.hang) {
      await new Promise((_, reject) => req.signal?.addEventListener('abort', () => reject(req.signal?.reason)));
    }
    return { exitCode: this.exitCode, stdout: this.out, stderr: '', truncated: false, durationMs: 1 };
  }
}

const target = { name: 'slave2', address: '10.0.0.3', user: 'root' };
const recipe = { name: 'setup-agent', script: 'true', timeoutMs: 60_000 };

describe('step markers', () => {
  test('parses the documented markers and ignores look-alikes', () => {
    assert.deepEqual(parseStepMarker('::step install packages'), { kind: 'step', name: 'install packages' });
    assert.deepEqual(parseStepMarker('::changed wrote /etc/mesos/zk'), { kind: 'changed', detail: 'wrote /etc/mesos/zk' });
    assert.deepEqual(parseStepMarker('::ok'), { kind: 'ok', detail: '' });
    assert.equal(parseStepMarker('  ::step x'), undefined);
    assert.equal(parseStepMarker('::stepper x'), undefined);
    assert.equal(parseStepMarker('::step'), undefined);
  });
});

describe('RecipeRunner', () => {
  test('turns markers into step callbacks and output lines, and reports changes', async () => {
    const exec = new ScriptedExecutor('::step a\nhello\n::changed wrote x\n::step b\n::ok fine\nbye\n', 0);
    const events: string[] = [];
    const lines: string[] = [];
    const res = await new RecipeRunner({ executor: exec }).run({
      target, recipe, env: { HOST_NAME: 'slave2' }, dryRun: true,
      onStep: (n, s) => events.push(`${n}:${s}`),
      onOutput: (l) => lines.push(l),
    });
    assert.deepEqual(events, ['a:running', 'a:changed', 'b:running', 'b:done']);
    assert.deepEqual(lines, ['hello', 'bye']);
    assert.equal(res.ok, true);
    assert.equal(res.changed, true);
    assert.equal(exec.requests[0]!.env!.DRY_RUN, '1');
    assert.equal(exec.requests[0]!.env!.HOST_NAME, 'slave2');
  });

  test('a run without ::changed reports no change', async () => {
    const res = await new RecipeRunner({ executor: new ScriptedExecutor('::step a\n::ok\n', 0) }).run({ target, recipe, env: {} });
    assert.equal(res.changed, false);
    assert.equal(res.steps[0]!.state, 'done');
  });

  test('a failing run names the step and keeps the output tail', async () => {
    const out = '::step a\n::step install packages\nE: Unable to locate package mesos\n';
    const res = await new RecipeRunner({ executor: new ScriptedExecutor(out, 100) }).run({ target, recipe, env: {} });
    assert.equal(res.ok, false);
    assert.equal(res.failedStep, 'install packages');
    assert.deepEqual(res.steps.map((s) => s.state), ['done', 'failed']);
    const err = recipeFailure('setup-agent', 'slave2', res);
    assert.match(err.message, /at step "install packages" \(exit 100\)/);
    assert.match(err.message, /Unable to locate package mesos/);
  });

  test('a step running past stepTimeoutMs aborts the command and throws a timeout naming the step', async () => {
    const exec = new ScriptedExecutor('::step slow one\n', 0, true);
    // The executor never ends on its own: only the step timeout can end the run (the deadline is only for a hang).
    await assert.rejects(
      within(new RecipeRunner({ executor: exec }).run({ target, recipe: { ...recipe, stepTimeoutMs: 1000 }, env: {} }), 30_000, 'the run'),
      (err: unknown) => err instanceof UpstreamError && err.failure === 'timeout' && /step "slow one"/.test(err.message),
    );
    assert.equal(exec.requests[0]!.signal!.aborted, true);
  });

  test('cancelling rejects with the abort reason', async () => {
    const ctl = new AbortController();
    const run = new RecipeRunner({ executor: new ScriptedExecutor('::step a\n', 0, true) }).run({ target, recipe, env: {}, signal: ctl.signal });
    ctl.abort(new DOMException('cancelled by user', 'AbortError'));
    await assert.rejects(run, { name: 'AbortError' });
  });
});
