/**
 * Marathon's event bus as the simulator emits it: `event: <type>\r\ndata: <json>\r\n\r\n` frames, bare CRLF
 * heartbeats, `event_stream_attached` first, `event_stream_detached` to the others on close. Tests can stall the
 * stream (connection open, nothing written) or drop it (connections closed).
 */
import type { ServerResponse } from 'node:http';
import type { SimClock } from './clock.ts';

interface Subscriber {
  res: ServerResponse;
  filter: Set<string> | undefined;
  remoteAddress: string;
}

export type SimEvent = Record<string, unknown> & { eventType: string; timestamp: string };

export class EventBus {
  /** Every emitted event, newest last (bounded), for assertions. */
  readonly log: SimEvent[] = [];
  stalled = false;
  private readonly subs = new Set<Subscriber>();
  private heartbeat: { cancel(): void } | undefined;

  constructor(clock: SimClock, heartbeatMs: number) {
    this.heartbeat = clock.every(heartbeatMs, () => {
      if (this.stalled) return;
      for (const s of this.subs) s.res.write('\r\n');
    });
  }

  get subscribers(): number {
    return this.subs.size;
  }

  emit(eventType: string, fields: Record<string, unknown>): SimEvent {
    const event: SimEvent = { ...fields, eventType, timestamp: new Date().toISOString() };
    this.log.push(event);
    if (this.log.length > 5000) this.log.shift();
    if (!this.stalled) for (const s of this.subs) this.send(s, event);
    return event;
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
    const sub: Subscriber = { res, filter, remoteAddress };
    this.send(sub, { eventType: 'event_stream_attached', remoteAddress, timestamp: new Date().toISOString() });
    this.subs.add(sub);
    res.on('close', () => {
      if (!this.subs.delete(sub)) return;
      this.emit('event_stream_detached', { remoteAddress });
    });
  }

  /** Closes every stream, as a Marathon restart or a proxy timeout would. */
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
    s.res.write(`event: ${event.eventType}\r\ndata: ${JSON.stringify(event)}\r\n\r\n`);
  }
}
