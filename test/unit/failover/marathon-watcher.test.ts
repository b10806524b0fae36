/**
 * The Marathon watcher's loop over a scripted Marathon (events pushed by the test, the app read from a settable
 * definition): baseline resync, live events, a gap in the stream found by the resync on reconnect (R13), an
 * overflowing hand-off that forces a resync instead of dropping silently, other apps' events never queued, and
 * the count of events read (every one, for the lag figure of test/bench/alert-latency.ts).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createMarathonWatcher, type AppReadView, type FailureBurst, type MarathonWatchPort } from '../../../src/features/failover/marathon-watcher.ts';
import type { MarathonEventView } from '../../../src/cluster/failover/from-marathon.ts';
import type { TrackerState, Transition } from '../../../src/cluster/failover/jenkins-incidents.ts';
import { waitFor } from '../../../src/playground/ports.ts';

const I1 = 'jenkins.instance-aaaaaaaa-0000-0000-0000-000000000001';
const I2 = 'jenkins.instance-bbbbbbbb-0000-0000-0000-000000000002';
const at = (s: number) => new Date(Date.UTC(2026, 11, 1, 12, 0, s)).toISOString();

/** A Marathon whose stream the test writes to; `drop()` ends the current connection. */
class ScriptedMarathon implements MarathonWatchPort {
  app_: AppReadView | undefined;
  connections = 0;
  #push: ((e: MarathonEventView | null) => void) | undefined;

  constructor(app: AppReadView | undefined) {
    this.app_ = app;
  }

  async *events({ signal }: { signal: AbortSignal }): AsyncIterable<MarathonEventView> {
    this.connections += 1;
    const pending: Array<MarathonEventView | null> = [{ eventType: 'event_stream_attached', timestamp: at(0) }];
    let notify: (() => void) | undefined;
    this.#push = (e) => {
      pending.push(e);
      notify?.();
    };
    signal.addEventListener('abort', () => this.#push?.(null), { once: true });
    for (;;) {
      const next = pending.shift();
      if (next === null) return;
      if (next) {
        yield next;
        continue;
      }
      await new Promise<void>((r) => (notify = r));
    }
  }

  async app(): Promise<AppReadView | undefined> {
    return structuredClone(this.app_);
  }

  emit(...events: MarathonEventView[]): void {
    for (const e of events) this.#push?.(e);
  }

  drop(): void {
    this.#push?.(null);
  }
}

const status = (taskId: string, state: string, host: string, s: number): MarathonEventView => ({
  eventType: 'status_update_event', appId: '/jenkins', taskId, taskStatus: state, host, slaveId: `S-${host}`, timestamp: at(s),
  ...(state === 'TASK_FAILED' ? { message: 'Container exited with status 137' } : {}),
});

function harness(app: AppReadView | undefined, opts: { queueLimit?: number; slow?: () => Promise<void>; bursts?: FailureBurst[] } = {}) {
  const marathon = new ScriptedMarathon(app);
  const transitions: Transition[] = [];
  const storages: string[] = [];
  let saved: TrackerState | undefined;
  const watcher = createMarathonWatcher({
    marathon, appId: 'jenkins', backoffMs: { firstMs: 10, maxMs: 20 }, ...(opts.queueLimit ? { queueLimit: opts.queueLimit } : {}),
    onTransition: async (t, ctx) => {
      await opts.slow?.();
      transitions.push(t);
      storages.push(ctx.storage.kind);
    },
    state: { load: async () => saved, save: async (s) => void (saved = s) },
    ...(opts.bursts ? { groupWindowMs: 300, onOtherFailures: async (b: FailureBurst) => void opts.bursts?.push(b) } : {}),
  });
  const stop = new AbortController();
  const running = watcher.run(stop.signal);
  return { marathon, watcher, transitions, storages, close: async () => { stop.abort(); await running; } };
}

const running1: AppReadView = { tasks: [{ id: `${I1}._app.1`, state: 'TASK_RUNNING', host: 'slave1', startedAt: at(0) }] };

describe('Marathon watcher', () => {
  test('baseline from the resync, then the live events open and resolve one incident', async () => {
    const h = harness(running1);
    try {
      await waitFor(() => h.watcher.stats().connected && h.watcher.stats().resyncsDone >= 2, { what: 'subscribed, then the baseline resync' });
      h.marathon.emit(status(`${I1}._app.1`, 'TASK_FAILED', 'slave1', 10), status(`${I1}._app.2`, 'TASK_RUNNING', 'slave2', 57));
      await waitFor(() => h.transitions.length === 2, { what: 'two transitions' });
      assert.deepEqual(h.transitions.map((t) => [t.type, t.incident.downHost, t.incident.backHost ?? null]), [['opened', 'slave1', null], ['resolved', 'slave1', 'slave2']]);
      assert.equal(h.transitions[1]?.incident.downtimeMs, 47_000);
    } finally {
      await h.close();
    }
  });

  test('an app created after the watcher started: its deployment re-reads where JENKINS_HOME is, so the next incident knows', async () => {
    const h = harness(undefined);
    try {
      await waitFor(() => h.watcher.stats().connected && h.watcher.stats().resyncsDone >= 2, { what: 'subscribed, then the baseline resync (no app yet)' });
      h.marathon.app_ = { ...running1, container: { volumes: [{ containerPath: '/var/jenkins_home', hostPath: '/srv/jenkins_home' }] } };
      h.marathon.emit({ eventType: 'deployment_info', timestamp: at(1), plan: { id: 'd-1', steps: [{ actions: [{ action: 'StartApplication', app: '/jenkins' }] }] } });
      h.marathon.emit(status(`${I1}._app.1`, 'TASK_RUNNING', 'slave1', 2), { eventType: 'deployment_success', id: 'd-1', timestamp: at(3) });
      h.marathon.emit(status(`${I1}._app.1`, 'TASK_FAILED', 'slave1', 10), status(`${I1}._app.2`, 'TASK_RUNNING', 'slave2', 57));
      await waitFor(() => h.transitions.length === 2, { what: 'two transitions' });
      assert.deepEqual(h.storages, ['host-path', 'host-path'], 'the volume of the definition deployed, not "no volume"');
    } finally {
      await h.close();
    }
  });

  test('R13: Jenkins moves while the stream is down; the resync on reconnect reports it once', async () => {
    const h = harness(running1);
    try {
      await waitFor(() => h.watcher.stats().connected && h.watcher.stats().resyncsDone >= 2, { what: 'subscribed, then the baseline resync' });
      h.marathon.app_ = {
        tasks: [{ id: `${I2}._app.1`, state: 'TASK_RUNNING', host: 'slave2', startedAt: at(40) }],
        lastTaskFailure: { taskId: `${I1}._app.1`, state: 'TASK_LOST', message: 'agent removed', timestamp: at(5) },
      };
      h.marathon.drop();
      await waitFor(() => h.transitions.length === 2, { what: 'incident found by the resync' });
      assert.ok(h.marathon.connections >= 2, 'reconnected');
      assert.equal(h.transitions[0]?.incident.cause, 'TASK_LOST: agent removed');
      assert.equal(h.transitions[1]?.incident.downtimeMs, 35_000, 'from lastTaskFailure to the new task start');
      h.marathon.drop();
      await waitFor(() => h.watcher.stats().resyncs >= 4, { what: 'another reconnect' });
      assert.equal(h.transitions.length, 2, 'a second resync repeats nothing');
    } finally {
      await h.close();
    }
  });

  test('eventsRead counts every event the read loop takes (other apps too, across a reconnect), for the P3 lag figure', async () => {
    const h = harness(running1);
    try {
      await waitFor(() => h.watcher.stats().connected && h.watcher.stats().resyncsDone >= 2, { what: 'subscribed, then the baseline resync' });
      assert.equal(h.watcher.stats().eventsRead, 1, 'event_stream_attached');
      for (let i = 0; i < 300; i++) h.marathon.emit({ ...status(`other.instance-${i}._app.1`, 'TASK_RUNNING', 'slave1', 1), appId: '/other' });
      h.marathon.emit(status(`${I1}._app.1`, 'TASK_FAILED', 'slave1', 10));
      await waitFor(() => h.watcher.stats().eventsRead >= 302, { what: '302 events read' });
      assert.equal(h.watcher.stats().eventsRead, 302);
      h.marathon.drop();
      await waitFor(() => h.marathon.connections >= 2 && h.watcher.stats().connected, { what: 'reconnected' });
      h.marathon.emit(status(`${I1}._app.2`, 'TASK_RUNNING', 'slave1', 20));
      await waitFor(() => h.watcher.stats().eventsRead >= 304, { what: 'attached again + one event' });
      assert.equal(h.watcher.stats().eventsRead, 304);
    } finally {
      await h.close();
    }
  });

  test('an overflowing hand-off is counted and replaced by a resync; other apps never reach the queue', async () => {
    let release: () => void = () => undefined;
    let blocked = true;
    let stuck = false;
    const slow = () => {
      if (!blocked) return Promise.resolve();
      stuck = true;
      return new Promise<void>((r) => (release = r));
    };
    const h = harness(running1, { queueLimit: 5, slow });
    try {
      await waitFor(() => h.watcher.stats().connected && h.watcher.stats().resyncsDone >= 2, { what: 'subscribed, then the baseline resync' });
      for (let i = 0; i < 1000; i++) h.marathon.emit({ ...status(`other.instance-${i}._app.1`, 'TASK_FAILED', 'slave1', 1), appId: '/other' });
      h.marathon.emit(status(`${I1}._app.1`, 'TASK_FAILED', 'slave1', 10));
      // Taken, and its 'opened' being delivered (not merely not queued yet: that is true before the read loop has it).
      await waitFor(() => stuck && h.transitions.length === 0 && h.watcher.stats().queued === 0, { what: 'first signal taken' });
      // The processor is now stuck delivering 'opened'; the app keeps changing faster than it can keep up.
      for (let n = 2; n < 40; n++) h.marathon.emit(status(`${I1}._app.${n}`, n % 2 ? 'TASK_FAILED' : 'TASK_RUNNING', 'slave1', 10 + n));
      await waitFor(() => h.watcher.stats().overflowed > 0, { what: 'overflow counted' });
      assert.ok(h.watcher.stats().maxQueued <= 5);
      h.marathon.app_ = { tasks: [{ id: `${I1}._app.40`, state: 'TASK_RUNNING', host: 'slave2', startedAt: at(60) }] };
      blocked = false;
      release();
      await waitFor(() => h.transitions.at(-1)?.type === 'resolved' && h.watcher.stats().queued === 0 && h.watcher.stats().resyncs >= 2, { what: 'settled after the resync' });
      assert.equal(h.transitions.at(-1)?.incident.backHost, 'slave2', 'the resync, not the lost signals, says where Jenkins is');
      assert.equal(new Set(h.transitions.map((t) => t.incident.id)).size, 1);
    } finally {
      await h.close();
    }
  });

  test('R15: a storm of 1,000 failures over 200 other apps is one burst, reported a few times, every failure counted', async () => {
    const bursts: FailureBurst[] = [];
    const h = harness(running1, { bursts });
    try {
      await waitFor(() => h.watcher.stats().connected && h.watcher.stats().resyncsDone >= 2, { what: 'subscribed' });
      for (let i = 0; i < 1000; i++) {
        h.marathon.emit({ ...status(`app${i % 200}.instance-${i}._app.1`, i % 10 === 0 ? 'TASK_KILLED' : 'TASK_FAILED', 'slave1', 1), appId: `/app${i % 200}` });
      }
      await waitFor(() => bursts.at(-1)?.over, { what: 'the burst over', deadlineMs: 5000 });
      const last = bursts.at(-1)!;
      assert.equal(last.count, 900, 'every failure counted (TASK_KILLED is a normal end, not a failure)');
      assert.equal(Object.keys(last.apps).length, 180, 'apps whose only updates were TASK_KILLED are not listed');
      assert.ok(bursts.length <= 4, `${bursts.length} reports`);
      assert.equal(new Set(bursts.map((b) => b.key)).size, 1, 'one message, updated in place');
      assert.equal(h.transitions.length, 0, 'other apps never touch the Jenkins incident');
      assert.equal(h.watcher.stats().maxQueued, 0, 'nor its queue');
    } finally {
      await h.close();
    }
  });
});
