/**
 * A feature (status and digests, provisioning, tasks, selftest …) declares itself once with {@link defineFeature}:
 * its commands (spec and implementation together), its task kinds bound to their handlers, long-running sources,
 * readiness entries, the roles that need it, and what to close. src/roles/ builds the features a process needs
 * from {@link FeatureDeps} (ports only) and wires their parts to the front door, the workers and the watcher.
 */
import type { CommandSpec } from '../chat/registry.ts';
import type {
  AlertLog, AlertRecord, AuditLog, HomeTab, Log, Outbox, ProvisionLog, RecipePort, StateStore, TaskHandler, TaskQueue,
} from '../core/ports.ts';
import type { AnyTaskKind, BoundTask, TaskKind } from '../core/task-kind.ts';
import type { RenderedMessage, Requester, Role } from '../core/types.ts';
import type { DigestSchedules, DigestStore } from '../core/digest-store.ts';
import type { ClusterClients } from '../cluster/cluster-reader.ts';
import type { Config } from '../config/schema.ts';

/** The processes a feature can run in (`all` runs all three). */
export type ProcessRole = 'serve' | 'worker' | 'watch';

/** What every feature may use: configuration and the adapters, seen only through ports. Built in src/roles/. */
export interface FeatureDeps {
  config: Config;
  log: Log;
  outbox: Outbox;
  audit: AuditLog;
  tasks: TaskQueue;
  /** The one set of cluster clients of the process (absent parts are not configured). */
  cluster: ClusterClients;
  /** Recipes over SSH (the pool opens on first use, so `serve` needs no key). */
  recipes: RecipePort;
  /** Run-time host-key pins (`/ci trust-host`). */
  pins: { get(host: string): Promise<readonly string[]>; replace(host: string, fingerprint: string): Promise<string[]> };
  provisionLog: ProvisionLog;
  digests: { store: DigestStore; schedules: DigestSchedules; slotKey: (schedulerId: string, slotMs: number) => string };
  /** Incidents and alerts: the shared record (`/ci alerts`, digests) and the per-kind counter (`cibot_alerts_total`). */
  alerts: { log: AlertLog; counted: (kind: AlertRecord['kind']) => void };
  /** Exports a figure of the feature as a Prometheus gauge in `/metrics`, read on each scrape (see Metrics.gauge). */
  gauge: (name: string, help: string, read: () => number | undefined) => void;
  /** Small JSON state shared by replicas (a watcher's tracker, so another replica can carry on). */
  state: StateStore;
  /** Users' App Home tabs (views.publish). */
  home: HomeTab;
  /** Every command spec of the running features (for `/ci help`), available once all are built. */
  commandSpecs: () => readonly CommandSpec[];
}

/** Who runs a command: the requester and their resolved role. */
export interface CommandContext {
  requester: Requester;
  role: Role;
}

/** One task to enqueue: the kind object itself (never its name) and data of the kind's type (see {@link taskOf}). */
export interface TaskRequest {
  kind: AnyTaskKind;
  data: { requester: { userId: string; channelId: string } };
}

/** A direct or deferred command: answered with a message. */
export interface AnswerCommand<C> {
  spec: CommandSpec;
  answer: (ctx: C) => (args: Record<string, unknown>, who: CommandContext) => Promise<RenderedMessage>;
}
/** A queued command: turns into one task per job (fan-out commands return several). */
export interface QueuedCommand<C> {
  spec: CommandSpec;
  toTasks: (ctx: C) => (args: Record<string, unknown>, requester: Requester) => TaskRequest[];
}
export type FeatureCommand<C> = AnswerCommand<C> | QueuedCommand<C>;

/** A task kind and its handler, bound by type (see {@link handle}): the handler receives the kind's validated data. */
export interface TaskBinding<C> {
  kind: AnyTaskKind;
  handler: (ctx: C) => BoundTask['handler'];
}

/** A long-running loop (e.g. the Marathon event watcher); runs until `signal` aborts. Started in `watch` only. */
export interface Source {
  name: string;
  run(signal: AbortSignal): Promise<void>;
}

/** A Slack event the front door hands to a feature (Events API), with the fields the feature may use. */
export interface SlackEvents {
  /** A user opened the app's Home tab (`tab: home`) or its Messages tab (`tab: messages`). */
  app_home_opened: { user: string; tab: string };
}

/** A Slack event type bound to a feature's handler (see {@link on}). */
export interface EventBinding<C> {
  type: keyof SlackEvents;
  handler: (ctx: C) => (event: SlackEvents[keyof SlackEvents]) => Promise<void>;
}

export interface FeatureDefinition<C> {
  /** Kebab-case, unique. */
  name: string;
  /** The roles that build this feature; a process running none of them leaves it out. */
  roles: readonly ProcessRole[];
  /** Builds what the commands, handlers and sources share (stores, views over the clients). */
  setup: (deps: FeatureDeps) => C | Promise<C>;
  commands?: ReadonlyArray<FeatureCommand<C>>;
  tasks?: ReadonlyArray<TaskBinding<C>>;
  sources?: ReadonlyArray<(ctx: C) => Source>;
  /** Slack events handled in the front door (`serve`), acknowledged first. */
  events?: ReadonlyArray<EventBinding<C>>;
  /** Extra /readyz entries under `features` (e.g. `configured`). */
  ready?: (ctx: C) => Promise<Record<string, unknown>>;
  close?: (ctx: C) => Promise<void>;
}

/** A feature as the feature list holds it (its context type erased). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the list holds features of different context types
export type AnyFeature = FeatureDefinition<any>;

/** Declares a feature. Type-checks the parts against the context `setup` returns. */
export function defineFeature<C>(def: FeatureDefinition<C>): FeatureDefinition<C> {
  if (!/^[a-z][a-z0-9-]*$/.test(def.name)) throw new Error(`bad feature name "${def.name}"`);
  return def;
}

/** Binds a direct or deferred command's spec to its implementation; `args` typed by the spec's schema. */
export function answer<C, A>(
  spec: CommandSpec<A> & { run: 'direct' | 'deferred' },
  impl: (ctx: C) => (args: A, who: CommandContext) => Promise<RenderedMessage>,
): AnswerCommand<C> {
  return { spec: spec as CommandSpec, answer: impl as AnswerCommand<C>['answer'] };
}

/** Binds a queued command's spec to the tasks it enqueues; `args` typed by the spec's schema. */
export function queued<C, A>(
  spec: CommandSpec<A> & { run: 'queued' },
  toTasks: (ctx: C) => (args: A, requester: Requester) => TaskRequest[],
): QueuedCommand<C> {
  return { spec: spec as CommandSpec, toTasks: toTasks as QueuedCommand<C>['toTasks'] };
}

/** Binds a task kind to its handler; the handler's data type must be the kind's. */
export function handle<C, T extends { requester: { userId: string; channelId: string } }>(
  kind: TaskKind<T>,
  handler: (ctx: C) => TaskHandler<T>,
): TaskBinding<C> {
  return { kind, handler };
}

/** Binds a Slack event type to a feature's handler. */
export function on<C, E extends keyof SlackEvents>(type: E, handler: (ctx: C) => (event: SlackEvents[E]) => Promise<void>): EventBinding<C> {
  return { type, handler: handler as EventBinding<C>['handler'] };
}

/** A task request, typed by its kind. */
export function taskOf<T extends { requester: { userId: string; channelId: string } }>(kind: TaskKind<T>, data: T): TaskRequest {
  return { kind, data };
}

/**
 * Refuses a feature list in which two features declare the same name, command or task kind (one would silently
 * replace the other). Called when a process starts, before anything is built.
 */
export function checkFeatures(features: readonly AnyFeature[]): void {
  const seen = { feature: new Map<string, string>(), command: new Map<string, string>(), 'task kind': new Map<string, string>() };
  const claim = (what: keyof typeof seen, name: string, owner: string) => {
    const first = seen[what].get(name);
    if (first !== undefined) throw new Error(`${what} "${name}" is declared by both feature "${first}" and feature "${owner}"; names must be unique`);
    seen[what].set(name, owner);
  };
  for (const f of features) {
    claim('feature', f.name, f.name);
    if ((f.tasks?.length ?? 0) > 0 && !f.roles.includes('worker')) throw new Error(`feature "${f.name}" has task kinds but does not run in role worker`);
    if ((f.sources?.length ?? 0) > 0 && !f.roles.includes('watch')) throw new Error(`feature "${f.name}" has sources but does not run in role watch`);
    if ((f.events?.length ?? 0) > 0 && !f.roles.includes('serve')) throw new Error(`feature "${f.name}" handles Slack events but does not run in role serve`);
    for (const c of f.commands ?? []) claim('command', c.spec.name, f.name);
    for (const t of f.tasks ?? []) claim('task kind', t.kind.name, f.name);
  }
}

/** Every command spec of `features`, in list order (help, parsing and RBAC derive from it). */
export function commandSpecsOf(features: readonly AnyFeature[]): CommandSpec[] {
  return features.flatMap((f) => (f.commands ?? []).map((c: FeatureCommand<unknown>) => c.spec));
}

/** The features a process running `roles` builds. */
export function featuresFor(features: readonly AnyFeature[], roles: readonly ProcessRole[]): AnyFeature[] {
  return features.filter((f) => f.roles.some((r) => roles.includes(r)));
}
