/**
 * What every role shares: the logger, Redis connections, the task registry and client, the outbox, the audit log,
 * the one set of cluster clients, the SSH recipe port, the stores, and the features built for the process's roles.
 * Construction lives here and in the other role files only.
 */
import type { Logger } from 'pino';
import type { LoadedConfig } from '../config/load.ts';
import { redact, secretValues } from '../config/redact.ts';
import { createLogger } from '../observability/logger.ts';
import { createMetrics, type Metrics } from '../observability/metrics.ts';
import { HealthModel } from '../observability/health.ts';
import { createRedisAuditLog } from '../audit/redis-audit-log.ts';
import type { UpstreamResult } from '../clients/http.ts';
import { TaskRegistry } from '../core/task-kind.ts';
import { withDeadline } from '../core/deadline.ts';
import { assertNoEviction, createProducerConnection, createWorkerConnection, queueHealthSignal, type RedisTopology } from '../queue/connection.ts';
import { createDigestStore } from '../queue/digest-schedules.ts';
import { createRedisOutbox, type RedisOutbox } from '../queue/outbox.ts';
import { createSchedulers, digestSlotKey } from '../queue/schedulers.ts';
import { createTaskClient, type TaskClient } from '../queue/task-client.ts';
import { guardTaskQueue, QueueBreaker } from '../slack/queue-breaker.ts';
import { loadRecipes } from '../recipes/load-recipes.ts';
import { createSshRecipePort } from '../ssh/recipe-port.ts';
import { RedisPinStore } from '../store/redis-pins.ts';
import { createRedisProvisionLog } from '../store/redis-provision-log.ts';
import { createRedisAlertLog } from '../store/redis-alert-log.ts';
import { createRedisStateStore } from '../store/redis-state-store.ts';
import type { AuditLog, RecipePort } from '../core/ports.ts';
import { buildFeatures, type BuiltFeatures } from '../features/build-features.ts';
import type { AnyFeature, ProcessRole } from '../features/define-feature.ts';
import { features as allFeatures } from '../features/list.ts';
import { createClusterClients } from './cluster-clients.ts';
import { createOutboxClient } from '../slack/app.ts';
import { WebApiHomeTab } from '../slack/notifier.ts';
import type { HomeTab } from '../core/ports.ts';

type Redis = ReturnType<typeof createProducerConnection>;

/** Where the recipes live: `<repo>/commands/`. */
const COMMANDS_DIR = new URL('../../commands/', import.meta.url);

export interface Runtime {
  loaded: LoadedConfig;
  logger: Logger;
  metrics: Metrics;
  health: HealthModel;
  /** Redacts every configured secret from a string (errors, chat text). */
  scrub: (text: string) => string;
  producer: Redis;
  /** Single server, Sentinel or Cluster, as configured (shown on /readyz). */
  redisTopology: RedisTopology;
  workerConnection: () => Redis;
  prefix: string;
  registry: TaskRegistry;
  tasks: TaskClient;
  outbox: RedisOutbox;
  audit: AuditLog;
  /** The features this process runs, built and joined. */
  features: BuiltFeatures;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  /** The roles this process runs (`all`: all three). */
  roles: readonly ProcessRole[];
  /** Default: the feature list (src/features/list.ts). */
  features?: readonly AnyFeature[];
  logger?: Logger;
}

export async function createRuntime(loaded: LoadedConfig, opts: RuntimeOptions): Promise<Runtime> {
  const { config } = loaded;
  const secrets = secretValues(loaded.secrets);
  const log = opts.logger ?? createLogger({ level: config.logLevel, secrets });
  const featureList = opts.features ?? allFeatures;
  const { url, prefix, auditMaxLen } = config.redis;
  const topology = redisTopology(loaded);
  const producer = createProducerConnection({ url, topology, name: 'ci-bot-producer' });
  await waitReady(producer, topology, secrets);
  await assertNoEviction(producer);
  const workers: Redis[] = [];
  const workerConnection = () => {
    const c = createWorkerConnection({ url, topology, name: 'ci-bot-worker' });
    workers.push(c);
    return c;
  };
  const outbox = createRedisOutbox({ redis: producer, prefix });
  const audit = createRedisAuditLog({ redis: producer, prefix, maxLen: auditMaxLen });
  const health = new HealthModel();
  const metricsRef: { tasks?: TaskClient } = {};
  const metrics = createMetrics({ queueDepths: async () => (await metricsRef.tasks?.queueDepths()) ?? [], outboxBacklog: () => outbox.backlog() });
  const onUpstreamResult = (r: UpstreamResult) => {
    metrics.upstreamDuration.observe({ service: r.service }, r.durationMs / 1000);
    if (r.failure) {
      metrics.upstreamErrors.inc({ service: r.service, failure: r.failure });
      health.upstreamFailed(r.service, `${r.request}: ${r.failure}`);
    } else health.upstreamSucceeded(r.service, Date.now());
  };
  // Every kind of every feature, whatever this process runs: the front door validates what it enqueues, and
  // `/ci jobs` lists every queue.
  const registry = new TaskRegistry();
  for (const f of featureList) for (const t of f.tasks ?? []) registry.register(t.kind);
  // The front door enqueues on the ack path: a healthy enqueue takes a few ms, so 250 ms means Redis is in trouble.
  // After the first call that fails so, the breaker answers "queue unavailable" at once until Redis answers again.
  const breaker = new QueueBreaker(queueHealthSignal(producer), {
    onChange: (open, reason) => (open ? log.warn({ reason }, 'task queue unavailable: answering "queue unavailable" until Redis answers') : log.info({ reason }, 'task queue available again')),
  });
  const tasks = guardTaskQueue(createTaskClient({ redis: producer, prefix, registry, deadlineMs: 250 }), breaker);
  metricsRef.tasks = tasks;
  const cluster = createClusterClients(config, loaded.secrets, onUpstreamResult);
  const pins = new RedisPinStore(producer, prefix);
  // Recipes are validated here, so a bad recipe stops the bot at start with the file and field named.
  const ssh = createSshRecipePort({ config, secrets: loaded.secrets, recipes: loadRecipes(COMMANDS_DIR), pins });
  // The pooled-connection gauge follows every recipe run (connections open on first use and close on errors).
  const recipes: RecipePort = {
    steps: (name) => ssh.steps(name),
    serviceLog: (...a) => ssh.serviceLog(...a),
    run: async (...a) => {
      try {
        return await ssh.run(...a);
      } finally {
        metrics.sshConnections.set(ssh.connections);
      }
    },
  };
  const schedules = createSchedulers({ redis: producer, prefix });
  const token = loaded.secrets.slackBotToken;
  // App Home publishes from the front door (a user opened it) and the watcher (it changed); both have the token.
  const home: HomeTab = token
    ? new WebApiHomeTab(createOutboxClient({ botToken: token, apiUrl: config.slack.apiUrl, logger: log.child({ src: 'slack' }) }))
    : { publish: async () => { throw new Error('App Home needs SLACK_BOT_TOKEN'); } };
  const built = await buildFeatures(featureList, {
    config, log: log.child({ src: 'features' }), outbox, audit, tasks, cluster: cluster.reader, recipes, pins,
    provisionLog: createRedisProvisionLog(producer, prefix),
    alerts: { log: createRedisAlertLog(producer, prefix), counted: (kind) => metrics.alerts.inc({ kind }) },
    gauge: (name, help, read) => metrics.gauge(name, help, read),
    state: createRedisStateStore(producer, prefix),
    home,
    digests: { store: createDigestStore({ redis: producer, prefix }), schedules, slotKey: digestSlotKey },
  }, opts.roles);
  const runtime: Runtime = {
    loaded, metrics, health, logger: log, scrub: (t) => redact(t, secrets), producer, redisTopology: topology, workerConnection, prefix, registry, tasks, outbox, audit,
    features: built,
    async close() {
      await built.close();
      await schedules.close();
      ssh.close();
      await cluster.close();
      breaker.close();
      await runtime.tasks.close();
      for (const c of workers) c.disconnect();
      producer.disconnect();
    },
  };
  return runtime;
}

/** The configured Redis topology, with the passwords from the environment. */
function redisTopology({ config, secrets }: LoadedConfig): RedisTopology {
  const { sentinel, cluster, url } = config.redis;
  const nodes = (list: ReadonlyArray<{ host: string; port: number }>) => list.map(({ host, port }) => ({ host, port }));
  if (sentinel) {
    return {
      kind: 'sentinel', nodes: nodes(sentinel.nodes), masterName: sentinel.masterName, db: sentinel.db,
      password: secrets.redisPassword, sentinelPassword: secrets.redisSentinelPassword,
    };
  }
  if (cluster) return { kind: 'cluster', nodes: nodes(cluster.nodes), password: secrets.redisPassword };
  return { kind: 'single', url };
}

/** Waits for the first connection; a failure names where Redis was looked for and the last error (redacted). */
async function waitReady(redis: Redis, t: RedisTopology, secrets: readonly string[]): Promise<void> {
  if (redis.status === 'ready') return;
  const ready = new Promise<void>((resolve) => redis.once('ready', () => resolve()));
  let lastError: string | undefined;
  const onError = (err: Error) => void (lastError = redact(err.message, secrets));
  redis.on('error', onError);
  const where = t.kind === 'single' ? `Redis at ${t.url.replace(/\/\/[^@]*@/, '//')}`
    : t.kind === 'sentinel' ? `The Redis primary "${t.masterName}" (sentinels ${t.nodes.map((n) => `${n.host}:${n.port}`).join(', ')})`
      : `Redis Cluster (nodes ${t.nodes.map((n) => `${n.host}:${n.port}`).join(', ')})`;
  try {
    await withDeadline(ready, 5000, () => new Error(`${where} did not answer within 5 s${lastError ? ` (last error: ${lastError})` : '; is it running?'}`));
  } finally {
    redis.off('error', onError);
  }
}
