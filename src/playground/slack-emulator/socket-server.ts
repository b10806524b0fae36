/**
 * The Socket Mode side of the emulator (SLACK.md §5): tickets from apps.connections.open, a WebSocket endpoint at
 * `/link/`, `hello`, envelopes with an enforced ack window, and `disconnect` messages that make the client reconnect.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import * as z from 'zod';
import type { RecordedAck } from './types.ts';

/** An ack as the client sends it: `{envelope_id, payload?}`. */
const AckSchema = z.object({ envelope_id: z.string(), payload: z.unknown().optional() });

/** What came back for one envelope. */
export interface EnvelopeAnswer {
  envelopeId: string;
  acked: boolean;
  payload?: unknown;
  latencyMs: number;
}

/** An envelope nobody acknowledged within the window (or that found no connection: `dispatch_failed`). */
export interface AckMiss {
  envelopeId: string;
  type: string;
  atMs: number;
  reason: 'timeout' | 'dispatch_failed';
}

interface Pending {
  type: string;
  startedMs: number;
  resolve: (a: EnvelopeAnswer) => void;
  timer: NodeJS.Timeout;
}

export interface SocketServerOptions {
  appId: string;
  /** Ack window, ms; Slack's is 3000. */
  ackWindowMs: number;
  /** Concurrent connections per app; over it → `too_many_websockets`. Default 10, as Slack. */
  maxConnections?: number;
  /**
   * Deliver each envelope to one live connection in turn, as Slack spreads an app's traffic over its connections
   * (replicas). Default false: always the newest connection.
   */
  spread?: boolean;
}

export class SocketModeServer {
  readonly acks: RecordedAck[] = [];
  readonly misses: AckMiss[] = [];
  readonly #wss = new WebSocketServer({ noServer: true });
  readonly #tickets = new Set<string>();
  readonly #open = new Set<WebSocket>();
  /** Sockets told to disconnect: they get no more envelopes. */
  readonly #draining = new WeakSet<WebSocket>();
  readonly #pending = new Map<string, Pending>();
  readonly #waiters = new Set<() => void>();
  readonly #opts: Required<SocketServerOptions>;
  #opened = 0;
  #turn = 0;

  constructor(opts: SocketServerOptions) {
    this.#opts = { maxConnections: 10, spread: false, ...opts };
  }

  /** A single-use `ws://` URL for one connection (what apps.connections.open returns). */
  issueUrl(wsBase: string): string {
    const ticket = randomUUID();
    this.#tickets.add(ticket);
    return `${wsBase}/link/?ticket=${ticket}&app_id=${this.#opts.appId}`;
  }

  /** True when at least one socket is open and not draining. */
  get connected(): boolean {
    return this.#live().length > 0;
  }

  /** How many connections got a `hello` so far (a reconnect adds one). */
  get connectionsOpened(): number {
    return this.#opened;
  }

  /** Resolves once `connectionsOpened >= count` and a connection is live; rejects after `deadlineMs`. */
  waitForConnection(count = 1, deadlineMs = 10_000): Promise<void> {
    const done = () => this.#opened >= count && this.connected;
    if (done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!done()) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`no Socket Mode connection #${count} within ${deadlineMs} ms (opened ${this.#opened})`));
      }, deadlineMs);
      this.#waiters.add(check);
    });
  }

  /** Handles an HTTP upgrade for `/link/`; returns false when the path is not ours. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const url = new URL(req.url ?? '/', 'ws://emulator');
    if (url.pathname !== '/link/') return false;
    const ticket = url.searchParams.get('ticket') ?? '';
    if (!this.#tickets.delete(ticket)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return true;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#accept(ws));
    return true;
  }

  /** Sends an envelope to one live connection and waits for its ack, at most the ack window. */
  deliver(type: string, payload: unknown, acceptsResponsePayload: boolean): Promise<EnvelopeAnswer> {
    const envelopeId = randomUUID();
    const live = this.#live();
    const ws = this.#opts.spread ? live[this.#turn++ % Math.max(1, live.length)] : live.at(-1);
    if (!ws) {
      this.misses.push({ envelopeId, type, atMs: Date.now(), reason: 'dispatch_failed' });
      return Promise.resolve({ envelopeId, acked: false, latencyMs: 0 });
    }
    return new Promise((resolve) => {
      const startedMs = performance.now();
      const timer = setTimeout(() => {
        this.misses.push({ envelopeId, type, atMs: Date.now(), reason: 'timeout' });
        resolve({ envelopeId, acked: false, latencyMs: this.#opts.ackWindowMs });
      }, this.#opts.ackWindowMs);
      this.#pending.set(envelopeId, { type, startedMs, resolve, timer });
      const envelope = { envelope_id: envelopeId, type, payload, accepts_response_payload: acceptsResponsePayload };
      ws.send(JSON.stringify(envelope));
    });
  }

  /** Sends `{type:"disconnect", reason}` to every live connection; the clients close and reconnect. */
  disconnectAll(reason = 'refresh_requested'): number {
    const live = this.#live();
    for (const ws of live) {
      this.#draining.add(ws);
      ws.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'emulator' } }));
    }
    return live.length;
  }

  /** Drops every connection without a close handshake (a network cut). */
  terminateAll(): void {
    for (const ws of this.#wss.clients) ws.terminate();
  }

  /**
   * Closes every socket with a close handshake (up to `graceMs`, default 1000), then cuts what is left.
   * A cut in the middle of the client's own close handshake leaves undici's WebSocket hanging ~30 s, which
   * happens when a test stops the app and the emulator back to back (Bolt's stop() does not wait for it).
   */
  async close(graceMs = 1000): Promise<void> {
    for (const p of this.#pending.values()) clearTimeout(p.timer);
    const closed = [...this.#wss.clients].map(
      (ws) =>
        new Promise<void>((resolve) => {
          if (ws.readyState === WebSocket.CLOSED) return resolve();
          ws.once('close', () => resolve());
          if (ws.readyState === WebSocket.OPEN) ws.close(1001);
        }),
    );
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(closed), new Promise((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
    for (const ws of this.#wss.clients) ws.terminate();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }

  #live(): WebSocket[] {
    return [...this.#open].filter((ws) => ws.readyState === WebSocket.OPEN && !this.#draining.has(ws));
  }

  #accept(ws: WebSocket): void {
    if (this.#open.size >= this.#opts.maxConnections) {
      ws.send(JSON.stringify({ type: 'disconnect', reason: 'too_many_websockets' }));
      ws.close(1000);
      return;
    }
    this.#open.add(ws);
    this.#opened += 1;
    ws.on('message', (data, isBinary) => {
      if (!isBinary) this.#onMessage(data.toString());
    });
    ws.on('close', () => this.#open.delete(ws));
    ws.on('error', () => this.#open.delete(ws));
    ws.send(JSON.stringify(this.#hello()));
    for (const w of [...this.#waiters]) w();
  }

  #hello(): Record<string, unknown> {
    return {
      type: 'hello',
      num_connections: this.#open.size,
      debug_info: { host: 'applink-emulator', build_number: 1, approximate_connection_time: 18060 },
      connection_info: { app_id: this.#opts.appId },
    };
  }

  #onMessage(text: string): void {
    let parsed: z.infer<typeof AckSchema>;
    try {
      parsed = AckSchema.parse(JSON.parse(text));
    } catch {
      return; // Slack ignores junk from the client too.
    }
    const pending = this.#pending.get(parsed.envelope_id);
    if (!pending) return;
    const latencyMs = performance.now() - pending.startedMs;
    const late = latencyMs > this.#opts.ackWindowMs;
    this.acks.push({ envelopeId: parsed.envelope_id, type: pending.type, payload: parsed.payload, latencyMs, late });
    if (late) return;
    this.#pending.delete(parsed.envelope_id);
    clearTimeout(pending.timer);
    pending.resolve({ envelopeId: parsed.envelope_id, acked: true, payload: parsed.payload, latencyMs });
  }
}
