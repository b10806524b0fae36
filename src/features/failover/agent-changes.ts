/**
 * Agent alerts from successive `/master/slaves` reads, with the real Mesos semantics
 * (shared/reference/MARATHON-FAILOVER.md S4): an agent that stops answering is first listed `active: false`, then
 * drops out of the list when the master marks it unreachable (ping timeout, 75 s by default); after a master
 * failover agents sit in `recovered_slaves` until they re-register — that is not a loss. Agents are known by
 * hostname: one rebooted with a new id is the same build host coming back.
 */

export interface AgentReading {
  id: string;
  hostname: string;
  active: boolean;
  cpus: number;
  memMb: number;
}

export interface AgentsReading {
  agents: readonly AgentReading[];
  /** Hostnames in `recovered_slaves` (known from the registry after a master failover, not yet re-registered). */
  recovering: readonly string[];
}

export type AgentChangeKind = 'inactive' | 'lost' | 'back' | 'joined';

export interface AgentChange {
  kind: AgentChangeKind;
  hostname: string;
  /** Episode key: `lost` and `back` of one outage share it, so the alert is updated in place. */
  key: string;
  /** Active agents and their resources after the change. */
  totals: { agents: number; of: number; cpus: number; memMb: number };
}

export interface AgentWatchState {
  /** hostname → last state seen and the current episode number. */
  known: Record<string, { state: 'active' | 'inactive' | 'gone' | 'recovering'; episode: number }>;
}

/** Compares a new reading with the state; returns the changes (none on the first reading: that is the baseline). */
export function agentChanges(state: AgentWatchState | undefined, reading: AgentsReading): { changes: AgentChange[]; state: AgentWatchState } {
  const next: AgentWatchState = { known: structuredClone(state?.known ?? {}) };
  const active = reading.agents.filter((a) => a.active);
  const listed = new Set(reading.agents.map((a) => a.hostname));
  const total = new Set([...Object.keys(next.known), ...listed]).size;
  const totals = {
    agents: active.length, of: total, cpus: round(active.reduce((s, a) => s + a.cpus, 0)), memMb: Math.round(active.reduce((s, a) => s + a.memMb, 0)),
  };
  const changes: AgentChange[] = [];
  const note = (kind: AgentChangeKind, hostname: string, episode: number) => changes.push({ kind, hostname, key: `agent-${hostname}-${episode}`, totals });
  for (const a of reading.agents) {
    const was = next.known[a.hostname];
    const now = a.active ? 'active' : 'inactive';
    if (!was) {
      next.known[a.hostname] = { state: now, episode: 1 };
      if (state) note('joined', a.hostname, 1);
      continue;
    }
    if (now === 'active' && was.state !== 'active' && was.state !== 'recovering') note('back', a.hostname, was.episode);
    if (now === 'inactive' && was.state === 'active') note('inactive', a.hostname, (was.episode += 1));
    was.state = now;
  }
  const recovering = new Set(reading.recovering);
  for (const [hostname, was] of Object.entries(next.known)) {
    if (listed.has(hostname)) continue;
    if (recovering.has(hostname)) {
      was.state = 'recovering';
      continue;
    }
    if (was.state === 'gone') continue;
    if (was.state !== 'inactive') was.episode += 1; // lost without an inactive phase first: a new episode
    was.state = 'gone';
    note('lost', hostname, was.episode);
  }
  return { changes, state: next };
}

const round = (n: number) => Math.round(n * 100) / 100;
