/**
 * Block Kit limits as Slack enforces them (reference/SLACK.md §7). Each broken limit becomes one error string in
 * Slack's own format: `must be less than 3001 characters [json-pointer:/blocks/0/text/text]`.
 */

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Blocks per surface: 50 in a message, 100 in a modal or Home tab. */
export const MAX_BLOCKS = { message: 50, modal: 100 } as const;
/** Top-level `text` above this is truncated (chat.postMessage) or refused with `msg_too_long` (update/ephemeral). */
export const MAX_MESSAGE_TEXT = 40_000;

function tooLong(v: unknown, max: number, at: string, out: string[]): void {
  if (typeof v === 'string' && v.length > max) out.push(`must be less than ${max + 1} characters [json-pointer:${at}]`);
}

function tooMany(v: unknown, max: number, at: string, out: string[]): void {
  if (Array.isArray(v) && v.length > max) out.push(`must provide no more than ${max} items [json-pointer:${at}]`);
}

function checkElement(el: unknown, at: string, out: string[]): void {
  if (!isObj(el)) return;
  tooLong(el.action_id, 255, `${at}/action_id`, out);
  if (el.type === 'button') {
    tooLong(isObj(el.text) ? el.text.text : undefined, 75, `${at}/text/text`, out);
    tooLong(el.value, 2000, `${at}/value`, out);
    tooLong(el.url, 3000, `${at}/url`, out);
    tooLong(el.accessibility_label, 75, `${at}/accessibility_label`, out);
  }
  if (isObj(el.placeholder)) tooLong(el.placeholder.text, 150, `${at}/placeholder/text`, out);
  tooMany(el.options, 100, `${at}/options`, out);
}

function checkUniqueActionIds(elements: unknown[], at: string, out: string[]): void {
  const seen = new Set<string>();
  elements.forEach((el, i) => {
    const id = isObj(el) ? el.action_id : undefined;
    if (typeof id !== 'string') return;
    if (seen.has(id)) out.push(`duplicate action_id [json-pointer:${at}/${i}/action_id]`);
    seen.add(id);
  });
}

function checkSection(block: Obj, at: string, out: string[]): void {
  const text = isObj(block.text) ? block.text.text : undefined;
  if (block.text !== undefined && typeof text === 'string' && text.length === 0) {
    out.push(`must be more than 0 characters [json-pointer:${at}/text/text]`);
  }
  tooLong(text, 3000, `${at}/text/text`, out);
  if (block.text === undefined && block.fields === undefined) {
    out.push(`must provide either text or fields [json-pointer:${at}]`);
  }
  tooMany(block.fields, 10, `${at}/fields`, out);
  if (Array.isArray(block.fields)) {
    block.fields.forEach((f, i) => tooLong(isObj(f) ? f.text : undefined, 2000, `${at}/fields/${i}/text`, out));
  }
  if (block.accessory) checkElement(block.accessory, `${at}/accessory`, out);
}

function checkBlock(block: unknown, at: string, out: string[]): void {
  if (!isObj(block) || typeof block.type !== 'string') {
    out.push(`missing required field: type [json-pointer:${at}]`);
    return;
  }
  tooLong(block.block_id, 255, `${at}/block_id`, out);
  const elements = Array.isArray(block.elements) ? block.elements : [];
  switch (block.type) {
    case 'section':
      return checkSection(block, at, out);
    case 'header':
      if (isObj(block.text) && block.text.type !== 'plain_text') {
        out.push(`must be plain_text [json-pointer:${at}/text/type]`);
      }
      return tooLong(isObj(block.text) ? block.text.text : undefined, 150, `${at}/text/text`, out);
    case 'context':
      return tooMany(block.elements, 10, `${at}/elements`, out);
    case 'actions':
      tooMany(block.elements, 25, `${at}/elements`, out);
      checkUniqueActionIds(elements, `${at}/elements`, out);
      return elements.forEach((el, i) => checkElement(el, `${at}/elements/${i}`, out));
    case 'markdown':
      return tooLong(block.text, 12_000, `${at}/text`, out);
    default:
      return;
  }
}

/**
 * Every broken limit in `blocks`, in Slack's error-string format; empty when valid.
 * @param surface `message` (≤ 50 blocks, default) or `modal` (≤ 100).
 */
export function validateBlocks(blocks: unknown, surface: keyof typeof MAX_BLOCKS = 'message'): string[] {
  if (!Array.isArray(blocks)) return ['must be an array [json-pointer:/blocks]'];
  const out: string[] = [];
  tooMany(blocks, MAX_BLOCKS[surface], '/blocks', out);
  const ids = new Set<string>();
  blocks.forEach((b, i) => {
    checkBlock(b, `/blocks/${i}`, out);
    const id = isObj(b) ? b.block_id : undefined;
    if (typeof id === 'string') {
      if (ids.has(id)) out.push(`duplicate block_id [json-pointer:/blocks/${i}/block_id]`);
      ids.add(id);
    }
  });
  return out;
}

/** The `invalid_blocks` answer exactly as the WebClient receives it. */
export function invalidBlocksResponse(errors: string[]): Record<string, unknown> & { ok: false } {
  return {
    ok: false,
    error: 'invalid_blocks',
    errors,
    response_metadata: { messages: errors.map((e) => `[ERROR] ${e}`) },
  };
}
