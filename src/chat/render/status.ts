/**
 * `/ci status`: one message with Mesos (leader, agents, resources), capacity and balance, frameworks, the Jenkins
 * app, Jenkins executors and queue, and ZooKeeper. A part that could not be read says why, inline; the message
 * is never blank. Pure functions, golden-tested.
 */
import type { Block, RenderedMessage } from '../../core/types.ts';
import { escapeMrkdwn } from '../../core/text.ts';
import { capacityOf, UNEVEN_SPREAD, type AgentSize } from '../../cluster/capacity.ts';
import type { ClusterSnapshot, JenkinsAppView, JenkinsView, MesosTotals } from '../../cluster/snapshot-types.ts';
import { context, count, cpus, header, partOr, pct, plural, reasonLine, section, size, utc } from './status-format.ts';
import { roughDuration } from '../../core/duration.ts';

export interface StatusRenderOptions {
  /** Size of one Jenkins build agent, for "how many more fit". */
  agentSize: AgentSize;
}

export function renderStatus(s: ClusterSnapshot, opts: StatusRenderOptions): RenderedMessage {
  const blocks: Block[] = [
    header('CI cluster status'),
    ...statusSections(s, opts),
    context(`Read at ${utc(s.takenAtMs)} · \`/ci agents\` lists every agent · \`/ci jenkins\` for Jenkins`),
  ];
  return { text: statusSummary(s), blocks };
}

/** The body shared by `/ci status` and digests. */
export function statusSections(s: ClusterSnapshot, opts: StatusRenderOptions): Block[] {
  return [
    section(mesosText(s)),
    section(capacityText(s, opts.agentSize)),
    section(`${jenkinsAppText(s)}\n${partOr(s.jenkins, 'Jenkins', jenkinsLine)}`),
    section(zooKeeperText(s)),
  ];
}

/** One line for notifications and the fallback text. */
export function statusSummary(s: ClusterSnapshot): string {
  const parts: string[] = [];
  const t = s.mesos.totals;
  parts.push(t.ok ? `${t.value.agentsActive} agents up, cpu ${pct(share(t.value.cpusUsed, t.value.cpus))}, mem ${pct(share(t.value.memUsedMb, t.value.memMb))}` : `Mesos: ${t.reason.text}`);
  const app = s.jenkinsApp;
  if (app.ok) parts.push(`Jenkins ${app.value.tasks[0] ? `on ${app.value.tasks[0].host}` : 'not running'}`);
  if (s.jenkins.ok) parts.push(`queue ${s.jenkins.value.queue}`);
  return `CI cluster: ${parts.join('; ')}`;
}

function mesosText(s: ClusterSnapshot): string {
  const { leader, version, totals } = s.mesos;
  if (!leader.ok) return reasonLine('Mesos', leader.reason);
  const where = `*Mesos* leader \`${escapeMrkdwn(hostOf(leader.value))}\`${version.ok ? ` · ${escapeMrkdwn(version.value)}` : ''}`;
  const body = partOr(totals, 'Mesos metrics', (t) => totalsText(t));
  const fw = partOr(s.mesos.frameworks, 'Frameworks', (list) =>
    list.length === 0 ? 'Frameworks: none registered' : `Frameworks: ${list.map((f) => `${escapeMrkdwn(f.name)}${f.active ? '' : ' (inactive)'} ${plural(f.tasks, 'task')}`).join(', ')}`);
  const fwLine = s.mesos.frameworks.ok || !totals.ok ? fw : `Frameworks: ${count(totals.value.frameworksActive)} active (${escapeMrkdwn(s.mesos.frameworks.reason.text)})`;
  return `${where}\n${body}\n${fwLine}`;
}

function totalsText(t: MesosTotals): string {
  const inactive = t.agentsInactive > 0 ? `, :red_circle: ${count(t.agentsInactive)} inactive` : ', 0 inactive';
  return [
    `Agents: *${count(t.agentsActive)} active*${inactive}`,
    `CPU ${cpus(t.cpusUsed)} of ${cpus(t.cpus)} (${pct(share(t.cpusUsed, t.cpus))}) · Memory ${size(t.memUsedMb)} of ${size(t.memMb)} (${pct(share(t.memUsedMb, t.memMb))}) · Disk ${size(t.diskUsedMb)} of ${size(t.diskMb)} (${pct(share(t.diskUsedMb, t.diskMb))})`,
    `Tasks: ${count(t.tasksRunning)} running${t.tasksStaging > 0 ? `, ${count(t.tasksStaging)} starting` : ''}`,
  ].join('\n');
}

function capacityText(s: ClusterSnapshot, size_: AgentSize): string {
  const agents = s.mesos.agents;
  if (!agents.ok) return reasonLine('Capacity and balance', agents.reason);
  const c = capacityOf(agents.value, size_);
  if (c.activeAgents === 0) return '*Capacity*: no active agents — no build agent can start.';
  const agentDesc = `${cpus(size_.cpus)} cpu / ${size(size_.memMb)}`;
  const lines = [
    `*Capacity*: ${cpus(c.freeCpus)} cpus and ${size(c.freeMemMb)} free · room for *${count(c.fit)} more build ${c.fit === 1 ? 'agent' : 'agents'}* (${agentDesc} each) on ${plural(c.hostsWithRoom, 'host')}`,
  ];
  if (c.busiest && c.idlest && c.activeAgents > 1) {
    const uneven = c.spread >= UNEVEN_SPREAD ? ' :warning: uneven' : '';
    lines.push(`*Balance*: busiest \`${escapeMrkdwn(c.busiest.hostname)}\` ${pct(c.busiest.utilisation)}, idlest \`${escapeMrkdwn(c.idlest.hostname)}\` ${pct(c.idlest.utilisation)} · spread ${Math.round(c.spread * 100)} points, mean ${pct(c.mean)}${uneven}`);
  } else if (c.busiest) {
    lines.push(`*Balance*: one active agent, \`${escapeMrkdwn(c.busiest.hostname)}\` at ${pct(c.busiest.utilisation)}`);
  }
  return lines.join('\n');
}

function jenkinsAppText(s: ClusterSnapshot): string {
  return partOr(s.jenkinsApp, 'Jenkins app (Marathon)', (a) => appLine(a, s.takenAtMs));
}

/** "Jenkins app `/jenkins` on `slave1`: healthy, up 3 h" */
export function appLine(a: JenkinsAppView, now: number): string {
  const name = `*Jenkins app* \`${escapeMrkdwn(a.appId)}\``;
  if (a.tasks.length === 0) return `${name}: :red_circle: not running (${a.instances} wanted)`;
  const tasks = a.tasks.map((t) => {
    const health = t.healthy === undefined ? 'no health result yet' : t.healthy ? 'healthy' : ':red_circle: unhealthy';
    const up = t.startedAtMs !== undefined ? `, up ${roughDuration(now - t.startedAtMs)}` : ` (${escapeMrkdwn(t.state)})`;
    return `on \`${escapeMrkdwn(t.host)}\`: ${health}${up}`;
  });
  return `${name} ${tasks.join('; ')}`;
}

/** "Jenkins: 1 of 2 executors busy, queue 0, 1 Mesos build agent; jobs 3 (2 passing, 1 failing)" */
export function jenkinsLine(j: JenkinsView): string {
  const queue = j.queue === 0 ? 'queue empty' : `*queue ${count(j.queue)}*${j.stuck > 0 ? ` (${j.stuck} stuck)` : ''}`;
  const jobs = `jobs ${count(j.jobs.total)}: ${count(j.jobs.passing)} passing, ${count(j.jobs.failing.length)} failing, ${count(j.jobs.building.length)} building`;
  return `*Jenkins*: ${count(j.executorsBusy)} of ${count(j.executorsTotal)} executors busy · ${queue} · ${plural(j.mesosAgents, 'Mesos build agent')} · ${jobs}`;
}

function zooKeeperText(s: ClusterSnapshot): string {
  if (s.zookeeper.length === 0) return ':heavy_minus_sign: *ZooKeeper*: not configured (cluster.zookeeper.hosts)';
  const lines = s.zookeeper.map(({ address, part }) =>
    partOr(part, `ZooKeeper ${address}`, (z) => `\`${escapeMrkdwn(address)}\` ${escapeMrkdwn(z.mode)}, ${z.avgLatencyMs} ms avg, ${count(z.outstanding)} outstanding, ${count(z.nodeCount)} znodes`));
  const ok = s.zookeeper.filter((z) => z.part.ok).length;
  return `*ZooKeeper*: ${ok} of ${s.zookeeper.length} answering\n${lines.join('\n')}`;
}

function share(used: number, total: number): number {
  return total > 0 ? used / total : 0;
}

function hostOf(url: string): string {
  return url.replace(/^[a-z]+:\/\//, '').replace(/\/+$/, '');
}
