/**
 * A Bolt receiver for requests that our own HTTP server (ops-server.ts) has already read and verified: the
 * signature, its timestamp window and replays are checked there once, with every rejection audited, so Bolt never
 * checks again and nothing is smuggled onto the request object. It parses the body the way Bolt's HTTPReceiver
 * does (form, `payload=` JSON, or JSON), answers `url_verification`, and acks through Bolt's own HTTPResponseAck
 * (which answers 404 when no listener acked within `unhandledRequestTimeoutMs`, like HTTPReceiver).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import bolt from '@slack/bolt';
import type { App, Logger, Receiver, ReceiverEvent } from '@slack/bolt';

const { HTTPModuleFunctions: http, HTTPResponseAck } = bolt;

export interface VerifiedReceiverOptions {
  logger: Logger;
  /** Answer 404 when no listener acked within this many ms (default 3001: Slack gives up at 3 s). */
  unhandledRequestTimeoutMs?: number;
}

export class VerifiedRequestReceiver implements Receiver {
  private app: App | undefined;
  private readonly opts: VerifiedReceiverOptions;

  constructor(opts: VerifiedReceiverOptions) {
    this.opts = opts;
  }

  init(app: App): void {
    this.app = app;
  }

  // The server that feeds this receiver is started and stopped by its owner (ops-server.ts).
  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  /** Hands one verified request to Bolt. `rawBody` is the exact body whose signature was checked. */
  async handle(req: IncomingMessage, rawBody: Buffer, res: ServerResponse): Promise<void> {
    const { logger } = this.opts;
    let body: Record<string, unknown>;
    try {
      body = parseBody(req, rawBody);
    } catch (err) {
      logger.warn(`malformed Slack request body: ${(err as Error).message}`);
      return http.buildNoBodyResponse(res, 400);
    }
    if (body.type === 'url_verification') return http.buildUrlVerificationResponse(res, body);
    const buffered = Object.assign(req, { rawBody });
    const ack = new HTTPResponseAck({
      logger, processBeforeResponse: false, httpRequest: buffered, httpRequestBody: body, httpResponse: res,
      unhandledRequestTimeoutMillis: this.opts.unhandledRequestTimeoutMs ?? 3001,
      unhandledRequestHandler: http.defaultUnhandledRequestHandler,
    });
    const event: ReceiverEvent = {
      body, ack: ack.bind(), retryNum: http.extractRetryNumFromHTTPRequest(req), retryReason: http.extractRetryReasonFromHTTPRequest(req),
      customProperties: {},
    };
    try {
      await this.app?.processEvent(event);
    } catch (error) {
      // Bolt's default: log, answer 500 unless a listener already acked (then the response is gone already).
      if (await http.defaultProcessEventErrorHandler({ error: error as Error, logger, request: req, response: res, storedResponse: ack.storedResponse })) ack.ack();
    }
  }
}

/** Slack bodies: `application/x-www-form-urlencoded` (slash commands; interactions as a `payload` field) or JSON. */
function parseBody(req: IncomingMessage, rawBody: Buffer): Record<string, unknown> {
  const text = rawBody.toString('utf8');
  if (req.headers['content-type']?.startsWith('application/x-www-form-urlencoded')) {
    const form = Object.fromEntries(new URLSearchParams(text));
    return typeof form.payload === 'string' ? (JSON.parse(form.payload) as Record<string, unknown>) : form;
  }
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
  return parsed as Record<string, unknown>;
}
