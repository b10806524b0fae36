/**
 * Where Marathon (and the Jenkins Mesos plugin) may put a task: an active agent with enough free cpus/mem/disk
 * that satisfies every constraint. Operators: UNIQUE, CLUSTER, LIKE, UNLIKE, MAX_PER, IS, GROUP_BY (spread).
 */
import type { SimAgent, SimTask } from './state.ts';

export interface PlacementRequest {
  cpus: number;
  mem: number;
  disk: number;
  constraints?: string[][];
  /** Tasks of the same app already placed (for UNIQUE, MAX_PER, GROUP_BY). */
  siblings?: SimTask[];
  /** Agents to avoid when another one fits (relaunch "elsewhere"). */
  prefer?: (agent: SimAgent) => boolean;
}

function field(agent: SimAgent, name: string): string | undefined {
  if (name === 'hostname') return agent.hostname;
  return agent.attributes[name.replace(/^@/, '')];
}

function fits(agent: SimAgent, req: PlacementRequest): boolean {
  if (!agent.active) return false;
  const eps = 1e-9;
  return (
    agent.cpus - agent.used.cpus + eps >= req.cpus &&
    agent.memMb - agent.used.mem + eps >= req.mem &&
    agent.diskMb - agent.used.disk + eps >= req.disk
  );
}

/** True when `agent` satisfies one Marathon constraint `[field, operator, value?]`. */
export function satisfies(agent: SimAgent, c: string[], siblings: SimTask[], agents: Map<string, SimAgent>): boolean {
  const [name = '', op = '', value = ''] = c;
  const mine = field(agent, name);
  const onSameValue = siblings.filter((t) => {
    const other = agents.get(t.agentId);
    return other !== undefined && field(other, name) === mine;
  }).length;
  switch (op) {
    case 'UNIQUE':
      return onSameValue === 0;
    case 'CLUSTER':
      return value === '' || mine === value;
    case 'IS':
      return mine === value;
    case 'LIKE':
      return mine !== undefined && new RegExp(`^(?:${value})$`).test(mine);
    case 'UNLIKE':
      return mine === undefined || !new RegExp(`^(?:${value})$`).test(mine);
    case 'MAX_PER':
      return onSameValue < Number(value || 1);
    case 'GROUP_BY':
      return true;
    default:
      return false;
  }
}

/** Picks an agent for `req`, or undefined when none fits. Least-loaded first, preferred agents before others. */
export function place(agents: Map<string, SimAgent>, req: PlacementRequest): SimAgent | undefined {
  const siblings = req.siblings ?? [];
  const ok: SimAgent[] = [];
  for (const agent of agents.values()) {
    if (!fits(agent, req)) continue;
    if ((req.constraints ?? []).every((c) => satisfies(agent, c, siblings, agents))) ok.push(agent);
  }
  const score = (a: SimAgent) => (req.prefer && !req.prefer(a) ? 1e6 : 0) + a.used.cpus / a.cpus;
  ok.sort((a, b) => score(a) - score(b));
  return ok[0];
}
