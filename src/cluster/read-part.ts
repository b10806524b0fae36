/**
 * Runs one upstream read under its own deadline and turns any failure into a {@link PartFailure} with a reason a
 * person can act on. A slow upstream only ever costs its own part.
 */
import { clip } from '../core/text.ts';
import { UpstreamError } from '../core/errors.ts';
import type { Part, PartFailure } from './snapshot-types.ts';

/** Awaits `read`; a failure becomes a reason. `timeoutMs` names the deadline in the "no answer" text. */
export async function readPart<T>(read: () => Promise<T>, signal: AbortSignal, timeoutMs: number): Promise<Part<T>> {
  try {
    return { ok: true, value: await read() };
  } catch (err) {
    return { ok: false, reason: failureOf(err, signal, timeoutMs) };
  }
}

/** A part that was not read on purpose (not configured, or skipped). */
export function notRead(failure: 'not_configured' | 'skipped', text: string): { ok: false; reason: PartFailure } {
  return { ok: false, reason: { failure, text } };
}

/** Maps an error to a chat-ready reason. Our own deadline wins over whatever the client reported. */
export function failureOf(err: unknown, signal: AbortSignal, timeoutMs: number): PartFailure {
  const timedOut = signal.aborted && (signal.reason as Error | undefined)?.name === 'TimeoutError';
  if (timedOut || (err instanceof UpstreamError && err.failure === 'timeout')) {
    return { failure: 'timeout', text: `no answer in ${seconds(timeoutMs)}` };
  }
  return upstreamReason(err);
}

/** {@link failureOf} without a deadline of ours: the reason an upstream call failed, as the client reported it. */
export function upstreamReason(err: unknown): PartFailure {
  if (!(err instanceof UpstreamError)) return { failure: 'bad_answer', text: `unexpected answer (${short(err)})` };
  const detail = err.detail ?? '';
  switch (err.failure) {
    case 'timeout':
      return { failure: 'timeout', text: detail || 'no answer in time' };
    case 'refused':
      return { failure: 'refused', text: 'connection refused' };
    case 'auth':
      return { failure: 'auth', text: `credentials refused (HTTP ${err.status ?? 401})` };
    case 'bad_answer':
      return { failure: 'bad_answer', text: `bad answer: ${clip(detail || 'unreadable', 120)}` };
    case 'http':
      return { failure: 'http', text: `HTTP ${err.status ?? '?'} on ${err.request}` };
    case 'aborted':
      return { failure: 'aborted', text: 'cancelled' };
    default:
      return { failure: 'network', text: `network error: ${clip(detail || 'unreachable', 120)}` };
  }
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

function short(err: unknown): string {
  return clip((err instanceof Error ? err.message : String(err)).trim(), 120);
}


