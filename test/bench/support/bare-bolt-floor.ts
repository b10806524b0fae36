/**
 * The P1 floor: a bare Bolt app that enqueues one BullMQ job per `/ci` command and acks, nothing else.
 * Run as its own process with the same environment as ci-bot (HTTP or Socket Mode).
 */
import { createServer } from 'node:http';
import bolt from '@slack/bolt';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';

const { App, HTTPReceiver, SocketModeReceiver, LogLevel } = bolt;
const env = process.env;
const connection = new Redis(env.REDIS_URL ?? '', { maxRetriesPerRequest: 1 });
const queue = new Queue('floor', { connection, prefix: `floor${process.pid}` });
const clientOptions = { slackApiUrl: env.SLACK_API_URL, retryConfig: { retries: 0 } };
const socket = Boolean(env.SLACK_APP_TOKEN);
const receiver = socket
  ? new SocketModeReceiver({ appToken: env.SLACK_APP_TOKEN ?? '', logLevel: LogLevel.ERROR, installerOptions: { clientOptions } })
  : new HTTPReceiver({ signingSecret: env.SLACK_SIGNING_SECRET ?? '', logLevel: LogLevel.ERROR });
const app = new App({ token: env.SLACK_BOT_TOKEN, receiver, clientOptions, logLevel: LogLevel.ERROR });
let n = 0;
app.command('/ci', async ({ ack, command }) => {
  await queue.add('cmd', { text: command.text, user: command.user_id }, { jobId: `j${(n += 1)}`, removeOnComplete: true });
  await ack();
});
if (socket) {
  await app.start();
  console.log(JSON.stringify({ msg: 'floor ready' }));
} else {
  const server = createServer((receiver as InstanceType<typeof HTTPReceiver>).requestListener);
  server.listen(0, '127.0.0.1', () => {
    const addr = server.address();
    console.log(JSON.stringify({ msg: 'floor ready', port: typeof addr === 'object' && addr ? addr.port : 0 }));
  });
}
process.on('SIGTERM', () => process.exit(0));
