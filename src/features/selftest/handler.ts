/**
 * The sample task kind `/ci selftest`: a short multi-step task that proves the engine end to end (progress
 * message, thread output, cancel) before real task kinds use it. Touches nothing outside the bot.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { TaskHandler } from '../../core/ports.ts';

/** Job data of a selftest (validated by the kind's schema in ./kind.ts). */
export interface SelftestTask {
  requester: { userId: string; channelId: string };
  requestId: string;
  /** Overrides the handler's step duration, in ms (0–10 000). */
  stepMs?: number;
}

export interface SelftestOptions {
  /** How long each step takes, in ms (default 1000). */
  stepMs?: number;
}

/** The four steps, in order. */
export const SELFTEST_STEPS = ['check queue', 'write output', 'wait for signal', 'verify'] as const;

/** Creates the selftest handler. Each step waits `stepMs` and honours the AbortSignal (cancel, shutdown). */
export function createSelftestHandler(opts: SelftestOptions = {}): TaskHandler<SelftestTask> {
  return async (task, { signal, progress, attempt }) => {
    const stepMs = task.stepMs ?? opts.stepMs ?? 1000;
    await progress.plan(SELFTEST_STEPS);
    for (const [i, name] of SELFTEST_STEPS.entries()) {
      await progress.step(name, 'running');
      progress.output([`step ${i + 1}/${SELFTEST_STEPS.length}: ${name} (attempt ${attempt})`]);
      await sleep(stepMs, undefined, { signal });
      await progress.step(name, 'done');
    }
    return { summary: `selftest passed: ${SELFTEST_STEPS.length} steps` };
  };
}
