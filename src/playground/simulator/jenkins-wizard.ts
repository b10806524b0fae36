/**
 * Jenkins' setup wizard, per JENKINS_HOME (`jenkins.install.SetupWizard`; shared/reference/JENKINS-ON-MARATHON.md
 * §2, §6). On a new install — the controller starting on a home it never ran on — Jenkins creates the user `admin`
 * with a generated password (a dash-free lowercase UUID, kept in `secrets/initialAdminPassword`) and logs the
 * banner once, as one INFO record of java.util.logging, whose console handler writes to stderr: the Docker executor
 * streams it into the sandbox's `stderr` (`jenkinsLogStream: 'stdout'` puts it in stdout instead). `admin` + that
 * password sign in until the wizard is completed, which deletes the file. The start-up log before the banner is
 * `jenkinsBootLogBytes` long, so a reader must page through `/files/read` (64 KiB per call) to reach it.
 *
 * Homes are told apart by the engine's job map of each home (the object moves with the home, see JenkinsEngine).
 */
import { randomUUID } from 'node:crypto';
import type { JenkinsEngine } from './jenkins-engine.ts';
import type { MarathonEngine } from './marathon-engine.ts';
import type { SimOptions } from './options.ts';
import type { SimState, SimTask } from './state.ts';

type WizardState = { done: true } | { done: false; password: string; logged: boolean };

const STARS = '*************************************************************';

export class JenkinsWizard {
  private readonly homes = new WeakMap<object, WizardState>();
  /** Controller tasks whose start-up was logged (Marathon reports a running task again on health changes). */
  private readonly started = new WeakSet<SimTask>();
  private readonly engine: JenkinsEngine;
  private readonly state: SimState;
  private readonly opts: SimOptions;

  constructor(state: SimState, opts: SimOptions, engine: JenkinsEngine, marathon: MarathonEngine) {
    this.state = state;
    this.opts = opts;
    this.engine = engine;
    // The seed's home was set up through the wizard already, unless the options say it was not.
    this.homes.set(engine.jobs, opts.jenkinsSetupWizard === 'pending' ? fresh() : { done: true });
    // Registered after the engine's own listener, so `engine.jobs` is already the home of the new task's host.
    marathon.onTaskChange((task) => this.onController(task));
  }

  /** The wizard of the current home: its password while it is open. */
  get current(): { done: boolean; password?: string } {
    const s = this.stateOfCurrent();
    return s.done ? { done: true } : { done: false, password: s.password };
  }

  /** Completes the wizard (the first admin user is created): the password file is deleted, `admin` + it stop working. */
  complete(): void {
    this.homes.set(this.engine.jobs, { done: true });
  }

  /** True for `Authorization: Basic admin:<password>` while the current home's wizard is open. */
  accepts(authorization: string | undefined): boolean {
    const s = this.stateOfCurrent();
    if (s.done || !authorization) return false;
    return authorization === `Basic ${Buffer.from(`admin:${s.password}`).toString('base64')}`;
  }

  private stateOfCurrent(): WizardState {
    const home = this.engine.jobs;
    let s = this.homes.get(home);
    if (!s) this.homes.set(home, (s = fresh()));
    return s;
  }

  private onController(task: SimTask): void {
    if (task.appId !== '/jenkins' || task.state !== 'TASK_RUNNING' || this.started.has(task)) return;
    this.started.add(task);
    const s = this.stateOfCurrent();
    const log = bootLog(this.opts.jenkinsBootLogBytes);
    // The banner is logged on a new install only, not on later starts while the wizard is still open.
    const banner = !s.done && !s.logged ? this.banner(s.password, task) : '';
    if (!s.done) s.logged = true;
    const text = `${log}${banner}${line('jenkins.InitReactorRunner$1#onAttained', 'Completed initialization')}${line('hudson.lifecycle.Lifecycle#onReady', 'Jenkins is fully up and running')}`;
    if (this.opts.jenkinsLogStream === 'stdout') task.stdout += text;
    else task.stderr += text;
  }

  private banner(password: string, task: SimTask): string {
    const env = this.state.apps.get(task.appId ?? '')?.definition.env as Record<string, unknown> | undefined;
    const home = typeof env?.JENKINS_HOME === 'string' ? env.JENKINS_HOME : '/var/jenkins_home';
    return [
      `${stamp()} [id=32]\tINFO\tjenkins.install.SetupWizard#init: `,
      '',
      STARS, STARS, STARS,
      '',
      'Jenkins initial setup is required. An admin user has been created and a password generated.',
      'Please use the following password to proceed to installation:',
      '',
      password,
      '',
      `This may also be found at: ${home}/secrets/initialAdminPassword`,
      '',
      STARS, STARS, STARS,
      '',
    ].join('\n');
  }
}

function fresh(): WizardState {
  return { done: false, password: randomUUID().replaceAll('-', ''), logged: false };
}

function stamp(): string {
  return new Date().toISOString().replace('T', ' ').replace('Z', '+0000');
}

function line(logger: string, msg: string): string {
  return `${stamp()} [id=28]\tINFO\t${logger}: ${msg}\n`;
}

/** Jenkins' start-up lines (plugins loading …) up to about `bytes`. */
function bootLog(bytes: number): string {
  const lines = [line('winstone.Logger#logInternal', 'Beginning extraction from war file'), line('org.eclipse.jetty.server.Server#doStart', 'jetty-12.0.22; built: 2026-06-01T00:00:00.000Z; git: sim; jvm 21.0.7+6-LTS')];
  let size = lines.reduce((n, l) => n + l.length, 0);
  for (let i = 0; size < bytes; i++) {
    const l = line('jenkins.InitReactorRunner$1#onAttained', `Loaded plugin ${i} of the bundled set: sim-plugin-${i}:1.${i % 97}.${i % 13}`);
    lines.push(l);
    size += l.length;
  }
  return lines.join('');
}
