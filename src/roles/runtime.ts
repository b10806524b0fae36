/**
 * What every role shares: the logger, Redis connections, the task registry and client, the outbox and the
 * audit log. Construction lives here and in the other role files only.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { LoadedConfig } from '../config/load.ts';
import { redact, secretValues } from '../config/redact.ts';
import { createLogger } from '../observability/logger.ts';
import { createMetrics, type Metrics } from '../observability/metrics.ts';
import { HealthModel } from '../observability/health.ts';
import { createRedisAuditLog } from '../audit/redis-audit-log.ts';
import { assertNoEviction, createProducerConnection, createWorkerConnection } from '../queue/connection.ts';
import { createRedisOutbox, type RedisOutbox } from '../queue/outbox.ts';
import { createTaskClient, type TaskClient } from '../queue/task-client.ts';
import { TaskRegistry } from '../core/task-kind.ts';
import { selftestKind } from '../features/selftest/kind.ts';
import type { AuditLog } from '../core/ports.ts';
import type { Requester } from '../core/types.ts';
import type { Feature, FeatureBase, FeatureFactory, ToTasks } from '../features/define-feature.ts';

type Redis = ReturnType<typeof createProducerConnection>;

export interface Runtime {
  loaded: LoadedConfig;
  logger: Logger;
  metrics: Metrics;
  health: HealthModel;
  /** Redacts every configured secret from a string (errors, chat text). */
  scrub: (text: string) => string;
  producer: Redis;
  workerConnection: () => Redis;
  prefix: string;
  registry: TaskRegistry;
  tasks: TaskClient;
  outbox: RedisOutbox;
  audit: AuditLog;
  /** Queued command name → task data, one entry per job. */
  toTasks: Record<string, ToTasks>;
  /** The features' command implementations, handlers and readiness checks, merged. */
  features: Required<Pick<Feature, 'commands' | 'handlers'>> & { ready: () => Promise<Record<string, unknown>> };
  close(): Promise<void>;
}

export async function createRuntime(loaded: LoadedConfig, factories: readonly FeatureFactory[] = [], logger?: Logger): Promise<Runtime> {
  const secrets = secretValues(loaded.secrets);
  const log = logger ?? createLogger({ level: loaded.config.logLevel, secrets });
  const { url, prefix, auditMaxLen } = loaded.config.redis;
  const producer = createProducerConnection({ url, name: 'ci-bot-producer' });
  await waitReady(producer, url);
  await assertNoEviction(producer);
  const workers: Redis[] = [];
  const workerConnection = () => {
    const c = createWorkerConnection({ url, name: 'ci-bot-worker' });
    workers.push(c);
    return c;
  };
  const outbox = createRedisOutbox({ redis: producer, prefix });
  const audit = createRedisAuditLog({ redis: producer, prefix, maxLen: auditMaxLen });
  const health = new HealthModel();
  const metricsRef: { tasks?: TaskClient } = {};
  const metrics = createMetrics({ queueDepths: async () => (await metricsRef.tasks?.queueDepths()) ?? [], outboxBacklog: () => outbox.backlog() });
  const onUpstreamResult: FeatureBase['onUpstreamResult'] = (r) => {
    metrics.upstreamDuration.observe({ service: r.service }, r.durationMs / 1000);
    if (r.failure) {
      metrics.upstreamErrors.inc({ service: r.service, failure: r.failure });
      health.upstreamFailed(r.service, `${r.request}: ${r.failure}`);
    } else health.upstreamSucceeded(r.service, Date.now());
  };
  const base: FeatureBase = { loaded, config: loaded.config, logger: log, redis: producer, workerConnection, prefix, outbox, audit, metrics, onUpstreamResult };
  const features: Feature[] = [];
  for (const make of factories) features.push(await make(base));
  const registry = new TaskRegistry().register(selftestKind);
  for (const kind of features.flatMap((f) => f.kinds ?? [])) registry.register(kind);
  const tasks = createTaskClient({ redis: producer, prefix, registry, deadlineMs: 250 });
  metricsRef.tasks = tasks;
  const runtime: Runtime = {
    loaded,
    metrics,
    health,
    logger: log,
    scrub: (t) => redact(t, secrets),
    producer,
    workerConnection,
    prefix,
    registry,
    // The front door enqueues on the ack path: a healthy enqueue takes a few ms, so 250 ms means Redis is in trouble.
    tasks,
    outbox,
    audit,
    toTasks: Object.assign(
      { selftest: ((_args, requester) => [['selftest', { requester: short(requester), requestId: randomUUID() }]]) as ToTasks },
      ...features.map((f) => f.toTasks ?? {}),
    ),
    features: {
      commands: Object.assign({}, ...features.map((f) => f.commands ?? {})),
      handlers: Object.assign({}, ...features.map((f) => f.handlers ?? {})),
      ready: async () => Object.assign({}, ...(await Promise.all(features.map((f) => f.ready?.() ?? {})))),
    },
    async close() {
      for (const f of features) await f.close?.();
      await runtime.tasks.close();
      for (const c of workers) c.disconnect();
      producer.disconnect();
    },
  };
  return runtime;
}

function short(r: Requester): { userId: string; channelId: string } {
  return { userId: r.userId, channelId: r.channelId };
}

async function waitReady(redis: Redis, url: string): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Redis at ${url.replace(/\/\/[^@]*@/, '//')} did not answer within 5 s; is it running?`)), 5000);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
