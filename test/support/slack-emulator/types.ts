/** Plain data shared by the Slack emulator's parts. No behaviour. */

/** A Block Kit block as the emulator stores it (validated by block-limits.ts, not typed field by field). */
export type EmulatedBlock = Record<string, unknown> & { type: string };

/** A workspace member the emulator knows (users.info, slash command and click identities). */
export interface SlackUser {
  id: string;
  name: string;
  real_name?: string;
  /** IANA zone, default `Europe/Berlin`. */
  tz?: string;
  is_bot?: boolean;
  deleted?: boolean;
}

/** A user group (`usergroups.users.list`). */
export interface SlackUsergroup {
  id: string;
  handle: string;
  users: string[];
}

/** A conversation (`conversations.info`). */
export interface SlackChannel {
  id: string;
  name: string;
  is_private?: boolean;
}

/**
 * How a recorded message reached the workspace:
 * `channel` (chat.postMessage), `thread` (chat.postMessage with thread_ts), `ephemeral` (chat.postEphemeral),
 * `response_url` (a POST to a response_url), `ack` (the immediate response in a slash command's ack).
 */
export type MessageKind = 'channel' | 'thread' | 'ephemeral' | 'response_url' | 'ack';

/** One earlier version of an edited message. */
export interface MessageVersion {
  text: string;
  blocks: EmulatedBlock[];
  /** Epoch ms when this version was replaced. */
  replacedAtMs: number;
}

/** A message as the emulator stores it; `text`/`blocks` are the current version, `history` the earlier ones. */
export interface RecordedMessage {
  kind: MessageKind;
  channel: string;
  ts: string;
  thread_ts?: string;
  /** Ephemeral and ephemeral response_url/ack messages: the only user who sees it. */
  visibleTo?: string;
  /** response_url and ack messages: `ephemeral` or `in_channel`. */
  responseType?: 'ephemeral' | 'in_channel';
  text: string;
  blocks: EmulatedBlock[];
  /** Bot id of the poster (absent for response_url/ack messages, which Slack attributes to the app). */
  bot_id?: string;
  user?: string;
  /** Message metadata (`chat.postMessage` `metadata`): returned by history reads with `include_all_metadata`. */
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
  deleted: boolean;
  history: MessageVersion[];
  /** Epoch ms of the first post. */
  postedAtMs: number;
  /** Epoch ms of the last change (post, update or delete). */
  changedAtMs: number;
}

/** One Web API or response_url call as received. */
export interface RecordedCall {
  method: string;
  args: Record<string, unknown>;
  /** Epoch ms when the request arrived. */
  atMs: number;
  /** HTTP status the emulator answered with. */
  status: number;
  /** The JSON the emulator answered with. */
  response: unknown;
  /** The request body exactly as it arrived (R20 scans it; `args` has the `token` field removed). */
  body: string;
}

/** An injected failure for the next call(s) of one method. */
export type Fault =
  | { status: 429; retryAfterSec?: number }
  /** `afterRun`: the call takes effect (a message is posted) and then the answer is this error: a lost answer. */
  | { status: 500 | 502 | 503; afterRun?: boolean }
  | { ok: false; error: string };

/** What the app answered when the emulator delivered a command or interaction. */
export interface AckResult {
  /** True when the app acknowledged within the ack window. */
  acked: boolean;
  /** HTTP status (HTTP mode); 200 for a Socket Mode ack; 0 when there was no answer within the window. */
  status: number;
  /** Raw response body (HTTP mode) or the JSON text of the ack payload (Socket Mode). */
  body: string;
  /** Response Content-Type (HTTP mode only). */
  contentType?: string;
  /** Time from sending to the ack, ms (the window length when it timed out). */
  latencyMs: number;
  /** Socket Mode envelope id. */
  envelopeId?: string;
  /** HTTP mode with `alsoTo`: what the other URLs answered to the same signed request. */
  duplicates?: Array<{ url: string; status: number; body: string }>;
  /** The response_url and trigger_id issued with this delivery. */
  responseUrl: string;
  triggerId: string;
}

/** A Socket Mode ack as received. */
export interface RecordedAck {
  envelopeId: string;
  type: string;
  payload?: unknown;
  latencyMs: number;
  /** True when it arrived after the ack window had closed. */
  late: boolean;
}

/** A change to the message store, as seen by `onRecord` listeners. */
export interface RecordEvent {
  type: 'posted' | 'updated' | 'deleted';
  message: RecordedMessage;
}
