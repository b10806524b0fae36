/** Redis key layout and Lua scripts of the outbox, shared by the writer and the drainer. */
import type { Redis } from 'ioredis';

/** Key names under one prefix. */
export function outboxKeys(prefix: string) {
  const base = `${prefix}:outbox`;
  return {
    /** hash {channel, message, threadOf, ver}: the latest content of a pending message */
    msg: (key: string) => `${base}:msg:${key}`,
    /** list: keys pending delivery on a channel, in order */
    queue: (channel: string) => `${base}:q:${channel}`,
    /** set: keys pending anywhere (a key already pending is not queued twice: coalescing) */
    queued: `${base}:queued`,
    /** set: channels with pending keys */
    channels: `${base}:channels`,
    /** string: Slack ts of a posted key */
    ts: (key: string) => `${base}:ts:${key}`,
    /** string: epoch seconds of the first post attempt of a key (left behind when an attempt's answer was lost) */
    attempt: (key: string) => `${base}:attempt:${key}`,
    lock: (channel: string) => `${base}:lock:${channel}`,
    coolPost: (channel: string) => `${base}:cool:post:${channel}`,
    coolAny: (channel: string) => `${base}:cool:any:${channel}`,
    /** list: dead-lettered entries (JSON), newest first */
    dead: `${base}:dead`,
  };
}
export type OutboxKeys = ReturnType<typeof outboxKeys>;

// KEYS: msg, queued, queue, channels. ARGV: key, channel, message, threadOf.
const PUT = `
redis.call('HSET', KEYS[1], 'channel', ARGV[2], 'message', ARGV[3], 'threadOf', ARGV[4])
redis.call('HINCRBY', KEYS[1], 'ver', 1)
if redis.call('SADD', KEYS[2], ARGV[1]) == 1 then redis.call('RPUSH', KEYS[3], ARGV[1]) end
redis.call('SADD', KEYS[4], ARGV[2])
return 1`;

// Removes the head only if it is still `key` and (unless ARGV[3] == 'force') its content is the version sent.
// A put that arrived during delivery moves the key to the tail instead: the latest content is sent later as an
// update (the message already exists), and a message updated non-stop cannot starve the ones behind it.
// KEYS: msg, queued, queue. ARGV: key, ver, force.
const ACK = `
if redis.call('LINDEX', KEYS[3], 0) ~= ARGV[1] then return -1 end
if ARGV[3] ~= 'force' and redis.call('HGET', KEYS[1], 'ver') ~= ARGV[2] then
  redis.call('LMOVE', KEYS[3], KEYS[3], 'LEFT', 'RIGHT')
  return 0
end
redis.call('LPOP', KEYS[3])
redis.call('SREM', KEYS[2], ARGV[1])
redis.call('DEL', KEYS[1])
return 1`;

// KEYS: queue, channels. ARGV: channel.
const RELEASE_CHANNEL = `
if redis.call('LLEN', KEYS[1]) == 0 then redis.call('SREM', KEYS[2], ARGV[1]) return 1 end
return 0`;

// KEYS: lock. ARGV: token, ttlMs (0 = delete).
const LOCK_REFRESH = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == '0' then redis.call('DEL', KEYS[1]) else redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1`;

/** Typed wrappers over the scripts (EVAL: scripts are cached by Redis, and no defineCommand state to manage). */
export function outboxScripts(redis: Redis, k: OutboxKeys) {
  return {
    put: (key: string, channel: string, message: string, threadOf: string) =>
      redis.eval(PUT, 4, k.msg(key), k.queued, k.queue(channel), k.channels, key, channel, message, threadOf),
    ack: async (channel: string, key: string, ver: string, force = false) =>
      Number(await redis.eval(ACK, 3, k.msg(key), k.queued, k.queue(channel), key, ver, force ? 'force' : '')),
    releaseChannel: async (channel: string) =>
      Number(await redis.eval(RELEASE_CHANNEL, 2, k.queue(channel), k.channels, channel)) === 1,
    refreshLock: async (channel: string, token: string, ttlMs: number) =>
      Number(await redis.eval(LOCK_REFRESH, 1, k.lock(channel), token, String(ttlMs))) === 1,
  };
}
