/**
 * A digest: the status picture plus what changed since the previous digest of the same schedule. Parts that
 * could not be compared (first digest, an upstream unreadable now or then) are left out, never shown as zero.
 * Also the replies of `/ci digest add|list|remove`.
 */
import type { Block, RenderedMessage } from '../../core/types.ts';
import { escapeMrkdwn, compareText } from '../../core/text.ts';
import { RECENT_BUILDS_PER_JOB, type BuildsInPeriod } from '../../cluster/build-history.ts';
import type { DigestChanges } from '../../cluster/digest-model.ts';
import type { ClusterSnapshot } from '../../cluster/snapshot-types.ts';
import { statusSections, statusSummary, type StatusRenderOptions } from './status.ts';
import { context, count, divider, header, nameList, pct, plural, section, utc } from './status-format.ts';
import { roughDuration } from '../../core/duration.ts';

export interface DigestRenderOptions extends StatusRenderOptions {
  /** Schedule id shown in the footer (`now` for `/ci digest now`). */
  scheduleId: string;
}

export function renderDigest(s: ClusterSnapshot, changes: DigestChanges, opts: DigestRenderOptions): RenderedMessage {
  const blocks: Block[] = [
    header('CI cluster digest'),
    ...statusSections(s, opts),
    divider,
    section(changesText(changes)),
    ...(changes.builds ? [section(buildsText(changes.builds, changes.sinceMs === undefined))] : []),
    context(`Read at ${utc(s.takenAtMs)} · schedule \`${escapeMrkdwn(opts.scheduleId)}\` · \`/ci digest list\``),
  ];
  return { text: `Digest — ${statusSummary(s)}`, blocks };
}

/** The "since the last digest" section. */
export function changesText(c: DigestChanges): string {
  if (c.sinceMs === undefined) {
    const peak = c.peak ? `\nPeak utilisation seen: ${pct(c.peak.utilisation)} at ${utc(c.peak.atMs)}` : '';
    const incidents = incidentLines(c);
    return `*Changes*: this is the first digest of this schedule; the next one will say what changed.${peak}${incidents.length > 0 ? `\nIn the last 24 h:\n${incidents.join('\n')}` : ''}`;
  }
  const lines = [`*Since the last digest* (${utc(c.sinceMs)}):`];
  if (c.joined && c.left) {
    if (c.joined.length === 0 && c.left.length === 0) lines.push('Agents: no change');
    if (c.joined.length > 0) lines.push(`:large_green_circle: ${count(c.joined.length)} joined: ${nameList(c.joined)}`);
    if (c.left.length > 0) lines.push(`:red_circle: ${count(c.left.length)} left: ${nameList(c.left)}`);
  }
  if (c.peak) lines.push(`Peak utilisation: ${pct(c.peak.utilisation)} (cpu ${pct(c.peak.cpu)}, memory ${pct(c.peak.mem)}) at ${utc(c.peak.atMs)}`);
  if (c.queueBefore !== undefined) lines.push(`Jenkins queue at the last digest: ${count(c.queueBefore)}`);
  if (c.newlyFailing && c.newlyFailing.length > 0) lines.push(`:red_circle: Newly failing jobs: ${nameList(c.newlyFailing)}`);
  if (c.fixed && c.fixed.length > 0) lines.push(`:white_check_mark: Fixed jobs: ${nameList(c.fixed)}`);
  lines.push(...incidentLines(c));
  return lines.join('\n');
}

/** "🚨 2 incidents, 59 s of downtime in all, 1 move:" and one line each (the newest 10); nothing without a source. */
function incidentLines(c: DigestChanges): string[] {
  if (!c.incidents) return [];
  if (c.incidents.length === 0) return ['Incidents: none'];
  const down = c.incidents.reduce((sum, i) => sum + (i.downtimeMs ?? 0), 0);
  const moves = c.incidents.filter((i) => i.moved).length;
  const summary = `${plural(c.incidents.length, 'incident')}, ${roughDuration(down)} of downtime in all, ${plural(moves, 'move')}`;
  return [`:rotating_light: ${summary}:`, ...c.incidents.slice(0, 10).map((i) => `• ${utc(i.atMs)} ${escapeMrkdwn(i.text)}`)];
}

const RESULT_WORDS: Record<string, string> = { SUCCESS: 'succeeded', FAILURE: 'failed', UNSTABLE: 'unstable', ABORTED: 'aborted', NOT_BUILT: 'not built' };
/** Per-job counts are listed only when this few jobs built (a digest stays short). */
const PER_JOB_MAX = 8;

/** The Jenkins builds of the period: counts by result, failures by name, the longest, per job when short. */
export function buildsText(b: BuildsInPeriod, first: boolean): string {
  const period = first ? `in the last ${roughDuration(b.toMs - b.fromMs)}` : 'since the last digest';
  const running = b.running > 0 ? ` · ${count(b.running)} running now` : '';
  const atLeast = b.cutJobs.length > 0 ? 'at least ' : '';
  if (b.total === 0 && !atLeast) return `*Jenkins builds* ${period}: none finished${running}`;
  const results = Object.entries(b.byResult)
    .sort(([x, m], [y, n]) => n - m || compareText(x, y))
    .map(([r, n]) => `${count(n)} ${RESULT_WORDS[r] ?? escapeMrkdwn(r.toLowerCase())}`);
  const lines = [`*Jenkins builds* ${period}: *${atLeast}${plural(b.total, 'build')}*${results.length ? ` (${results.join(', ')})` : ''}${running}`];
  if (b.failed.length > 0) {
    const shown = b.failed.slice(0, 10).map((f) => `\`${escapeMrkdwn(f.job)}\` #${f.number}${f.result === 'FAILURE' ? '' : ` (${RESULT_WORDS[f.result] ?? escapeMrkdwn(f.result)})`}`);
    const more = b.failed.length > 10 ? ` and ${count(b.failed.length - 10)} more` : '';
    lines.push(`:red_circle: Failed: ${shown.join(', ')}${more}`);
  }
  if (b.longest) {
    const l = b.longest;
    lines.push(`Longest: \`${escapeMrkdwn(l.job)}\` #${l.number}, ${roughDuration(l.durationMs)} (${RESULT_WORDS[l.result] ?? escapeMrkdwn(l.result)})`);
  }
  if (b.perJob.length > 1 && b.perJob.length <= PER_JOB_MAX) {
    lines.push(`Per job: ${b.perJob.map((j) => `\`${escapeMrkdwn(j.job)}\` ${count(j.total)}${j.failed ? ` (${count(j.failed)} failed)` : ''}`).join(', ')}`);
  }
  if (atLeast) lines.push(`:warning: Lower bounds: only each job's newest ${RECENT_BUILDS_PER_JOB} builds are read, and ${nameList(b.cutJobs, 5)} ran more.`);
  return lines.join('\n');
}

/** A schedule as listed. */
export interface ScheduleLine {
  id: string;
  cron: string;
  tz?: string;
  channel: string;
  next?: number;
}

export function renderDigestList(list: readonly ScheduleLine[]): RenderedMessage {
  if (list.length === 0) return { text: 'No digests scheduled.', blocks: [section('No digests scheduled. Add one with `/ci digest add "0 9 * * 1-5" #ci --tz Europe/Berlin`.')] };
  const lines = list.slice(0, 40).map((s) =>
    `• \`${escapeMrkdwn(s.id)}\` \`${escapeMrkdwn(s.cron)}\` ${escapeMrkdwn(s.tz ?? 'UTC')} → ${channelRef(s.channel)}${s.next ? ` · next ${utc(s.next)}` : ''}`);
  if (list.length > 40) lines.push(`…and ${count(list.length - 40)} more`);
  return { text: `${list.length} digests scheduled`, blocks: [section(`*Scheduled digests*\n${lines.join('\n')}`)] };
}

export function renderDigestAdded(s: ScheduleLine, created: boolean): RenderedMessage {
  const verb = created ? ':calendar: Scheduled digest' : ':calendar: Digest already scheduled:';
  const text = `${verb} \`${escapeMrkdwn(s.id)}\`: \`${escapeMrkdwn(s.cron)}\` (${escapeMrkdwn(s.tz ?? 'UTC')}) to ${channelRef(s.channel)}${s.next ? `; next ${utc(s.next)}` : ''}.`;
  return { text, blocks: [section(text)] };
}

/** `C0123` → `<#C0123>`; a `#name` stays as typed. */
export function channelRef(channel: string): string {
  return /^[CGD][A-Z0-9]+$/.test(channel) ? `<#${channel}>` : escapeMrkdwn(channel);
}
