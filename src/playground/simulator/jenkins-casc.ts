/**
 * Jenkins' configuration-as-code plugin, for the clouds part: `POST /configuration-as-code/export` (the live
 * configuration as YAML), `/check` (a YAML body's warnings, `[{line, warning}]`) and `/apply` (configures Jenkins
 * with a YAML body), all Overall/Administer and POST only (`ConfigurationAsCode.doExport/doCheck/doApply`). The
 * Mesos cloud is the plugin 2.x's (`jenkins.clouds[].mesos`, keys of `MesosCloud` and `MesosAgentSpecTemplate`,
 * shared/reference/JENKINS-ON-MARATHON.md §5); `${VAR:-default}` is expanded as JCasC does (no variables set
 * here, so the default), `^${` escapes. An unknown key is a ConfiguratorException ("Invalid configuration
 * elements for type …"). The clouds are kept per JENKINS_HOME (they live in its config.xml); applying a Mesos
 * cloud also resizes the simulated plugin's agents (label, cpus, mem, idle termination).
 */
import { parse, stringify } from 'yaml';
import type { JenkinsEngine } from './jenkins-engine.ts';
import type { SimOptions } from './options.ts';

type Obj = Record<string, unknown>;

const CLOUD_KEYS = ['mesosMasterUrl', 'frameworkName', 'frameworkId', 'role', 'agentUser', 'jenkinsURL', 'mesosAgentSpecTemplates'];
const TEMPLATE_KEYS = [
  'label', 'mode', 'cpus', 'mem', 'disk', 'idleTerminationMinutes', 'minExecutors', 'maxExecutors', 'jnlpArgs', 'agentAttributes',
  'agentCommandStyle', 'domainFilterModel', 'additionalURIs', 'containerInfo',
];
const CONTAINER_KEYS = ['type', 'dockerImage', 'networking', 'dockerPrivilegedMode', 'dockerForcePullImage', 'isDind', 'volumes'];
const ENUMS: Record<string, readonly string[]> = {
  mode: ['EXCLUSIVE', 'NORMAL'], type: ['DOCKER', 'MESOS'], networking: ['HOST', 'BRIDGE', 'USER', 'NONE'],
  agentCommandStyle: ['Linux', 'Windows'], domainFilterModel: ['home', 'any'],
};
const CLASSES = {
  cloud: 'org.jenkinsci.plugins.mesos.MesosCloud',
  template: 'org.jenkinsci.plugins.mesos.MesosAgentSpecTemplate',
  container: 'org.jenkinsci.plugins.mesos.MesosAgentSpecTemplate$ContainerInfo',
};

/** A configuration-as-code failure: what Jenkins answers 500 with. */
export class ConfiguratorError extends Error {}

export class JenkinsCasc {
  private readonly homes = new WeakMap<object, unknown[]>();
  private readonly engine: JenkinsEngine;
  private readonly opts: SimOptions;

  constructor(opts: SimOptions, engine: JenkinsEngine, seed: { frameworkId: string; jenkinsUrl: string }) {
    this.opts = opts;
    this.engine = engine;
    // The seed configured its Mesos cloud by hand (seed step 4); what the simulated plugin runs with. A seed home whose
    // setup wizard is still pending is a new install: nobody has configured a cloud in it yet.
    const p = opts.pluginAgent;
    this.homes.set(engine.jobs, opts.jenkinsSetupWizard === 'pending' ? [] : [{
      mesos: {
        mesosMasterUrl: `${opts.masterHostname}:5050`, frameworkName: 'Jenkins Scheduler', frameworkId: seed.frameworkId, role: '*',
        agentUser: 'root', jenkinsURL: seed.jenkinsUrl,
        mesosAgentSpecTemplates: [{
          label: p.label, mode: 'EXCLUSIVE', cpus: p.cpus, mem: p.memMb, disk: 0, idleTerminationMinutes: Math.round(p.idleTerminationMs / 60_000),
          minExecutors: 0, maxExecutors: 1, jnlpArgs: '-noReconnect', agentAttributes: '', agentCommandStyle: 'Linux', domainFilterModel: 'home',
          containerInfo: { type: 'DOCKER', dockerImage: 'jenkins/inbound-agent:latest-jdk21', networking: 'HOST', dockerPrivilegedMode: false, dockerForcePullImage: false, isDind: false },
        }],
      },
    }]);
  }

  /** The clouds of the current home (a fresh home has none). */
  get clouds(): unknown[] {
    return this.homes.get(this.engine.jobs) ?? [];
  }

  /** The live configuration, as the export writes it: numbers as numbers (the getters' types). */
  export(): string {
    return stringify({
      jenkins: { mode: 'NORMAL', numExecutors: 2, clouds: structuredClone(this.clouds) },
      unclassified: { location: { url: null } },
    });
  }

  /** Warnings for a document (empty: it would apply). */
  check(body: string): Array<{ line: number | null; warning: string }> {
    try {
      this.read(body);
      return [];
    } catch (err) {
      if (!(err instanceof ConfiguratorError)) throw err;
      return [{ line: null, warning: err.message }];
    }
  }

  /** Applies a document: `jenkins.clouds`, when present, replaces the home's clouds. */
  apply(body: string): void {
    const clouds = this.read(body)?.map(typed);
    if (clouds === undefined) return;
    this.homes.set(this.engine.jobs, clouds);
    const mesos = clouds.map((c) => (isObj(c) ? c.mesos : undefined)).find(isObj);
    const t = Array.isArray(mesos?.mesosAgentSpecTemplates) ? mesos.mesosAgentSpecTemplates.find(isObj) : undefined;
    if (!t) return;
    const p = this.opts.pluginAgent;
    this.opts.pluginAgent = {
      ...p, label: String(t.label ?? p.label), cpus: Number(t.cpus ?? p.cpus), memMb: Number(t.mem ?? p.memMb),
      idleTerminationMs: Number(t.idleTerminationMinutes ?? p.idleTerminationMs / 60_000) * 60_000,
    };
  }

  /** Parses and validates a document; returns its `jenkins.clouds` (undefined when it sets none). */
  private read(body: string): unknown[] | undefined {
    let doc: unknown;
    try {
      doc = expand(parse(body));
    } catch (err) {
      throw new ConfiguratorError(`io.jenkins.plugins.casc.ConfiguratorException: the YAML does not parse: ${(err as Error).message.split('\n')[0]}`);
    }
    if (!isObj(doc)) throw new ConfiguratorError('io.jenkins.plugins.casc.ConfiguratorException: the document is not a mapping');
    const jenkins = doc.jenkins;
    if (jenkins === undefined || !isObj(jenkins) || jenkins.clouds === undefined) return undefined;
    if (!Array.isArray(jenkins.clouds)) throw new ConfiguratorError('io.jenkins.plugins.casc.ConfiguratorException: clouds: expected a list');
    for (const c of jenkins.clouds) {
      if (!isObj(c) || !isObj(c.mesos)) continue;
      known(c.mesos, CLOUD_KEYS, CLASSES.cloud);
      for (const t of Array.isArray(c.mesos.mesosAgentSpecTemplates) ? c.mesos.mesosAgentSpecTemplates : []) {
        if (!isObj(t)) throw new ConfiguratorError(`io.jenkins.plugins.casc.ConfiguratorException: ${CLASSES.template}: expected a mapping`);
        known(t, TEMPLATE_KEYS, CLASSES.template);
        for (const k of ['cpus', 'mem', 'disk']) {
          if (t[k] !== undefined && !Number.isFinite(Number(t[k]))) throw new ConfiguratorError(`java.lang.NumberFormatException: For input string: "${String(t[k])}"`);
        }
        if (isObj(t.containerInfo)) known(t.containerInfo, CONTAINER_KEYS, CLASSES.container);
      }
    }
    return jenkins.clouds as unknown[];
  }
}

/** As Jenkins holds a cloud after binding it: a template's cpus, mem and disk are numbers (the export writes them so). */
function typed(cloud: unknown): unknown {
  if (!isObj(cloud) || !isObj(cloud.mesos) || !Array.isArray(cloud.mesos.mesosAgentSpecTemplates)) return cloud;
  const templates = cloud.mesos.mesosAgentSpecTemplates.map((t: unknown) => {
    if (!isObj(t)) return t;
    const out: Obj = { ...t };
    for (const k of ['cpus', 'mem', 'disk']) if (out[k] !== undefined) out[k] = Number(out[k]);
    return out;
  });
  return { ...cloud, mesos: { ...cloud.mesos, mesosAgentSpecTemplates: templates } };
}

function known(o: Obj, keys: readonly string[], cls: string): void {
  const bad = Object.keys(o).filter((k) => !keys.includes(k));
  if (bad.length > 0) {
    throw new ConfiguratorError(`io.jenkins.plugins.casc.ConfiguratorException: Invalid configuration elements for type class ${cls} : ${bad.join(',')}.\nAvailable attributes : ${keys.join(', ')}`);
  }
  for (const [k, allowed] of Object.entries(ENUMS)) {
    if (o[k] !== undefined && !allowed.includes(String(o[k]))) {
      throw new ConfiguratorError(`io.jenkins.plugins.casc.ConfiguratorException: ${cls}.${k}: no enum constant ${String(o[k])} (one of ${allowed.join(', ')})`);
    }
  }
}

/** JCasC variable expansion with no variables set: `${X:-d}` → d, `${X}` → '', `^${` → a literal `${`. */
function expand(v: unknown): unknown {
  if (typeof v === 'string') {
    return v.replace(/\^?\$\{([^}:]*)(?::-([^}]*))?\}/g, (all: string, _name: string, dflt: string | undefined) => (all.startsWith('^') ? all.slice(1) : (dflt ?? '')));
  }
  if (Array.isArray(v)) return v.map(expand);
  if (isObj(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, expand(x)]));
  return v;
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
