/**
 * The running simulation: state + engines + servers, and the control methods tests call in-process (the control
 * HTTP API maps onto the same methods).
 */
import { SimClock } from './clock.ts';
import { EventBus } from './events.ts';
import { Faults, type Component, type Fault } from './faults.ts';
import { JenkinsEngine } from './jenkins-engine.ts';
import { MarathonEngine } from './marathon-engine.ts';
import type { MasterInfo } from './mesos-views.ts';
import type { SimOptions } from './options.ts';
import type { SimServer } from './http-util.ts';
import { addAgent, addFramework, agentLog, endTask, type SimAgent, type SimState } from './state.ts';

export interface AgentSpec {
  hostname: string;
  ip?: string;
  cpus?: number;
  memMb?: number;
  diskMb?: number;
  attributes?: Record<string, string>;
}

export class Simulation {
  readonly opts: SimOptions;
  readonly state: SimState;
  readonly clock: SimClock;
  readonly bus: EventBus;
  readonly faults = new Faults();
  readonly marathon: MarathonEngine;
  readonly jenkins: JenkinsEngine;
  masters: SimServer[] = [];
  marathons: SimServer[] = [];
  agentServer!: SimServer;
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
    const marathonFw = addFramework(state, 'marathon', opts.masterHostname, `http://${opts.masterHostname}:8080`);
    const jenkinsFw = addFramework(state, 'jenkins', 'slave1', 'http://slave1:8080');
    this.marathon = new MarathonEngine(state, this.bus, this.clock, opts, marathonFw);
    this.jenkins = new JenkinsEngine(state, this.clock, opts, jenkinsFw, this.marathon);
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

  /** A new agent registers (or a known one re-registers) and offers its resources. */
  addAgent(spec: AgentSpec): SimAgent {
    const known = this.state.agentsByHost.get(spec.hostname);
    if (known) {
      known.active = true;
      agentLog(known, `Re-registered with master ${this.mesosLeaderAddress() ?? '(none)'}`);
      this.marathon.retryQueue();
      return known;
    }
    const a = addAgent(this.state, {
      hostname: spec.hostname,
      ip: spec.ip ?? '127.0.0.1',
      cpus: spec.cpus ?? 2,
      memMb: spec.memMb ?? 3789,
      diskMb: spec.diskMb ?? 35_000,
      ...(spec.attributes ? { attributes: spec.attributes } : {}),
    });
    agentLog(a, `Registered with master master@${this.mesosLeaderAddress() ?? '(none)'}; given agent ID ${a.id}`);
    this.marathon.retryQueue();
    this.jenkins.dispatch();
    return a;
  }

  /** The agent disappears: Marathon tasks become unreachable and are replaced, plugin agents vanish. */
  loseAgent(hostname: string): void {
    const a = this.agent(hostname);
    agentLog(a, 'Agent lost: master marked it unreachable');
    for (const t of [...this.state.tasks.values()]) if (t.agentId === a.id && !t.appId) this.jenkins.dropComputerOfTask(t);
    this.marathon.loseAgent(a);
    for (const t of [...this.state.tasks.values()]) {
      if (t.agentId === a.id && !t.appId) endTask(this.state, t, 'TASK_LOST');
    }
  }

  restoreAgent(hostname: string): void {
    const a = this.agent(hostname);
    a.active = true;
    agentLog(a, 'Agent re-registered');
    this.marathon.retryQueue();
  }

  /** Kills a task as if it died on its own (default TASK_FAILED); Marathon replaces it. */
  killTask(taskId: string, state = 'TASK_FAILED', message = 'Container exited with status 137'): void {
    const t = this.state.tasks.get(taskId) ?? [...this.state.tasks.values()].find((x) => x.instanceId === taskId);
    if (!t) throw new Error(`no task ${taskId}`);
    this.marathon.killTask(t, { state, message });
  }

  /** Makes a task's health check fail (or pass again). */
  failHealth(taskId: string, failing = true): void {
    const t = this.state.tasks.get(taskId);
    if (!t) throw new Error(`no task ${taskId}`);
    t.failHealth = failing;
  }

  /** Moves leadership; with `stopOld` the previous leader stops listening (connections refused). */
  async setLeader(component: 'mesos' | 'marathon', index: number | undefined, opts: { stopOld?: boolean } = {}) {
    const servers = component === 'mesos' ? this.masters : this.marathons;
    const old = component === 'mesos' ? this.mesosLeader : this.marathonLeader;
    if (component === 'mesos') this.mesosLeader = index;
    else this.marathonLeader = index;
    this.electedAt = Date.now();
    if (component === 'marathon') this.bus.drop(); // the event stream closes on leader change
    const oldServer = old === undefined ? undefined : servers[old];
    if (opts.stopOld && old !== index && oldServer) await oldServer.stop();
    const next = index === undefined ? undefined : servers[index];
    if (next && !next.running) await next.start();
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
    const t = this.state.tasks.get(taskId) ?? this.state.completed.find((x) => x.id === taskId);
    if (!t) return undefined;
    return `/var/lib/mesos/slaves/${t.agentId}/frameworks/${t.frameworkId}/executors/${t.id}/runs/latest`;
  }

  sandboxFile(path: string): string | undefined {
    const m = /\/executors\/([^/]+)\/runs\/latest\/(stdout|stderr)$/.exec(path);
    const t = m?.[1] ? (this.state.tasks.get(m[1]) ?? this.state.completed.find((x) => x.id === m[1])) : undefined;
    if (!t || !m || this.sandboxDir(t.id) !== path.replace(/\/(stdout|stderr)$/, '')) return undefined;
    return m[2] === 'stdout' ? t.stdout : t.stderr;
  }

  sandboxListing(dir: string): unknown[] | undefined {
    const files = ['stdout', 'stderr'].map((f) => ({ f, c: this.sandboxFile(`${dir.replace(/\/$/, '')}/${f}`) }));
    if (files.some((x) => x.c === undefined)) return undefined;
    const mtime = Math.floor(Date.now() / 1000);
    return files.map(({ f, c }) => ({
      path: `${dir.replace(/\/$/, '')}/${f}`,
      mode: '-rw-r--r--',
      mtime,
      nlink: 1,
      size: Buffer.byteLength(c ?? ''),
      uid: 'root',
      gid: 'root',
    }));
  }

  async stop(): Promise<void> {
    this.clock.stop();
    this.bus.stop();
    const servers = [...this.masters, ...this.marathons, this.agentServer, this.jenkinsServer, this.controlServer];
    await Promise.all(servers.filter(Boolean).map((s) => s.stop()));
  }
}
