/**
 * `startSimulator(opts)`: the seed cluster on loopback — Mesos masters (leader redirect), the agents' files API,
 * Marathon instances (REST + SSE), Jenkins (JSON API, crumb, auth) and the control API — usable in-process.
 */
import { jenkinsAppDefinition } from './app-definition.ts';
import { controlHandler } from './control-http.ts';
import { SimServer } from './http-util.ts';
import { jenkinsHandler } from './jenkins-http.ts';
import { marathonHandler } from './marathon-http.ts';
import { agentHandler, masterHandler } from './mesos-http.ts';
import { withDefaults, type SimOptions } from './options.ts';
import { Simulation } from './simulation.ts';
import { createState } from './state.ts';

export interface SimulatorUrls {
  /** Leading Mesos master at start (any master works: they redirect). */
  mesos: string;
  mesosMasters: string[];
  /** Agents' HTTP (/files) — port 5051 in real life. */
  agents: string;
  marathon: string;
  marathons: string[];
  jenkins: string;
  control: string;
}

export interface RunningSimulator {
  urls: SimulatorUrls;
  sim: Simulation;
  /** Deploys the Jenkins app on Marathon now, as the seed does with `deployJenkins` (it waits for an agent if none fits). */
  deployJenkins(): void;
  stop(): Promise<void>;
}

export async function startSimulator(partial: Partial<SimOptions> = {}): Promise<RunningSimulator> {
  const opts = withDefaults(partial);
  const sim = new Simulation(opts, createState());
  const { host, faults } = { host: opts.host, faults: sim.faults };
  sim.masters = Array.from({ length: Math.max(1, opts.mesosMasters) }, (_, i) => new SimServer(`mesos-master-${i}`, host, 'mesos', faults, masterHandler(sim, i)));
  sim.marathons = Array.from({ length: Math.max(1, opts.marathons) }, (_, i) => new SimServer(`marathon-${i}`, host, 'marathon', faults, marathonHandler(sim, i)));
  sim.agentServer = new SimServer('agents', host, 'agent', faults, agentHandler(sim));
  sim.jenkinsServer = new SimServer('jenkins', host, 'jenkins', faults, jenkinsHandler(sim));
  sim.controlServer = new SimServer('control', host, 'mesos', faults, controlHandler(sim));
  const all = [...sim.masters, ...sim.marathons, sim.agentServer, sim.jenkinsServer, sim.controlServer];
  await Promise.all(all.map((s) => s.start()));
  await aliasAgents(sim, opts);
  seed(sim, opts);
  const urls: SimulatorUrls = {
    mesos: sim.masters[0]!.url,
    mesosMasters: sim.masters.map((s) => s.url),
    agents: sim.agentServer.url,
    marathon: sim.marathons[0]!.url,
    marathons: sim.marathons.map((s) => s.url),
    jenkins: sim.jenkinsServer.url,
    control: sim.controlServer.url,
  };
  const deployJenkins = () => {
    sim.opts.deployJenkins = true;
    sim.deployments.createApp(jenkinsAppDefinition(), '127.0.0.1', opts.jenkinsAgent ?? opts.agents[0]?.hostname);
  };
  return { urls, sim, deployJenkins, stop: () => sim.stop() };
}

/**
 * Clients reach an agent at the `ip:port` of its `pid` (the Mesos UI's agentURLPrefix; ci-bot's sandbox reads), so
 * the one agents' server also listens on each seed agent's loopback address (127.0.0.2 …), same port. An address
 * where that port is taken is left out: that agent's files API is then unreachable, as a firewalled agent's is.
 */
async function aliasAgents(sim: Simulation, opts: SimOptions): Promise<void> {
  const ips = new Set(opts.agents.map((a) => a.ip).filter((ip) => ip !== opts.host && /^127\.\d+\.\d+\.\d+$/.test(ip)));
  for (const ip of ips) {
    const alias = new SimServer(`agents-${ip}`, ip, 'agent', sim.faults, agentHandler(sim));
    try {
      await alias.start(sim.agentServer.port);
      sim.agentAliases.push(alias);
    } catch {
      // EADDRINUSE on that address: leave it unreachable.
    }
  }
}

/** The seed: agents, Jenkins' jobs in its home, and the Jenkins app deployed on the first (or chosen) agent. */
function seed(sim: Simulation, opts: SimOptions): void {
  for (const a of opts.agents) sim.addAgent(a);
  sim.jenkins.setJobCount(opts.jenkinsJobs);
  if (!opts.deployJenkins) return;
  const target = opts.jenkinsAgent ?? opts.agents[0]?.hostname;
  sim.deployments.createApp(jenkinsAppDefinition(), '127.0.0.1', target);
}
