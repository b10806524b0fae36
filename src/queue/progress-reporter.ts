/**
 * The progress reporter behind `TaskContext.progress`: keeps the checklist, stores it with the job (so a job
 * resumed on another worker continues the same message, R1) and puts the rendered message into the outbox under
 * the key `job:<jobId>` — the outbox posts the first version and updates it afterwards, never a second message.
 * Output lines become thread replies (`job:<jobId>:out:<n>`), batched and trimmed, and go to the full job log.
 */
import type { Clock, Outbox, Progress, TaskResult } from '../core/ports.ts';
import type { StepState } from '../core/types.ts';
import type { ProgressRenderer, ProgressStore, ProgressView } from '../core/progress-view.ts';

export interface ProgressReporterOptions {
  jobId: string;
  title: string;
  channel: string;
  requesterId: string;
  attempt: number;
  outbox: Outbox;
  store: ProgressStore;
  render: ProgressRenderer;
  clock: Clock;
  /** Output is sent to the thread at most this often (default 2000 ms)… */
  flushMs?: number;
  /** …or as soon as this many lines are buffered (default 30). */
  batchLines?: number;
  /** Where failures of background flushes go (default: ignored). */
  onError?: (err: unknown) => void;
}

/** A {@link Progress} plus the lifecycle calls the worker adapter makes. */
export interface ProgressReporter extends Progress {
  /** Loads the stored state (a resumed job) or starts a new one, and shows it. */
  start(): Promise<void>;
  /** Loads the stored state without showing it: for a job ended without running (its worker died too often). */
  load(): Promise<void>;
  finish(result: TaskResult): Promise<void>;
  fail(message: string): Promise<void>;
  retrying(message: string): Promise<void>;
  cancelled(message: string): Promise<void>;
  /** Appends to the full job log only (not the thread). */
  log(line: string): void;
  /** Sends buffered output now and stops the timer. */
  close(): Promise<void>;
}

/** Message key of a job's progress message in the outbox. */
export function progressKey(jobId: string): string {
  return `job:${jobId}`;
}

const TERMINAL: readonly StepState[] = ['done', 'changed', 'failed', 'skipped'];

/** Creates the reporter for one attempt of one job. */
export function createProgressReporter(opts: ProgressReporterOptions): ProgressReporter {
  const { outbox, store, clock, render } = opts;
  const key = progressKey(opts.jobId);
  let view: ProgressView = {
    jobId: opts.jobId,
    title: opts.title,
    channel: opts.channel,
    requesterId: opts.requesterId,
    steps: [],
    startedAt: clock.now(),
    outcome: 'running',
    attempt: opts.attempt,
    outputSeq: 0,
  };
  let buffered: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  // Every write goes through one chain so the stored state and the outbox see changes in order.
  let chain: Promise<void> = Promise.resolve();
  const enqueue = (work: () => Promise<void>): Promise<void> => {
    const next = chain.then(work);
    chain = next.catch((err: unknown) => opts.onError?.(err));
    return next;
  };

  const publish = async (): Promise<void> => {
    await store.save(view);
    await outbox.put({ key, channel: view.channel, message: render.progress(view, clock.now()) });
  };

  const flushOutput = async (): Promise<void> => {
    if (buffered.length === 0) return;
    const lines = buffered;
    buffered = [];
    await store.appendLog(view.jobId, lines);
    for (const message of render.output(lines)) {
      const replyKey = `${key}:out:${view.outputSeq}`;
      view = { ...view, outputSeq: view.outputSeq + 1 };
      await store.save(view);
      await outbox.put({ key: replyKey, channel: view.channel, threadOf: key, message });
    }
  };

  const scheduleFlush = (): void => {
    const batchLines = opts.batchLines ?? 30;
    if (buffered.length >= batchLines) {
      clearTimeout(timer);
      timer = undefined;
      void enqueue(flushOutput);
    } else if (!timer) {
      timer = setTimeout(() => {
        timer = undefined;
        void enqueue(flushOutput);
      }, opts.flushMs ?? 2000);
      timer.unref();
    }
  };

  const end = (outcome: ProgressView['outcome'], result: string | undefined): Promise<void> => {
    clearTimeout(timer);
    timer = undefined;
    return enqueue(async () => {
      await flushOutput();
      const now = clock.now();
      const steps = view.steps.map((s) =>
        s.state === 'running' && outcome !== 'retrying'
          ? { ...s, state: (outcome === 'succeeded' ? 'done' : 'failed') as StepState, endedAt: now }
          : s,
      );
      const endedAt = outcome === 'retrying' ? undefined : now;
      view = { ...view, steps, outcome, result, endedAt };
      await publish();
    });
  };

  return {
    start: () =>
      enqueue(async () => {
        const stored = await store.load(opts.jobId);
        if (stored) view = { ...stored, attempt: opts.attempt, outcome: 'running', endedAt: undefined };
        await publish();
      }),
    load: () =>
      enqueue(async () => {
        const stored = await store.load(opts.jobId);
        if (stored) view = { ...stored, attempt: opts.attempt };
      }),
    plan: (names) =>
      enqueue(async () => {
        const known = new Map(view.steps.map((s) => [s.name, s]));
        const planned = names.map((name) => known.get(name) ?? { name, state: 'pending' as const });
        const extra = view.steps.filter((s) => !names.includes(s.name));
        view = { ...view, steps: [...planned, ...extra] };
        await publish();
      }),
    step: (name, state = 'running', detail) =>
      enqueue(async () => {
        const now = clock.now();
        const existing = view.steps.find((s) => s.name === name);
        const base = existing ?? { name, state: 'pending' as const };
        const startedAt = base.startedAt ?? now;
        const endedAt = TERMINAL.includes(state) ? now : undefined;
        const next = { ...base, state, startedAt, endedAt, detail: detail ?? base.detail };
        view = {
          ...view,
          steps: existing ? view.steps.map((s) => (s.name === name ? next : s)) : [...view.steps, next],
        };
        await publish();
      }),
    output: (lines) => {
      buffered.push(...lines);
      scheduleFlush();
    },
    log: (line) => {
      void enqueue(() => store.appendLog(view.jobId, [line]));
    },
    finish: (result) => end('succeeded', result.summary),
    fail: (message) => end('failed', message),
    retrying: (message) => end('retrying', message),
    cancelled: (message) => end('cancelled', message),
    close: async () => {
      clearTimeout(timer);
      timer = undefined;
      await enqueue(flushOutput);
    },
  };
}
