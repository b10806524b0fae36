/** Delivers a signed form POST to an app's `/slack/events`, exactly as Slack does (SLACK.md §1–§2). */
import { request } from 'node:http';
import { signature } from './payloads.ts';

/** Ways to break a delivery on purpose, for bad-input tests. */
export interface DeliveryOptions {
  /** Sign with this secret instead of the real one (forged signature). */
  forgeSecret?: string;
  /** Send exactly this X-Slack-Signature header. */
  signatureHeader?: string;
  /** Leave the signature header out. */
  omitSignature?: boolean;
  /** Make X-Slack-Request-Timestamp this many seconds old (e.g. 301 → stale). */
  staleBySec?: number;
  /** Sign with this X-Slack-Request-Timestamp (epoch s) instead of now: the same request delivered twice. */
  timestampSec?: number;
  /** Send this body instead of the built form (it is still signed unless forged). */
  rawBody?: string;
  /** Send this Content-Type instead of the bare `application/x-www-form-urlencoded`. */
  contentType?: string;
}

/** The app's answer to one delivery. */
export interface HttpAnswer {
  status: number;
  body: string;
  contentType?: string;
  latencyMs: number;
  timedOut: boolean;
}

/**
 * POSTs `form` (URL-encoded) to `url`, signed with `signingSecret`, and waits up to `ackWindowMs` for the answer.
 * Past the window Slack gives up (the user sees `operation_timeout`), so this resolves with `timedOut: true`.
 */
export function deliverForm(
  url: string,
  form: Record<string, string>,
  signingSecret: string,
  ackWindowMs: number,
  opts: DeliveryOptions = {},
): Promise<HttpAnswer> {
  const body = opts.rawBody ?? new URLSearchParams(form).toString();
  const ts = (opts.timestampSec ?? Math.floor(Date.now() / 1000)) - (opts.staleBySec ?? 0);
  const headers: Record<string, string> = {
    'Content-Type': opts.contentType ?? 'application/x-www-form-urlencoded',
    'Content-Length': String(Buffer.byteLength(body)),
    'X-Slack-Request-Timestamp': String(ts),
    'User-Agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
    Accept: 'application/json,*/*',
  };
  if (!opts.omitSignature) {
    headers['X-Slack-Signature'] = opts.signatureHeader ?? signature(opts.forgeSecret ?? signingSecret, ts, body);
  }
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
          contentType: res.headers['content-type'],
          latencyMs: performance.now() - started,
          timedOut: false,
        });
      });
      res.on('error', reject);
    });
    const timer = setTimeout(() => {
      req.destroy();
      resolve({ status: 0, body: '', latencyMs: ackWindowMs, timedOut: true });
    }, ackWindowMs);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err); // a no-op after the timeout already resolved

    });
    req.end(body);
  });
}
