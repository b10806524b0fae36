/**
 * `/ci agents`: a table of agents (host, active, cpus, memory, tasks, since), inactive and busiest first, in
 * monospaced sections that each stay under 3,000 characters; beyond `maxRows` the rest is "and K more".
 */
import type { Block, RenderedMessage } from '../../core/types.ts';
import { packLines } from '../../core/text.ts';
import { byAttention, loadOf } from '../../cluster/capacity.ts';
import type { AgentView, ClusterSnapshot } from '../../cluster/snapshot-types.ts';
import { context, count, cpus, header, pct, reasonLine, section, SECTION_MAX, size, utc } from './status-format.ts';
import { roughDuration } from '../../core/duration.ts';

/** Rows shown by default: 100 agents fit in a handful of sections, far below the 50-block limit. */
export const AGENT_ROWS = 100;

export function renderAgents(s: ClusterSnapshot, opts: { maxRows?: number } = {}): RenderedMessage {
  const agents = s.mesos.agents;
  if (!agents.ok) {
    const text = reasonLine('Mesos agents', agents.reason);
    return { text: `Mesos agents: ${agents.reason.text}`, blocks: [header('Mesos agents'), section(text)] };
  }
  const all = agents.value;
  const active = all.filter((a) => a.active).length;
  const title = `${count(all.length)} agents: ${count(active)} active, ${count(all.length - active)} inactive`;
  if (all.length === 0) return { text: 'No Mesos agents registered.', blocks: [header('Mesos agents'), section('No agents are registered with the Mesos master.')] };
  const maxRows = opts.maxRows ?? AGENT_ROWS;
  const shown = byAttention(all).slice(0, maxRows);
  const rest = all.length - shown.length;
  const blocks: Block[] = [header('Mesos agents'), section(`*${title}*`), ...tableSections(shown, s.takenAtMs)];
  if (rest > 0) {
    const hiddenInactive = all.length - active - shown.filter((a) => !a.active).length;
    blocks.push(section(`…and ${count(rest)} more (${count(hiddenInactive)} of them inactive). Inactive and busiest are shown first.`));
  }
  blocks.push(context(`Read at ${utc(s.takenAtMs)} from /master/slaves`));
  return { text: `Mesos agents — ${title}`, blocks };
}

/** Table rows packed into ``` sections of at most 3,000 characters. */
export function tableSections(agents: readonly AgentView[], now: number): Block[] {
  const width = Math.min(40, Math.max(4, ...agents.map((a) => a.hostname.length)));
  const head = `${'host'.padEnd(width)}  state    cpus used/total   mem used/total     util  tasks  since`;
  const rows = agents.map((a) => row(a, width, now));
  // Every section repeats the header row; 6 characters go to the ``` fences.
  const packed = packLines(rows, SECTION_MAX - 6 - head.length - 1);
  return (packed.length > 0 ? packed : ['']).map((chunk) => section(`\`\`\`${chunk ? `${head}\n${chunk}` : head}\`\`\``));
}

function row(a: AgentView, width: number, now: number): string {
  const host = a.hostname.length > width ? `${a.hostname.slice(0, width - 1)}…` : a.hostname.padEnd(width);
  const state = (a.active ? 'active' : 'INACTIVE').padEnd(9);
  const cpu = `${cpus(a.cpusUsed)}/${cpus(a.cpus)}`.padEnd(17);
  const mem = `${size(a.memUsedMb)}/${size(a.memMb)}`.padEnd(18);
  const util = pct(loadOf(a).utilisation).padStart(4);
  const tasks = (a.tasks === undefined ? '–' : count(a.tasks)).padStart(5);
  const since = a.sinceMs === undefined ? '–' : roughDuration(now - a.sinceMs);
  return `${host}  ${state}${cpu} ${mem} ${util}  ${tasks}  ${since}`.replace(/`/g, "'");
}
