/** Minimal real Bolt apps wired to the emulator, for the emulator's own tests. */
import { App, LogLevel, SocketModeReceiver } from '@slack/bolt';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { startSlackEmulator, type SlackEmulator, type SlackEmulatorOptions } from '../../../src/playground/slack-emulator/index.ts';

export const SECRETS = {
  signingSecret: 'test-signing-secret-0123456789abcdef',
  botToken: 'xoxb-0000-emulated-bot-token',
  appToken: 'xapp-1-A0CIBOT001-emulated-app-token',
};

/** Fast, bounded WebClient retries (the default retries for ~30 minutes). */
export const RETRY = { retries: 2, factor: 1, minTimeout: 10, maxTimeout: 50 };

export async function emulator(extra: Partial<SlackEmulatorOptions> = {}): Promise<SlackEmulator> {
  return startSlackEmulator({ ...SECRETS, ...extra });
}

/** A Bolt app in HTTP mode (default HTTPReceiver), not listening yet (see {@link listen}). */
export async function startHttpApp(slack: SlackEmulator): Promise<{ app: App }> {
  const app = new App({
    token: SECRETS.botToken,
    signingSecret: SECRETS.signingSecret,
    logLevel: LogLevel.ERROR,
    clientOptions: { slackApiUrl: slack.apiUrl, retryConfig: RETRY },
  });
  return { app };
}

/**
 * Listens on a port the kernel picks (loopback) and points the emulator at it: kept apart so tests register
 * listeners before the first request can arrive. Not a port picked free beforehand: in a full run another process
 * took one in between (EADDRINUSE), and the failed start then kept the test process alive in its teardown.
 */
export async function listen(app: App, slack: SlackEmulator): Promise<string> {
  const server = (await app.start({ port: 0, host: '127.0.0.1' })) as Server;
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
  slack.setTarget({ mode: 'http', url });
  return url;
}

/**
 * A Bolt app in Socket Mode. `clientPingTimeout` is short so a `disconnect` leads to a reconnect within
 * ~0.3 s instead of 5 s (the SocketModeClient waits clientPingTimeout × failures before reconnecting).
 */
export function socketApp(slack: SlackEmulator): App {
  const clientOptions = { slackApiUrl: slack.apiUrl, retryConfig: RETRY };
  const receiver = new SocketModeReceiver({
    appToken: SECRETS.appToken,
    logLevel: LogLevel.ERROR,
    clientPingTimeout: 300,
    installerOptions: { clientOptions },
  });
  slack.setTarget({ mode: 'socket' });
  return new App({ token: SECRETS.botToken, receiver, logLevel: LogLevel.ERROR, clientOptions });
}
