/**
 * The Mesos cloud of config `jenkins.cloud`, as the configuration-as-code YAML of the Mesos plugin 2.x
 * (`jenkins.clouds[].mesos`, keys and value types as the plugin's own `configuration.yaml`: cpus, mem and disk are
 * strings); the plugin-1.x fields of the seed manual explained, not rendered; and a field-by-field diff against the
 * cloud Jenkins exports. Pure.
 */
import { parse, stringify } from 'yaml';
import type { JenkinsCloudConfig } from '../../config/jenkins-cloud.ts';

export type Cloud = Record<string, unknown>;

/** What the cloud takes from the rest of the config when `jenkins.cloud` leaves it out. */
export interface CloudDefaults {
  mesosMasterUrl?: string;
  jenkinsUrl?: string;
  label: string;
  cpus: number;
  memMb: number;
  /** `jenkins.idleTerminationMinutes`, which `/ci smoke` expects the agents to be recycled within. */
  idleTerminationMinutes: number;
}

/** The `mesos:` object of one `jenkins.clouds[]` entry, and why any configured 1.x field is left out. */
export function desiredCloud(c: JenkinsCloudConfig, d: CloudDefaults): { cloud: Cloud; notes: string[]; missing: string[] } {
  const master = c.mesosMasterUrl ?? d.mesosMasterUrl;
  const jenkinsUrl = c.jenkinsUrl ?? d.jenkinsUrl;
  const missing = [
    ...(master ? [] : ['`jenkins.cloud.mesosMasterUrl` (or `cluster.mesos.urls`)']),
    ...(jenkinsUrl ? [] : ['`jenkins.cloud.jenkinsUrl` (or `cluster.jenkins.url`)']),
  ];
  const template = {
    label: c.label ?? d.label,
    mode: c.mode,
    cpus: decimalText(c.cpus ?? d.cpus),
    mem: String(c.memMb ?? d.memMb),
    disk: decimalText(c.diskMb),
    // The plugin takes whole minutes; a fraction is rounded up, so it never becomes 0 ("never terminate").
    idleTerminationMinutes: c.idleTerminationMinutes ?? Math.ceil(d.idleTerminationMinutes),
    minExecutors: c.minExecutors,
    maxExecutors: c.maxExecutors,
    jnlpArgs: '-noReconnect',
    agentAttributes: '',
    agentCommandStyle: 'Linux',
    domainFilterModel: 'home',
    containerInfo: {
      type: c.containerType,
      dockerImage: c.dockerImage,
      networking: c.networking,
      dockerPrivilegedMode: c.dockerPrivilegedMode,
      dockerForcePullImage: c.dockerForcePullImage,
      isDind: false,
    },
  };
  const cloud: Cloud = {
    mesosMasterUrl: master ?? '',
    frameworkName: c.frameworkName,
    ...(c.frameworkId ? { frameworkId: c.frameworkId } : {}),
    role: c.role,
    agentUser: c.agentUser,
    jenkinsURL: jenkinsUrl ?? '',
    mesosAgentSpecTemplates: [template],
  };
  return { cloud, notes: legacyNotes(c), missing };
}

/** Why each plugin-1.x field set in config is not rendered (JENKINS-ON-MARATHON.md §5; `MesosSlaveInfo` migration). */
function legacyNotes(c: JenkinsCloudConfig): string[] {
  const notes: string[] = [];
  if (c.onDemandRegistration !== undefined) {
    notes.push('`onDemandRegistration` is a plugin 1.x setting: 2.x registers its framework when Jenkins starts and keeps it registered. Not rendered.');
  }
  if (c.executorCpus !== undefined || c.executorMemMb !== undefined) {
    notes.push('`executorCpus`/`executorMemMb` are plugin 1.x settings (a task was agent size + n × executor size): 2.x agents have one executor and the task is the template\'s `cpus`/`mem`, so raise `cpus`/`memMb` instead. Not rendered.');
  }
  if (c.nativeLibraryPath !== undefined) {
    notes.push('`nativeLibraryPath` (libmesos) is plugin 1.x only: 2.x speaks the master\'s HTTP scheduler API. Not rendered.');
  }
  return notes;
}

/** `0.2` → "0.2", `1` → "1.0", as the plugin's own YAML writes decimals. */
function decimalText(n: number): string {
  return Number.isInteger(n) ? n.toFixed(1) : String(n);
}

/** Jenkins' configuration as exported: its `jenkins.clouds` list, split into the Mesos clouds and the others. */
export function cloudsOf(exported: string): { mesos: Cloud[]; others: unknown[] } {
  const doc: unknown = parse(exported);
  const clouds = isObject(doc) && isObject(doc.jenkins) && Array.isArray(doc.jenkins.clouds) ? doc.jenkins.clouds : [];
  const mesos: Cloud[] = [];
  const others: unknown[] = [];
  for (const c of clouds) {
    if (isObject(c) && isObject(c.mesos)) mesos.push(c.mesos);
    else others.push(c);
  }
  return { mesos, others };
}

/** The current Mesos cloud to compare with: the one of the same framework name, else the only one. */
export function matchingCloud(current: readonly Cloud[], frameworkName: unknown): Cloud | undefined {
  return current.find((c) => c.frameworkName === frameworkName) ?? (current.length === 1 ? current[0] : undefined);
}

/**
 * The YAML to apply: the other clouds as Jenkins has them (configuration-as-code replaces the whole list), then
 * the wanted Mesos cloud; a framework id Jenkins already uses is kept unless config pins one, so the plugin does
 * not register as a new framework.
 */
export function cascDocument(wanted: Cloud, current: Cloud | undefined, others: readonly unknown[]): string {
  const carried = wanted.frameworkId === undefined && typeof current?.frameworkId === 'string' && current.frameworkId !== ''
    ? { ...wanted, frameworkId: current.frameworkId }
    : wanted;
  return stringify({ jenkins: { clouds: [...others, { mesos: carried }] } });
}

/** The `mesos:` cloud alone, as YAML (what the answer shows). */
export function cloudYaml(cloud: Cloud): string {
  return stringify({ jenkins: { clouds: [{ mesos: cloud }] } });
}

export interface Change {
  path: string;
  was?: string;
  now?: string;
}

/**
 * Field-by-field differences from `current` to `wanted`, for the fields `wanted` sets (Jenkins exports more,
 * e.g. a generated `frameworkId`). Templates are matched by label. Values compare as text, numbers as numbers
 * ("512" and 512, "0.2" and 0.2 are equal: the export writes the plugin's getters).
 */
export function diffCloud(current: Cloud | undefined, wanted: Cloud): Change[] {
  const changes: Change[] = [];
  walk(current ?? {}, wanted, '', changes);
  return changes;
}

function walk(have: Record<string, unknown>, want: Record<string, unknown>, prefix: string, out: Change[]): void {
  for (const [key, w] of Object.entries(want)) {
    const path = prefix ? `${prefix}.${key}` : key;
    const h = have[key];
    if (key === 'mesosAgentSpecTemplates' && Array.isArray(w)) {
      const haveList = Array.isArray(h) ? h.filter(isObject) : [];
      for (const t of w.filter(isObject)) {
        const match = haveList.find((x) => x.label === t.label);
        walk(match ?? {}, t, `${path}[${String(t.label)}]`, out);
      }
      for (const extra of haveList.filter((x) => !w.some((t) => isObject(t) && t.label === x.label))) {
        out.push({ path: `${path}[${String(extra.label)}]`, was: 'template', now: undefined });
      }
    } else if (isObject(w)) {
      walk(isObject(h) ? h : {}, w, path, out);
    } else if (!same(h, w)) {
      out.push({ path, ...(h === undefined ? {} : { was: text(h) }), now: text(w) });
    }
  }
}

function same(a: unknown, b: unknown): boolean {
  if (a === undefined || b === undefined) return a === b;
  const num = (v: unknown) => (typeof v === 'number' || (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) ? Number(v) : undefined);
  const na = num(a);
  const nb = num(b);
  if (na !== undefined && nb !== undefined) return na === nb;
  return text(a) === text(b);
}

function text(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
