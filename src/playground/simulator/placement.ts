/**
 * Where Marathon (and the Jenkins Mesos plugin) put a task: the FIRST offer that fits — resources, fixed host
 * ports, and every constraint (UNIQUE, CLUSTER, LIKE, UNLIKE, MAX_PER, IS, GROUP_BY). There is no "prefer another
 * agent": a fresh offer match after a failure often lands on the same host (MARATHON-FAILOVER.md S1 step 4,
 * `SRC:core/launcher/impl/InstanceOpFactoryImpl.scala` matches each offer as it comes).
 *
 * Offers come in `offerOrder` (agent hostnames first, then registration order). Real Mesos shuffles agents on
 * every allocation run; the simulator is deterministic so that tests can steer placement (control API
 * `POST /_control/offers`), and an agent marked `full` declines every offer.
 */
import type { SimAgent, SimTask } from './state.ts';

export interface PlacementRequest {
  cpus: number;
  mem: number;
  disk: number;
  /** Fixed host ports the task needs (requirePorts); an agent already holding one of them does not fit. */
  ports?: number[];
  constraints?: string[][];
  /** Tasks of the same app already placed (for UNIQUE, MAX_PER, GROUP_BY). */
  siblings?: SimTask[];
  /** Tasks of every framework, to see which host ports are taken. */
  allTasks?: Iterable<SimTask>;
  /** Hostnames whose offers come first, in this order. */
  offerOrder?: string[];
}

function field(agent: SimAgent, name: string): string | undefined {
  if (name === 'hostname') return agent.hostname;
  return agent.attributes[name.replace(/^@/, '')];
}

/** An agent makes offers while it is registered, active, reachable and not marked full. */
export function offers(agent: SimAgent): boolean {
  return agent.status === 'registered' && agent.active && agent.reachable && !agent.full;
}

function fits(agent: SimAgent, req: PlacementRequest, taken: Set<string>): boolean {
  if (!offers(agent)) return false;
  const eps = 1e-9;
  if ((req.ports ?? []).some((p) => taken.has(`${agent.id}:${p}`))) return false;
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

/** Agents in the order their offers arrive. */
export function offerSequence(agents: Map<string, SimAgent>, order: string[] = []): SimAgent[] {
  const all = [...agents.values()];
  const rank = (a: SimAgent) => {
    const i = order.indexOf(a.hostname);
    return i === -1 ? order.length : i;
  };
  return all.map((a, i) => ({ a, i })).sort((x, y) => rank(x.a) - rank(y.a) || x.i - y.i).map((x) => x.a);
}

/** The first agent whose offer fits `req`, or undefined when none does. */
export function place(agents: Map<string, SimAgent>, req: PlacementRequest): SimAgent | undefined {
  const siblings = req.siblings ?? [];
  const taken = new Set<string>();
  if (req.ports?.length) for (const t of req.allTasks ?? []) for (const p of t.ports) taken.add(`${t.agentId}:${p}`);
  for (const agent of offerSequence(agents, req.offerOrder)) {
    if (!fits(agent, req, taken)) continue;
    if ((req.constraints ?? []).every((c) => satisfies(agent, c, siblings, agents))) return agent;
  }
  return undefined;
}
