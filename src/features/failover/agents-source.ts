/**
 * The agents source: polls `/master/slaves` (the cheap per-agent read; never `/master/state`) and raises "agent
 * slave2 lost — 1 of 2 agents left, 2 cpus / 3.7 GB" and "agent slave2 back" as one message per outage, updated
 * in place. When the lost agent hosted Jenkins, the Jenkins incident carries it instead (one message, not two).
 */
import * as z from 'zod';
import type { ClusterClients } from '../../cluster/cluster-reader.ts';
import type { AlertRecord, Log, StateStore } from '../../core/ports.ts';
import { interruptibleSleep } from '../../core/sleep.ts';
import type { Config } from '../../config/schema.ts';
import { agentChanges, type AgentChange, type AgentWatchState } from './agent-changes.ts';
import type { AlertSink } from './alert-sink.ts';
import { renderAgentChange } from './render.ts';
import { withChildSignal } from '../../core/abort.ts';

export interface AgentsSourceDeps {
  config: Config;
  cluster: ClusterClients;
  sink: AlertSink;
  state: StateStore;
  log: Log;
  /** Gives the change to the open Jenkins incident on that host; true when it took it. */
  toJenkinsIncident: (change: AgentChange) => Promise<boolean>;
}

const stateSchema = z.object({
  known: z.record(z.string(), z.object({ state: z.enum(['active', 'inactive', 'gone', 'recovering']), episode: z.number() })),
});

export function createAgentsSource(deps: AgentsSourceDeps) {
  const mesos = deps.cluster.mesos;
  const key = 'failover:agents';
  const posted = new Set<string>(); // episode keys with a message of their own (this process; bounded by outages seen)
  return {
    configured: mesos !== undefined,
    async run(signal: AbortSignal): Promise<void> {
      if (!mesos) return;
      const loaded = stateSchema.safeParse(await deps.state.get(key).catch(() => undefined));
      let state: AgentWatchState | undefined = loaded.success ? loaded.data : undefined;
      while (!signal.aborted) {
        try {
          const res = await withChildSignal(signal, deps.config.cluster.mesos.timeoutMs, (s) => mesos.agents({ signal: s }));
          const reading = {
            agents: res.agents.map((a) => ({ id: a.id, hostname: a.hostname, active: a.connected, cpus: a.cpus, memMb: a.memMb })),
            recovering: res.recovering,
          };
          const out = agentChanges(state, reading);
          for (const change of out.changes) await raise(change);
          state = out.state;
          await deps.state.set(key, state);
        } catch (err) {
          // A master that cannot be read says nothing about the agents: no alert, try again next period.
          if (!signal.aborted) deps.log.warn({ err }, 'agents watcher could not read /master/slaves');
        }
        await interruptibleSleep(deps.config.watch.agentsPollMs, signal);
      }
    },
  };

  async function raise(change: AgentChange): Promise<void> {
    if ((change.kind === 'lost' || change.kind === 'inactive') && (await deps.toJenkinsIncident(change))) {
      // The incident carries it; an earlier "inactive" message of this outage says where to look instead of going stale.
      if (posted.has(change.key)) await deps.sink.raise(record(change, 'warning'), renderAgentChange(change, { inIncident: true }));
      return;
    }
    const severity = change.kind === 'lost' ? 'warning' : 'info';
    const message = renderAgentChange(change);
    posted.add(change.key);
    await deps.sink.raise(record(change, severity, message.text), message);
  }

  function record(change: AgentChange, severity: 'warning' | 'info', title = renderAgentChange(change).text): AlertRecord {
    const state = change.kind === 'back' ? 'resolved' : change.kind === 'joined' ? 'info' : 'open';
    return { key: change.key, kind: 'agent', severity, title, state, openedAt: Date.now() };
  }
}
