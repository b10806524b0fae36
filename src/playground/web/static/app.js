// ci-bot playground page: renders the demo's transcript as a Slack channel (Block Kit, mrkdwn, threads, ephemeral
// messages, updates in place) and its App Home tab; the composer and the buttons go to the bot through the demo
// server, which sends real signed slash commands and block_actions. No library, nothing from elsewhere.
'use strict';

const EMOJI = {
  warning: '⚠️', red_circle: '🔴', white_check_mark: '✅', x: '❌', hourglass_flowing_sand: '⏳', hourglass: '⌛',
  rotating_light: '🚨', repeat: '🔁', no_entry: '⛔', lock: '🔒', large_green_circle: '🟢', large_yellow_circle: '🟡',
  large_orange_circle: '🟠', large_blue_circle: '🔵', heavy_minus_sign: '➖', calendar: '📅', wastebasket: '🗑️',
  mag: '🔍', information_source: 'ℹ️', inbox_tray: '📥', hammer_and_wrench: '🛠️', grey_question: '❔',
  double_vertical_bar: '⏸️', arrows_counterclockwise: '🔄', alarm_clock: '⏰', heavy_check_mark: '✔️', tada: '🎉',
  rocket: '🚀', fire: '🔥', gear: '⚙️', key: '🔑', eyes: '👀', construction: '🚧', bell: '🔔', clock1: '🕐',
  stopwatch: '⏱️', arrow_right: '➡️', recycle: '♻️', package: '📦', whale: '🐳', robot_face: '🤖', zap: '⚡',
  bulb: '💡', memo: '📝', link: '🔗', thumbsup: '👍', '+1': '👍', ok: '🆗', new: '🆕', sos: '🆘', skull: '💀',
  checkered_flag: '🏁', octagonal_sign: '🛑', broken_heart: '💔', heart: '❤️', star: '⭐', sparkles: '✨',
};

const state = { user: '', channel: '', entries: new Map(), home: null, thread: null, view: 'channel' };
const $ = (id) => document.getElementById(id);

// ---- mrkdwn -------------------------------------------------------------------------------------------------

function escapeHtml(s) {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}
/** Slack escapes &, < and > in message text; the page shows them as written. */
function decodeSlack(s) {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}
function emoji(s) {
  return s.replace(/:([a-z0-9_+-]+):/g, (m, name) => (EMOJI[name] ? `<span class="emoji" title=":${name}:">${EMOJI[name]}</span>` : m));
}

/** mrkdwn → HTML: every piece of text is escaped; only the markup this function writes is HTML. */
function mrkdwn(text) {
  const held = [];
  const hold = (html) => `\u0000${held.push(html) - 1}\u0000`;
  let s = String(text);
  // Code blocks and inline code first: nothing inside them is formatted.
  s = s.replace(/```([\s\S]*?)```/g, (_, code) => hold(`<pre class="code">${escapeHtml(decodeSlack(code.replace(/^\n/, '')))}</pre>`));
  s = s.replace(/`([^`\n]+)`/g, (_, code) => hold(`<code class="inline">${escapeHtml(decodeSlack(code))}</code>`));
  // Links and mentions are written with real angle brackets: <url|label>, <@U…>, <#C…|name>, <!here>.
  s = s.replace(/<([^<>\n]+)>/g, (_, inner) => {
    const [target, label] = inner.split('|');
    if (target.startsWith('@')) return hold(`<span class="mention">@${escapeHtml(label ?? userName(target.slice(1)))}</span>`);
    if (target.startsWith('#')) return hold(`<span class="mention">#${escapeHtml(label ?? target.slice(1))}</span>`);
    if (target.startsWith('!')) return hold(`<span class="mention">@${escapeHtml(target.slice(1).split('^')[0])}</span>`);
    if (/^(https?:|mailto:)/.test(target)) return hold(`<a href="${escapeHtml(target)}" rel="noopener noreferrer" target="_blank">${escapeHtml(decodeSlack(label ?? target))}</a>`);
    return hold(escapeHtml(`<${inner}>`));
  });
  s = escapeHtml(decodeSlack(s));
  s = s.replace(/(^|[\s(])\*([^*\n]+)\*(?=$|[\s).,:;!?])/g, '$1<b>$2</b>');
  s = s.replace(/(^|[\s(])_([^_\n]+)_(?=$|[\s).,:;!?])/g, '$1<i>$2</i>');
  s = s.replace(/(^|[\s(])~([^~\n]+)~(?=$|[\s).,:;!?])/g, '$1<s>$2</s>');
  s = emoji(s);
  s = s.split('\n').map((line) => (line.startsWith('&gt; ') ? `<blockquote>${line.slice(5)}</blockquote>` : line)).join('<br>');
  s = s.replace(/<\/blockquote><br>/g, '</blockquote>');
  return s.replace(/\u0000(\d+)\u0000/g, (_, i) => held[Number(i)]);
}

function userName(id) {
  return id === state.user ? 'alice' : id;
}

function textObject(t) {
  if (!t || typeof t.text !== 'string') return '';
  return t.type === 'mrkdwn' ? mrkdwn(t.text) : emoji(escapeHtml(t.text));
}

// ---- Block Kit ----------------------------------------------------------------------------------------------

function el(tag, cls, html) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (html !== undefined) e.innerHTML = html;
  return e;
}

function renderElement(element, ctx) {
  if (element.type === 'button') {
    const b = el('button', `btn${element.style ? ` ${element.style}` : ''}`, textObject(element.text));
    b.type = 'button';
    b.dataset.actionId = element.action_id ?? '';
    if (ctx.entryId) {
      b.addEventListener('click', () => click(ctx.entryId, element.action_id, b));
    } else b.disabled = true;
    return b;
  }
  if (element.type === 'image') {
    const img = document.createElement('img');
    img.alt = element.alt_text ?? '';
    if (typeof element.image_url === 'string' && element.image_url.startsWith('data:')) img.src = element.image_url;
    return img;
  }
  if (typeof element.type === 'string' && element.type.endsWith('_select')) {
    const s = el('select', 'select');
    s.disabled = true;
    s.append(new Option(element.placeholder?.text ?? 'Select…'));
    return s;
  }
  if (element.type === 'mrkdwn' || element.type === 'plain_text') return el('span', '', textObject(element));
  return el('span', 'muted', escapeHtml(`[${element.type}]`));
}

function renderRichText(node) {
  if (!node || typeof node !== 'object') return '';
  if (typeof node.text === 'string') {
    let t = escapeHtml(node.text);
    if (node.style?.code) t = `<code class="inline">${t}</code>`;
    if (node.style?.bold) t = `<b>${t}</b>`;
    if (node.style?.italic) t = `<i>${t}</i>`;
    return node.type === 'link' ? `<a href="${escapeHtml(node.url ?? '')}" rel="noopener noreferrer" target="_blank">${t}</a>` : t;
  }
  if (node.type === 'emoji') return EMOJI[node.name] ?? `:${escapeHtml(node.name ?? '')}:`;
  if (node.type === 'user') return `<span class="mention">@${escapeHtml(userName(node.user_id ?? ''))}</span>`;
  if (node.type === 'link') return `<a href="${escapeHtml(node.url ?? '')}" rel="noopener noreferrer" target="_blank">${escapeHtml(node.url ?? '')}</a>`;
  const inner = (node.elements ?? []).map(renderRichText).join('');
  if (node.type === 'rich_text_preformatted') return `<pre class="code">${inner}</pre>`;
  if (node.type === 'rich_text_quote') return `<blockquote>${inner}</blockquote>`;
  if (node.type === 'rich_text_list') return `<ul>${(node.elements ?? []).map((e) => `<li>${renderRichText(e)}</li>`).join('')}</ul>`;
  return inner.replace(/\n/g, '<br>');
}

function renderBlock(block, ctx) {
  switch (block.type) {
    case 'header':
      return el('div', 'block block-header', textObject(block.text));
    case 'divider':
      return el('hr', 'divider');
    case 'section': {
      const s = el('div', 'block section');
      const body = el('div', 'section-text', block.text ? textObject(block.text) : '');
      if (Array.isArray(block.fields)) {
        const f = el('div', 'fields');
        for (const field of block.fields) f.append(el('div', 'field', textObject(field)));
        body.append(f);
      }
      s.append(body);
      if (block.accessory) s.append(renderElement(block.accessory, ctx));
      return s;
    }
    case 'context': {
      const c = el('div', 'block context');
      for (const e of block.elements ?? []) c.append(renderElement(e, ctx));
      return c;
    }
    case 'actions': {
      const a = el('div', 'block actions');
      for (const e of block.elements ?? []) a.append(renderElement(e, ctx));
      return a;
    }
    case 'rich_text':
      return el('div', 'block', (block.elements ?? []).map(renderRichText).join(''));
    case 'image': {
      const d = el('div', 'block muted', escapeHtml(`(image: ${block.alt_text ?? ''})`));
      return d;
    }
    default:
      return el('div', 'block muted', escapeHtml(`[${block.type} block]`));
  }
}

function renderBlocks(container, blocks, text, ctx) {
  container.replaceChildren();
  if (!blocks || blocks.length === 0) {
    container.append(el('div', 'msg-text', mrkdwn(text ?? '')));
    return;
  }
  for (const b of blocks) container.append(renderBlock(b, ctx));
}

// ---- messages -----------------------------------------------------------------------------------------------

function time(ms) {
  return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

function renderEntry(entry) {
  const isUser = entry.kind === 'typed';
  const row = el('div', `msg${entry.place === 'ephemeral' ? ' ephemeral' : ''}${isUser ? ' typed' : ''}`);
  row.dataset.id = entry.id;
  row.dataset.version = String(entry.version);
  if (entry.ts) row.dataset.ts = entry.ts;
  row.append(el('div', `avatar ${isUser ? 'user' : 'bot'}`, isUser ? 'A' : 'ci'));
  const body = el('div', 'msg-body');
  if (entry.place === 'ephemeral') body.append(el('div', 'ephemeral-note', '👁 Only visible to you'));
  const meta = el('div', 'msg-meta');
  meta.append(el('span', 'msg-author', isUser ? 'alice' : 'ci-bot'));
  if (!isUser) meta.append(el('span', 'badge', 'APP'));
  meta.append(el('span', 'msg-time', escapeHtml(time(entry.atMs))));
  body.append(meta);
  const content = el('div', 'msg-content');
  if (isUser) content.append(el('div', 'msg-text', escapeHtml(entry.text)));
  else renderBlocks(content, entry.blocks, entry.text, { entryId: entry.id });
  if (entry.version > 1 && !isUser) content.append(el('span', 'edited', '(edited)'));
  body.append(content);
  const replies = repliesOf(entry);
  if (replies.length > 0 && entry.place !== 'thread') {
    const r = el('button', 'replies', `${replies.length} ${replies.length === 1 ? 'reply' : 'replies'}`);
    r.type = 'button';
    r.addEventListener('click', () => openThread(entry.ts));
    body.append(r);
  }
  row.append(body);
  return row;
}

function repliesOf(entry) {
  if (!entry.ts) return [];
  return [...state.entries.values()].filter((e) => e.threadTs === entry.ts && e.channel === entry.channel && !e.deleted);
}

function visible(entry) {
  return !entry.deleted && (entry.place !== 'ephemeral' || !entry.user || entry.user === state.user);
}

function renderChannel() {
  const box = $('messages');
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  const existing = new Map([...box.children].map((c) => [c.dataset.id, c]));
  const wanted = [...state.entries.values()].filter((e) => visible(e) && e.place !== 'thread').sort((a, b) => a.seq - b.seq);
  const rows = wanted.map((entry) => {
    const old = existing.get(entry.id);
    const replies = repliesOf(entry).length;
    if (old && old.dataset.version === String(entry.version) && old.dataset.replies === String(replies)) return old;
    const row = renderEntry(entry);
    row.dataset.replies = String(replies);
    if (old) row.classList.add('flash');
    return row;
  });
  box.replaceChildren(...rows);
  if (atBottom) box.scrollTop = box.scrollHeight;
  if (state.thread) renderThread();
}

function openThread(ts) {
  state.thread = ts;
  $('thread').hidden = false;
  renderThread();
}

function renderThread() {
  const parent = [...state.entries.values()].find((e) => e.ts === state.thread && e.place !== 'thread');
  const replies = [...state.entries.values()].filter((e) => e.threadTs === state.thread && visible(e)).sort((a, b) => a.seq - b.seq);
  $('thread-messages').replaceChildren(...(parent ? [renderEntry({ ...parent, place: 'thread' })] : []), ...replies.map(renderEntry));
}

function renderHome() {
  const box = $('home');
  if (!state.home) {
    box.replaceChildren(el('p', 'muted', 'Opening the Home tab…'));
    return;
  }
  renderBlocks(box, state.home.blocks ?? [], '', { entryId: undefined });
}

// ---- actions ------------------------------------------------------------------------------------------------

async function post(path, body) {
  const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) });
  return res.json();
}

async function click(entryId, actionId, button) {
  button.disabled = true;
  try {
    await post('/api/click', { id: entryId, actionId });
  } finally {
    button.disabled = false;
  }
}

function show(view) {
  state.view = view;
  $('view-channel').hidden = view !== 'channel';
  $('view-home').hidden = view !== 'home';
  if (view !== 'channel') $('thread').hidden = true;
  else if (state.thread) $('thread').hidden = false;
  $('nav-channel').classList.toggle('active', view === 'channel');
  $('nav-home').classList.toggle('active', view === 'home');
  if (view === 'home') {
    renderHome();
    post('/api/home');
  }
}

function apply(change) {
  if (change.type === 'entry') {
    state.entries.set(change.entry.id, change.entry);
    renderChannel();
  } else if (change.type === 'home' && change.user === state.user) {
    state.home = change.view;
    if (state.view === 'home') renderHome();
  }
}

async function main() {
  const s = await (await fetch('/api/state')).json();
  state.user = s.user;
  state.channel = s.channel.id;
  state.home = s.home;
  for (const e of s.entries) state.entries.set(e.id, e);
  $('hosts-note').textContent = `Hosts: ${s.hosts}. ${s.zookeeper}.`;
  renderChannel();
  const events = new EventSource('/api/events');
  events.onmessage = (m) => apply(JSON.parse(m.data));
  $('composer').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const input = $('composer-input');
    const text = input.value.trim();
    if (!text) return;
    if (!text.startsWith('/ci')) {
      input.placeholder = 'Only /ci commands here: try /ci help';
      return;
    }
    input.value = '';
    await post('/api/command', { text });
  });
  $('nav-channel').addEventListener('click', () => show('channel'));
  $('nav-home').addEventListener('click', () => show('home'));
  $('thread-close').addEventListener('click', () => {
    state.thread = null;
    $('thread').hidden = true;
  });
  $('sim-fail-jenkins').addEventListener('click', async () => {
    const r = await post('/api/simulate/fail-jenkins');
    $('hosts-note').textContent = r.error ? `Simulator: ${r.error}` : `Simulator: killed Jenkins on ${r.host}; Marathon moves it.`;
  });
}

main();
