/**
 * Per-key single flight (R19: one provisioning task per host). Workers hold `<prefix>:excl:lock:<key>` while a job
 * runs (value = job id, so the same job resumed after a crash takes it back); producers remember the last job
 * queued for a key so a second request can be told which job it waits behind.
 */
import type { Redis } from 'ioredis';

const ACQUIRE = `
local cur = redis.call('GET', KEYS[1])
if cur == false or cur == ARGV[1] then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end
return 0`;
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  if ARGV[2] == '0' then redis.call('DEL', KEYS[1]) else redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
  return 1
end
return 0`;

/** Lock keys under a prefix. */
export function exclusiveKeys(prefix: string) {
  return {
    lock: (key: string) => `${prefix}:excl:lock:${key}`,
    last: (key: string) => `${prefix}:excl:last:${key}`,
  };
}

/** Takes the lock for `jobId` (or keeps it when it already holds it); false when another job holds it. */
export async function acquireExclusive(redis: Redis, lockKey: string, jobId: string, ttlMs: number) {
  return Number(await redis.eval(ACQUIRE, 1, lockKey, jobId, String(ttlMs))) === 1;
}

/** Extends the lock while `jobId` holds it. */
export async function renewExclusive(redis: Redis, lockKey: string, jobId: string, ttlMs: number) {
  return Number(await redis.eval(RENEW, 1, lockKey, jobId, String(ttlMs))) === 1;
}

/** Releases the lock if `jobId` holds it. */
export async function releaseExclusive(redis: Redis, lockKey: string, jobId: string) {
  return Number(await redis.eval(RENEW, 1, lockKey, jobId, '0')) === 1;
}
