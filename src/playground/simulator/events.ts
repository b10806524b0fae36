/**
 * Marathon's event bus as `/v2/events` serves it (MARATHON-FAILOVER.md S7, `SRC:core/event/impl/stream/`):
 * `event: <type>\r\ndata: <json>\r\n\r\n` frames; a bare CRLF heartbeat every 10 s written by Jetty's
 * EventSourceServlet, so heartbeats go on while Marathon's bus is stalled; a subscriber's own
 * `event_stream_attached` first, and attach/detach of every subscriber published to every subscriber; order kept
 * per connection; a consumer with more than `--event_stream_max_outstanding_messages` (1024) events not yet
 * written is closed with a clean EOF (`UT:…/HttpEventStreamHandleActorTest` "If the consumer is slow…").
 *
 * Faults: `stalled` (the bus publishes nothing, heartbeats continue), `silent` (a dead network path: nothing at
 * all, not even heartbeats), `slowWriteMs` (each frame takes that long to reach the consumer), `drop()`.
 */
import type { ServerResponse } from 'node:http';
import type { SimClock } from './clock.ts';

interface Subscriber {
  res: ServerResponse;
  filter: Set<string> | undefined;
  remoteAddress: string;
  /** Frames not yet written (the handle actor's `outstanding`). */
  outstanding: string[];
  writing: boolean;
}

export type SimEvent = Record<string, unknown> & { eventType: string; timestamp: string };

/** `--event_stream_max_outstanding_messages` default. */
export const MAX_OUTSTANDING = 1024;

export class EventBus {
  /** Every emitted event, newest last (bounded), for assertions. */
  readonly log: SimEvent[] = [];
  /** Marathon's bus publishes nothing while stalled; Jetty's heartbeats go on. */
  stalled = false;
  /** Nothing reaches consumers, not even heartbeats (a half-dead connection). */
  silent = false;
  /** Real milliseconds each frame takes to be written (a slow consumer or network); 0 = as fast as the socket. */
  slowWriteMs = 0;
  maxOutstanding = MAX_OUTSTANDING;
  private readonly subs = new Set<Subscriber>();
  private readonly held: SimEvent[] = [];
  private heartbeat: { cancel(): void } | undefined;

  constructor(clock: SimClock, heartbeatMs: number) {
    this.heartbeat = clock.every(heartbeatMs, () => {
      if (this.silent) return;
      for (const s of this.subs) if (!s.writing) s.res.write('\r\n');
    });
  }

  get subscribers(): number {
    return this.subs.size;
  }

  emit(eventType: string, fields: Record<string, unknown>): SimEvent {
    const event: SimEvent = { ...fields, eventType, timestamp: new Date().toISOString() };
    this.log.push(event);
    if (this.log.length > 5000) this.log.shift();
    if (this.stalled) this.held.push(event);
    else for (const s of [...this.subs]) this.send(s, event);
    return event;
  }

  /** Ends a silence: what piled up meanwhile is written (or has already closed the slow streams). */
  speak(): void {
    this.silent = false;
    for (const s of this.subs) this.flush(s);
  }

  /** Ends a stall: the held events are published in order. */
  resume(): void {
    this.stalled = false;
    for (const e of this.held.splice(0)) for (const s of [...this.subs]) this.send(s, e);
  }

  /** Attaches an SSE response (headers already checked by the caller). */
  attach(res: ServerResponse, filter: Set<string> | undefined, remoteAddress: string): void {
    // Marathon sends `Connection: close` and no chunked encoding: the body simply ends when the socket closes.
    res.useChunkedEncodingByDefault = false;
    res.writeHead(200, {
      'content-type': 'text/event-stream;charset=UTF-8',
      'cache-control': 'no-cache, no-store, must-revalidate',
      connection: 'close',
    });
    res.flushHeaders(); // Jetty commits the response at once, before any event
    const sub: Subscriber = { res, filter, remoteAddress, outstanding: [], writing: false };
    this.subs.add(sub);
    res.on('close', () => {
      if (!this.subs.delete(sub)) return;
      this.emit('event_stream_detached', { remoteAddress });
    });
    this.emit('event_stream_attached', { remoteAddress });
  }

  /** Closes every stream, as a Marathon restart, an abdication or a proxy timeout would. */
  drop(): void {
    const all = [...this.subs];
    this.subs.clear();
    for (const s of all) s.res.destroy();
  }

  stop(): void {
    this.heartbeat?.cancel();
    this.heartbeat = undefined;
    this.drop();
  }

  private send(s: Subscriber, event: SimEvent): void {
    if (s.filter && !s.filter.has(event.eventType)) return;
    if (s.outstanding.length >= this.maxOutstanding) {
      // Slow consumer: Marathon stops its handle; the client sees the stream end (EOF), not an error.
      this.subs.delete(s);
      s.outstanding.length = 0;
      s.res.end();
      this.emit('event_stream_detached', { remoteAddress: s.remoteAddress });
      return;
    }
    s.outstanding.push(`event: ${event.eventType}\r\ndata: ${JSON.stringify(event)}\r\n\r\n`);
    this.flush(s);
  }

  /** Writes one frame at a time; the next waits for the socket to drain (and for `slowWriteMs`). */
  private flush(s: Subscriber): void {
    if (s.writing || this.silent) return;
    const frame = s.outstanding.shift();
    if (frame === undefined) return;
    s.writing = true;
    const next = () => {
      s.writing = false;
      if (this.subs.has(s)) this.flush(s);
    };
    const drained = s.res.write(frame);
    if (this.slowWriteMs > 0) setTimeout(next, this.slowWriteMs);
    else if (drained) next();
    else s.res.once('drain', next);
  }
}
