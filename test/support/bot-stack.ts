/**
 * ci-bot as its own process in HTTP mode, against a fresh real Redis, the Slack emulator and (unless turned off)
 * the cluster simulator, with freshly generated Slack secrets. `stop()` ends all of them, the bot first.
 */
import { randomBytes } from 'node:crypto';
import { startBot, type BotProcess } from './bot-process.ts';
import { startRedis, type RedisOptions, type RedisServer } from '../../src/playground/redis-server.ts';
import { startSimulator, type RunningSimulator, type SimOptions } from '../../src/playground/simulator/index.ts';
import { startSlackEmulator, type SlackEmulator } from '../../src/playground/slack-emulator/index.ts';

export interface BotStack {
  redis: RedisServer;
  slack: SlackEmulator;
  /** Absent when started with `simulator: false`. */
  sim: RunningSimulator | undefined;
  bot: BotProcess;
  stop(): Promise<void>;
}

export interface BotStackOptions {
  /** ci-bot's YAML config (roles, timeouts …). */
  config: Record<string, unknown>;
  redis?: RedisOptions;
  /** Simulator options, or false for none (default: the seed cluster). */
  simulator?: Partial<SimOptions> | false;
  /** Runs once the simulator is up and before the bot starts (e.g. wait for Jenkins). */
  beforeBot?: (sim: RunningSimulator | undefined) => Promise<void>;
}

export async function startBotStack(opts: BotStackOptions): Promise<BotStack> {
  const secret = randomBytes(16).toString('hex');
  const botToken = `xoxb-stack-${randomBytes(8).toString('hex')}`;
  const [redis, sim] = await Promise.all([startRedis(opts.redis), opts.simulator === false ? undefined : startSimulator(opts.simulator ?? {})]);
  const slack = await startSlackEmulator({ signingSecret: secret, botToken, appToken: 'xapp-unused' });
  await opts.beforeBot?.(sim);
  const upstreams: Record<string, string> = sim
    ? { MESOS_URL: sim.urls.mesosMasters.join(','), MARATHON_URL: sim.urls.marathons.join(','), JENKINS_URL: sim.urls.jenkins, JENKINS_API_TOKEN: sim.sim.opts.jenkinsToken }
    : {};
  const bot = await startBot({
    config: opts.config,
    env: { SLACK_BOT_TOKEN: botToken, SLACK_SIGNING_SECRET: secret, SLACK_API_URL: slack.apiUrl, REDIS_URL: redis.url, ...upstreams },
  });
  slack.setTarget({ mode: 'http', url: bot.eventsUrl });
  return {
    redis, slack, sim, bot,
    async stop() {
      await bot.stop();
      await slack.stop();
      await sim?.stop();
      await redis.stop();
    },
  };
}
