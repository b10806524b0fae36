/**
 * Sending what a user does in Slack to the app: a slash command or a button click, over HTTP (signed form POST)
 * or Socket Mode (envelope), and recording a command's immediate response (the ack body) as a message.
 */
import { deliverForm, type DeliveryOptions } from './http-delivery.ts';
import type { MessageStore } from './message-store.ts';
import { blockActionsPayload, findAction, slashCommandFields, type Workspace } from './payloads.ts';
import type { ResponseUrls } from './response-urls.ts';
import type { SocketModeServer } from './socket-server.ts';
import type { AckResult, EmulatedBlock, RecordedMessage, SlackChannel, SlackUser } from './types.ts';
import type { Directory, Triggers } from './workspace-state.ts';

/**
 * Where deliveries go: the app's `/slack/events` URL (HTTP mode) or the open socket (Socket Mode). `alsoTo` sends
 * the same signed request to further URLs at once (replicas behind a retrying proxy): only `url`'s answer is the ack.
 */
export type Target = { mode: 'http'; url: string; alsoTo?: string[] } | { mode: 'socket' };

/** The emulator parts a delivery needs. */
export interface DeliveryDeps {
  ws: Workspace;
  signingSecret: string;
  ackWindowMs: number;
  directory: Directory;
  store: MessageStore;
  triggers: Triggers;
  responseUrls: ResponseUrls;
  socket: SocketModeServer;
  origin: string;
  target: () => Target;
}

export interface CommandOptions extends DeliveryOptions {
  /** Channel id or name; default `#ci`. */
  channel?: string;
  /** The slash command; default `/ci`. */
  command?: string;
}

export interface ClickOptions extends DeliveryOptions {
  /** Who clicks (id or name); default the ephemeral message's viewer, else the first configured user. */
  user?: string;
}

type Delivered = Omit<AckResult, 'responseUrl' | 'triggerId'> & { payload?: unknown };

async function deliver(
  deps: DeliveryDeps,
  type: 'slash_commands' | 'interactive' | 'events_api',
  body: Record<string, unknown>,
  form: Record<string, string>,
  opts: DeliveryOptions,
): Promise<Delivered> {
  const target = deps.target();
  if (target.mode === 'http') {
    // One timestamp for every copy, so each carries the very same signature.
    const same = { timestampSec: Math.floor(Date.now() / 1000), ...opts };
    const others = (target.alsoTo ?? []).map(async (url) => {
      const o = await deliverForm(url, form, deps.signingSecret, deps.ackWindowMs, same);
      return { url, status: o.status, body: o.body };
    });
    const a = await deliverForm(target.url, form, deps.signingSecret, deps.ackWindowMs, same);
    const answer: Delivered = { acked: a.status >= 200 && a.status < 300, status: a.status, body: a.body, latencyMs: a.latencyMs };
    if (a.contentType !== undefined) answer.contentType = a.contentType;
    if (others.length > 0) answer.duplicates = await Promise.all(others);
    return answer;
  }
  const e = await deps.socket.deliver(type, body, type === 'slash_commands');
  return {
    acked: e.acked,
    status: e.acked ? 200 : 0,
    body: e.payload === undefined ? '' : JSON.stringify(e.payload),
    latencyMs: e.latencyMs,
    envelopeId: e.envelopeId,
    payload: e.payload,
  };
}

/** The immediate-response message in an ack, if any: JSON message, plain text, or nothing. */
function ackMessage(d: Delivered): { text?: unknown; blocks?: unknown; response_type?: unknown } | undefined {
  if (!d.acked) return undefined;
  if (d.payload !== undefined) {
    const p = d.payload as Record<string, unknown> | null;
    return p && typeof p === 'object' && Object.keys(p).length > 0 ? p : undefined;
  }
  if (d.body === '') return undefined;
  if (d.contentType?.startsWith('application/json')) {
    try {
      return JSON.parse(d.body) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  }
  return { text: d.body };
}

function recordAck(deps: DeliveryDeps, d: Delivered, user: SlackUser, channel: SlackChannel, url: string): void {
  const msg = ackMessage(d);
  if (!msg || (msg.text === undefined && msg.blocks === undefined)) return;
  const inChannel = msg.response_type === 'in_channel';
  const m = deps.store.add({
    kind: 'ack',
    channel: channel.id,
    text: typeof msg.text === 'string' ? msg.text : '',
    blocks: Array.isArray(msg.blocks) ? (msg.blocks as EmulatedBlock[]) : [],
    responseType: inChannel ? 'in_channel' : 'ephemeral',
    ...(inChannel ? {} : { visibleTo: user.id }),
  });
  deps.responseUrls.setMessage(url, m);
}

/** Sends `/ci <text>` from `userRef` and returns the ack; an immediate-response body is recorded as a message. */
export async function sendCommand(
  deps: DeliveryDeps,
  userRef: string,
  text: string,
  opts: CommandOptions = {},
): Promise<AckResult> {
  const user = deps.directory.user(userRef);
  const channel = deps.directory.channel(opts.channel ?? '#ci');
  if (!channel) throw new Error(`slack-emulator: unknown channel ${opts.channel}`);
  const triggerId = deps.triggers.issue(deps.ws.teamId);
  const responseUrl = deps.responseUrls.issue(deps.origin, deps.ws.teamId, { source: 'command', channel: channel.id, user: user.id });
  const command = opts.command ?? '/ci';
  const fields = slashCommandFields({ ws: deps.ws, user, channel, command, text, responseUrl, triggerId });
  const d = await deliver(deps, 'slash_commands', fields, fields, opts);
  recordAck(deps, d, user, channel, responseUrl);
  const { payload: _payload, ...result } = d;
  return { ...result, responseUrl, triggerId };
}

/** Clicks the element with `actionId` in `message` (as recorded) and returns the ack. */
export async function sendClick(
  deps: DeliveryDeps,
  message: RecordedMessage,
  actionId: string,
  opts: ClickOptions = {},
): Promise<AckResult> {
  const found = findAction(message.blocks, actionId);
  if (!found) throw new Error(`slack-emulator: no element with action_id ${actionId} in message ${message.ts}`);
  const user = deps.directory.user(opts.user ?? message.visibleTo ?? [...deps.directory.users.keys()][0] ?? '');
  const channel = deps.directory.channel(message.channel);
  if (!channel) throw new Error(`slack-emulator: unknown channel ${message.channel}`);
  const triggerId = deps.triggers.issue(deps.ws.teamId);
  const responseUrl = deps.responseUrls.issue(deps.origin, deps.ws.teamId, {
    source: 'action',
    channel: channel.id,
    user: user.id,
    message,
  });
  const payload = blockActionsPayload({ ws: deps.ws, user, channel, message, ...found, responseUrl, triggerId });
  const d = await deliver(deps, 'interactive', payload, { payload: JSON.stringify(payload) }, opts);
  const { payload: _payload, ...result } = d;
  return { ...result, responseUrl, triggerId };
}

/** Sends an Events API envelope (`event_callback`): signed JSON over HTTP, or an `events_api` envelope. */
export async function sendEvent(deps: DeliveryDeps, envelope: Record<string, unknown>, opts: DeliveryOptions = {}): Promise<AckResult> {
  const d = await deliver(deps, 'events_api', envelope, {}, { rawBody: JSON.stringify(envelope), contentType: 'application/json', ...opts });
  const { payload: _payload, ...result } = d;
  return { ...result, responseUrl: '', triggerId: '' };
}
