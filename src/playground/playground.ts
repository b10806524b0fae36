/**
 * Everything the local demo runs, started in one go: a redis-server (unless REDIS_URL is set), the cluster
 * simulator, three local SSH hosts (`master`, `slave1`, `slave2`, see hosts/local-hosts.ts) pinned in the demo
 * inventory, a real ZooKeeper on the master's address when Debian's zookeeper is installed, the Slack emulator, and
 * the real bot (serve + worker + watch in this process) pointed at them. The terminal prompt (demo.ts), the web
 * page (web/server.ts) and the tour (tour.ts) drive it through {@link Playground} and read the one
 * {@link Transcript}.
 *
 * With a config file of one's own, the demo uses its inventory as it is and starts no hosts.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadConfig, type LoadedConfig } from '../config/load.ts';
import { demoConfig } from '../config/demo.ts';
import { createRuntime } from '../roles/runtime.ts';
import { startServe } from '../roles/serve.ts';
import { startWorker } from '../roles/worker.ts';
import { createOutboxClient } from '../slack/app.ts';
import { WebApiNotifier } from '../slack/notifier.ts';
import { startRedis, type RedisServer } from './redis-server.ts';
import { DEFAULT_CHANNEL, startSlackEmulator, type AckResult, type SlackEmulator } from './slack-emulator/index.ts';
import { startSimulator, type RunningSimulator } from './simulator/index.ts';
import { startLocalHosts, type LocalHosts } from './hosts/local-hosts.ts';
import { startZooKeeper, zookeeperAvailable, type ZooKeeperServer } from './zookeeper.ts';
import { Transcript } from './transcript.ts';

/** The demo's one typist (an admin by the demo's roles). */
export const DEMO_USER = 'U0ALICE001';
export const HOST_NAMES = ['master', 'slave1', 'slave2'] as const;

export interface PlaygroundOptions {
  /** Start the local SSH hosts when the demo has no config file of its own (default true). */
  hosts?: boolean;
  /** Start a real ZooKeeper when installed (default true). */
  zookeeper?: boolean;
  /** Divide simulated durations (Jenkins start, agent launch, builds) by this; default 1. */
  timeScale?: number;
}

export interface Playground {
  slack: SlackEmulator;
  sim: RunningSimulator;
  transcript: Transcript;
  /** The local hosts, or why there are none. */
  hosts: LocalHosts | undefined;
  hostsNote: string;
  /** The real ZooKeeper, or why there is none. */
  zookeeper: ZooKeeperServer | undefined;
  zookeeperNote: string;
  redisUrl: string;
  /** Every `/ci` command the bot has (`deploy jenkins`, `setup-agent`, …). */
  commands: readonly string[];
  /** `/ci <text>` typed by the demo user in #ci. */
  command(text: string): Promise<AckResult>;
  /** Clicks the button `actionId` of the message with transcript id `<channel>:<ts>` (a real signed block_actions). */
  click(entryId: string, actionId: string): Promise<AckResult>;
  /** The demo user opens the App Home tab (`app_home_opened`). */
  openHome(): Promise<AckResult>;
  /** Moves Jenkins as a failure would: its agent is full and its task dies (what `/ci drill failover` does by Marathon). */
  failJenkins(): string;
  stop(): Promise<void>;
}

export async function startPlayground(local: LoadedConfig, opts: PlaygroundOptions = {}): Promise<Playground> {
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };
  try {
    return await start(local, opts, stops, stopAll);
  } catch (err) {
    await stopAll();
    throw err;
  }
}

async function start(local: LoadedConfig, opts: PlaygroundOptions, stops: Array<() => Promise<void>>, stopAll: () => Promise<void>): Promise<Playground> {
  const ownConfig = local.source !== 'built-in demo defaults';
  const redisUrl = local.envSet.has('REDIS_URL') ? local.config.redis.url : undefined;
  let redis: RedisServer | undefined;
  if (!redisUrl) {
    try {
      redis = await startRedis();
    } catch (err) {
      throw new Error(`The demo needs redis-server (Debian: apt-get install redis-server), or REDIS_URL pointing at a Redis.\n(${String(err)})`);
    }
    stops.push(() => redis!.stop());
  }
  const jenkinsToken = randomBytes(12).toString('hex');
  const sim = await startSimulator({
    jenkinsUser: 'ci-bot', jenkinsToken, deployJenkins: false, ...(ownConfig ? {} : { agents: [] }),
    ...(opts.timeScale ? { timeScale: opts.timeScale } : {}),
  });
  stops.push(() => sim.stop());

  let hosts: LocalHosts | undefined;
  let hostsNote: string;
  if (ownConfig) hostsNote = `no local hosts: the inventory is ${local.source}'s`;
  else if (opts.hosts === false) hostsNote = 'no local hosts (turned off)';
  else {
    try {
      hosts = await startLocalHosts({ names: HOST_NAMES, controlUrl: sim.urls.control });
      stops.push(() => hosts!.stop());
      hostsNote = `${hosts.hosts.map((h) => `${h.name} ${h.address}:${h.port}`).join(', ')} (real sshd, ${hosts.mode === 'root' ? 'as root, each in its own mount namespace' : `as ${hosts.user}, each session in its own user namespace`}; host keys pinned)`;
    } catch (err) {
      hostsNote = `no local hosts, so setup-master / setup-agent cannot reach any: ${(err as Error).message}`;
    }
  }
  const master = hosts?.hosts.find((h) => h.name === 'master');
  let zookeeper: ZooKeeperServer | undefined;
  let zookeeperNote = 'no ZooKeeper (not installed: Debian package zookeeper and a JVM)';
  if (opts.zookeeper === false) zookeeperNote = 'no ZooKeeper (turned off)';
  else if (zookeeperAvailable()) {
    try {
      // On the master's own address and ZooKeeper's port, where the recipes point every agent and service.
      zookeeper = await startZooKeeper(master ? { host: master.address, port: 2181 } : {});
      stops.push(() => zookeeper!.stop());
      zookeeperNote = `ZooKeeper ${zookeeper.address} (real)`;
    } catch (err) {
      zookeeperNote = `no ZooKeeper: ${(err as Error).message.split('\n')[0]}`;
    }
  }
  if (master) sim.sim.opts.zkUrl = `zk://${master.address}:2181/mesos`;

  const secret = randomBytes(16).toString('hex');
  const botToken = `xoxb-demo-${randomBytes(6).toString('hex')}`;
  const slack = await startSlackEmulator({ signingSecret: secret, botToken, appToken: 'xapp-demo' });
  stops.push(() => slack.stop());
  const transcript = new Transcript();
  const unfollow = transcript.follow(slack);

  let file: string | undefined;
  if (hosts) {
    const dir = mkdtempSync(join(tmpdir(), 'ci-bot-demo-config-'));
    stops.push(async () => rmSync(dir, { recursive: true, force: true }));
    file = join(dir, 'ci-bot.yaml');
    writeFileSync(file, stringify(demoInventoryConfig(hosts, zookeeper)));
  }
  const loaded = loadConfig({
    demo: true,
    ...(file ? { file } : {}),
    overrides: {
      SLACK_BOT_TOKEN: botToken, SLACK_SIGNING_SECRET: secret, SLACK_APP_TOKEN: '', SLACK_API_URL: slack.apiUrl,
      REDIS_URL: redisUrl ?? redis?.url, PORT: '0', LOG_LEVEL: local.envSet.has('LOG_LEVEL') ? local.config.logLevel : 'warn',
      MESOS_URL: sim.urls.mesosMasters.join(','), MARATHON_URL: sim.urls.marathons.join(','), JENKINS_URL: sim.urls.jenkins,
      JENKINS_USER: 'ci-bot', JENKINS_API_TOKEN: jenkinsToken,
      ...(hosts ? { SSH_PRIVATE_KEY_PATH: hosts.clientKeyPath } : {}),
    },
  });
  const rt = await createRuntime(loaded, { roles: ['serve', 'worker', 'watch'] });
  stops.push(() => rt.close());
  const served = await startServe(rt);
  stops.push(() => served.close());
  const working = await startWorker(rt, { notifier: new WebApiNotifier(createOutboxClient({ botToken, apiUrl: slack.apiUrl, logger: rt.logger })), sources: true });
  stops.push(() => working.close({ graceMs: 2000 }));
  stops.push(async () => unfollow());
  slack.setTarget({ mode: 'http', url: `http://127.0.0.1:${served.port}/slack/events` });
  // Until the bot has `/ci deploy jenkins`, the Jenkins app is on Marathon from the start (it waits for an agent).
  if (!rt.features.specs.some((s) => s.name === 'deploy jenkins' || s.name === 'deploy')) sim.deployJenkins();

  return {
    slack, sim, transcript, hosts, hostsNote, zookeeper, zookeeperNote, redisUrl: loaded.config.redis.url,
    commands: rt.features.specs.map((s) => s.name),
    command: (text) => {
      transcript.typed(DEMO_USER, DEFAULT_CHANNEL.id, `/ci ${text}`);
      return slack.command(DEMO_USER, text);
    },
    click: (entryId, actionId) => {
      const message = slack.allMessages().find((m) => `${m.channel}:${m.ts}` === entryId && !m.deleted);
      if (!message) throw new Error(`no message ${entryId}`);
      return slack.click(message, actionId, { user: DEMO_USER });
    },
    openHome: () => slack.openHome(DEMO_USER),
    failJenkins: () => {
      const task = sim.sim.marathon.tasksOf('/jenkins').find((t) => t.state === 'TASK_RUNNING');
      if (!task) throw new Error('Jenkins is not running on any agent yet (set up an agent first)');
      const host = sim.sim.state.agents.get(task.agentId)?.hostname ?? '?';
      // The agent stays full until Jenkins is running elsewhere, so Marathon must move it.
      sim.sim.setAgentFull(host, true);
      sim.sim.killTask(task.id, 'TASK_FAILED', 'Container exited with status 137');
      const release = setInterval(() => {
        const now = sim.sim.marathon.tasksOf('/jenkins').find((t) => t.state === 'TASK_RUNNING');
        if (now && now.id !== task.id) {
          sim.sim.setAgentFull(host, false);
          clearInterval(release);
        }
      }, 500);
      stops.push(async () => clearInterval(release));
      return host;
    },
    stop: stopAll,
  };
}

/** The demo's config with the local hosts as its inventory, each host key pinned. */
function demoInventoryConfig(hosts: LocalHosts, zk: ZooKeeperServer | undefined): Record<string, unknown> {
  return {
    slack: demoConfig.slack,
    roles: demoConfig.roles,
    inventory: {
      // The simulator names agents by what they advertise; the host names read best in chat.
      advertise: 'name',
      hosts: hosts.hosts.map((h) => ({
        name: h.name, address: h.address, port: h.port, user: hosts.user, hostKey: h.hostKeyFingerprint,
        roles: h.name === 'master' ? ['master'] : ['agent'],
      })),
    },
    ...(zk ? { cluster: { zookeeper: { hosts: [zk.address] } } } : {}),
  };
}
