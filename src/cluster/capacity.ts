/**
 * Capacity and balance of the build hosts: free resources, how many more Jenkins build agents of the configured
 * size fit (whole agents per host: 0.1 cpu free on each of ten hosts fits nothing), and how unevenly load is spread.
 */
import type { AgentView } from './snapshot-types.ts';
import { compareText } from '../core/text.ts';

/** Size of one Jenkins build agent (config `jenkins.agentCpus`, `jenkins.agentMemMb`). */
export interface AgentSize {
  cpus: number;
  memMb: number;
}

export interface AgentLoad {
  hostname: string;
  /** Dominant-resource utilisation, 0..1: the larger of cpu and memory use. */
  utilisation: number;
  cpuShare: number;
  memShare: number;
}

export interface Capacity {
  activeAgents: number;
  freeCpus: number;
  freeMemMb: number;
  /** Build agents of `size` that still fit, summed per host. */
  fit: number;
  /** Hosts that can take at least one more build agent. */
  hostsWithRoom: number;
  busiest?: AgentLoad;
  idlest?: AgentLoad;
  /** busiest − idlest utilisation, 0..1 (0 with fewer than two active agents). */
  spread: number;
  /** Population standard deviation of utilisation, 0..1. */
  stdev: number;
  mean: number;
}

/** A spread at or above this (50 percentage points) is called uneven: one host saturated while another idles. */
export const UNEVEN_SPREAD = 0.5;

// Resource sums carry float noise (2 − 7 × 0.2 = 0.6000000000000001); counts must not lose an agent to it.
const EPS = 1e-9;

/** Build agents of `size` that fit on one host. */
export function fitsOn(agent: AgentView, size: AgentSize): number {
  if (!agent.active || size.cpus <= 0 || size.memMb <= 0) return 0;
  const byCpu = Math.floor(Math.max(0, agent.cpus - agent.cpusUsed) / size.cpus + EPS);
  const byMem = Math.floor(Math.max(0, agent.memMb - agent.memUsedMb) / size.memMb + EPS);
  return Math.max(0, Math.min(byCpu, byMem));
}

export function loadOf(a: AgentView): AgentLoad {
  const cpuShare = a.cpus > 0 ? a.cpusUsed / a.cpus : 0;
  const memShare = a.memMb > 0 ? a.memUsedMb / a.memMb : 0;
  return { hostname: a.hostname, utilisation: Math.min(1, Math.max(cpuShare, memShare)), cpuShare, memShare };
}

/** Capacity over the active agents (inactive ones take no builds). One pass; fine for 10,000 agents. */
export function capacityOf(agents: readonly AgentView[], size: AgentSize): Capacity {
  let freeCpus = 0, freeMemMb = 0, fit = 0, hostsWithRoom = 0, sum = 0, sumSq = 0, n = 0;
  let busiest: AgentLoad | undefined, idlest: AgentLoad | undefined;
  for (const a of agents) {
    if (!a.active) continue;
    n++;
    freeCpus += Math.max(0, a.cpus - a.cpusUsed);
    freeMemMb += Math.max(0, a.memMb - a.memUsedMb);
    const f = fitsOn(a, size);
    fit += f;
    if (f > 0) hostsWithRoom++;
    const load = loadOf(a);
    sum += load.utilisation;
    sumSq += load.utilisation ** 2;
    if (!busiest || load.utilisation > busiest.utilisation) busiest = load;
    if (!idlest || load.utilisation < idlest.utilisation) idlest = load;
  }
  const mean = n > 0 ? sum / n : 0;
  const cap: Capacity = {
    activeAgents: n, freeCpus: round(freeCpus, 3), freeMemMb: round(freeMemMb, 0), fit, hostsWithRoom,
    spread: n > 1 && busiest && idlest ? busiest.utilisation - idlest.utilisation : 0,
    stdev: n > 0 ? Math.sqrt(Math.max(0, sumSq / n - mean ** 2)) : 0,
    mean,
  };
  if (busiest) cap.busiest = busiest;
  if (idlest) cap.idlest = idlest;
  return cap;
}

/** Agents ordered for display: inactive first (they need attention), then busiest first, then by name. */
export function byAttention(agents: readonly AgentView[]): AgentView[] {
  const util = new Map(agents.map((a) => [a, loadOf(a).utilisation]));
  return [...agents].sort((a, b) =>
    Number(a.active) - Number(b.active) || (util.get(b) ?? 0) - (util.get(a) ?? 0) || compareText(a.hostname, b.hostname));
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
