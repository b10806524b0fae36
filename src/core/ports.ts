/**
 * Ports: the small interfaces each consumer owns. Adapters (slack, queue, ssh, clients) implement them;
 * handlers, watchers and digests depend only on these.
 */
import type { Block, MessageRef, RenderedMessage, Requester, Role, StepState } from './types.ts';

/** Direct Slack Web API access (used by the outbox drainer and the front door). */
export interface Notifier {
  /** Posts; `key` (the outbox key) is attached to the message so {@link Notifier.findPosted} can find it again. */
  post(channel: string, message: RenderedMessage, opts?: { threadTs?: string; key?: string }): Promise<MessageRef>;
  update(ref: MessageRef, message: RenderedMessage): Promise<void>;
  ephemeral(channel: string, user: string, message: RenderedMessage): Promise<void>;
  /**
   * The message posted with `key` since `oldestSec` (in the thread `threadTs`, if given), or undefined. Lets the
   * outbox find a post whose answer was lost (a crash between Slack's `ok` and saving the ts) instead of posting
   * it twice. Optional: a notifier without it gets at-least-once delivery in that one case.
   */
  findPosted?(channel: string, key: string, opts: { oldestSec: number; threadTs?: string }): Promise<MessageRef | undefined>;
}

/**
 * Rate-aware, durable delivery of messages from workers and watchers. A message is named by a logical `key`:
 * the first `put` of a key posts it, later puts update it (the latest content wins). `threadOf` names the key
 * of the parent message; the reply is posted once the parent has a timestamp.
 */
export interface Outbox {
  put(entry: OutboxEntry): Promise<void>;
}

export interface OutboxEntry {
  key: string;
  channel: string;
  message: RenderedMessage;
  threadOf?: string;
}

/** Append-only trail of what happened (commands, confirmations, denials, tasks, alerts). */
export interface AuditLog {
  append(entry: AuditEntry): Promise<void>;
  /**
   * Appends `entry` and sets `once.key` (same key prefix, so the same Redis Cluster slot) to `once.value` for
   * `once.ttlSec`, in one step, unless `once.key` is set already: then nothing is written and it resolves false.
   * The task worker's completion marker: a task's outcome is recorded once even if its worker dies right after.
   */
  appendOnce(entry: AuditEntry, once: { key: string; value: string; ttlSec: number }): Promise<boolean>;
  recent(count: number): Promise<AuditRecord[]>;
}

export type AuditKind =
  | 'command'
  | 'denied'
  | 'confirm_requested'
  | 'confirmed'
  | 'cancelled'
  | 'task_started'
  | 'task_finished'
  | 'alert'
  | 'rejected_request'
  /** A secret was shown to `user` (e.g. Jenkins' first-start password): who and when, never the value. */
  | 'secret_read';

export interface AuditEntry {
  kind: AuditKind;
  user?: string;
  command?: string;
  args?: string;
  channel?: string;
  jobId?: string;
  outcome?: string;
  detail?: string;
}

export interface AuditRecord extends AuditEntry {
  id: string;
  at: number;
}

/** Time, so tests can move it. */
export interface Clock {
  now(): number;
}
export const systemClock: Clock = { now: () => Date.now() };

/** What a task handler may report while it runs. */
export interface Progress {
  /** Declares the checklist up front (all pending). */
  plan(steps: readonly string[]): Promise<void>;
  /** Moves a step to a state; unknown steps are appended. */
  step(name: string, state?: StepState, detail?: string): Promise<void>;
  /** Output lines for the thread under the progress message (batched and trimmed by the reporter). */
  output(lines: readonly string[]): void;
}

/** What every handler receives besides its task data. */
export interface TaskContext {
  jobId: string;
  attempt: number;
  signal: AbortSignal;
  progress: Progress;
  log: (line: string) => void;
}

/** What a finished task reports: the final line of its progress message. */
export interface TaskResult {
  summary: string;
  changed?: boolean;
  details?: readonly string[];
}

/** A handler is a plain function; it imports neither BullMQ nor Bolt. */
export type TaskHandler<T> = (task: T, ctx: TaskContext) => Promise<TaskResult>;

/** A dangerous command waiting for its Confirm click. */
export interface PendingConfirmation {
  id: string;
  command: string;
  /** The text after `/ci` as typed: parsed and validated again when confirmed (Redis content is untrusted). */
  text: string;
  args: Record<string, unknown>;
  requester: Requester;
  createdAt: number;
}

/** Pending confirmations, shared by all replicas; `take` is atomic so a second click finds nothing. */
export interface ConfirmationStore {
  create(pending: Omit<PendingConfirmation, 'id' | 'createdAt'>, ttlMs: number): Promise<PendingConfirmation>;
  get(id: string): Promise<PendingConfirmation | undefined>;
  take(id: string): Promise<PendingConfirmation | undefined>;
}

/** One step of a recipe run, as the runner saw it (provisioning). */
export interface RecipeStepOutcome {
  name: string;
  state: StepState;
  detail?: string;
  changed: boolean;
}

/** What a recipe run on one host reported. A non-zero exit is a result (`ok: false`), not a throw. */
export interface RecipeOutcome {
  ok: boolean;
  /** Whether anything changed (in a dry run: would change). */
  changed: boolean;
  steps: readonly RecipeStepOutcome[];
  exitCode: number | null;
  /** The last output lines, step markers excluded. */
  outputTail: readonly string[];
  failedStep?: string;
  durationMs: number;
}

/**
 * Runs a named recipe on an inventory host over SSH (provisioning handlers see SSH only through this port).
 * Implementations validate `params` against the recipe's declared types before anything reaches the host.
 */
export interface RecipePort {
  /** The recipe's declared checklist, in order. */
  steps(recipe: string): readonly string[];
  /**
   * @throws PermanentError bad parameters, refused host key, authentication failure — nothing ran
   * @throws UpstreamError('ssh') connection lost or deadline passed (transient)
   */
  run(
    recipe: string,
    host: string,
    params: Readonly<Record<string, string>>,
    opts: {
      dryRun?: boolean;
      signal: AbortSignal;
      onStep?: (name: string, state: StepState, detail?: string) => void;
      onOutput?: (line: string) => void;
    },
  ): Promise<RecipeOutcome>;
  /** The last `lines` lines of a service's log on `host` (journalctl, else /var/log/mesos/<unit>.log). */
  serviceLog(host: string, unit: 'mesos-slave' | 'mesos-master' | 'marathon' | 'zookeeper', lines: number, signal: AbortSignal): Promise<string[]>;
}

/** An agent as the Mesos master lists it, with its total resources. */
export interface AgentSummary {
  hostname: string;
  cpus: number;
  memMb: number;
  diskMb: number;
}

/** One named health check of the master services (Mesos leader, Marathon, ZooKeeper). */
export interface ServiceCheck {
  name: string;
  ok: boolean;
  detail: string;
}

/** What provisioning asks of the cluster after it changed a host ("did the agent join?", "do the masters answer?"). */
export interface ClusterProbe {
  /**
   * Polls the Mesos master until `hostname` is registered and active.
   * @throws UpstreamError('mesos', …, timeout) when it does not appear within `timeoutMs`
   */
  waitForAgent(hostname: string, opts: { timeoutMs: number; signal: AbortSignal }): Promise<AgentSummary>;
  /** Active agents and their summed resources, as the Mesos master reports them now. */
  agentTotals(signal: AbortSignal): Promise<{ agents: number; cpus: number; memMb: number }>;
  /** Checks a leading Mesos master, Marathon answering and registered as a framework, ZooKeeper ruok/mntr. */
  checkMaster(signal: AbortSignal): Promise<readonly ServiceCheck[]>;
}

/** The last provisioning result per inventory host, for `/ci hosts`. */
export interface ProvisionRecord {
  host: string;
  recipe: string;
  outcome: 'changed' | 'no change' | 'dry run' | 'failed';
  at: number;
  jobId: string;
  detail?: string;
}

export interface ProvisionLog {
  record(entry: ProvisionRecord): Promise<void>;
  last(hosts: readonly string[]): Promise<Readonly<Record<string, ProvisionRecord>>>;
}

/** Structured logging (pino's Logger satisfies it). */
export interface Log {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** What the requester is told after `enqueue`. */
export interface EnqueueResult {
  jobId: string;
  /** `queued_behind`: another task for the same host runs (or waits) first; `behind` names it. */
  state: 'queued' | 'queued_behind' | 'duplicate';
  behind?: string;
}

/** One line of `/ci jobs`. */
export interface JobSummary {
  jobId: string;
  kind: string;
  queue: string;
  state: 'active' | 'waiting' | 'delayed' | 'prioritized';
  requesterId: string;
  channelId: string;
  createdAt: number;
}

/** The task queue as the front door's commands use it (implemented by src/queue/task-client.ts). */
export interface TaskQueue {
  /**
   * Validates `data` against the kind's schema and enqueues it under the kind's deterministic job id.
   * @throws UserFacingError('queue_unavailable') when Redis does not answer within the deadline
   */
  enqueue(kind: string, data: unknown): Promise<EnqueueResult>;
  /**
   * {@link enqueue} for several tasks (a fan-out) under one deadline and in a fixed number of Redis round trips;
   * one result per request, in order. Nothing is queued when a request is invalid.
   * @throws UserFacingError('queue_unavailable') when Redis does not answer within the deadline
   */
  enqueueMany(requests: ReadonlyArray<{ kind: string; data: unknown }>): Promise<EnqueueResult[]>;
  listJobs(): Promise<JobSummary[]>;
  /** Cancels a queued or running job. Operators cancel their own; admins any; viewers none. */
  cancel(jobId: string, by: { userId: string; role: Role }): Promise<{ state: 'removed' | 'cancelling' }>;
  readLog(jobId: string): Promise<string[]>;
}

/**
 * The queue connection's health as the front door's breaker sees it (implemented over the producer's ioredis
 * connection in src/queue/connection.ts): state changes pushed as they happen, and a bounded probe.
 */
export interface QueueHealthSignal {
  /** `listener(false)` when the connection closes or reconnects, `listener(true)` when it is ready again. */
  onChange(listener: (up: boolean) => void): void;
  /** Resolves when Redis answers a PING within the probe deadline; rejects with `queue_unavailable` otherwise. */
  probe(): Promise<void>;
}

/** One incident or alert as `/ci alerts` and digests list it (the latest state of its key). */
export interface AlertRecord {
  /** The dedup key (also the message's outbox key). */
  key: string;
  kind: 'jenkins' | 'agent' | 'tasks';
  severity: 'critical' | 'warning' | 'info';
  /** The headline, as posted (mrkdwn). */
  title: string;
  state: 'open' | 'resolved' | 'info';
  /** Epoch ms. */
  openedAt: number;
  resolvedAt?: number | undefined;
  downtimeMs?: number | undefined;
  /** Jenkins came back on another host. */
  moved?: boolean | undefined;
  planned?: boolean | undefined;
}

/** Incidents and alerts by key, newest first, kept for `/ci alerts` and digests (shared by every replica). */
export interface AlertLog {
  /** Stores the record under its key, replacing what was there (open → resolved). */
  record(r: AlertRecord): Promise<void>;
  /** Records opened since `sinceMs`, newest first, at most `limit` (default 50). */
  since(sinceMs: number, limit?: number): Promise<AlertRecord[]>;
}

/**
 * A user's App Home tab (`views.publish`). Slack allows about 100 publishes a minute per workspace (Tier 4):
 * a 429 is a RetryLaterError with Slack's Retry-After.
 */
export interface HomeTab {
  publish(userId: string, view: { blocks: readonly Block[] }): Promise<void>;
}

/** Small JSON values under a key (a watcher's state across restarts and replicas); `get` gives untrusted data. */
export interface StateStore {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown): Promise<void>;
}
