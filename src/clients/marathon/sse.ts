/**
 * Server-sent-event decoding for Marathon's `/v2/events`: frames are parsed by `eventsource-parser`; each `data:`
 * may carry one JSON object or several concatenated ones; bare CRLF heartbeats produce nothing.
 */
import { createParser } from 'eventsource-parser';

/** Splits `data` into its top-level JSON values ("{…}{…}" or one per line); whitespace between is ignored. */
export function splitJsonObjects(data: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < data.length; i++) {
    const c = data[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') {
      if (depth === 0) start = i;
      depth++;
    } else if ((c === '}' || c === ']') && depth > 0) {
      depth--;
      if (depth === 0) out.push(data.slice(start, i + 1));
    }
  }
  return out;
}

/** One decoded payload, or the text that could not be decoded (kept so the caller can report it). */
export type SsePayload = { ok: true; value: unknown } | { ok: false; text: string; error: unknown };

/**
 * A push-style decoder: `feed` text chunks in any split, `take` the payloads decoded so far.
 * Kept separate from I/O so fixtures can be decoded without a server.
 */
export function createSseDecoder(): { feed(chunk: string): void; take(): SsePayload[] } {
  let pending: SsePayload[] = [];
  const parser = createParser({
    onEvent(message) {
      for (const text of splitJsonObjects(message.data)) {
        try {
          pending.push({ ok: true, value: JSON.parse(text) });
        } catch (error) {
          pending.push({ ok: false, text, error });
        }
      }
    },
  });
  return {
    feed: (chunk) => parser.feed(chunk),
    take() {
      const out = pending;
      pending = [];
      return out;
    },
  };
}

/** Decodes a whole SSE text (a fixture, a captured body) into payloads. */
export function decodeSseText(text: string): SsePayload[] {
  const decoder = createSseDecoder();
  decoder.feed(text);
  // A final frame without its blank line is still an event on a closed stream.
  decoder.feed('\n\n');
  return decoder.take();
}
