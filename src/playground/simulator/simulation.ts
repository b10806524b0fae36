/**
 * The running simulation: state + engines + servers, and the control methods tests call in-process (the control
 * HTTP API maps onto the same methods; see README.md in this folder).
 */
import { SimClock } from './clock.ts';
import { EventBus } from './events.ts';
import { Faults, type Component, type Fault } from './faults.ts';
import { JenkinsEngine } from './jenkins-engine.ts';
import { MarathonDeployments } from './marathon-deploy.ts';
import { MarathonEngine } from './marathon-engine.ts';
import { MesosMaster } from './mesos-master.ts';
import type { MasterInfo } from './mesos-views.ts';
import type { SimOptions } from './options.ts';
import type { SimServer } from './http-util.ts';
import { addAgent, addFramework, agentLog, type SimAgent, type SimState, type SimTask } from './state.ts';
import { Sandboxes } from './sandboxes.ts';
import { JenkinsWizard } from './jenkins-wizard.ts';
import { JenkinsCasc } from './jenkins-casc.ts';

export interface AgentSpec {
  hostname: string;
  ip?: string;
  cpus?: number;
  memMb?: number;
  diskMb?: number;
  attributes?: Record<string, string>;
}

/** `DELETE /v2/leader`: the abdication happens 500 ms after the answer (`UT:api/v2/LeaderResourceTest`). */
export const ABDICATION_DELAY_MS = 500;
/** A new Marathon leader is elected this long after the old one left (simulated ZooKeeper latch hand-over). */
export const MARATHON_ELECTION_MS = 1000;

export class Simulation {
  readonly opts: SimOptions;
  readonly state: SimState;
  readonly clock: SimClock;
  readonly bus: EventBus;
  readonly faults = new Faults();
  readonly mesos: MesosMaster;
  readonly marathon: MarathonEngine;
  readonly deployments: MarathonDeployments;
  readonly jenkins: JenkinsEngine;
  readonly sandboxes: Sandboxes;
  /** Jenkins' setup wizard per JENKINS_HOME: the first-start password and its banner in the controller's log. */
  readonly jenkinsWizard: JenkinsWizard;
  /** Jenkins' configuration-as-code endpoints (the clouds part) per JENKINS_HOME. */
  readonly jenkinsCasc: JenkinsCasc;
  masters: SimServer[] = [];
  marathons: SimServer[] = [];
  agentServer!: SimServer;
  /** The agents' files API on each seed agent's own loopback address too (their `pid` names it; simulator.ts). */
  agentAliases: SimServer[] = [];
  jenkinsServer!: SimServer;
  controlServer!: SimServer;
  mesosLeader: number | undefined = 0;
  marathonLeader: number | undefined = 0;
  private readonly startedAt = Date.now();
  private electedAt = Date.now();

  constructor(opts: SimOptions, state: SimState) {
    this.opts = opts;
    this.state = state;
    this.clock = new SimClock(opts.timeScale);
    this.bus = new EventBus(this.clock, opts.heartbeatMs);
    this.mesos = new MesosMaster(state, this.clock, opts);
    const marathonFw = addFramework(state, 'marathon', opts.masterHostname, `http://${opts.masterHostname}:8080`);
    // The Jenkins Mesos plugin registers as "Jenkins Scheduler" (mesos-plugin `MesosCloud/config.jelly`).
    const jenkinsFw = addFramework(state, 'Jenkins Scheduler', 'slave1', 'http://slave1:8080');
    this.marathon = new MarathonEngine(state, this.bus, this.clock, opts, marathonFw, this.mesos);
    this.deployments = new MarathonDeployments(this.marathon);
    this.jenkins = new JenkinsEngine(state, this.clock, opts, jenkinsFw, this.marathon, this.mesos);
    this.mesos.onOffers = () => {
      this.marathon.offersSoon();
      this.jenkins.dispatch();
    };
    this.sandboxes = new Sandboxes(state);
    this.jenkinsWizard = new JenkinsWizard(state, opts, this.jenkins, this.marathon);
    this.jenkinsCasc = new JenkinsCasc(opts, this.jenkins, { frameworkId: jenkinsFw.id, jenkinsUrl: 'http://slave1:8080' });
  }

  mesosLeaderAddress(): string | undefined {
    const m = this.mesosLeader === undefined ? undefined : this.masters[this.mesosLeader];
    return m ? `${this.opts.host}:${m.port}` : undefined;
  }

  marathonLeaderAddress(): string | undefined {
    const m = this.marathonLeader === undefined ? undefined : this.marathons[this.marathonLeader];
    return m ? `${this.opts.host}:${m.port}` : undefined;
  }

  masterInfo(index: number): MasterInfo {
    return {
      self: `${this.opts.host}:${this.masters[index]?.port ?? 0}`,
      leader: this.mesosLeaderAddress(),
      hostname: this.opts.masterHostname,
      agentPort: this.agentServer.port,
      startedAt: this.startedAt,
      electedAt: this.electedAt,
    };
  }

  marathonInfo(): Record<string, unknown> {
    const leader = this.marathonLeaderAddress() ?? null;
    return {
      name: 'marathon',
      version: '1.10.17',
      buildref: 'sim',
      elected: leader !== null,
      leader,
      frameworkId: this.marathon.framework.id,
      marathon_config: {
        master: this.opts.zkUrl,
        framework_name: 'marathon',
        hostname: this.opts.masterHostname,
        mesos_leader_ui_url: this.mesosLeaderAddress() ? `http://${this.mesosLeaderAddress()}/` : null,
        webui_url: null,
        ha: true,
        checkpoint: true,
        failover_timeout: 604800,
      },
      zookeeper_config: { zk: this.opts.zkUrl.replace(/\/mesos$/, '/marathon'), zk_timeout: 10000 },
      http_config: { http_port: 8080, https_port: 8443 },
    };
  }

  // ── control ────────────────────────────────────────────────────────────────────────────────────────────

  agent(hostname: string): SimAgent {
    const a = this.state.agentsByHost.get(hostname);
    if (!a) throw new Error(`no agent ${hostname}`);
    return a;
  }

  /** A new agent registers (or a known one re-registers with its id) and offers its resources. */
  addAgent(spec: AgentSpec): SimAgent {
    const known = this.state.agentsByHost.get(spec.hostname);
    if (known && known.status !== 'gone') {
      this.mesos.restoreAgent(known);
      return known;
    }
    const a = addAgent(this.state, {
      hostname: spec.hostname,
      ip: spec.ip ?? known?.ip ?? '127.0.0.1',
      cpus: spec.cpus ?? known?.cpus ?? 2,
      memMb: spec.memMb ?? known?.memMb ?? 3789,
      diskMb: spec.diskMb ?? known?.diskMb ?? 35_000,
      ...(spec.attributes ?? known?.attributes ? { attributes: spec.attributes ?? known?.attributes ?? {} } : {}),
    });
    agentLog(a, `Registered with master master@${this.mesosLeaderAddress() ?? '(none)'}; given agent ID ${a.id}`);
    this.mesos.onOffers();
    return a;
  }

  /** The agent's process stops (alias: `lose`): `active: false` now, TASK_UNREACHABLE after the ping timeout. */
  stopAgent(hostname: string): void {
    this.mesos.stopAgent(this.agent(hostname));
  }

  loseAgent(hostname: string): void {
    this.stopAgent(hostname);
  }

  /** A network partition: `active: true` until the ping timeout, then TASK_UNREACHABLE. */
  partitionAgent(hostname: string): void {
    this.mesos.partitionAgent(this.agent(hostname));
  }

  /** The agent comes back with the same id. */
  restoreAgent(hostname: string): void {
    this.mesos.restoreAgent(this.agent(hostname));
  }

  /**
   * The host reboots. With a new SlaveInfo (default) it registers under a new agent id and the old id stays
   * unreachable (`slave_recovery_tests.cpp` RebootWithSlaveInfoMismatch); with `keepId` it re-registers with its
   * id and tasks whose executor died are TASK_FAILED (SlaveRecoveryTest.RebootWithExecutorPidReused).
   */
  rebootAgent(hostname: string, opts: { keepId?: boolean } = {}): SimAgent {
    const old = this.agent(hostname);
    if (opts.keepId) {
      for (const t of this.mesos.tasksOn(old)) {
        this.mesos.update(t, { state: 'TASK_FAILED', source: 'SOURCE_AGENT', reason: 'REASON_EXECUTOR_TERMINATED', message: 'Agent rebooted: the executor is gone' });
      }
      this.mesos.restoreAgent(old);
      return old;
    }
    if (old.reachable) this.mesos.stopAgent(old);
    this.state.agentsByHost.delete(hostname);
    return this.addAgent({ hostname, ip: old.ip, cpus: old.cpus, memMb: old.memMb, diskMb: old.diskMb, attributes: old.attributes });
  }

  /** MARK_AGENT_GONE for the agent (by hostname, or an old agent id). */
  markAgentGone(hostnameOrId: string): void {
    const agent = this.state.agents.get(hostnameOrId) ?? this.agent(hostnameOrId);
    this.mesos.markGone(agent);
  }

  /** Steers placement: offers from these hosts come first (then registration order). */
  setOfferOrder(hostnames: string[]): void {
    this.marathon.offerOrder = hostnames;
    this.marathon.offersSoon();
  }

  /** Steers placement: a full agent declines every offer. */
  setAgentFull(hostname: string, full = true): void {
    this.agent(hostname).full = full;
    this.mesos.onOffers();
  }

  /** A task dies on its own with `state` (default TASK_FAILED, as `docker kill` gives: exit status 137). */
  killTask(taskId: string, state = 'TASK_FAILED', message = 'Container exited with status 137'): void {
    const t = this.findTask(taskId);
    this.mesos.update(t, { state, message, source: 'SOURCE_EXECUTOR' });
  }

  /** Makes a task's health check fail (or pass again). */
  failHealth(taskId: string, failing = true): void {
    this.findTask(taskId).failHealth = failing;
  }

  private findTask(idOrInstance: string): SimTask {
    const t = this.state.tasks.get(idOrInstance) ?? [...this.state.tasks.values()].find((x) => x.instanceId === idOrInstance);
    if (!t) throw new Error(`no task ${idOrInstance}`);
    return t;
  }

  /**
   * Moves leadership. Marathon: every event stream of the old leader closes (HttpEventStreamActorTest
   * "Unregister handlers when switching to standby mode"); with `stopOld` the old one stops listening.
   * Mesos: the new master recovers the agents (`recovered_slaves`) until they re-register.
   */
  async setLeader(component: 'mesos' | 'marathon', index: number | undefined, opts: { stopOld?: boolean } = {}) {
    const servers = component === 'mesos' ? this.masters : this.marathons;
    const old = component === 'mesos' ? this.mesosLeader : this.marathonLeader;
    if (component === 'mesos') this.mesosLeader = index;
    else this.marathonLeader = index;
    this.electedAt = Date.now();
    if (component === 'marathon') this.bus.drop();
    if (component === 'mesos' && index !== undefined && old !== index) this.mesos.failover();
    const oldServer = old === undefined ? undefined : servers[old];
    if (opts.stopOld && old !== index && oldServer) await oldServer.stop();
    const next = index === undefined ? undefined : servers[index];
    if (next && !next.running) await next.start();
  }

  /**
   * `DELETE /v2/leader`: 500 ms later the leader abdicates — its streams close and the process exits
   * (`IT:LeaderIntegrationTest`); the next instance is elected after {@link MARATHON_ELECTION_MS}, and the old one
   * comes back (its service restarts it) as a standby.
   */
  abdicateMarathon(): void {
    const old = this.marathonLeader;
    if (old === undefined) return;
    this.clock.after(ABDICATION_DELAY_MS, () => {
      if (this.marathonLeader !== old) return;
      void this.setLeader('marathon', undefined, { stopOld: true }).then(() =>
        this.clock.after(MARATHON_ELECTION_MS, () => {
          void this.setLeader('marathon', (old + 1) % this.marathons.length).then(() => this.marathons[old]?.start());
        }),
      );
    });
  }

  addFault(f: Fault): void {
    this.faults.add(f);
  }

  clearFaults(component?: Component): void {
    this.faults.clear(component);
  }

  setTimeScale(scale: number): void {
    this.clock.timeScale = scale;
  }

  /** Sandbox files of every task: `<agent work dir>/…/executors/<taskId>/runs/latest/{stdout,stderr}`. */
  sandboxDir(taskId: string): string | undefined {
    return this.sandboxes.dir(taskId);
  }

  sandboxFile(path: string): string | undefined {
    return this.sandboxes.file(path);
  }

  sandboxListing(dir: string): unknown[] | undefined {
    return this.sandboxes.listing(dir);
  }

  async stop(): Promise<void> {
    this.clock.stop();
    this.bus.stop();
    const servers = [...this.masters, ...this.marathons, this.agentServer, ...this.agentAliases, this.jenkinsServer, this.controlServer];
    await Promise.all(servers.filter(Boolean).map((s) => s.stop()));
  }
}
