/**
 * A feature (status and digests, provisioning, …) plugs into the roles through this one shape: task kinds it
 * queues, how its queued commands become task data, its direct or deferred command implementations, its task
 * handlers, extra readiness checks, and what to close on shutdown. Features are built in src/roles/ only.
 */
import type { TaskHandler } from '../core/ports.ts';
import type { Requester } from '../core/types.ts';
import type { Config } from '../config/schema.ts';
import type { LoadedConfig } from '../config/load.ts';
import type { AnyTaskKind } from '../core/task-kind.ts';
import type { RedisOutbox } from '../queue/outbox.ts';
import type { AuditLog } from '../core/ports.ts';
import type { Logger } from 'pino';
import type { createProducerConnection } from '../queue/connection.ts';
import type { CommandImpl } from './tasks/index.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { UpstreamResult } from '../clients/http.ts';

export type ToTasks = (args: Record<string, unknown>, requester: Requester) => Array<[string, unknown]>;

export interface Feature {
  kinds?: readonly AnyTaskKind[];
  /** Queued command name → one `[kind, data]` per job (fan-out commands return several). */
  toTasks?: Readonly<Record<string, ToTasks>>;
  /** Direct or deferred command implementations, by command name. */
  commands?: Readonly<Record<string, CommandImpl>>;
  /** Task handlers by kind name (only used by worker processes). */
  handlers?: Readonly<Record<string, TaskHandler<never>>>;
  /** Extra /readyz entries (e.g. upstreams with their last success). */
  ready?: () => Promise<Record<string, unknown>>;
  close?: () => Promise<void>;
}

/** What a feature may use when it is built: everything shared, nothing role-specific. */
export interface FeatureBase {
  loaded: LoadedConfig;
  config: Config;
  logger: Logger;
  redis: ReturnType<typeof createProducerConnection>;
  /** A worker-style connection (waits across reconnects), for long-lived loops. */
  workerConnection: () => ReturnType<typeof createProducerConnection>;
  prefix: string;
  outbox: RedisOutbox;
  audit: AuditLog;
  metrics: Metrics;
  /** Pass as `onResult` to every upstream client: feeds the upstream metrics and /readyz. */
  onUpstreamResult: (result: UpstreamResult) => void;
}

export type FeatureFactory = (base: FeatureBase) => Feature | Promise<Feature>;
