/**
 * Failover incidents and agent alerts (SPEC §7): in `watch`, the Marathon watcher turns Jenkins' task events into
 * one incident message per failover ("🔴 Jenkins down on slave1 …" → "🟢 Jenkins back on slave2 after 47 s (moved
 * from slave1) · JENKINS_HOME …") and the agents watcher raises "agent slave2 lost / back"; both run under the
 * watcher lease (one active replica). In `serve`, `/ci alerts [--since 24h]` lists what was raised.
 */
import * as z from 'zod';
import { durationArg } from '../../chat/validators.ts';
import { listMessage } from '../../chat/render/lists.ts';
import { roughDuration } from '../../core/duration.ts';
import { answer, defineFeature, type FeatureDeps } from '../define-feature.ts';
import { createAgentsSource } from './agents-source.ts';
import { createAlertSink } from './alert-sink.ts';
import { createJenkinsSource, readWatcherStatus } from './jenkins-source.ts';

interface Ctx {
  deps: FeatureDeps;
  jenkins: ReturnType<typeof createJenkinsSource>;
  agents: ReturnType<typeof createAgentsSource>;
}

const alertsCommand = answer(
  {
    name: 'alerts', summary: 'Recent incidents and alerts', usage: '[--since 24h]', role: 'viewer', run: 'direct',
    flags: { since: 'value' }, schema: z.strictObject({ since: durationArg.optional() }),
  },
  (ctx: Ctx) => async (args) => {
    const sinceMs = args.since ?? 24 * 3_600_000;
    const records = await ctx.deps.alerts.log.since(Date.now() - sinceMs, 40);
    const lines = records.map((r) => {
      const when = new Date(r.openedAt).toISOString().slice(0, 16).replace('T', ' ');
      const extra = r.state === 'resolved' && r.downtimeMs !== undefined ? ` · down ${roughDuration(r.downtimeMs)}` : r.state === 'open' ? ' · *open*' : '';
      return `\`${when}\` ${r.title}${extra}`;
    });
    return listMessage(`Incidents and alerts, last ${roughDuration(sinceMs)}`, lines, 'none.');
  },
);

export const failoverFeature = defineFeature({
  name: 'failover',
  roles: ['serve', 'watch'],
  setup: (deps: FeatureDeps): Ctx => {
    const sink = createAlertSink({ config: deps.config, outbox: deps.outbox, log: deps.alerts.log, audit: deps.audit, counted: deps.alerts.counted });
    const log = deps.log;
    const jenkins = createJenkinsSource({ config: deps.config, cluster: deps.cluster, sink, state: deps.state, log });
    const agents = createAgentsSource({
      config: deps.config, cluster: deps.cluster, sink, state: deps.state, log,
      // The lost agent hosted Jenkins: the open incident carries it (one message, not two).
      toJenkinsIncident: async (change) => {
        const view = jenkins.viewOn(change.hostname);
        if (!view) return false;
        view.agentLost = change;
        await jenkins.raise(view);
        return true;
      },
    });
    // The active watcher's own figures, in the process that runs it (P3 compares events read with events written).
    deps.gauge('cibot_watcher_events_read', 'Events the Marathon watcher read from the stream since start (all subscribed types)', () => jenkins.stats()?.eventsRead);
    deps.gauge('cibot_watcher_reconnects', 'Reconnects of the Marathon event stream since start', () => jenkins.stats()?.reconnects);
    // A timestamp, not an age (Prometheus' advice: `time() - x` is the age); with events_read, read in the same
    // scrape, it says how many events the loop had read at that instant.
    deps.gauge('cibot_watcher_last_event_timestamp_seconds', 'When the Marathon watcher last read an event (epoch seconds)', () => {
      const at = jenkins.stats()?.lastEventAtMs;
      return at === undefined ? undefined : at / 1000;
    });
    return { deps, jenkins, agents };
  },
  commands: [alertsCommand],
  sources: [
    (ctx) => ({ name: 'marathon-watcher', run: (signal) => ctx.jenkins.run(signal) }),
    (ctx) => ({ name: 'agents-watcher', run: (signal) => ctx.agents.run(signal) }),
  ],
  // The watcher may run in another process: its status comes from what the active one published in Redis.
  ready: async (ctx) => ({ watcher: ctx.jenkins.configured ? ((await readWatcherStatus(ctx.deps.state)) ?? { running: false }) : { configured: false } }),
});
