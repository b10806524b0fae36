/**
 * Watches the Jenkins app on Marathon (SPEC §7): the event stream on the leader, filtered by `event_type`, feeds
 * the incident tracker; a resync from `GET /v2/apps/<id>` on every (re)connect, every `resyncEveryMs` and whenever
 * the hand-off overflowed, so a change during a gap is still seen. The read loop never waits on Slack or Redis:
 * it only parses, filters and hands the app's signals to a bounded queue; what does not fit is counted and forces
 * a resync (never dropped silently). Reconnects with jittered backoff; the stream client follows the leader.
 */
import { interruptibleSleep } from '../../core/sleep.ts';
import { JenkinsIncidentTracker, type HealthMode, type TrackerState, type Transition } from '../../cluster/failover/jenkins-incidents.ts';
import { normaliseAppId, resyncSignals, signalOf, type AppTaskView, type MarathonEventView } from '../../cluster/failover/from-marathon.ts';
import type { JenkinsSignal } from '../../cluster/failover/signals.ts';
import { storageModeOf, type AppStorageView, type StorageMode } from '../../cluster/storage-mode.ts';
import { withChildSignal } from '../../core/abort.ts';

/** The event types the watcher subscribes to (server-side `event_type` filters). */
export const WATCHED_EVENT_TYPES = [
  'status_update_event', 'instance_changed_event', 'instance_health_changed_event', 'health_status_changed_event',
  'failed_health_check_event', 'unhealthy_instance_kill_event', 'unhealthy_task_kill_event', 'deployment_info',
  'deployment_success', 'deployment_failed', 'event_stream_attached', 'event_stream_detached',
] as const;

/** What `GET /v2/apps/<id>` gives the watcher. */
export interface AppReadView extends AppStorageView {
  tasks?: readonly AppTaskView[] | undefined;
  lastTaskFailure?: { taskId: string; state: string; message?: string | undefined; timestamp?: string | undefined } | undefined;
  healthChecks?: ReadonlyArray<{ protocol?: string | undefined; maxConsecutiveFailures?: number | undefined }> | undefined;
}

export interface MarathonWatchPort {
  /** The event stream on the current leader; returns or throws when it ends. */
  events(opts: { signal: AbortSignal; eventTypes: readonly string[] }): AsyncIterable<MarathonEventView>;
  /** The app with its tasks; undefined when Marathon has no such app (Jenkins not deployed). */
  app(appId: string, opts: { signal: AbortSignal }): Promise<AppReadView | undefined>;
}

/**
 * Task failures of the other apps on Marathon, counted by the read loop and reported as one burst: a storm of
 * hundreds of failures is one message updated in place with the counts, never hundreds (SPEC §7, R15).
 */
export interface FailureBurst {
  /** Stays the same for the whole burst (the alert's dedup key). */
  key: string;
  startedAtMs: number;
  lastAtMs: number;
  count: number;
  /** Failures per app id. */
  apps: Record<string, number>;
  /** True once `groupWindowMs` passed without another failure: the last report of this burst. */
  over: boolean;
}

/** Terminal states that mean a task failed (KILLED and FINISHED are normal ends: deployments, scale-downs). */
const FAILURES = new Set(['TASK_FAILED', 'TASK_ERROR', 'TASK_LOST', 'TASK_DROPPED', 'TASK_UNREACHABLE', 'TASK_GONE', 'TASK_GONE_BY_OPERATOR', 'TASK_UNKNOWN']);

export interface WatcherDeps {
  marathon: MarathonWatchPort;
  appId: string;
  /** Gets every incident transition, in order, with what the app definition says about JENKINS_HOME. */
  onTransition: (t: Transition, ctx: { storage: StorageMode }) => Promise<void>;
  /** The tracker's state across restarts and replicas. */
  state: { load(): Promise<TrackerState | undefined>; save(state: TrackerState): Promise<void> };
  /** A failure this soon after an incident opened joins it (default 10 minutes). */
  flapWindowMs?: number;
  /** Default 5 minutes (SPEC §7). */
  resyncEveryMs?: number;
  /** Signals held for the processor before it must resync instead (default 1024, Marathon's own per-consumer bound). */
  queueLimit?: number;
  /** Reconnect backoff: first delay and cap, ms (defaults 500 and 30 000), with full jitter. */
  backoffMs?: { firstMs: number; maxMs: number };
  /** Gets the current burst of other apps' task failures: at most once per second while it grows, and once when over. */
  onOtherFailures?: (burst: FailureBurst) => Promise<void>;
  /** A burst ends after this long without a failure (default 10 s). */
  groupWindowMs?: number;
  now?: () => number;
  log?: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
}

export interface WatcherStats {
  connected: boolean;
  reconnects: number;
  /** Epoch ms of the last byte-level event seen (any type), or undefined. */
  lastEventAtMs?: number | undefined;
  /**
   * Events the read loop has taken from the stream since start, every subscribed type and app, across reconnects.
   * Compared with what Marathon wrote to the connection, the difference is how far the read loop is behind.
   */
  eventsRead: number;
  /** Signals waiting for the processor now, and the most ever. */
  queued: number;
  maxQueued: number;
  /** Signals that did not fit and were replaced by a resync. */
  overflowed: number;
  /** Resyncs started, and finished (their transitions delivered). */
  resyncs: number;
  resyncsDone: number;
}

export function createMarathonWatcher(deps: WatcherDeps) {
  const now = deps.now ?? Date.now;
  const limit = deps.queueLimit ?? 1024;
  const backoff = deps.backoffMs ?? { firstMs: 500, maxMs: 30_000 };
  const stats: WatcherStats = { connected: false, reconnects: 0, queued: 0, maxQueued: 0, overflowed: 0, resyncs: 0, resyncsDone: 0, eventsRead: 0 };
  const windowMs = deps.groupWindowMs ?? 10_000;
  let burst: FailureBurst | undefined;
  let burstReportedAt = 0;
  let burstChanged = false;
  const queue: JenkinsSignal[] = [];
  let wake: (() => void) | undefined; // ends the processor's idle wait
  let resyncDue = true;
  let tracker: JenkinsIncidentTracker | undefined;
  let storage: StorageMode = { kind: 'container', safe: false };
  /** A deployment of the app started since the definition was read: read its storage again (not a resync). */
  let definitionStale = false;
  const poke = () => {
    wake?.();
    wake = undefined;
  };

  /** Hands a signal to the processor without waiting; when the queue is full it is counted and a resync replaces it. */
  function handOff(sig: JenkinsSignal): void {
    if (queue.length >= limit) {
      stats.overflowed += 1;
      resyncDue = true;
    } else {
      queue.push(sig);
      stats.maxQueued = Math.max(stats.maxQueued, queue.length);
    }
    stats.queued = queue.length;
    poke();
  }

  async function read(signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      try {
        const stream = deps.marathon.events({ signal, eventTypes: WATCHED_EVENT_TYPES });
        let first = true;
        for await (const e of stream) {
          stats.lastEventAtMs = now();
          stats.eventsRead += 1;
          if (first) {
            // Subscribed: whatever happened before this point is read back by a resync (events after it queue up).
            first = false;
            stats.connected = true;
            failures = 0;
            resyncDue = true;
            poke();
          }
          const sig = signalOf(e, deps.appId);
          // A deployment of the app may bring a new definition (created, new volumes): read where its home is again.
          if (sig?.kind === 'deployment' && sig.phase === 'started') definitionStale = true;
          if (sig) handOff(sig);
          else if (deps.onOtherFailures && e.eventType === 'status_update_event' && e.taskStatus && FAILURES.has(e.taskStatus)) countFailure(e.appId ?? '?');
        }
      } catch (err) {
        if (signal.aborted) return;
        deps.log?.warn({ err }, 'marathon event stream failed');
      }
      stats.connected = false;
      if (signal.aborted) return;
      stats.reconnects += 1;
      failures += 1;
      const capMs = Math.min(backoff.maxMs, backoff.firstMs * 2 ** Math.min(failures - 1, 16));
      await interruptibleSleep(Math.random() * capMs, signal);
    }
  }

  /** Counts one failure into the current burst (in memory only: the read loop never waits). */
  function countFailure(app: string): void {
    const at = now();
    if (!burst || burst.over) burst = { key: `tasks:${at}`, startedAtMs: at, lastAtMs: at, count: 0, apps: {}, over: false };
    burst.count += 1;
    burst.lastAtMs = at;
    burst.apps[app] = (burst.apps[app] ?? 0) + 1;
    burstChanged = true;
    poke();
  }

  /** Reports the burst when it grew (≤ 1/s) and once more when it is over. */
  async function reportBurst(): Promise<void> {
    if (!burst || !deps.onOtherFailures) return;
    const t = now();
    const over = !burst.over && t - burst.lastAtMs >= windowMs;
    if (over) burst.over = true;
    if (!over && !(burstChanged && t - burstReportedAt >= 1000)) return;
    burstChanged = false;
    burstReportedAt = t;
    await deps.onOtherFailures({ ...burst, apps: { ...burst.apps } });
  }

  async function resync(signal: AbortSignal): Promise<void> {
    resyncDue = false;
    stats.resyncs += 1;
    const app = await deps.marathon.app(normaliseAppId(deps.appId), { signal });
    const t = await trackerFor(app);
    const failure = app?.lastTaskFailure;
    const transitions = t.reconcile(resyncSignals(app?.tasks ?? [], now()), now(), failure && {
      taskId: failure.taskId, state: failure.state, message: failure.message, atMs: failure.timestamp ? Date.parse(failure.timestamp) : undefined,
    });
    await deliver(transitions);
    stats.resyncsDone += 1;
  }

  /** The tracker for the app's current health checks (kept state, new options when the definition changed). */
  async function trackerFor(app: AppReadView | undefined): Promise<JenkinsIncidentTracker> {
    const checks = app?.healthChecks ?? [];
    const health: HealthMode = checks.length === 0 ? 'none' : checks.some((c) => c.protocol?.startsWith('MESOS_')) ? 'mesos' : 'marathon';
    const maxConsecutiveFailures = checks[0]?.maxConsecutiveFailures ?? 3;
    if (app) storage = storageModeOf(app);
    const state = tracker ? tracker.state() : await deps.state.load();
    tracker = new JenkinsIncidentTracker({ health, maxConsecutiveFailures, ...(deps.flapWindowMs ? { flapWindowMs: deps.flapWindowMs } : {}) }, state);
    return tracker;
  }

  async function deliver(transitions: Transition[]): Promise<void> {
    if (!tracker) return;
    for (const t of transitions) await deps.onTransition(t, { storage });
    await deps.state.save(tracker.state());
  }

  async function process(signal: AbortSignal): Promise<void> {
    let lastResync = 0;
    while (!signal.aborted) {
      try {
        if (resyncDue || now() - lastResync >= (deps.resyncEveryMs ?? 300_000)) {
          lastResync = now();
          await resync(signal);
        }
        await reportBurst();
        // Signals wait for the first resync (the baseline); after it they are applied in order.
        if (definitionStale) {
          // Before the batch, so a failure right after a first deployment knows the new app's JENKINS_HOME.
          definitionStale = false;
          const app = await deps.marathon.app(normaliseAppId(deps.appId), { signal });
          if (app) storage = storageModeOf(app);
        }
        const t = tracker;
        if (t && queue.length > 0) {
          const batch = queue.splice(0, queue.length);
          stats.queued = 0;
          await deliver(batch.flatMap((s) => t.apply(s)));
        }
      } catch (err) {
        if (signal.aborted) return;
        resyncDue = true;
        deps.log?.warn({ err }, 'marathon watcher could not process; will resync');
        await interruptibleSleep(backoff.firstMs, signal);
      }
      if (queue.length === 0 && !resyncDue) {
        const woken = new AbortController();
        wake = () => woken.abort();
        await withChildSignal([signal, woken.signal], undefined, (s) => interruptibleSleep(Math.min(1000, deps.resyncEveryMs ?? 300_000), s));
      }
    }
  }

  return {
    /** Runs until `signal` aborts (under the watcher lease). */
    async run(signal: AbortSignal): Promise<void> {
      await Promise.all([read(signal), process(signal)]);
    },
    stats: (): WatcherStats => ({ ...stats }),
    /** The open incident, for `/ci status` and `/ci alerts`. */
    incident: () => tracker?.incident(),
    storage: () => storage,
  };
}
