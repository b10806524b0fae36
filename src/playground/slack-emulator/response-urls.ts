/**
 * response_url endpoints (SLACK.md §1, §3): JSON only, ≤ 5 uses within 30 min, `response_type`,
 * `replace_original`, `delete_original`, `thread_ts`; ephemeral stays ephemeral.
 */
import { randomBytes } from 'node:crypto';
import * as z from 'zod';
import { contentOf, type ApiContext } from './chat-methods.ts';
import type { RecordedMessage } from './types.ts';

const BodySchema = z.looseObject({
  text: z.string().optional(),
  blocks: z.array(z.unknown()).optional(),
  response_type: z.enum(['ephemeral', 'in_channel']).optional(),
  replace_original: z.union([z.boolean(), z.enum(['true', 'false'])]).optional(),
  delete_original: z.union([z.boolean(), z.enum(['true', 'false'])]).optional(),
  thread_ts: z.string().optional(),
});

/** Where a response_url points: who invoked what, in which channel, and the message it can replace. */
export interface ResponseTarget {
  source: 'command' | 'action';
  channel: string;
  user: string;
  /** The clicked message (actions) or the latest message sent through this URL (commands). */
  message?: RecordedMessage;
}

export interface ResponseUrlOptions {
  /** Uses per URL; Slack: 5. */
  maxUses?: number;
  /** Lifetime, ms; Slack: 30 min. */
  ttlMs?: number;
  /** `replace_original` when an action's response leaves it out; Slack's docs are ambiguous, default false. */
  replaceOriginalDefault?: boolean;
}

/** An HTTP answer: status and JSON body. */
export interface UrlAnswer {
  status: number;
  body: Record<string, unknown>;
}

const truthy = (v: unknown) => v === true || v === 'true';

export class ResponseUrls {
  readonly #targets = new Map<string, ResponseTarget & { uses: number; createdMs: number }>();
  readonly #opts: Required<ResponseUrlOptions>;

  constructor(opts: ResponseUrlOptions = {}) {
    this.#opts = { maxUses: 5, ttlMs: 30 * 60_000, replaceOriginalDefault: false, ...opts };
  }

  /** A new URL under `base` (the emulator's http origin) for `target`. */
  issue(base: string, teamId: string, target: ResponseTarget): string {
    const id = `${teamId}/${Date.now()}/${randomBytes(12).toString('hex')}`;
    this.#targets.set(id, { ...target, uses: 0, createdMs: Date.now() });
    return `${base}/response/${id}`;
  }

  /** Remembers `message` as what a command's later `replace_original` replaces (e.g. the ack message). */
  setMessage(url: string, message: RecordedMessage): void {
    const t = this.#targets.get(url.replace(/^.*\/response\//, ''));
    if (t) t.message = message;
  }

  /** Handles one POST to `/response/<id>`. */
  handle(id: string, contentType: string, raw: string, ctx: ApiContext): UrlAnswer {
    const t = this.#targets.get(id);
    if (!t || t.uses >= this.#opts.maxUses || Date.now() - t.createdMs > this.#opts.ttlMs) {
      return { status: 404, body: { ok: false, error: 'expired_url' } };
    }
    const parsed = contentType.startsWith('application/json') ? BodySchema.safeParse(safeJson(raw)) : undefined;
    if (!parsed?.success) return { status: 400, body: { ok: false, error: 'invalid_payload' } };
    t.uses += 1;
    return this.#apply(t, parsed.data, ctx);
  }

  #apply(t: ResponseTarget, body: z.infer<typeof BodySchema>, ctx: ApiContext): UrlAnswer {
    const original = t.message && !t.message.deleted ? t.message : undefined;
    if (truthy(body.delete_original)) {
      if (!original || t.source === 'command') return { status: 404, body: { ok: false, error: 'message_not_found' } };
      ctx.store.delete(original);
      return { status: 200, body: { ok: true } };
    }
    const content = contentOf(body, 'msg_too_long');
    if ('ok' in content) return { status: 400, body: content };
    const replace = body.replace_original === undefined ? this.#opts.replaceOriginalDefault : truthy(body.replace_original);
    if (replace && original) {
      ctx.store.update(original, content.text, content.blocks);
      return { status: 200, body: { ok: true } };
    }
    const inChannel = body.response_type === 'in_channel';
    const added = ctx.store.add({
      kind: 'response_url',
      channel: t.channel,
      ...content,
      responseType: inChannel ? 'in_channel' : 'ephemeral',
      ...(inChannel ? {} : { visibleTo: t.user }),
      ...(body.thread_ts ? { thread_ts: body.thread_ts } : {}),
      bot_id: ctx.ws.botId,
    });
    // An action's replace_original always means the clicked message; a command's means its latest response.
    if (t.source === 'command') t.message = added;
    return { status: 200, body: { ok: true } };
  }
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}
