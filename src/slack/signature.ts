import { createHmac, timingSafeEqual } from 'node:crypto';

/** Slack's window for `X-Slack-Request-Timestamp`, in seconds. */
export const MAX_SKEW_SEC = 300;

/**
 * Checks a v0 request signature: `v0=` + hex HMAC-SHA256(secret, `v0:{ts}:{raw body}`). Returns why it failed,
 * or undefined when it is good. The only check: ops-server.ts runs it before Bolt sees a request (our receiver does
 * not verify again), so every rejection is audited and counted.
 */
export function signatureProblem(
  secret: string,
  headers: { timestamp: string | undefined; signature: string | undefined },
  rawBody: Buffer,
  nowSec = Math.floor(Date.now() / 1000),
): string | undefined {
  const { timestamp, signature } = headers;
  if (!timestamp || !signature) return 'missing signature headers';
  const ts = Number(timestamp);
  if (!Number.isInteger(ts)) return 'malformed timestamp';
  if (Math.abs(nowSec - ts) > MAX_SKEW_SEC) return 'stale timestamp';
  const expected = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:`).update(rawBody).digest('hex')}`;
  const a = Buffer.from(expected);
  const b = Buffer.from(signature);
  return a.length === b.length && timingSafeEqual(a, b) ? undefined : 'bad signature';
}
