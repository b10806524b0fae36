/**
 * Why each agent's last offer did not fit a waiting app, as `GET /v2/queue?embed=lastUnusedOffers` reports it
 * (`reason: ["InsufficientMemory"]` per offer) and `processedOffersSummary.rejectSummaryLastOffers` counts it
 * (`SRC:core/launchqueue/impl/OfferMatchStatistics.scala`; fixture `captures/v2_queue_GET.delayed.dcos-ui.json`).
 * The checks are the ones placement makes (placement.ts), in Marathon's order: role, constraints, then resources.
 */
import { offers, satisfies } from './placement.ts';
import type { SimAgent, SimApp, SimState, SimTask } from './state.ts';

/** Marathon's `NoOfferMatchReason` names the simulator can produce. */
const REASONS = ['UnfulfilledRole', 'UnfulfilledConstraint', 'InsufficientCpus', 'InsufficientMemory', 'InsufficientDisk', 'InsufficientPorts'] as const;
type Reason = (typeof REASONS)[number];

/** The reasons `agent`'s offer does not fit one more instance of `app` (empty: it fits). */
export function offerReasons(state: SimState, app: SimApp, agent: SimAgent, siblings: SimTask[]): Reason[] {
  if (!offers(agent)) return ['UnfulfilledRole'];
  const def = app.definition;
  const out: Reason[] = [];
  const constraints = (def.constraints as string[][] | undefined) ?? [];
  if (!constraints.every((c) => satisfies(agent, c, siblings, state.agents))) out.push('UnfulfilledConstraint');
  const eps = 1e-9;
  if (agent.cpus - agent.used.cpus + eps < Number(def.cpus ?? 1)) out.push('InsufficientCpus');
  if (agent.memMb - agent.used.mem + eps < Number(def.mem ?? 128)) out.push('InsufficientMemory');
  if (agent.diskMb - agent.used.disk + eps < Number(def.disk ?? 0)) out.push('InsufficientDisk');
  if (def.requirePorts === true) {
    const wanted = ((def.portDefinitions as Array<{ port?: number }> | undefined) ?? []).map((p) => p.port ?? 0);
    const taken = new Set([...state.tasks.values()].filter((t) => t.agentId === agent.id).flatMap((t) => t.ports));
    if (wanted.some((p) => taken.has(p))) out.push('InsufficientPorts');
  }
  return out;
}

/** `rejectSummaryLastOffers`: per reason, how many of the last offers were declined for it. */
export function rejectSummary(perAgent: Reason[][]): Array<{ reason: Reason; declined: number; processed: number }> {
  return REASONS.map((reason) => ({ reason, declined: perAgent.filter((r) => r.includes(reason)).length, processed: perAgent.length }));
}
