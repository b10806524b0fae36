/**
 * Redis replies that refuse a write for a while and then take it again, without anything being wrong with the
 * write: a primary with `min-replicas-to-write` whose replicas have not acknowledged yet (NOREPLICAS — a freshly
 * promoted primary under Sentinel, until its replicas have caught up), a replica still loading its data (LOADING),
 * a replica cut off from its primary (MASTERDOWN), a Cluster slot being moved (TRYAGAIN). A connection error is not
 * one: worker connections wait across reconnects by themselves (connection.ts), and READONLY makes them reconnect.
 */
import { setTimeout as sleep } from 'node:timers/promises';

const TRANSIENT = /\b(NOREPLICAS|LOADING|MASTERDOWN|TRYAGAIN)\b/;

/** Whether `err` is one of those replies (also when a Lua script's call raised it). */
function isTransientReply(err: unknown): boolean {
  return err instanceof Error && TRANSIENT.test(err.message);
}

/**
 * Runs `write`, and runs it again while it fails with a transient reply: after 50 ms, doubling to 1 s between
 * tries, until `deadlineMs` (default 30 s, the default task lock) has passed; then the last error is thrown.
 * Only for writes that are safe to repeat (a SET of the latest state, an outbox put, a write guarded by a key).
 */
export async function retryTransientReplies<T>(write: () => Promise<T>, deadlineMs = 30_000): Promise<T> {
  const until = Date.now() + deadlineMs;
  for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
    try {
      return await write();
    } catch (err) {
      if (!isTransientReply(err) || Date.now() + delay > until) throw err;
      await sleep(delay);
    }
  }
}
