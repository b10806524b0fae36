/**
 * The P5 floor: a bare Bolt app (HTTP receiver) plus one BullMQ Queue and one Worker on a Redis connection, in its
 * own process, nothing else — what ci-bot's resident memory is compared with (TARGETS.md P5: ≤ 1.2× of it).
 */
import { start, type Started } from '../../../src/playground/process.ts';
import { waitFor } from '../../../src/playground/ports.ts';

const script = `
  import bolt from '@slack/bolt'; import { Queue, Worker } from 'bullmq'; import { Redis } from 'ioredis';
  const { App, HTTPReceiver, LogLevel } = bolt;
  const receiver = new HTTPReceiver({ signingSecret: 'x'.repeat(32), logLevel: LogLevel.ERROR, port: 0 });
  const app = new App({ token: process.env.SLACK_BOT_TOKEN, receiver, logLevel: LogLevel.ERROR, clientOptions: { slackApiUrl: process.env.SLACK_API_URL } });
  const connection = new Redis(process.env.REDIS_URL, { maxRetriesPerRequest: null });
  new Queue('floor', { connection }); new Worker('floor', async () => {}, { connection });
  await app.start(0); console.log('ready');`;

/** Starts the floor process (node flags `nodeArgs`, e.g. the production ones) and waits until it is ready. */
export async function startBareBoltBullmq(env: { SLACK_BOT_TOKEN: string; SLACK_API_URL: string; REDIS_URL: string } & Record<string, string>, nodeArgs: string[] = []): Promise<Started> {
  const proc = start(process.execPath, [...nodeArgs, '--input-type=module', '-e', script], {
    cwd: new URL('../../../', import.meta.url).pathname,
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  await waitFor(() => proc.output().includes('ready'), { deadlineMs: 15_000, what: `floor (${proc.output()})` });
  return proc;
}
