/**
 * Builds the features a process runs and joins their parts: one command runner for the front door (a queued
 * command enqueues its tasks and says what happened to each), the task bindings for the workers, the sources for
 * the watcher, and one readiness and one close for all. Called by src/roles/ only.
 */
import { UserFacingError } from '../core/errors.ts';
import type { EnqueueResult, TaskQueue } from '../core/ports.ts';
import type { BoundTask } from '../core/task-kind.ts';
import type { RenderedMessage } from '../core/types.ts';
import type { CommandSpec } from '../chat/registry.ts';
import { textReply } from '../chat/render/replies.ts';
import {
  checkFeatures, commandSpecsOf, featuresFor, type AnyFeature, type CommandContext, type FeatureCommand, type FeatureDeps, type ProcessRole,
  type SlackEvents, type Source, type TaskRequest,
} from './define-feature.ts';

/** A feature's handler for one Slack event type, built. */
export interface BuiltEventHandler {
  type: keyof SlackEvents;
  feature: string;
  handle: (event: SlackEvents[keyof SlackEvents]) => Promise<void>;
}

export interface BuiltFeatures {
  /** The specs of every command of the built features (the front door's registry). */
  specs: readonly CommandSpec[];
  /** Runs a command of a built feature (the front door's `CommandServices.run`). */
  run(spec: CommandSpec, args: Record<string, unknown>, who: CommandContext): Promise<RenderedMessage>;
  /** Every task kind of the built features with its handler. */
  tasks: readonly BoundTask[];
  sources: readonly Source[];
  /** Slack event handlers (front door only). */
  events: readonly BuiltEventHandler[];
  /** The features' readiness entries, merged (`/readyz` `features`). */
  ready(): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

type Run = (args: Record<string, unknown>, who: CommandContext) => Promise<RenderedMessage>;

/**
 * Builds, in list order, the features of `all` that run in one of `roles`.
 * @throws Error when two features declare the same name, command or task kind
 */
export async function buildFeatures(all: readonly AnyFeature[], deps: Omit<FeatureDeps, 'commandSpecs'>, roles: readonly ProcessRole[]): Promise<BuiltFeatures> {
  checkFeatures(all);
  const chosen = featuresFor(all, roles);
  const specs = commandSpecsOf(chosen);
  const full: FeatureDeps = { ...deps, commandSpecs: () => specs };
  const runs = new Map<string, Run>();
  const tasks: BoundTask[] = [];
  const sources: Source[] = [];
  const events: BuiltEventHandler[] = [];
  const built: Array<{ feature: AnyFeature; ctx: unknown }> = [];
  for (const feature of chosen) {
    const ctx: unknown = await feature.setup(full);
    built.push({ feature, ctx });
    for (const c of (feature.commands ?? []) as ReadonlyArray<FeatureCommand<unknown>>) {
      runs.set(c.spec.name, 'answer' in c ? c.answer(ctx) : enqueueAll(deps.tasks, c.toTasks(ctx)));
    }
    for (const t of feature.tasks ?? []) tasks.push({ kind: t.kind, handler: t.handler(ctx) });
    if (roles.includes('watch')) for (const s of feature.sources ?? []) sources.push(s(ctx));
    if (roles.includes('serve')) for (const e of feature.events ?? []) events.push({ type: e.type, feature: feature.name, handle: e.handler(ctx) });
  }
  return {
    specs,
    tasks,
    sources,
    events,
    async run(spec, args, who) {
      const run = runs.get(spec.name);
      if (!run) throw new UserFacingError('unknown_command', `\`/ci ${spec.name}\` is not available in this installation.`);
      return run(args, who);
    },
    async ready() {
      return Object.assign({}, ...(await Promise.all(built.map(({ feature, ctx }) => feature.ready?.(ctx) ?? {}))));
    },
    async close() {
      for (const { feature, ctx } of built.reverse()) await feature.close?.(ctx);
    },
  };
}

/**
 * A queued command: its tasks are enqueued together (one deadline, a few round trips however many hosts); the
 * reply has one line per task. When Redis does not answer, the error says whether anything may have been queued.
 */
function enqueueAll(queue: TaskQueue, toTasks: (args: Record<string, unknown>, requester: CommandContext['requester']) => TaskRequest[]): Run {
  return async (args, { requester }) => {
    const requests = toTasks(args, requester).map(({ kind, data }) => ({ kind: kind.name, data }));
    const results = await queue.enqueueMany(requests);
    return textReply(results.map(enqueuedLine).join('\n'));
  };
}

function enqueuedLine(res: EnqueueResult): string {
  if (res.state === 'queued_behind') return `:double_vertical_bar: \`${res.jobId}\` is queued behind \`${res.behind}\`, which must finish first (same host, or the same Jenkins app).`;
  if (res.state === 'duplicate') return `:repeat: \`${res.jobId}\` is already queued; not added twice.`;
  return `:inbox_tray: Queued \`${res.jobId}\`; progress follows in this channel.`;
}

