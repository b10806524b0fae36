/**
 * Reads `/v2/events` as an async iterator of typed events. The read loop only decodes and yields: whatever the
 * consumer does slowly is its business, but it must not block here for long, because Marathon drops slow readers.
 */
import { UpstreamError } from '../../core/errors.ts';
import { statusError, type HttpClient, type HttpRequest } from '../http.ts';
import { toEvent, type MarathonEvent } from './event-schemas.ts';
import { createSseDecoder } from './sse.ts';
import { childSignal } from '../../core/abort.ts';

export interface EventStreamOptions {
  /** Leader base URL. */
  base: string;
  /** Server-side `event_type` filter (repeatable); also applied here, because old servers ignore it. */
  eventTypes?: string[];
  signal?: AbortSignal;
  /** Deadline for the response headers in ms (default: the client's timeout). */
  timeoutMs?: number;
  /** Silence (no event, no heartbeat) longer than this ends the stream with a 'timeout' error (default 30000 ms). */
  idleTimeoutMs?: number;
  /** Called for a payload that is not JSON or does not match its schema; the stream goes on (default: ignored). */
  onInvalid?: (err: UpstreamError) => void;
}

const WHAT = 'GET /v2/events';

export async function* openEventStream(http: HttpClient, opts: EventStreamOptions): AsyncGenerator<MarathonEvent> {
  const idle = new AbortController();
  const linked = childSignal([opts.signal, idle.signal]);
  const { signal } = linked;
  const res = await connect(http, opts, signal).catch((err: unknown) => {
    linked.dispose();
    throw err;
  });
  const idleMs = opts.idleTimeoutMs ?? 30_000;
  let timer = setTimeout(() => idle.abort(), idleMs);
  const decoder = createSseDecoder();
  const wanted = opts.eventTypes && opts.eventTypes.length > 0 ? new Set(opts.eventTypes) : undefined;
  try {
    for await (const chunk of res.body) {
      clearTimeout(timer);
      timer = setTimeout(() => idle.abort(), idleMs);
      decoder.feed((chunk as Buffer).toString('utf8'));
      for (const payload of decoder.take()) {
        const event = decode(payload, opts.onInvalid);
        if (!event) continue;
        const type = event.eventType === 'other' ? event.type : event.eventType;
        if (!wanted || wanted.has(type)) yield event;
      }
    }
  } catch (err) {
    if (opts.signal?.aborted) throw new UpstreamError('marathon', WHAT, { failure: 'aborted' }, { cause: err });
    if (idle.signal.aborted) {
      const detail = `no event or heartbeat in ${idleMs} ms`;
      throw new UpstreamError('marathon', WHAT, { failure: 'timeout', detail }, { cause: err });
    }
    throw new UpstreamError('marathon', WHAT, { failure: 'network', detail: String(err) }, { cause: err });
  } finally {
    linked.dispose();
    clearTimeout(timer);
    res.body.destroy();
  }
}

/** Opens the stream; a 302/307 from a non-leader is followed once. */
async function connect(http: HttpClient, opts: EventStreamOptions, signal: AbortSignal) {
  const req: HttpRequest = {
    path: '/v2/events',
    query: { event_type: opts.eventTypes },
    // Jetty matches this header for exact equality; anything else is a 405.
    headers: { accept: 'text/event-stream' },
    signal,
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
  };
  let res = await http.stream(opts.base, req);
  const location = res.headers.location;
  if ((res.statusCode === 302 || res.statusCode === 307) && typeof location === 'string') {
    await res.body.dump();
    const moved = new URL(location, opts.base);
    const query = moved.search ? {} : (req.query ?? {});
    res = await http.stream(moved.origin, { ...req, path: moved.pathname + moved.search, query });
  }
  if (res.statusCode !== 200) {
    const text = await res.body.text().catch(() => '');
    throw statusError('marathon', WHAT, res.statusCode, text);
  }
  return res;
}

function decode(
  payload: ReturnType<ReturnType<typeof createSseDecoder>['take']>[number],
  onInvalid?: (err: UpstreamError) => void,
): MarathonEvent | undefined {
  if (!payload.ok) {
    onInvalid?.(new UpstreamError('marathon', WHAT, { failure: 'bad_answer', detail: 'event is not JSON' }));
    return undefined;
  }
  const parsed = toEvent(payload.value);
  if (parsed.ok) return parsed.event;
  const issue = parsed.error.issues[0];
  const detail = `unexpected event at ${issue?.path.map(String).join('.') || '(root)'}: ${issue?.message ?? ''}`;
  onInvalid?.(new UpstreamError('marathon', WHAT, { failure: 'bad_answer', detail }, { cause: parsed.error }));
  return undefined;
}
