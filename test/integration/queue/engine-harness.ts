/** Shared wiring for engine tests: a unique prefix, producer/worker connections, outbox, drainer, audit. */
import { randomUUID } from 'node:crypto';
import type { RedisServer } from '../../../src/playground/redis-server.ts';
import { createProducerConnection, createWorkerConnection, type RedisTopology } from '../../../src/queue/connection.ts';
import { createRedisOutbox } from '../../../src/queue/outbox.ts';
import { startOutboxDrainer } from '../../../src/queue/outbox-drainer.ts';
import { createRedisAuditLog } from '../../../src/audit/redis-audit-log.ts';
import { createTaskClient } from '../../../src/queue/task-client.ts';
import type { TaskRegistry } from '../../../src/core/task-kind.ts';
import { waitFor } from '../../../src/playground/ports.ts';
import { FakeNotifier } from './fake-notifier.ts';
import { progressRenderer } from '../../../src/chat/render/progress.ts';

/** Everything is closed by `t.after` too, so a failing assertion never leaves a drainer polling. */
export async function engine(
  /** A server, or any topology (the Cluster tests). */
  server: Pick<RedisServer, 'url'> & { topology?: RedisTopology },
  registry: TaskRegistry,
  t?: { after(fn: () => Promise<void>): void },
  prefix = `t-${randomUUID().slice(0, 8)}`,
) {
  const producerRedis = createProducerConnection({ url: server.url, topology: server.topology });
  const workerRedis = createWorkerConnection({ url: server.url, topology: server.topology });
  await waitFor(() => producerRedis.status === 'ready', { what: 'producer connection' });
  const notifier = new FakeNotifier();
  const outbox = createRedisOutbox({ redis: workerRedis, prefix });
  const audit = createRedisAuditLog({ redis: workerRedis, prefix });
  const drainer = startOutboxDrainer({ redis: workerRedis, prefix, notifier, postIntervalMs: 50, updateIntervalMs: 10 });
  const client = createTaskClient({ redis: producerRedis, prefix, registry });
  let closed = false;
  const handle = {
    prefix, producerRedis, workerRedis, notifier, outbox, audit, client, render: progressRenderer,
    async close() {
      if (closed) return;
      closed = true;
      await drainer.close();
      await client.close();
      producerRedis.disconnect();
      workerRedis.disconnect();
    },
  };
  t?.after(() => handle.close());
  return handle;
}

export const requester = { userId: 'U1', channelId: 'C1' };
