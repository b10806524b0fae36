/**
 * A Slack emulator that drives a real @slack/bolt app over the real wire protocol: Web API at `<origin>/api/`,
 * response_urls, Socket Mode over WebSocket, and signed HTTP deliveries to the app's `/slack/events`.
 *
 *   const slack = await startSlackEmulator({ signingSecret, botToken, appToken });
 *   const app = new App({ token: botToken, signingSecret, clientOptions: { slackApiUrl: slack.apiUrl } });
 *   slack.setTarget({ mode: 'http', url: 'http://127.0.0.1:3000/slack/events' });
 *   await slack.command('alice', 'status');
 *   await slack.waitForMessage('Status');
 */
import type { Server } from 'node:http';
import { sendClick, sendCommand, sendEvent, type ClickOptions, type CommandOptions, type Target } from './deliveries.ts';
import { appHomeOpenedEvent, HomeViews } from './home-views.ts';
import { FaultInjector, type RateLimit } from './faults.ts';
import { MessageStore, type MessageMatch } from './message-store.ts';
import { DEFAULT_WORKSPACE, type Workspace } from './payloads.ts';
import { ResponseUrls, type ResponseUrlOptions } from './response-urls.ts';
import { SocketModeServer, type AckMiss } from './socket-server.ts';
import type { AckResult, Fault, RecordEvent, RecordedAck, RecordedCall, RecordedMessage } from './types.ts';
import { createWebApiServer } from './web-api.ts';
import { Directory, Triggers, type DirectoryOptions } from './workspace-state.ts';

export interface SlackEmulatorOptions extends DirectoryOptions {
  /** Secret the app verifies signatures with. */
  signingSecret: string;
  /** The `xoxb-` token every Web API call (except apps.connections.open) must carry. */
  botToken: string;
  /** The `xapp-` token apps.connections.open must carry in its Authorization header. */
  appToken: string;
  /** Override team/app/bot ids (defaults in DEFAULT_WORKSPACE). */
  workspace?: Partial<Workspace>;
  /** How long Slack waits for an ack, ms; default 3000. */
  ackWindowMs?: number;
  /** trigger_id lifetime, ms; default 3000. */
  triggerTtlMs?: number;
  responseUrls?: ResponseUrlOptions;
  /** Rate limits from the start, e.g. `[{ method: 'chat.postMessage', perSec: 1 }]`; default none. */
  rateLimits?: RateLimit[];
  /** Socket Mode: spread envelopes over all live connections in turn (default: the newest only). */
  socketSpread?: boolean;
  /** Port to listen on (127.0.0.1); default 0 = any free port. */
  port?: number;
}

export class SlackEmulator {
  /** The Web API base for the app: `clientOptions.slackApiUrl` (ends in `/api/`). */
  readonly apiUrl: string;
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string;
  readonly workspace: Workspace;
  readonly directory: Directory;
  readonly #server: Server;
  readonly #store: MessageStore;
  readonly #socket: SocketModeServer;
  readonly #faults: FaultInjector;
  readonly #calls: RecordedCall[];
  readonly #views: unknown[];
  readonly #homes: HomeViews;
  readonly #deliveryDeps: Parameters<typeof sendCommand>[0];
  #target: Target = { mode: 'socket' };

  /** Use startSlackEmulator(); the parts come from there already wired and listening. */
  constructor(parts: {
    server: Server;
    origin: string;
    workspace: Workspace;
    directory: Directory;
    store: MessageStore;
    socket: SocketModeServer;
    faults: FaultInjector;
    calls: RecordedCall[];
    views: unknown[];
    homes: HomeViews;
    deliveryDeps: Omit<Parameters<typeof sendCommand>[0], 'target' | 'origin'>;
  }) {
    this.origin = parts.origin;
    this.apiUrl = `${parts.origin}/api/`;
    this.workspace = parts.workspace;
    this.directory = parts.directory;
    this.#server = parts.server;
    this.#store = parts.store;
    this.#socket = parts.socket;
    this.#faults = parts.faults;
    this.#calls = parts.calls;
    this.#views = parts.views;
    this.#homes = parts.homes;
    this.#deliveryDeps = { ...parts.deliveryDeps, origin: parts.origin, target: () => this.#target };
  }

  /** Where commands and clicks go: the app's `/slack/events` URL, or its Socket Mode connection (default). */
  setTarget(target: Target): void {
    this.#target = target;
  }

  /** Sends a slash command (default `/ci` in `#ci`) as `user` (id or name); resolves with the ack. */
  command(user: string, text: string, opts?: CommandOptions): Promise<AckResult> {
    return sendCommand(this.#deliveryDeps, user, text, opts);
  }

  /** Clicks the button with `actionId` in a recorded message; resolves with the ack. */
  click(message: RecordedMessage, actionId: string, opts?: ClickOptions): Promise<AckResult> {
    return sendClick(this.#deliveryDeps, message, actionId, opts);
  }

  /**
   * The first live message (any kind, updates included) matching `match` — substring or RegExp over text plus
   * rendered blocks, or a predicate — changed at or after `sinceMs`. Rejects after `deadlineMs` (default 5000).
   */
  waitForMessage(match: MessageMatch, deadlineMs = 5000, opts: { sinceMs?: number } = {}): Promise<RecordedMessage> {
    return this.#store.waitFor(match, deadlineMs, opts.sinceMs ?? 0);
  }

  /** Live messages in posting order, optionally of one channel (id). */
  messages(channel?: string): RecordedMessage[] {
    return this.#store.list(channel);
  }

  /** Every message ever recorded, deleted ones included. */
  allMessages(): RecordedMessage[] {
    return this.#store.all();
  }

  /** Web API calls (and `response_url` POSTs as method `response_url`), optionally of one method. */
  calls(method?: string): RecordedCall[] {
    return this.#calls.filter((c) => method === undefined || c.method === method);
  }

  /** `user` (id or name) opens the app's Home tab: Slack sends `app_home_opened`; resolves with the ack. */
  openHome(user: string): Promise<AckResult> {
    const id = this.directory.user(user).id;
    return sendEvent(this.#deliveryDeps, appHomeOpenedEvent(this.workspace, id, this.#homes.get(id)));
  }

  /** The Home view `user` (id) last got with views.publish. */
  homeView(user: string): Record<string, unknown> | undefined {
    return this.#homes.get(user);
  }

  /** Calls `listener` for every views.publish; returns the unsubscribe function. */
  onHomePublished(listener: (user: string, view: Record<string, unknown>) => void): () => void {
    return this.#homes.onPublished(listener);
  }

  /** Views opened with views.open. */
  views(): unknown[] {
    return [...this.#views];
  }

  /** Socket Mode acks received, with latency and lateness. */
  acks(): RecordedAck[] {
    return [...this.#socket.acks];
  }

  /** Socket Mode envelopes not acked within the window, or sent with no connection. */
  ackMisses(): AckMiss[] {
    return [...this.#socket.misses];
  }

  /** Calls `listener` for every message posted, updated or deleted; returns the unsubscribe function. */
  onRecord(listener: (e: RecordEvent) => void): () => void {
    return this.#store.onRecord(listener);
  }

  /** Fails the next `count` (default 1) calls of `method`: a 429 with Retry-After, a 5xx, or `ok:false`. */
  failNext(method: string, fault: Fault, count = 1): void {
    this.#faults.failNext(method, fault, count);
  }

  /** Adds a rate limit, e.g. `{ method: 'chat.postMessage', perSec: 1 }` (per channel). */
  rateLimit(limit: RateLimit): void {
    this.#faults.addRateLimit(limit);
  }

  /** Drops queued faults and rate limits. */
  clearFaults(): void {
    this.#faults.clear();
  }

  /** True while a Socket Mode connection is open. */
  get connected(): boolean {
    return this.#socket.connected;
  }

  /** Socket Mode connections opened so far (each reconnect adds one). */
  get connectionsOpened(): number {
    return this.#socket.connectionsOpened;
  }

  /** Waits until `count` connections were opened in total and one is live (default: the first, 10 s). */
  waitForConnection(count = 1, deadlineMs = 10_000): Promise<void> {
    return this.#socket.waitForConnection(count, deadlineMs);
  }

  /** Sends `{type:"disconnect", reason}` on every live socket; returns how many. */
  disconnectSockets(reason = 'refresh_requested'): number {
    return this.#socket.disconnectAll(reason);
  }

  /** Cuts every socket without a close handshake. */
  dropSockets(): void {
    this.#socket.terminateAll();
  }

  async stop(): Promise<void> {
    await this.#socket.close();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** Starts the emulator on 127.0.0.1 (a free port unless `port` is given). */
export async function startSlackEmulator(opts: SlackEmulatorOptions): Promise<SlackEmulator> {
  const workspace: Workspace = { ...DEFAULT_WORKSPACE, ...opts.workspace };
  const ackWindowMs = opts.ackWindowMs ?? 3000;
  const directory = new Directory(opts);
  const store = new MessageStore();
  const faults = new FaultInjector();
  for (const limit of opts.rateLimits ?? []) faults.addRateLimit(limit);
  const socket = new SocketModeServer({ appId: workspace.appId, ackWindowMs, spread: opts.socketSpread ?? false });
  const responseUrls = new ResponseUrls(opts.responseUrls);
  const triggers = new Triggers(opts.triggerTtlMs);
  const calls: RecordedCall[] = [];
  const views: unknown[] = [];
  const homes = new HomeViews();
  let port = 0;
  const ctx = { ws: workspace, store, directory };
  const server = createWebApiServer({
    ctx,
    ...{ botToken: opts.botToken, appToken: opts.appToken, faults, socket, responseUrls, triggers, views, homes, calls },
    wsBase: () => `ws://127.0.0.1:${port}`,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  port = typeof addr === 'object' && addr ? addr.port : 0;
  const origin = `http://127.0.0.1:${port}`;
  const deliveryDeps = { ws: workspace, signingSecret: opts.signingSecret, ackWindowMs, directory, store, triggers, responseUrls, socket };
  return new SlackEmulator({ server, origin, workspace, directory, store, socket, faults, calls, views, homes, deliveryDeps });
}
