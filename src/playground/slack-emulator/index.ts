/** The Slack emulator's public surface for tests and the local demo. */
export { SlackEmulator, startSlackEmulator, type SlackEmulatorOptions } from './emulator.ts';
export type { ClickOptions, CommandOptions, Target } from './deliveries.ts';
export type { DeliveryOptions } from './http-delivery.ts';
export type { MessageMatch } from './message-store.ts';
export type { RateLimit } from './faults.ts';
export type { AckMiss } from './socket-server.ts';
export { DEFAULT_WORKSPACE, signature, type Workspace } from './payloads.ts';
export { DEFAULT_CHANNEL, DEFAULT_USERS } from './workspace-state.ts';
export { validateBlocks, MAX_BLOCKS, MAX_MESSAGE_TEXT } from './block-limits.ts';
export { renderBlockText, renderMessageText } from './render-text.ts';
export type * from './types.ts';
