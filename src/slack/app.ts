/**
 * Builds the Bolt app for either transport. HTTP mode: our {@link VerifiedRequestReceiver}, fed by our own server
 * (ops-server.ts), which verifies each request once. Socket Mode: Bolt's SocketModeReceiver, its
 * `apps.connections.open` pointed at SLACK_API_URL like every other Web API call. Retries are set explicitly:
 * Bolt's default retries for ~30 minutes. Processes that only post (workers, watchers) take a plain
 * {@link createOutboxClient} instead of a whole app.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import bolt from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import type { Logger as BoltLogger } from '@slack/bolt';
import { VerifiedRequestReceiver } from './verified-receiver.ts';

const { App, SocketModeReceiver, LogLevel } = bolt;

type LogSink = { debug(o: object, m?: string): void; info(o: object, m?: string): void; warn(o: object, m?: string): void; error(o: object, m?: string): void };

export interface SlackAppOptions {
  mode: 'http' | 'socket';
  botToken: string;
  appToken?: string;
  apiUrl: string;
  webApiRetries: number;
  logger: LogSink;
  /** Optional: skip auth.test at start when known. */
  botUserId?: string;
  botId?: string;
}

export interface SlackApp {
  app: InstanceType<typeof App>;
  /** HTTP mode: hand a request whose signature ops-server.ts verified to Bolt, with the exact body it verified. */
  handleVerified?: (req: IncomingMessage, rawBody: Buffer, res: ServerResponse) => Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  connected(): boolean;
}

export async function createSlackApp(opts: SlackAppOptions): Promise<SlackApp> {
  const retryConfig = { retries: opts.webApiRetries, factor: 2, minTimeout: 200, maxTimeout: 2000, randomize: true };
  const clientOptions = { slackApiUrl: opts.apiUrl, retryConfig, timeout: 10_000 };
  const logger = boltLogger(opts.logger);
  const ids = opts.botUserId && opts.botId ? { botUserId: opts.botUserId, botId: opts.botId } : {};
  let connected = opts.mode === 'http';
  let receiver: VerifiedRequestReceiver | InstanceType<typeof SocketModeReceiver>;
  if (opts.mode === 'http') {
    receiver = new VerifiedRequestReceiver({ logger, unhandledRequestTimeoutMs: 3001 });
  } else {
    receiver = new SocketModeReceiver({
      appToken: opts.appToken ?? '',
      logger,
      installerOptions: { clientOptions: { slackApiUrl: opts.apiUrl, retryConfig: { retries: 10, factor: 1.5, minTimeout: 500, maxTimeout: 10_000 } } },
    });
    receiver.client.on('connected', () => (connected = true));
    receiver.client.on('disconnected', () => (connected = false));
  }
  const app = new App({ token: opts.botToken, receiver, clientOptions, logger, deferInitialization: true, ...ids });
  await app.init();
  const http = receiver instanceof VerifiedRequestReceiver ? receiver : undefined;
  return {
    app,
    ...(http ? { handleVerified: (req: IncomingMessage, rawBody: Buffer, res: ServerResponse) => http.handle(req, rawBody, res) } : {}),
    start: async () => {
      if (opts.mode === 'socket') await app.start();
    },
    stop: async () => {
      if (opts.mode === 'socket') await app.stop();
    },
    connected: () => connected,
  };
}

/**
 * A WebClient without retries and without Bolt, for the outbox (which retries in order itself and honours
 * Retry-After per channel): all that a worker or watcher process needs from Slack.
 */
export function createOutboxClient(opts: { botToken: string; apiUrl: string; logger: LogSink }): WebClient {
  return new WebClient(opts.botToken, {
    slackApiUrl: opts.apiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true, timeout: 10_000, logger: boltLogger(opts.logger),
  });
}

function boltLogger(log: SlackAppOptions['logger']): BoltLogger {
  let level = LogLevel.INFO;
  const text = (msgs: unknown[]) => msgs.map((m) => (m instanceof Error ? m.message : typeof m === 'string' ? m : JSON.stringify(m))).join(' ');
  return {
    debug: (...m: unknown[]) => log.debug({ src: 'bolt' }, text(m)),
    info: (...m: unknown[]) => log.info({ src: 'bolt' }, text(m)),
    warn: (...m: unknown[]) => log.warn({ src: 'bolt' }, text(m)),
    error: (...m: unknown[]) => log.error({ src: 'bolt' }, text(m)),
    setLevel: (l: typeof level) => (level = l),
    getLevel: () => level,
    setName: () => undefined,
  };
}
