/**
 * Reads a JSON response body and validates it, without ever holding a large body as one string or blocking the
 * event loop for long. A small body (the common case) is collected and parsed with `JSON.parse`, which is fastest.
 * Once a body passes `smallBodyBytes` it is fed chunk by chunk to a streaming parser (@streamparser/json); the
 * arrays named in `items` (e.g. `/master/slaves`' `slaves`) are taken out item by item as each one completes,
 * validated with their item schema and kept in validated form, so memory grows with what is kept, not with the
 * body, and the parse yields to the event loop every few milliseconds.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { JSONParser } from '@streamparser/json';
import type * as z from 'zod';
import { UpstreamError, type UpstreamService } from '../core/errors.ts';

/** An array inside the body to stream item by item: `path` is the keys from the root (`['slaves']`, `['app', 'tasks']`). */
export interface StreamedArray {
  path: readonly string[];
  /** Validates (and shapes) each item; what it outputs is what is kept. */
  item: z.ZodType;
}

/** How to read one body. */
export interface JsonBodyOptions<S extends z.ZodType> {
  service: UpstreamService;
  /** "GET /master/slaves", for error messages. */
  what: string;
  /** The whole answer. With `items`, it sees those arrays empty; the validated items are put back after. */
  schema: S;
  items?: readonly StreamedArray[];
  /** Sanity bound on the body, in bytes: past it the read stops with a 'bad_answer'. */
  maxBytes: number;
  /** Bodies up to this many bytes are parsed in one go with JSON.parse (default 1 MiB). */
  smallBodyBytes?: number;
  /** The parse yields to the event loop after this much work, in ms (default 10). */
  sliceMs?: number;
}

/** Largest piece handed to the streaming parser at once, so one write stays short. */
const PIECE_BYTES = 64 * 1024;

/** Consumes `body` and returns the validated answer, or throws an UpstreamError ('bad_answer' for bad JSON). */
export async function readJsonBody<S extends z.ZodType>(
  body: AsyncIterable<Uint8Array>,
  opts: JsonBodyOptions<S>,
): Promise<z.output<S>> {
  const small = opts.smallBodyBytes ?? 1024 * 1024;
  const head: Uint8Array[] = [];
  let size = 0;
  let stream: ItemStreamParser | undefined;
  let sliceStart = performance.now();
  for await (const chunk of body) {
    size += chunk.length;
    if (size > opts.maxBytes) throw tooLarge(opts);
    if (!stream) {
      head.push(chunk);
      if (size <= small) continue;
      stream = new ItemStreamParser(opts);
      for (const c of head.splice(0)) sliceStart = await stream.write(c, sliceStart);
    } else {
      sliceStart = await stream.write(chunk, sliceStart);
    }
  }
  if (stream) return stream.end() as z.output<S>;
  return parseJson(opts.service, opts.what, Buffer.concat(head).toString('utf8'), opts.schema);
}

/** Parses `text` as JSON and then with `schema`; failures name the first offending path. */
export function parseJson<S extends z.ZodType>(service: UpstreamService, what: string, text: string, schema: S): z.output<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    const detail = `not JSON: ${text.slice(0, 60)}`;
    throw new UpstreamError(service, what, { failure: 'bad_answer', detail }, { cause: err });
  }
  return parseValue(service, what, raw, schema);
}

/** Validates an already-decoded value with `schema` (a 'bad_answer' with the zod path on mismatch). */
export function parseValue<S extends z.ZodType>(service: UpstreamService, what: string, raw: unknown, schema: S, at: readonly PropertyKey[] = []): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const path = issue ? [...at, ...issue.path].map(String).join('.') || '(root)' : '(root)';
  const detail = `unexpected answer at ${path}: ${issue?.message ?? 'invalid'}`;
  throw new UpstreamError(service, what, { failure: 'bad_answer', detail }, { cause: parsed.error });
}

function tooLarge(opts: { service: UpstreamService; what: string; maxBytes: number }): UpstreamError {
  return new UpstreamError(opts.service, opts.what, { failure: 'bad_answer', detail: `body larger than ${opts.maxBytes} bytes` });
}

/** The streaming side: one JSONParser, the kept items per streamed array, and the root once it completes. */
class ItemStreamParser {
  private readonly parser: JSONParser;
  private readonly kept: unknown[][];
  private root: { value: unknown } | undefined;
  private failure: unknown;
  private readonly opts: JsonBodyOptions<z.ZodType>;

  constructor(opts: JsonBodyOptions<z.ZodType>) {
    this.opts = opts;
    const items = opts.items ?? [];
    this.kept = items.map(() => []);
    // '$' brings the root (with the streamed arrays emptied) once the document ends.
    this.parser = new JSONParser({ paths: [...items.map((s) => ['$', ...s.path, '*'].join('.')), '$'] });
    this.parser.onValue = ({ value, key, parent, stack }) => {
      if (stack.length === 0) {
        this.root = { value };
        return;
      }
      const index = items.findIndex((s) => s.path.length === stack.length - 1 && s.path.every((k, i) => stack[i + 1]?.key === k));
      const spec = items[index];
      // Only array items are taken out; an object where an array was expected stays and fails the root schema.
      if (!spec || !Array.isArray(parent) || parent[parent.length - 1] !== value) return;
      parent.length -= 1; // drop the raw item: only its validated form is kept
      try {
        this.kept[index]!.push(parseValue(opts.service, opts.what, value, spec.item, [...spec.path, key ?? 0]));
      } catch (err) {
        this.failure ??= err;
      }
    };
  }

  /** Feeds one chunk in pieces, yielding to the event loop whenever a slice of work is used up. */
  async write(chunk: Uint8Array, sliceStart: number): Promise<number> {
    for (let at = 0; at < chunk.length; at += PIECE_BYTES) {
      try {
        this.parser.write(chunk.subarray(at, at + PIECE_BYTES));
      } catch (err) {
        throw this.notJson(err);
      }
      if (this.failure) throw this.failure;
      if (performance.now() - sliceStart >= (this.opts.sliceMs ?? 10)) {
        await yieldToLoop();
        sliceStart = performance.now();
      }
    }
    return sliceStart;
  }

  end(): unknown {
    if (!this.root) {
      try {
        this.parser.end();
      } catch (err) {
        throw this.notJson(err);
      }
    }
    if (this.failure) throw this.failure;
    if (!this.root) throw this.notJson(new Error('unexpected end of body'));
    const out = parseValue(this.opts.service, this.opts.what, this.root.value, this.opts.schema);
    (this.opts.items ?? []).forEach((spec, i) => putAt(out, spec.path, this.kept[i]!));
    return out;
  }

  private notJson(err: unknown): UpstreamError {
    const detail = `not JSON: ${err instanceof Error ? err.message.slice(0, 80) : String(err)}`;
    return new UpstreamError(this.opts.service, this.opts.what, { failure: 'bad_answer', detail }, { cause: err });
  }
}

/** Puts the validated items back where the schema left the (emptied) array. */
function putAt(out: unknown, path: readonly string[], items: unknown[]): void {
  let node = out as Record<string, unknown> | undefined;
  for (const key of path.slice(0, -1)) node = node?.[key] as Record<string, unknown> | undefined;
  const last = path[path.length - 1];
  if (node && last !== undefined && Array.isArray(node[last])) node[last] = items;
}
