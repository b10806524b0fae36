/**
 * Cancel across processes: `/ci cancel` may run in `serve` while the job runs in a `worker`. The producer sets a
 * flag key (seen by a worker that takes the job later) and publishes on a channel; the worker owning the job calls
 * BullMQ's `cancelJob`, which aborts the processor's AbortSignal.
 */
import type { Redis } from 'ioredis';
import * as z from 'zod';

/** Key and channel names. */
export function cancelKeys(prefix: string) {
  return { channel: `${prefix}:cancel`, flag: (jobId: string) => `${prefix}:cancel:${jobId}` };
}

const messageSchema = z.object({ jobId: z.string(), by: z.string() });

/**
 * Subscribes `subscriber` (a dedicated connection: subscribed connections can run nothing else) and calls
 * `onCancel` for every valid cancel message. Returns an unsubscribe function.
 */
export async function subscribeCancels(
  subscriber: Redis,
  prefix: string,
  onCancel: (jobId: string, by: string) => void,
): Promise<() => Promise<void>> {
  const { channel } = cancelKeys(prefix);
  const listener = (ch: string, raw: string) => {
    if (ch !== channel) return;
    try {
      const msg = messageSchema.parse(JSON.parse(raw));
      onCancel(msg.jobId, msg.by);
    } catch {
      // Foreign or malformed message on our channel: ignore.
    }
  };
  subscriber.on('message', listener);
  await subscriber.subscribe(channel);
  return async () => {
    subscriber.off('message', listener);
    // The subscriber may already be gone (shutdown, Redis down); dropping the connection unsubscribes too.
    await subscriber.unsubscribe(channel).catch(() => undefined);
  };
}
