/**
 * The App Home tab: the cluster at a glance (the same sections as `/ci status`), the open incidents and the
 * running tasks, and where to type commands. Pure: the same inputs give the same blocks, so the refresher can
 * tell a change by comparing them (the "read at" line is outside what it compares).
 */
import type { Block } from '../../core/types.ts';
import type { AlertRecord, JobSummary } from '../../core/ports.ts';
import type { ClusterSnapshot } from '../../cluster/snapshot-types.ts';
import { statusSections, type StatusRenderOptions } from '../../chat/render/status.ts';
import { context, header, section, utc } from '../../chat/render/status-format.ts';
import { escapeMrkdwn } from '../../core/text.ts';

export interface HomeInputs {
  snapshot: ClusterSnapshot;
  /** Open incidents and alerts, newest first. */
  incidents: readonly AlertRecord[];
  /** Queued and running tasks; undefined when the queue could not be read. */
  jobs: readonly JobSummary[] | undefined;
}

/** Lists stay short: the Home tab holds 100 blocks, and a long list belongs to `/ci alerts` / `/ci jobs`. */
const LIST_MAX = 10;

/** The blocks whose change is worth a new publish. */
export function homeBody(input: HomeInputs, opts: StatusRenderOptions): Block[] {
  return [
    header('CI cluster'),
    ...statusSections(input.snapshot, opts),
    { type: 'divider' },
    section(incidentsText(input.incidents)),
    section(jobsText(input.jobs)),
  ];
}

/** The whole view: the body and a footer with the time it was read. */
export function homeView(body: readonly Block[], readAtMs: number): { blocks: Block[] } {
  return {
    blocks: [...body, context(`Read at ${utc(readAtMs)} · refreshed when something changes · type \`/ci help\` in any channel for commands`)],
  };
}

function incidentsText(list: readonly AlertRecord[]): string {
  if (list.length === 0) return '*Open incidents*\n:white_check_mark: none';
  const lines = list.slice(0, LIST_MAX).map((r) => `${r.severity === 'critical' ? ':red_circle:' : ':large_orange_circle:'} ${r.title} · since ${utc(r.openedAt)}`);
  const more = list.length > LIST_MAX ? `\n… and ${list.length - LIST_MAX} more: \`/ci alerts\`` : '';
  return `*Open incidents* (${list.length})\n${lines.join('\n')}${more}`;
}

function jobsText(jobs: readonly JobSummary[] | undefined): string {
  if (jobs === undefined) return '*Tasks*\n:warning: the task queue could not be read';
  const live = jobs.filter((j) => j.state === 'active' || j.state === 'waiting' || j.state === 'prioritized');
  if (live.length === 0) return '*Tasks*\nnothing running';
  const running = live.filter((j) => j.state === 'active').length;
  const lines = live.slice(0, LIST_MAX).map((j) => `${j.state === 'active' ? ':arrows_counterclockwise:' : ':hourglass_flowing_sand:'} \`${escapeMrkdwn(j.jobId)}\` ${j.state === 'active' ? 'running' : 'waiting'}`);
  const more = live.length > LIST_MAX ? `\n… and ${live.length - LIST_MAX} more: \`/ci jobs\`` : '';
  return `*Tasks* (${running} running, ${live.length - running} waiting)\n${lines.join('\n')}${more}`;
}
