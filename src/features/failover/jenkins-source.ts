/**
 * The Jenkins failover source: the Marathon watcher over the process's Marathon client, each incident transition
 * rendered and raised through the alert sink, the data check after recovery (Jenkins' fingerprint from before the
 * incident against the one after), reminders for incidents that stay open. Runs in `watch`, under the lease.
 */
import { hostname } from 'node:os';
import * as z from 'zod';
import type { ClusterClients } from '../../cluster/cluster-reader.ts';
import type { Log, StateStore } from '../../core/ports.ts';
import { interruptibleSleep } from '../../core/sleep.ts';
import type { Config } from '../../config/schema.ts';
import type { AlertSink } from './alert-sink.ts';
import { compareFingerprints, type JenkinsFingerprint } from '../../cluster/failover/data-check.ts';
import { readFingerprint } from '../../cluster/failover/fingerprint.ts';
import type { Incident, TrackerState, Transition } from '../../cluster/failover/jenkins-incidents.ts';
import { trackerStateSchema } from './state-schema.ts';
import { createMarathonWatcher, type AppReadView } from './marathon-watcher.ts';
import type { MarathonEventView } from '../../cluster/failover/from-marathon.ts';
import { incidentHeadline, renderFailureBurst, renderIncident, renderTimeline, type IncidentView } from './render.ts';
import type { StorageMode } from '../../cluster/storage-mode.ts';
import { withChildSignal } from '../../core/abort.ts';

export interface JenkinsSourceDeps {
  config: Config;
  cluster: ClusterClients;
  sink: AlertSink;
  state: StateStore;
  log: Log;
}

const fingerprintSchema = z.object({ jobCount: z.number(), jobsHash: z.string().optional(), identity: z.string().optional() });

/** Builds the watcher and the glue; `run` is the source's loop. */
export function createJenkinsSource(deps: JenkinsSourceDeps) {
  const { config, cluster } = deps;
  const marathon = cluster.marathon;
  const appId = config.cluster.marathon.jenkinsAppId;
  const tz = config.alerts.timeZone;
  const views = new Map<string, IncidentView>();
  let running: AbortSignal = AbortSignal.abort(); // the current run's signal: a data check stops with the lease
  const watcher = marathon
    ? createMarathonWatcher({
        appId,
        resyncEveryMs: config.watch.resyncEveryMs,
        flapWindowMs: config.alerts.flapWindowMs,
        marathon: {
          events: ({ signal, eventTypes }) => toViews(marathon.events({ signal, eventTypes, idleTimeoutMs: config.watch.streamIdleMs })),
          app: async (id, { signal }) => {
            try {
              return (await marathon.app(id, { signal })) as AppReadView;
            } catch (err) {
              if ((err as { status?: number }).status === 404) return undefined; // Jenkins not deployed (yet)
              throw err;
            }
          },
        },
        state: {
          load: async () => {
            const parsed = trackerStateSchema.safeParse(await deps.state.get(`failover:${appId}`));
            return parsed.success ? (parsed.data as TrackerState) : undefined;
          },
          save: (s) => deps.state.set(`failover:${appId}`, s),
        },
        onTransition: (t, { storage }) => onTransition(t, storage),
        groupWindowMs: config.alerts.groupWindowMs,
        onOtherFailures: async (b) => {
          const message = renderFailureBurst(b);
          await deps.sink.raise({ key: b.key, kind: 'tasks', severity: 'warning', title: message.text, state: b.over ? 'resolved' : 'open', openedAt: b.startedAtMs, resolvedAt: b.over ? b.lastAtMs : undefined }, message);
        },
        log: deps.log,
      })
    : undefined;

  async function onTransition(t: Transition, storage: StorageMode): Promise<void> {
    const view = viewOf(t.incident, storage);
    await raise(view);
    // Jenkins may take a while to answer after it is healthy; the watcher goes on meanwhile.
    if (t.type === 'resolved') checkData(view).catch((err: unknown) => deps.log.warn({ err }, 'data check failed'));
  }

  /**
   * The one view of an incident in this process: every raise renders it whole, so a data check and an agent loss
   * that arrive in either order both stay in the message. The newest 20 incidents are kept.
   */
  function viewOf(incident: Incident, storage: StorageMode): IncidentView {
    const view = views.get(incident.id) ?? { incident, storage, timeZone: tz };
    Object.assign(view, { incident, storage });
    views.delete(incident.id);
    views.set(incident.id, view);
    for (const id of [...views.keys()].slice(0, Math.max(0, views.size - 20))) views.delete(id);
    return view;
  }

  async function raise(view: IncidentView): Promise<void> {
    const i = view.incident;
    await deps.sink.raise(
      {
        key: i.id, kind: 'jenkins', severity: i.planned ? 'info' : 'critical', title: incidentHeadline(view), state: i.state,
        openedAt: i.firstDownAtMs, resolvedAt: i.resolvedAtMs, downtimeMs: i.downtimeMs,
        moved: i.backHost !== undefined && i.backHost !== i.downHost, planned: i.planned,
      },
      renderIncident(view),
      renderTimeline(i, tz),
    );
  }

  /** After recovery: Jenkins' fingerprint now against the last one read while it was healthy. */
  async function checkData(view: IncidentView): Promise<void> {
    const jenkins = cluster.jenkins;
    const before = fingerprintSchema.safeParse(await deps.state.get(`failover:${appId}:fingerprint`).catch(() => undefined));
    let after: JenkinsFingerprint | undefined;
    const signal = running;
    for (let attempt = 0; jenkins && attempt < 30 && !after && !signal.aborted; attempt++) {
      after = await withChildSignal(signal, config.cluster.jenkins.timeoutMs, (s) => readFingerprint(jenkins, s)).catch(() => undefined);
      if (!after) await interruptibleSleep(2000, signal);
    }
    const i = view.incident;
    const moved = i.backHost !== undefined && i.downHost !== undefined && i.backHost !== i.downHost;
    // Stopped (the lease moved on, or shutdown): say so instead of leaving "Checking…" in the message for good.
    view.data = signal.aborted
      ? { cameAlong: undefined, text: 'JENKINS_HOME: not checked (the watcher stopped during the check)' }
      : compareFingerprints(before.success ? (before.data as JenkinsFingerprint) : undefined, after, view.storage, i.downHost, moved);
    await raise(view).catch((err: unknown) => deps.log.warn({ err }, 'could not post the data check'));
    // What Jenkins holds now is the baseline for the next incident, whether or not the old home came along.
    if (after && !signal.aborted) await deps.state.set(`failover:${appId}:fingerprint`, after);
  }

  /** While Jenkins is up and no incident is open: the "before" reading, refreshed at every resync period. */
  async function keepFingerprint(signal: AbortSignal): Promise<void> {
    const jenkins = cluster.jenkins;
    while (jenkins && !signal.aborted) {
      const open = watcher?.incident()?.state === 'open';
      if (!open) {
        const fp = await withChildSignal(signal, config.cluster.jenkins.timeoutMs, (s) => readFingerprint(jenkins, s)).catch(() => undefined);
        if (fp && watcher?.incident()?.state !== 'open') await deps.state.set(`failover:${appId}:fingerprint`, fp).catch(() => undefined);
      }
      await interruptibleSleep(Math.min(config.watch.resyncEveryMs, 60_000), signal);
    }
  }

  /** An incident open for longer than the repeat interval gets a reminder in its thread, once per interval. */
  async function remind(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await interruptibleSleep(Math.min(config.alerts.repeatIntervalMs, 60_000), signal);
      const i: Incident | undefined = watcher?.incident();
      if (!i || i.state !== 'open' || signal.aborted) continue;
      const periods = Math.floor((Date.now() - i.lastDownAtMs) / config.alerts.repeatIntervalMs);
      if (periods < 1) continue;
      const view = viewOf(i, watcher?.storage() ?? { kind: 'container', safe: false });
      await deps.sink.reply(
        { key: i.id, kind: 'jenkins', severity: 'critical', title: incidentHeadline(view), state: 'open', openedAt: i.firstDownAtMs },
        `${i.id}:reminder:${periods}`,
        { text: `:alarm_clock: Jenkins is still down (${periods * Math.round(config.alerts.repeatIntervalMs / 60_000)} min).` },
      ).catch((err: unknown) => deps.log.warn({ err }, 'could not post a reminder'));
    }
  }

  /** What the active watcher publishes for `/readyz` of every replica (read back by {@link readWatcherStatus}). */
  async function publish(signal: AbortSignal): Promise<void> {
    const holder = `${hostname()}:${process.pid}`;
    while (!signal.aborted) {
      const stats = watcher?.stats();
      await deps.state.set(`failover:watcher`, { holder, at: Date.now(), ...stats }).catch(() => undefined); // next period tries again
      await interruptibleSleep(2000, signal);
    }
  }

  return {
    configured: watcher !== undefined,
    /** Raises the incident's message again (after the agent loss joined it). */
    raise,
    /**
     * The incident of Jenkins going down on `host`, open or resolved in the last two minutes (an agent loss is seen
     * by polling, often after Marathon already relaunched Jenkins elsewhere), so the agent loss joins it.
     */
    viewOn(host: string): IncidentView | undefined {
      const i = watcher?.incident();
      const recent = i && (i.state === 'open' || (i.resolvedAtMs !== undefined && Date.now() - i.resolvedAtMs < 120_000));
      if (!i || !recent || i.downHost !== host) return undefined;
      return viewOf(i, watcher?.storage() ?? { kind: 'container', safe: false });
    },
    async run(signal: AbortSignal): Promise<void> {
      if (!watcher) return;
      running = signal;
      await Promise.all([watcher.run(signal), keepFingerprint(signal), remind(signal), publish(signal)]);
    },
    stats: () => watcher?.stats(),
    incident: () => watcher?.incident(),
  };
}

/** The client's typed events as the watcher reads them (unknown types are passed on with their own fields). */
async function* toViews(events: AsyncIterable<{ eventType: string }>): AsyncIterable<MarathonEventView> {
  for await (const e of events) {
    const raw = e as { eventType: string; type?: string; raw?: Record<string, unknown> };
    yield (raw.eventType === 'other' ? { ...(raw.raw ?? {}), eventType: raw.type ?? 'other' } : e) as MarathonEventView;
  }
}

const watcherStatusSchema = z.looseObject({ holder: z.string(), at: z.number(), connected: z.boolean().optional(), lastEventAtMs: z.number().optional(), queued: z.number().optional(), overflowed: z.number().optional(), reconnects: z.number().optional() });

/** The active watcher's last published status (any replica may answer `/readyz`); undefined when none ran. */
export async function readWatcherStatus(state: StateStore) {
  const parsed = watcherStatusSchema.safeParse(await state.get('failover:watcher'));
  if (!parsed.success) return undefined;
  const s = parsed.data;
  return {
    holder: s.holder, reportedAgoMs: Date.now() - s.at, connected: s.connected ?? false,
    lastEventAgeMs: s.lastEventAtMs !== undefined ? Date.now() - s.lastEventAtMs : null, lagEvents: s.queued ?? 0,
    overflowed: s.overflowed ?? 0, reconnects: s.reconnects ?? 0,
  };
}
