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
  /**
   * Step changes are published at most this often (default 1000 ms, the pace Slack allows `chat.update`: about
   * once a second): one made sooner after the last publish is applied, and published with whatever else comes, once
   * the interval is up; its call resolves at once. The plan and the outcome (finish, fail, cancel, retry) are
   * published at once, with every change before them.
   */
  minPublishMs?: number;
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
  // Checklist changes that come while a write is under way join one publish of the latest state instead of each
  // queueing its own store.save + outbox.put (two Redis round trips): a recipe reports steps faster than Redis
  // answers when many tasks run, and the outbox sends only the latest content of a key anyway. Changes apply in
  // call order (timestamps taken at the call); each call resolves once a publish that includes it is done —
  // except that step changes within `minPublishMs` of the last publish wait for the interval (a 20-step recipe's
  // 40 markers come within a few hundred ms; rendering and storing the whole checklist for each was most of a
  // step's cost with 50 tasks at once, TARGETS.md P2) and their calls resolve at once. The plan never waits: a
  // worker that dies right after it still leaves the checklist (R1). The default is Slack's own pace for updates:
  // a publish every 250 ms was coalesced by the outbox anyway (one chat.update per channel call, ≥ 250 ms apart,
  // shared by every task in the channel), and its store write and render were the 20-step bot's largest cost in a
  // profile of the P2 benchmark (the SET's socket write, with 50 tasks, 50 sshds and Redis on 2 cores).
  const minPublishMs = opts.minPublishMs ?? 1000;
  let changes: Array<() => void> = [];
  let queuedPublish: Promise<void> | undefined;
  let deferTimer: NodeJS.Timeout | undefined;
  let lastPublishAt = -Infinity;
  const applyChanges = (): void => {
    const batch = changes;
    changes = [];
    for (const c of batch) c();
  };
  const publishChanges = (): Promise<void> =>
    enqueue(async () => {
      queuedPublish = undefined;
      applyChanges();
      await publish();
    });
  const change = (apply: () => void, mayWait: boolean): Promise<void> => {
    changes.push(apply);
    if (queuedPublish) return queuedPublish;
    const wait = lastPublishAt + minPublishMs - clock.now();
    if (!mayWait || wait <= 0) {
      clearTimeout(deferTimer);
      deferTimer = undefined;
      return (queuedPublish = publishChanges());
    }
    if (deferTimer) return Promise.resolve();
    deferTimer = setTimeout(() => {
      deferTimer = undefined;
      if (changes.length > 0) queuedPublish ??= publishChanges();
    }, wait);
    return Promise.resolve();
  };

  const publish = async (): Promise<void> => {
    lastPublishAt = clock.now();
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
    clearTimeout(deferTimer);
    deferTimer = undefined;
    return enqueue(async () => {
      applyChanges(); // changes still waiting for their interval go out with the outcome
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
      change(() => {
        const known = new Map(view.steps.map((s) => [s.name, s]));
        const planned = names.map((name) => known.get(name) ?? { name, state: 'pending' as const });
        const extra = view.steps.filter((s) => !names.includes(s.name));
        view = { ...view, steps: [...planned, ...extra] };
      }, false),
    step: (name, state = 'running', detail) => {
      const now = clock.now();
      return change(() => {
        const existing = view.steps.find((s) => s.name === name);
        const base = existing ?? { name, state: 'pending' as const };
        const startedAt = base.startedAt ?? now;
        const endedAt = TERMINAL.includes(state) ? now : undefined;
        const next = { ...base, state, startedAt, endedAt, detail: detail ?? base.detail };
        view = {
          ...view,
          steps: existing ? view.steps.map((s) => (s.name === name ? next : s)) : [...view.steps, next],
        };
      }, true);
    },
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
      if (deferTimer) {
        clearTimeout(deferTimer);
        deferTimer = undefined;
        queuedPublish ??= publishChanges();
      }
      await enqueue(flushOutput);
    },
  };
}
