/**
 * The failover feature's messages: the Jenkins incident (one message, updated in place from "down" to "back",
 * with the data check), its timeline (a thread reply, updated as it grows) and agent alerts. Pure functions,
 * golden-tested; times are shown in `timeZone` (default UTC).
 */
import type { RenderedMessage } from '../../core/types.ts';
import { roughDuration } from '../../core/duration.ts';
import { escapeMrkdwn, packLines } from '../../core/text.ts';
import { count, cpus, section, size } from '../../chat/render/status-format.ts';
import type { AgentChange } from './agent-changes.ts';
import type { Incident } from '../../cluster/failover/jenkins-incidents.ts';
import type { FailureBurst } from './marathon-watcher.ts';
import { describeStorage, type StorageMode } from '../../cluster/storage-mode.ts';

export interface IncidentView {
  incident: Incident;
  storage: StorageMode;
  /** The data check's verdict once Jenkins answers again; undefined while it runs. */
  data?: { cameAlong: boolean | undefined; text: string } | undefined;
  /** The agent that was lost with Jenkins on it, when the agents watcher saw it (one incident carries both). */
  agentLost?: AgentChange | undefined;
  timeZone?: string;
}

const e = escapeMrkdwn;

/** "12:03:07" in the zone (24 h). */
export function clock(ms: number, timeZone = 'UTC'): string {
  // UTC without Intl: its first use maps ~6 MB of ICU data into the process (see chat/render/status-format count).
  if (timeZone === 'UTC') return new Date(ms).toISOString().slice(11, 19);
  return new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }).format(ms);
}

/** The incident's headline, as the channel shows it. */
export function incidentHeadline(v: IncidentView): string {
  const i = v.incident;
  const tz = v.timeZone ?? 'UTC';
  const on = (host: string | undefined) => (host ? ` on ${e(host)}` : '');
  if (i.state === 'open') {
    const icon = i.planned ? ':large_blue_circle:' : ':red_circle:';
    const what = i.planned ? 'Jenkins restarting (planned deployment)' : i.downCount > 1 ? 'Jenkins down again' : 'Jenkins down';
    return `${icon} *${what}${on(i.downHost)}* — ${e(i.cause)} (${clock(i.lastDownAtMs, tz)})`;
  }
  const downMs = i.resolvedAtMs !== undefined ? i.resolvedAtMs - i.lastDownAtMs : 0;
  const after = downMs < 1000 ? 'within a second' : `after ${roughDuration(downMs)}`;
  const moved = i.backHost !== undefined && i.downHost !== undefined && i.backHost !== i.downHost;
  const how = moved ? `back${on(i.backHost)} ${after}* (moved from ${e(i.downHost ?? '')})` : `restarted in place${on(i.backHost)} ${after}*`;
  return `:large_green_circle: *Jenkins ${how}${i.planned ? ' · planned' : ''}`;
}

export function renderIncident(v: IncidentView): RenderedMessage {
  const i = v.incident;
  const lines = [incidentHeadline(v)];
  if (i.state === 'resolved') lines.push(`:information_source: Went down${i.downHost ? ` on ${e(i.downHost)}` : ''}: ${e(i.cause)} (${clock(i.lastDownAtMs, v.timeZone)})`);
  if (i.downCount > 1) lines.push(`:repeat: Down ${i.downCount} times since ${clock(i.firstDownAtMs, v.timeZone)}, ${roughDuration(i.downtimeMs)} in all`);
  if (v.agentLost) lines.push(agentLine(v.agentLost));
  if (i.state === 'resolved') lines.push(v.data ? dataLine(v.data) : ':hourglass_flowing_sand: Checking whether JENKINS_HOME came along…');
  if (!v.storage.safe) lines.push(`:warning: ${describeStorage(v.storage)}`);
  const context = `Incident \`${e(i.id)}\` · down: \`${e(i.downTaskId)}\`${i.backTaskId ? ` · now: \`${e(i.backTaskId)}\`` : ''} · details in the thread`;
  return { text: plain(lines[0] ?? 'Jenkins incident'), blocks: [section(lines.join('\n')), { type: 'context', elements: [{ type: 'mrkdwn', text: context }] }] };
}

/** The thread under the incident: what happened, in order (one reply, updated in place; the newest 60 lines). */
export function renderTimeline(i: Incident, timeZone = 'UTC'): RenderedMessage {
  const lines = i.timeline.slice(-60).map((t) => `\`${clock(t.atMs, timeZone)}\` ${e(t.text)}`);
  const chunks = packLines(lines, 2900).slice(-5);
  return { text: `Timeline of ${i.id}`, blocks: chunks.map((c) => section(c)) };
}

function dataLine(d: { cameAlong: boolean | undefined; text: string }): string {
  const icon = d.cameAlong === true ? ':white_check_mark:' : d.cameAlong === false ? ':rotating_light:' : ':grey_question:';
  return `${icon} ${e(d.text)}`;
}

function agentLine(c: AgentChange): string {
  const t = c.totals;
  const totals = `${t.agents} of ${t.of} agent${t.of === 1 ? '' : 's'}${c.kind === 'lost' || c.kind === 'inactive' ? ' left' : ''}, ${cpus(t.cpus)} cpus / ${size(t.memMb)}`;
  const what = { lost: 'lost', inactive: 'not answering the master (inactive)', back: 'back', joined: 'joined' }[c.kind];
  return `${AGENT_ICON[c.kind]} *agent ${e(c.hostname)} ${what}* — ${totals}`;
}

const AGENT_ICON = { lost: ':warning:', inactive: ':large_yellow_circle:', back: ':white_check_mark:', joined: ':new:' } as const;

export function renderAgentChange(c: AgentChange, opts: { inIncident?: boolean } = {}): RenderedMessage {
  const line = `${agentLine(c)}${opts.inIncident ? ' · it hosted Jenkins: see the Jenkins incident' : ''}`;
  return { text: plain(line), blocks: [section(line)] };
}

/** The notification text: the line without emoji shortcodes and bold marks. */
function plain(line: string): string {
  return line.replace(/:[a-z_]+: ?/g, '').replace(/\*/g, '');
}

/** "⚠️ 1,000 task failures in 5 s over 200 apps — top: /a ×40, /b ×31 …" (one message per burst, updated). */
export function renderFailureBurst(b: FailureBurst): RenderedMessage {
  const apps = Object.entries(b.apps).sort((x, y) => y[1] - x[1]);
  const top = apps.slice(0, 5).map(([app, n]) => `\`${e(app)}\` ×${count(n)}`).join(', ');
  const span = roughDuration(Math.max(1000, b.lastAtMs - b.startedAtMs));
  const head = `:warning: *${count(b.count)} task failure${b.count === 1 ? '' : 's'} in ${span} over ${count(apps.length)} app${apps.length === 1 ? '' : 's'}*`;
  const line = `${head} — top: ${top}${apps.length > 5 ? `, and ${count(apps.length - 5)} more` : ''}${b.over ? ' · burst over' : ' · still counting'}`;
  return { text: plain(line), blocks: [section(line)] };
}
