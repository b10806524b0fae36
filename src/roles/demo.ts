/**
 * The local demo (`npm start` with no SLACK_BOT_TOKEN): ci-bot runs for real against the Slack emulator, a local
 * redis-server on a free port (unless REDIS_URL is set) and the cluster simulator. Type `/ci …` at the prompt;
 * every message the bot posts, and every update to it, is printed as text. `click <button>` presses a button of
 * the latest message that has it. Reads commands from stdin when it is not a terminal (scripted demos, tests).
 */
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { loadConfig, type LoadedConfig } from '../config/load.ts';
import { startRedis, type RedisServer } from '../../test/support/redis.ts';
import { renderMessageText, startSlackEmulator, type RecordedMessage } from '../../test/support/slack-emulator/index.ts';
import { startSimulator } from '../../test/support/simulator/index.ts';
import { createRuntime } from './runtime.ts';
import { startServe } from './serve.ts';
import { startWorker } from './worker.ts';
import { createOutboxClient } from '../slack/app.ts';
import { WebApiNotifier } from '../slack/notifier.ts';

const DEMO_USER = 'U0ALICE001';

/** Runs the demo; `local` is the config as loaded for it (`loadConfig({ demo: true })`), before the demo's own overrides. */
export async function runDemo(local: LoadedConfig): Promise<number> {
  const redisUrl = local.envSet.has('REDIS_URL') ? local.config.redis.url : undefined;
  const secret = randomBytes(16).toString('hex');
  const botToken = `xoxb-demo-${randomBytes(6).toString('hex')}`;
  let redis: RedisServer | undefined;
  if (!redisUrl) {
    try {
      redis = await startRedis();
    } catch (err) {
      console.error(`The demo needs redis-server (Debian: apt-get install redis-server), or REDIS_URL pointing at a Redis.\n(${String(err)})`);
      return 1;
    }
  }
  const jenkinsToken = randomBytes(12).toString('hex');
  const sim = await startSimulator({ jenkinsUser: 'ci-bot', jenkinsToken });
  const slack = await startSlackEmulator({ signingSecret: secret, botToken, appToken: 'xapp-demo' });
  const loaded = loadConfig({
    demo: true,
    overrides: {
      SLACK_BOT_TOKEN: botToken, SLACK_SIGNING_SECRET: secret, SLACK_APP_TOKEN: '', SLACK_API_URL: slack.apiUrl,
      REDIS_URL: redisUrl ?? redis?.url, PORT: '0', LOG_LEVEL: local.envSet.has('LOG_LEVEL') ? local.config.logLevel : 'warn',
      MESOS_URL: sim.urls.mesos, MARATHON_URL: sim.urls.marathon, JENKINS_URL: sim.urls.jenkins,
      JENKINS_USER: 'ci-bot', JENKINS_API_TOKEN: jenkinsToken,
    },
  });
  const rt = await createRuntime(loaded, { roles: ['serve', 'worker', 'watch'] });
  const served = await startServe(rt);
  const working = await startWorker(rt, { notifier: new WebApiNotifier(createOutboxClient({ botToken, apiUrl: slack.apiUrl, logger: rt.logger })), sources: true });
  slack.setTarget({ mode: 'http', url: `http://127.0.0.1:${served.port}/slack/events` });
  slack.onRecord((e) => print(e.type, e.message));

  console.log(`ci-bot demo — Slack emulator ${slack.apiUrl}, simulated cluster ${sim.urls.mesos}, Redis ${loaded.config.redis.url}`);
  console.log('Type /ci help (or /ci status, /ci selftest …); `click <button>` presses a button; `quit` ends.');
  await prompt(async (line) => {
    if (line.startsWith('/ci')) {
      const ack = await slack.command(DEMO_USER, line.replace(/^\/ci\s*/, ''));
      if (ack.status !== 200) console.log(`(Slack got HTTP ${ack.status})`);
    } else if (line.startsWith('click ')) {
      const label = line.slice(6).trim().toLowerCase();
      const target = [...slack.allMessages()].reverse().find((m) => buttonId(m, label));
      if (target) await slack.click(target, buttonId(target, label) as string, { user: DEMO_USER });
      else console.log(`no message has a "${label}" button`);
    } else if (line) console.log('commands start with /ci; or click <button>; or quit');
  });
  await working.close({ graceMs: 2000 });
  await served.close();
  await rt.close();
  await slack.stop();
  await sim.stop();
  await redis?.stop();
  return 0;
}

function print(type: string, m: RecordedMessage): void {
  const where = m.kind === 'thread' ? '  ↳ thread' : m.kind === 'ephemeral' || m.responseType === 'ephemeral' ? '(only you)' : `#${m.channel}`;
  const body = renderMessageText(m).split('\n').map((l) => `  ${l}`).join('\n');
  console.log(`\n── ${where} ${type === 'updated' ? '(updated)' : ''}\n${body}`);
}

function buttonId(m: RecordedMessage, label: string): string | undefined {
  for (const block of m.blocks) {
    for (const el of (block.elements as Array<{ type?: string; action_id?: string; text?: { text?: string } }> | undefined) ?? []) {
      if (el.type === 'button' && el.text?.text?.toLowerCase() === label) return el.action_id;
    }
  }
  return undefined;
}

async function prompt(onLine: (line: string) => Promise<void>): Promise<void> {
  const tty = Boolean(process.stdin.isTTY);
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: tty });
  // A piped script may end while a command is still being answered: collect lines, never prompt a closed reader.
  const lines: string[] = [];
  let ended = false;
  let wake: (() => void) | undefined;
  rl.on('line', (l) => {
    lines.push(l);
    wake?.();
  });
  rl.on('close', () => {
    ended = true;
    wake?.();
  });
  if (tty) {
    rl.setPrompt('ci> ');
    rl.prompt();
  }
  for (;;) {
    if (lines.length === 0) {
      if (ended) break;
      await new Promise<void>((r) => (wake = r));
      continue;
    }
    const line = (lines.shift() as string).trim();
    if (line === 'quit' || line === 'exit') break;
    if (!tty && line) console.log(`\nci> ${line}`);
    await onLine(line);
    // Scripted input: give the bot a moment to answer before the next line, like a person would.
    if (!tty) await new Promise((r) => setTimeout(r, 1500));
    else if (!ended) rl.prompt();
  }
  if (!tty) await new Promise((r) => setTimeout(r, 3000));
  rl.close();
}
