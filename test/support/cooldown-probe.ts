/**
 * Shows that the outbox drainer paces itself without measuring wall-clock time in a test. The drainer's pace is a
 * pair of Redis keys per channel set with `PX <ms>` (outbox-keys.ts: `cool:any` after every call, `cool:post` after a
 * post, `cool:any` with the Retry-After of a 429). Two records, taken from the real Redis, say it all:
 * - `sets`: every `SET <cool key> … PX <ms>` the drainer sent, in order (through MONITOR, so nothing is sampled);
 * - `calls`: for each notifier call, the remaining TTL of the channel's cool keys just before it went out
 *   (`-2` = no key: the cooldown had run out).
 * A drainer that ignored Retry-After or its interval would call while a key still holds (TTL > 0), or never set it.
 */
import { Redis } from 'ioredis';
import type { Notifier } from '../../src/core/ports.ts';
import type { MessageRef, RenderedMessage } from '../../src/core/types.ts';
import { outboxKeys } from '../../src/queue/outbox-keys.ts';

export interface CoolSet {
  key: 'any' | 'post';
  channel: string;
  px: number;
}
export interface ProbedCall {
  op: 'post' | 'update';
  channel: string;
  anyTtlMs: number;
  postTtlMs: number;
  /** The drainer's cool-key SETs before this call (an index into `sets`). */
  setsBefore: number;
  error?: unknown;
}

export interface CooldownProbe {
  notifier: Notifier;
  sets: CoolSet[];
  calls: ProbedCall[];
  close(): Promise<void>;
}

/** Wraps `inner` so each call first records its channel's cooldown TTLs; records cool-key SETs through MONITOR. */
export async function probeCooldowns(url: string, prefix: string, inner: Notifier): Promise<CooldownProbe> {
  const keys = outboxKeys(prefix);
  const reader = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await reader.connect();
  const monitor = await reader.duplicate().monitor();
  const sets: CoolSet[] = [];
  const coolKey = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:outbox:cool:(any|post):(.+)$`);
  // MONITOR lines and replies come on different sockets; a marker ECHO seen on the monitor orders them.
  const markers = new Map<string, () => void>();
  let seq = 0;
  const caughtUp = () => new Promise<void>((resolve) => {
    const token = `cooldown-probe-${++seq}`;
    markers.set(token, resolve);
    void reader.echo(token);
  });
  monitor.on('monitor', (_time: string, args: string[]) => {
    if (args[0]?.toLowerCase() === 'echo' && markers.has(args[1] ?? '')) {
      markers.get(args[1]!)!();
      markers.delete(args[1]!);
      return;
    }
    if (args[0]?.toLowerCase() !== 'set') return;
    const m = coolKey.exec(args[1] ?? '');
    const px = args.findIndex((a) => a.toLowerCase() === 'px');
    if (m && px > 0) sets.push({ key: m[1] as 'any' | 'post', channel: m[2]!, px: Number(args[px + 1]) });
  });
  const calls: ProbedCall[] = [];
  const probed = async <T>(op: 'post' | 'update', channel: string, call: () => Promise<T>): Promise<T> => {
    const [anyTtlMs, postTtlMs] = await Promise.all([reader.pttl(keys.coolAny(channel)), reader.pttl(keys.coolPost(channel))]);
    await caughtUp();
    const record: ProbedCall = { op, channel, anyTtlMs, postTtlMs, setsBefore: sets.length };
    calls.push(record);
    try {
      return await call();
    } catch (err) {
      record.error = err;
      throw err;
    }
  };
  const notifier: Notifier = {
    post: (channel: string, message: RenderedMessage, opts?: { threadTs?: string; key?: string }) =>
      probed('post', channel, () => inner.post(channel, message, opts)),
    update: (ref: MessageRef, message: RenderedMessage) => probed('update', ref.channel, () => inner.update(ref, message)),
    ephemeral: (channel: string, user: string, message: RenderedMessage) => inner.ephemeral(channel, user, message),
    ...(inner.findPosted ? { findPosted: inner.findPosted.bind(inner) } : {}),
  };
  return {
    notifier, sets, calls,
    async close() {
      monitor.disconnect();
      reader.disconnect();
    },
  };
}

/**
 * The cool-key SETs the drainer made after call `i` and before call `i + 1` on the same channel (MONITOR records
 * a command before Redis runs it, and each call waits for its marker to come back through MONITOR, so the window
 * holds).
 */
export function setsBetween(probe: CooldownProbe, i: number): CoolSet[] {
  const here = probe.calls[i]!;
  const next = probe.calls.slice(i + 1).find((c) => c.channel === here.channel);
  return probe.sets.slice(here.setsBefore, next?.setsBefore).filter((s) => s.channel === here.channel);
}
