/** Renderers for list answers: history, jobs. Pure functions within Block Kit limits. */
import type { AuditRecord } from '../../core/ports.ts';
import type { Block, RenderedMessage } from '../../core/types.ts';
import { escapeMrkdwn, packLines } from '../../core/text.ts';

const SECTION_MAX = 2900;

/** A titled list as one or more sections, trimmed to Slack's limits with an "and K more" line. */
export function listMessage(title: string, lines: readonly string[], empty: string, maxLines = 40): RenderedMessage {
  if (lines.length === 0) return { text: `${title}: ${empty}`, blocks: [section(`*${title}*\n${empty}`)] };
  const shown = lines.slice(0, maxLines);
  const more = lines.length - shown.length;
  const clipped = shown.map((line) => (line.length > SECTION_MAX - 10 ? `${line.slice(0, SECTION_MAX - 11)}…` : line));
  const chunks = packLines([`*${title}*`, ...clipped], SECTION_MAX);
  const blocks: Block[] = chunks.slice(0, 45).map(section);
  if (more > 0) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `…and ${more} more` }] });
  return { text: `${title}: ${lines.length}`, blocks };
}

function section(text: string): Block {
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

export function renderHistory(records: readonly AuditRecord[]): RenderedMessage {
  const lines = records.map((r) => {
    const when = new Date(r.at).toISOString().replace('T', ' ').slice(0, 19);
    const who = r.user ? `<@${r.user}>` : 'ci-bot';
    // Arguments are what someone typed: escaped so a crafted command cannot become a link in an admin's view.
    const what = escapeMrkdwn(r.args ?? r.command ?? r.detail ?? '');
    const outcome = r.outcome ? ` → ${escapeMrkdwn(r.outcome)}` : '';
    return `\`${when}\` ${r.kind} · ${who} · ${what}${r.jobId ? ` · job \`${escapeMrkdwn(r.jobId)}\`` : ''}${outcome}`;
  });
  return listMessage('Audit trail (newest first)', lines, 'nothing recorded yet.');
}

export function renderJobs(jobs: ReadonlyArray<{ jobId: string; kind: string; state: string; requesterId: string; createdAt: number }>): RenderedMessage {
  const lines = jobs.map((j) => `\`${j.jobId}\` ${j.kind} · ${j.state} · <@${j.requesterId}> · since ${new Date(j.createdAt).toISOString().slice(11, 19)} UTC`);
  return listMessage('Queued and running tasks', lines, 'none.');
}

export function renderJobLog(jobId: string, lines: readonly string[]): RenderedMessage {
  if (lines.length === 0) return listMessage(`Log of ${jobId}`, [], 'no output recorded (unknown job, or it printed nothing).');
  const tail = lines.slice(-60).join('\n');
  const body = tail.length > 2800 ? `…${tail.slice(-2800)}` : tail;
  return { text: `Log of ${jobId}`, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `*Log of \`${jobId}\`* (last ${Math.min(60, lines.length)} of ${lines.length} lines)\n\`\`\`${body}\`\`\`` } }] };
}
