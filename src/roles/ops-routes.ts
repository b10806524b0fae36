/**
 * `/healthz`, `/readyz` and `/metrics` of a process: `serve` serves them beside `/slack/events`; `worker` and
 * `watch` processes serve them alone (their task durations, outbox, alerts and watcher figures live in their own
 * registry). `/readyz` is 503 until Redis answers and, where the process talks to Slack over a socket, Slack does.
 */
import { withDeadlineOr } from '../core/deadline.ts';
import { describeRedis } from '../queue/connection.ts';
import { startOpsServer, type OpsRoute } from '../slack/ops-server.ts';
import type { Runtime } from './runtime.ts';

/** The routes; `slackConnected` is the front door's connection state (other roles post over plain HTTPS). */
export function opsRoutes(rt: Runtime, slackConnected: () => boolean): Record<string, OpsRoute> {
  return {
    '/healthz': async () => ({ status: 200, contentType: 'application/json', body: '{"ok":true}' }),
    '/readyz': async () => {
      rt.health.setSlackConnected(slackConnected());
      const ping = await withDeadlineOr(rt.producer.ping().then(() => undefined, (e: unknown) => String(e)), 500, 'no answer in 500 ms');
      rt.health.setRedis(ping === undefined, ping);
      const snapshot = rt.health.snapshot();
      // Which Redis: the topology and the primary this process talks to now (after a failover, the promoted one).
      const redis = { ...snapshot.redis, ...describeRedis(rt.producer, rt.redisTopology) };
      const body = { ...snapshot, redis, mode: rt.loaded.mode, features: await rt.features.ready() };
      return { status: snapshot.ready ? 200 : 503, contentType: 'application/json', body: JSON.stringify(body) };
    },
    '/metrics': async () => ({ status: 200, contentType: rt.metrics.registry.contentType, body: await rt.metrics.registry.metrics() }),
  };
}

/** The endpoints alone, for `worker` and `watch` (port `http.port`; 0 picks a free one). */
export async function startOpsEndpoints(rt: Runtime, role: string): Promise<{ port: number; close(): Promise<void> }> {
  const ops = await startOpsServer({ port: rt.loaded.config.http.port, routes: opsRoutes(rt, () => true) });
  rt.logger.info({ port: ops.port, role }, 'ci-bot ops endpoints are listening');
  return ops;
}
