/**
 * Jenkins as the seed runs it: a controller in the Marathon app `/jenkins` (JENKINS_HOME on a host path, so its
 * jobs stay on the agent it ran on unless `jenkinsHomeShared`), a queue, builds of configurable duration, and the
 * Mesos plugin (2.x): a queued build on label `mesos` launches an agent task through the "Jenkins Scheduler"
 * framework, named `jenkins-agent-<label>-<uuid>` like its Jenkins node (`MesosAgentSpecTemplate.generateName`),
 * with one executor; it joins `/computer` once RUNNING and is killed after `idleTerminationMs` idle
 * (`integration/MesosJenkinsAgentLifecycleTest` testRetentionStrategy, MesosRetentionStrategy → KillPod).
 */
import { randomUUID } from 'node:crypto';
import type { SimClock } from './clock.ts';
import type { MarathonEngine } from './marathon-engine.ts';
import { TERMINAL, type MesosMaster } from './mesos-master.ts';
import type { SimOptions } from './options.ts';
import { place } from './placement.ts';
import type { SimFramework, SimState, SimTask } from './state.ts';

export interface SimBuild {
  number: number;
  queueId: number;
  result: string | null;
  building: boolean;
  timestamp: number;
  duration: number;
  builtOn: string;
  params: Record<string, string>;
}

export interface SimJob {
  name: string;
  configXml: string;
  label: string | undefined;
  durationMs: number | undefined;
  /** Result its builds finish with (undefined: the engine's default, SUCCESS unless set). */
  result: string | undefined;
  builds: SimBuild[];
  nextBuildNumber: number;
}

export interface SimQueueItem {
  id: number;
  job: string;
  params: Record<string, string>;
  inQueueSince: number;
  why: string | null;
  left?: { number?: number; cancelled: boolean; at: number };
}

export interface SimComputer {
  name: string;
  label: string;
  numExecutors: number;
  busy: number;
  offline: boolean;
  mesosTaskId?: string;
  idleTimer?: NodeJS.Timeout;
}

interface JenkinsHome {
  jobs: Map<string, SimJob>;
}

export function jobXml(label?: string): string {
  const node = label ? `<assignedNode>${label}</assignedNode><canRoam>false</canRoam>` : '<canRoam>true</canRoam>';
  return `<?xml version='1.1' encoding='UTF-8'?><project><builders/>${node}</project>`;
}

/**
 * What a config.xml sets here: the label (`assignedNode`) and, for a freestyle job whose shell step is `sleep N`
 * (the seed's elasticity test), a build duration of N simulated seconds.
 */
function jobSettings(configXml: string): { label: string | undefined; durationMs: number | undefined } {
  const label = /<assignedNode>([^<]*)<\/assignedNode>/.exec(configXml)?.[1];
  const sleep = /<hudson\.tasks\.Shell>\s*<command>\s*sleep\s+(\d+)\s*<\/command>/.exec(configXml)?.[1];
  return { label, durationMs: sleep === undefined ? undefined : Number(sleep) * 1000 };
}

export class JenkinsEngine {
  readonly queue = new Map<number, SimQueueItem>();
  readonly computers = new Map<string, SimComputer>();
  readonly scripts: string[] = [];
  crumb = randomUUID().replaceAll('-', '');
  private readonly homes = new Map<string, JenkinsHome>();
  private homeKey = 'seed';
  private defaultResult = 'SUCCESS';
  private nextQueueId = 1;
  private readonly state: SimState;
  private readonly clock: SimClock;
  private readonly opts: SimOptions;
  private readonly framework: SimFramework;
  private readonly mesos: MesosMaster;

  constructor(state: SimState, clock: SimClock, opts: SimOptions, framework: SimFramework, marathon: MarathonEngine, mesos: MesosMaster) {
    this.state = state;
    this.clock = clock;
    this.opts = opts;
    this.framework = framework;
    this.mesos = mesos;
    this.computers.set('master', { name: 'master', label: 'master', numExecutors: 2, busy: 0, offline: false });
    marathon.onTaskChange((task) => this.followController(task));
    mesos.subscribe(framework.id, (task, st) => this.onAgentStatus(task, st.state));
  }

  /** Jenkins answers only while its controller task runs (or when it is not run on Marathon at all). */
  get up(): boolean {
    if (!this.state.apps.has('/jenkins')) return !this.opts.deployJenkins;
    return [...this.state.tasks.values()].some((t) => t.appId === '/jenkins' && t.state === 'TASK_RUNNING');
  }

  get jobs(): Map<string, SimJob> {
    let home = this.homes.get(this.homeKey);
    if (!home) this.homes.set(this.homeKey, (home = { jobs: new Map() }));
    return home.jobs;
  }

  /** Sets the number of jobs (creating job-1…job-n or removing the last ones). */
  setJobCount(n: number): void {
    const jobs = this.jobs;
    for (let i = jobs.size + 1; i <= n; i++) this.createJob(`job-${i}`, jobXml(i % 2 === 0 ? this.opts.pluginAgent.label : undefined));
    for (const name of [...jobs.keys()].slice(n)) jobs.delete(name);
  }

  /** Build duration in simulated ms for one job, or the default for all (jobs without their own). */
  setBuildDuration(ms: number, job?: string): void {
    if (job === undefined) {
      this.opts.buildDurationMs = ms;
      return;
    }
    const j = this.jobs.get(job);
    if (!j) throw new Error(`no job ${job}`);
    j.durationMs = ms;
  }

  /** Result builds finish with (SUCCESS, FAILURE, UNSTABLE, ABORTED…) for one job, or the default for all. */
  setBuildResult(result: string, job?: string): void {
    if (job === undefined) {
      this.defaultResult = result;
      return;
    }
    const j = this.jobs.get(job);
    if (!j) throw new Error(`no job ${job}`);
    j.result = result;
  }

  createJob(name: string, configXml: string): boolean {
    if (this.jobs.has(name)) return false;
    this.jobs.set(name, { name, configXml, ...jobSettings(configXml), result: undefined, builds: [], nextBuildNumber: 1 });
    return true;
  }

  /** `POST /job/<n>/config.xml`: the job's new configuration (label, `sleep N`); false for an unknown job. */
  updateJob(name: string, configXml: string): boolean {
    const job = this.jobs.get(name);
    if (!job) return false;
    Object.assign(job, { configXml, ...jobSettings(configXml) });
    return true;
  }

  /** Queues a build; returns the queue item id. */
  trigger(jobName: string, params: Record<string, string>): number | undefined {
    if (!this.jobs.has(jobName)) return undefined;
    const id = this.nextQueueId++;
    this.queue.set(id, { id, job: jobName, params, inQueueSince: Date.now(), why: 'Waiting for next available executor' });
    this.dispatch();
    return id;
  }

  /** Starts what can start: free executors first, then Mesos agents for `mesos`-labelled work. */
  dispatch(): void {
    for (const item of this.queue.values()) {
      if (item.left) continue;
      const job = this.jobs.get(item.job);
      if (!job) continue;
      const label = job.label ?? 'master';
      const computer = [...this.computers.values()].find(
        (c) => c.label === label && !c.offline && c.busy < c.numExecutors,
      );
      if (computer) this.start(item, job, computer);
      else if (label === this.opts.pluginAgent.label && !this.launchingFor(item)) this.launchAgent(item);
    }
  }

  /** Expires left items after 5 minutes, as Jenkins' queue cache does. */
  expireLeftItems(now = Date.now()): void {
    for (const [id, item] of this.queue) if (item.left && now - item.left.at > this.clock.real(300_000)) this.queue.delete(id);
  }

  /** The plugin's agent task: online once RUNNING; gone (build aborted) once terminal or unreachable. */
  private onAgentStatus(task: SimTask, state: string): void {
    const computer = [...this.computers.values()].find((c) => c.mesosTaskId === task.id);
    if (!computer) return;
    if (state === 'TASK_RUNNING') {
      computer.offline = false;
      for (const [item, name] of this.pending) if (name === task.id) this.pending.delete(item);
      this.dispatch();
      // An agent that got no build (another took it) is idle from the start: the retention strategy ends it too.
      if (computer.busy === 0 && !computer.idleTimer) this.scheduleIdleTermination(computer);
    } else if (TERMINAL.has(state) || state === 'TASK_UNREACHABLE') this.dropComputerOfTask(task);
  }

  /** An agent task died with its Mesos agent: the computer goes away, its build is aborted. */
  dropComputerOfTask(task: SimTask): void {
    for (const c of this.computers.values()) {
      if (c.mesosTaskId !== task.id) continue;
      this.computers.delete(c.name);
      for (const job of this.jobs.values()) {
        for (const b of job.builds) if (b.building && b.builtOn === c.name) Object.assign(b, { building: false, result: 'ABORTED' });
      }
    }
  }

  private pending = new Map<number, string>();

  private launchingFor(item: SimQueueItem): boolean {
    return this.pending.has(item.id);
  }

  private launchAgent(item: SimQueueItem): void {
    const p = this.opts.pluginAgent;
    const agent = place(this.state.agents, { cpus: p.cpus, mem: p.memMb, disk: 0 });
    if (!agent) {
      item.why = `All nodes of label '${p.label}' are offline`;
      return;
    }
    const name = `jenkins-agent-${p.label}-${randomUUID()}`;
    const task: SimTask = {
      id: name,
      instanceId: name,
      name,
      frameworkId: this.framework.id,
      agentId: agent.id,
      state: 'TASK_STAGING',
      cpus: p.cpus,
      mem: p.memMb,
      disk: 0,
      ports: [],
      stagedAt: Date.now(),
      version: new Date().toISOString(),
      stdout: `java -jar \${MESOS_SANDBOX}/agent.jar -noReconnect -jnlpUrl <jenkins>/computer/${name}/slave-agent.jnlp\n`,
      stderr: '',
    };
    this.pending.set(item.id, name);
    // One executor each: the 2.x plugin hard-codes numExecutors 1 (MesosJenkinsAgent).
    const computer: SimComputer = { name, label: p.label, numExecutors: 1, busy: 0, offline: true, mesosTaskId: task.id };
    this.computers.set(name, computer);
    item.why = `Waiting for next available executor on ${p.label}`;
    this.mesos.launch(task, p.launchMs);
  }

  private start(item: SimQueueItem, job: SimJob, computer: SimComputer): void {
    const build: SimBuild = {
      number: job.nextBuildNumber++,
      queueId: item.id,
      result: null,
      building: true,
      timestamp: Date.now(),
      duration: 0,
      builtOn: computer.name === 'master' ? '' : computer.name,
      params: item.params,
    };
    job.builds.unshift(build);
    item.left = { number: build.number, cancelled: false, at: Date.now() };
    item.why = null;
    computer.busy++;
    if (computer.idleTimer) this.clock.cancel(computer.idleTimer);
    this.clock.after(job.durationMs ?? this.opts.buildDurationMs, () => {
      if (!build.building) return;
      build.building = false;
      build.result = job.result ?? this.defaultResult;
      build.duration = Date.now() - build.timestamp;
      computer.busy = Math.max(0, computer.busy - 1);
      if (computer.mesosTaskId && computer.busy === 0) this.scheduleIdleTermination(computer);
      this.dispatch();
    });
  }

  private scheduleIdleTermination(computer: SimComputer): void {
    computer.idleTimer = this.clock.after(this.opts.pluginAgent.idleTerminationMs, () => {
      if (computer.busy > 0 || !this.computers.has(computer.name)) return;
      this.computers.delete(computer.name);
      const task = computer.mesosTaskId ? this.state.tasks.get(computer.mesosTaskId) : undefined;
      if (task) this.mesos.kill(task);
    });
  }

  /** When the controller task starts on a host, Jenkins sees that host's JENKINS_HOME. */
  private followController(task: SimTask): void {
    if (task.appId !== '/jenkins') return;
    // The scheduler lives in the controller: it is connected to Mesos only while the controller runs.
    this.framework.active = task.state === 'TASK_RUNNING';
    if (task.state !== 'TASK_RUNNING') return;
    const host = this.state.agents.get(task.agentId)?.hostname ?? 'unknown';
    this.framework.hostname = host;
    if (this.opts.jenkinsHomeShared) return;
    if (this.homeKey === 'seed') {
      const seed = this.homes.get('seed');
      this.homes.delete('seed');
      if (seed) this.homes.set(host, seed);
    }
    this.homeKey = host;
  }
}
