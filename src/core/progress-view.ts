/**
 * The state of a task's progress message: what the message shows, and what is stored with the job so a job
 * resumed on another worker continues the same message (R1). Read back from Redis with {@link progressViewSchema}.
 */
import * as z from 'zod';
import type { RenderedMessage } from './types.ts';

const stepSchema = z.object({
  name: z.string(),
  state: z.enum(['pending', 'running', 'done', 'changed', 'failed', 'skipped']),
  startedAt: z.number().optional(),
  endedAt: z.number().optional(),
  detail: z.string().optional(),
});

/** Everything the progress message shows; also what is stored with the job so a resumed job continues it. */
export const progressViewSchema = z.object({
  jobId: z.string(),
  title: z.string(),
  channel: z.string(),
  requesterId: z.string(),
  steps: z.array(stepSchema),
  startedAt: z.number(),
  endedAt: z.number().optional(),
  outcome: z.enum(['running', 'succeeded', 'failed', 'cancelled', 'retrying']),
  result: z.string().optional(),
  attempt: z.number().int().min(1),
  /** Number of thread replies posted so far (the next reply's index). */
  outputSeq: z.number().int().min(0),
});
export type ProgressView = z.infer<typeof progressViewSchema>;

/** Where the progress reporter keeps its state and the full log (Redis in production: src/queue/job-store.ts). */
export interface ProgressStore {
  load(jobId: string): Promise<ProgressView | undefined>;
  save(view: ProgressView): Promise<void>;
  appendLog(jobId: string, lines: readonly string[]): Promise<void>;
}

/** Turns progress state into Slack messages (src/chat/render/progress.ts; injected into the worker adapter). */
export interface ProgressRenderer {
  progress(view: ProgressView, nowMs: number): RenderedMessage;
  /** Thread replies for output lines, trimmed to Slack's limits. */
  output(lines: readonly string[]): RenderedMessage[];
}
