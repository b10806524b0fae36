/**
 * Renders a task's live progress message and its thread output. Pure functions of the state and `now`, so the
 * same state always gives the same blocks (golden-tested) and a resumed job re-renders the same message.
 */
import type { Block, RenderedMessage } from '../../core/types.ts';
import type { ProgressRenderer, ProgressView } from '../../core/progress-view.ts';
import { escapeMrkdwn, packLines } from '../../core/text.ts';
import { formatDuration } from '../../core/duration.ts';

/** Slack limits we render within: 3,000 chars per section text, 50 blocks per message. */
export const SECTION_MAX_CHARS = 3000;
const MAX_BLOCKS = 50;
const STEP_NAME_MAX = 150;
const DETAIL_MAX = 200;
const OUTPUT_LINE_MAX = 300;


const STEP_ICON: Record<ProgressView['steps'][number]['state'], string> = {
  pending: '⬜',
  running: '⏳',
  done: '✅',
  changed: '✅',
  failed: '❌',
  skipped: '⏭',
};

const OUTCOME_ICON: Record<ProgressView['outcome'], string> = {
  running: '⏳',
  retrying: '🔁',
  succeeded: '✅',
  failed: '❌',
  cancelled: '🛑',
};

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}


function stepLine(step: ProgressView['steps'][number], now: number): string {
  const name = escapeMrkdwn(clip(step.name, STEP_NAME_MAX));
  let time = '';
  if (step.startedAt !== undefined && step.state === 'running') time = ` — ${formatDuration(now - step.startedAt)}`;
  else if (step.startedAt !== undefined && step.endedAt !== undefined) {
    time = ` — ${formatDuration(step.endedAt - step.startedAt)}`;
  }
  const changed = step.state === 'changed' ? ' _(changed)_' : '';
  const detail = step.detail ? `: ${escapeMrkdwn(clip(step.detail, DETAIL_MAX))}` : '';
  return `${STEP_ICON[step.state]} ${name}${changed}${time}${detail}`;
}

function finalLine(view: ProgressView, now: number): string {
  const elapsed = formatDuration((view.endedAt ?? now) - view.startedAt);
  const result = view.result ? `: ${escapeMrkdwn(clip(view.result, 1000))}` : '';
  switch (view.outcome) {
    case 'succeeded':
      return `${OUTCOME_ICON.succeeded} *Done* in ${elapsed}${result}`;
    case 'failed':
      return `${OUTCOME_ICON.failed} *Failed* after ${elapsed}${result}`;
    case 'cancelled':
      return `${OUTCOME_ICON.cancelled} *Cancelled* after ${elapsed}${result}`;
    case 'retrying':
      return `${OUTCOME_ICON.retrying} *Retrying* (attempt ${view.attempt} failed)${result}`;
    default:
      return `${OUTCOME_ICON.running} Running for ${elapsed}`;
  }
}

/** Sections the checklist may use: 50 blocks minus the title, final line, Cancel button and context. */
const CHECKLIST_SECTIONS = MAX_BLOCKS - 4;

type Step = ProgressView['steps'][number];
const FINISHED: ReadonlySet<Step['state']> = new Set(['done', 'changed', 'skipped']);

/** The checklist as section texts, several steps per section; condensed when all steps would not fit. */
function checklistSections(steps: readonly Step[], now: number): string[] {
  const full = packLines(steps.map((s) => stepLine(s, now)), SECTION_MAX_CHARS);
  return full.length <= CHECKLIST_SECTIONS ? full : condensedChecklist(steps, now);
}

/**
 * Too many steps for the block budget: finished steps become one count line, running and failed steps are always
 * listed (they are what the reader looks for), pending ones follow in order as room allows, and an "…and K more"
 * line counts what is left out, so no step disappears silently.
 */
function condensedChecklist(steps: readonly Step[], now: number): string[] {
  const indexed = steps.map((step, i) => ({ step, i }));
  const rank = (s: Step) => (s.state === 'running' ? 0 : s.state === 'failed' ? 1 : 2);
  // Priority order: running, failed, then pending, each in step order; the tail is dropped first.
  let chosen = indexed.filter((x) => !FINISHED.has(x.step.state)).sort((a, b) => rank(a.step) - rank(b.step) || a.i - b.i);
  const open = chosen.length;
  const head = finishedSummary(steps);
  for (;;) {
    const shown = [...chosen].sort((a, b) => a.i - b.i).map((x) => stepLine(x.step, now));
    const more = open - chosen.length;
    const lines = [...(head ? [head] : []), ...shown, ...(more > 0 ? [`…and ${more} more not shown`] : [])];
    const packed = packLines(lines, SECTION_MAX_CHARS);
    if (packed.length <= CHECKLIST_SECTIONS || chosen.length === 0) return packed;
    chosen = chosen.slice(0, Math.floor(chosen.length * 0.9));
  }
}

/** `✅ 1990 steps finished (12 changed, 3 skipped)`, or '' when none is finished. */
function finishedSummary(steps: readonly Step[]): string {
  const count = (state: Step['state']) => steps.filter((s) => s.state === state).length;
  const changed = count('changed');
  const skipped = count('skipped');
  const total = count('done') + changed + skipped;
  if (total === 0) return '';
  const extra = [changed ? `${changed} changed` : '', skipped ? `${skipped} skipped` : ''].filter(Boolean).join(', ');
  return `${STEP_ICON.done} ${total} steps finished${extra ? ` (${extra})` : ''}`;
}

/** The progress message: title, checklist, final line, Cancel button while running, job id in context. */
export function renderProgress(view: ProgressView, now: number): RenderedMessage {
  const title = escapeMrkdwn(clip(view.title, 150));
  const blocks: Block[] = [{ type: 'section', text: { type: 'mrkdwn', text: `*${title}*` } }];
  for (const chunk of checklistSections(view.steps, now)) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: chunk } });
  }
  blocks.push({ type: 'section', text: { type: 'mrkdwn', text: finalLine(view, now) } });
  const live = view.outcome === 'running' || view.outcome === 'retrying';
  if (live) {
    blocks.push({
      type: 'actions',
      elements: [
        {
          type: 'button',
          action_id: 'cancel_job',
          value: view.jobId,
          style: 'danger',
          text: { type: 'plain_text', text: 'Cancel' },
        },
      ],
    });
  }
  const context = `job \`${escapeMrkdwn(view.jobId)}\` · attempt ${view.attempt} · requested by <@${view.requesterId}>`;
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: context }] });
  const state = live ? 'running' : view.outcome;
  return { text: `${clip(view.title, 150)}: ${state}`, blocks };
}

/**
 * Thread replies for output lines: each reply is one code section of at most 3,000 chars; long lines are cut at
 * 300 chars. Returns one message per chunk, in order.
 */
export function renderOutput(lines: readonly string[]): RenderedMessage[] {
  // Triple backticks inside output would end the code block early.
  const clean = lines.map((l) => clip(l.replace(/```/g, "'''"), OUTPUT_LINE_MAX));
  const budget = SECTION_MAX_CHARS - 8; // room for the ``` fences and newlines
  return packLines(clean, budget).map((chunk) => ({
    text: clip(chunk, 200),
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `\`\`\`\n${chunk}\n\`\`\`` } }],
  }));
}

/** The renderers as the worker adapter's port. */
export const progressRenderer: ProgressRenderer = { progress: renderProgress, output: renderOutput };
