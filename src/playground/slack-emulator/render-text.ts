/**
 * Block Kit → readable plain text, for golden tests and the interactive local demo.
 * Deliberately simple and stable: one block per paragraph, mrkdwn left as written, buttons as `[ Label ]`.
 */

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Text of a composition text object (`{type:'plain_text'|'mrkdwn', text}`), or '' for anything else. */
function textOf(v: unknown): string {
  return isObj(v) ? str(v.text) : '';
}

/** One interactive or image element on a line: buttons `[ Confirm ]`, selects `[ Pick… ▾ ]`. */
function renderElement(el: unknown): string {
  if (!isObj(el)) return '';
  switch (el.type) {
    case 'button':
      return `[ ${textOf(el.text)} ]`;
    case 'image':
      return `(image: ${str(el.alt_text)})`;
    case 'plain_text':
    case 'mrkdwn':
      return str(el.text);
    default:
      if (String(el.type).endsWith('_select')) return `[ ${textOf(el.placeholder) || 'select'} ▾ ]`;
      return `[${String(el.type)}]`;
  }
}

function renderRichText(block: Obj): string {
  const walk = (v: unknown): string => {
    if (!isObj(v)) return '';
    if (typeof v.text === 'string') return v.text;
    if (v.type === 'user') return `<@${str(v.user_id)}>`;
    if (v.type === 'channel') return `<#${str(v.channel_id)}>`;
    if (v.type === 'link') return str(v.url);
    return Array.isArray(v.elements) ? v.elements.map(walk).join(v.type === 'rich_text_list' ? '\n' : '') : '';
  };
  return Array.isArray(block.elements) ? block.elements.map(walk).join('\n') : '';
}

/** One block → lines of text. Unknown block types render as `[type]` so goldens notice them. */
export function renderBlockText(block: unknown): string {
  if (!isObj(block)) return '';
  const elements = Array.isArray(block.elements) ? block.elements : [];
  switch (block.type) {
    case 'header':
      return `== ${textOf(block.text)} ==`;
    case 'section': {
      const lines: string[] = [];
      if (block.text) lines.push(textOf(block.text));
      if (Array.isArray(block.fields)) lines.push(...block.fields.map((f) => `  ${textOf(f)}`));
      if (block.accessory) lines.push(renderElement(block.accessory));
      return lines.join('\n');
    }
    case 'context':
      return elements.map(renderElement).join('  ');
    case 'divider':
      return '---';
    case 'actions':
      return elements.map(renderElement).join(' ');
    case 'image':
      return `(image: ${str(block.alt_text)})`;
    case 'markdown':
      return str(block.text);
    case 'rich_text':
      return renderRichText(block);
    default:
      return `[${String(block.type)}]`;
  }
}

/**
 * A message → plain text: the rendered blocks when it has any, else its `text`.
 * Accepts anything message-shaped (`{text?, blocks?}`), e.g. a RecordedMessage or a chat.postMessage body.
 */
export function renderMessageText(message: { text?: unknown; blocks?: unknown }): string {
  const blocks = Array.isArray(message.blocks) ? message.blocks : [];
  if (blocks.length === 0) return str(message.text);
  return blocks.map(renderBlockText).join('\n');
}
