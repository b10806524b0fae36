/** Prometheus metrics (prom-client) on a registry of our own, so tests can create as many as they like. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface MetricsOptions {
  /** Queue depths by queue and state, read on each scrape (e.g. TaskClient.queueDepths). */
  queueDepths?: () => Promise<Array<{ queue: string; state: string; count: number }>>;
  /** Messages waiting in the outbox, read on each scrape (RedisOutbox.backlog). */
  outboxBacklog?: () => Promise<number>;
  /** Also collect Node process metrics (default true). */
  processMetrics?: boolean;
}

/** Creates the registry and every metric the bot exports. */
export function createMetrics(opts: MetricsOptions = {}) {
  const registry = new Registry();
  if (opts.processMetrics !== false) collectDefaultMetrics({ register: registry });
  const reg = [registry];
  const metrics = {
    registry,
    commands: new Counter({ name: 'cibot_commands_total', help: 'Slash commands by name and outcome',
      labelNames: ['name', 'outcome'] as const, registers: reg }),
    ackLatency: new Histogram({ name: 'cibot_ack_latency_seconds', help: 'Slash command ack latency',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 3], registers: reg }),
    taskDuration: new Histogram({ name: 'cibot_task_duration_seconds', help: 'Task durations by kind and outcome',
      labelNames: ['kind', 'outcome'] as const, buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600], registers: reg }),
    alerts: new Counter({ name: 'cibot_alerts_total', help: 'Alerts raised by kind', labelNames: ['kind'] as const,
      registers: reg }),
    upstreamDuration: new Histogram({ name: 'cibot_upstream_request_duration_seconds',
      help: 'Upstream request latency by service', labelNames: ['service'] as const,
      buckets: [0.005, 0.025, 0.1, 0.25, 1, 2.5, 5, 10], registers: reg }),
    upstreamErrors: new Counter({ name: 'cibot_upstream_errors_total', help: 'Upstream errors by service and failure',
      labelNames: ['service', 'failure'] as const, registers: reg }),
    sshConnections: new Gauge({ name: 'cibot_ssh_connections', help: 'Open pooled SSH connections', registers: reg }),
    /**
     * Adds a gauge whose value `read` gives on each scrape (a feature's own figures, e.g. the watcher's); when it
     * returns undefined the gauge keeps its last value (0 before the first).
     */
    gauge(name: string, help: string, read: () => number | undefined): void {
      new Gauge({ name, help, registers: reg, collect() {
        const v = read();
        if (v !== undefined) this.set(v);
      } });
    },
  };
  new Gauge({ name: 'cibot_queue_depth', help: 'Jobs by queue and state', labelNames: ['queue', 'state'] as const,
    registers: reg,
    async collect() {
      for (const d of (await opts.queueDepths?.().catch(() => [])) ?? []) this.set({ queue: d.queue, state: d.state }, d.count);
    } });
  new Gauge({ name: 'cibot_outbox_backlog', help: 'Messages waiting in the outbox', registers: reg,
    async collect() {
      // A scrape must not fail while Redis is down: the gauge is then left out of this scrape.
      const n = await opts.outboxBacklog?.().catch(() => undefined);
      if (n !== undefined) this.set(n);
    } });
  return metrics;
}
export type Metrics = ReturnType<typeof createMetrics>;
