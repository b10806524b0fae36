/**
 * The Jenkins Marathon app `/ci deploy jenkins` submits: the template in `config/` (a Marathon app JSON) with the
 * values of `deploy.jenkins.*` put over it, checked against what running Jenkins on Marathon needs
 * (JENKINS-ON-MARATHON.md §1, §4): a Docker image, host networking, JENKINS_HOME on a host volume, a MESOS_HTTP
 * health check on `/login` with a grace period long enough for Jenkins to start, upgradeStrategy {0, 0} so two
 * Jenkins never share a home. Problems stop the deploy (nothing is sent); doubtful values are warnings.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as z from 'zod';
import { PermanentError } from '../../core/errors.ts';
import { imageArg } from '../../chat/validators.ts';
import type { Config } from '../../config/schema.ts';

export type AppDefinition = { id: string } & Record<string, unknown>;

export interface RenderedApp {
  app: AppDefinition;
  image: string;
  warnings: string[];
  /** Where the template was read from (shown in messages). */
  source: string;
}

const JENKINS_HOME = '/var/jenkins_home';
/** Jenkins' documented minimum (installation requirements); the seed runs at exactly this. */
const MIN_MEM_MB = 256;

const HealthCheck = z.looseObject({
  protocol: z.string().optional(),
  path: z.string().optional(),
  gracePeriodSeconds: z.number().optional(),
  maxConsecutiveFailures: z.number().optional(),
});
const Template = z.looseObject({
  cpus: z.number().positive('must be more than 0').optional(),
  mem: z.number().positive('must be more than 0').optional(),
  instances: z.number().int().optional(),
  container: z.looseObject({
    type: z.literal('DOCKER', 'must be DOCKER (the seed runs Jenkins in Docker)'),
    docker: z.looseObject({ image: z.string(), network: z.string().optional() }),
    volumes: z.array(z.looseObject({ containerPath: z.string(), hostPath: z.string().optional(), mode: z.string().optional() })).default([]),
  }),
  networks: z.array(z.looseObject({ mode: z.string() })).optional(),
  healthChecks: z.array(HealthCheck).default([]),
  upgradeStrategy: z.looseObject({ minimumHealthCapacity: z.number().optional(), maximumOverCapacity: z.number().optional() }).optional(),
  constraints: z.array(z.array(z.string())).default([]),
  env: z.record(z.string(), z.unknown()).default({}),
});

/** Reads the template, applies the config and checks the result. @throws PermanentError('config') listing every problem */
export function renderJenkinsApp(config: Config, cwd = process.cwd()): RenderedApp {
  const d = config.deploy.jenkins;
  // Relative to the working directory (the container's /app), else to the checkout (the demo runs elsewhere).
  const shipped = fileURLToPath(new URL(`../../../${d.template}`, import.meta.url));
  const local = resolve(cwd, d.template);
  const source = existsSync(local) || d.template.startsWith('/') ? local : shipped;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(source, 'utf8'));
  } catch (err) {
    throw new PermanentError('config', `Cannot read the Marathon template ${d.template} (deploy.jenkins.template): ${(err as Error).message}. Nothing was deployed.`, { cause: err });
  }
  const parsed = Template.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `• \`/${i.path.join('/')}\`: ${i.message}`);
    throw new PermanentError('config', `The Marathon template ${d.template} is not a Jenkins app:\n${lines.join('\n')}\nNothing was deployed.`);
  }
  const app = structuredClone(raw as Record<string, unknown>) as AppDefinition;
  const t = parsed.data;
  app.id = config.cluster.marathon.jenkinsAppId;
  if (d.cpus !== undefined) app.cpus = d.cpus;
  if (d.memMb !== undefined) app.mem = d.memMb;
  const container = app.container as { docker: { image: string }; volumes?: Array<Record<string, unknown>> };
  if (d.image !== undefined) container.docker.image = d.image;
  if (d.homeHostPath !== undefined) {
    const home = (container.volumes ?? []).find((v) => v.containerPath === JENKINS_HOME);
    if (home) home.hostPath = d.homeHostPath;
    else container.volumes = [...(container.volumes ?? []), { containerPath: JENKINS_HOME, hostPath: d.homeHostPath, mode: 'RW' }];
  }
  const checks = (app.healthChecks as Array<Record<string, unknown>> | undefined) ?? [];
  if (d.gracePeriodSeconds !== undefined && checks[0]) checks[0].gracePeriodSeconds = d.gracePeriodSeconds;
  if (d.pinHost !== undefined) {
    const others = ((app.constraints as string[][] | undefined) ?? []).filter((c) => !(c[0] === 'hostname' && c[1] === 'CLUSTER'));
    app.constraints = [...others, ['hostname', 'CLUSTER', d.pinHost]];
  }
  return { app, image: container.docker.image, source: d.template, warnings: check(app, t, d.template) };
}

/** The rules; throws with every problem at once, returns the warnings. */
function check(app: AppDefinition, t: z.output<typeof Template>, source: string): string[] {
  const problems: string[] = [];
  const warnings: string[] = [];
  const cpus = Number(app.cpus ?? 1);
  const mem = Number(app.mem ?? 128);
  const container = app.container as { docker: { image: string; network?: string }; volumes?: Array<{ containerPath: string; hostPath?: string; mode?: string }> };
  const image = container.docker.image;
  const imageOk = imageArg.safeParse(image);
  if (!imageOk.success) problems.push(`image \`${image}\`: ${imageOk.error.issues[0]?.message ?? 'not an image reference'}`);
  if (mem < MIN_MEM_MB) problems.push(`mem ${mem} MB: Jenkins needs at least ${MIN_MEM_MB} MB`);
  if (cpus < 0.1) problems.push(`cpus ${cpus}: at least 0.1`);
  if (t.instances !== undefined && t.instances !== 1) problems.push(`instances ${t.instances}: Jenkins runs as exactly one instance`);
  const host = container.docker.network === 'HOST' || (t.networks ?? [{ mode: 'host' }]).every((n) => n.mode === 'host');
  if (!host) problems.push('networking: Jenkins needs host networking (`networks: [{"mode":"host"}]`) so agents reach it on its ports');
  const home = (container.volumes ?? []).find((v) => v.containerPath === JENKINS_HOME);
  if (!home?.hostPath?.startsWith('/')) problems.push(`JENKINS_HOME: no host volume for ${JENKINS_HOME} (container.volumes with an absolute hostPath)`);
  else if (home.mode === 'RO') problems.push(`JENKINS_HOME: the volume on ${home.hostPath} is read-only`);
  const hc = t.healthChecks[0];
  if (!hc) problems.push('health check: none; Marathon would never know Jenkins is up (add MESOS_HTTP on /login)');
  else {
    if (hc.protocol !== 'MESOS_HTTP' && hc.protocol !== 'MESOS_HTTPS') warnings.push(`health check protocol ${hc.protocol ?? 'HTTP'}: Marathon-level checks are deprecated; MESOS_HTTP runs on the agent`);
    if (hc.path !== '/login') warnings.push(`health check path ${hc.path ?? '/'}: \`/\` answers 403 once security is on; \`/login\` is always readable`);
    const grace = Number((app.healthChecks as Array<{ gracePeriodSeconds?: number }>)[0]?.gracePeriodSeconds ?? 300);
    const need = mem < 512 ? 600 : 180;
    if (grace < need) warnings.push(`health check grace period ${grace} s: Jenkins with ${mem} MB may need ${need} s to answer /login, and is killed when it does not`);
  }
  const up = t.upgradeStrategy;
  if (up?.minimumHealthCapacity !== 0 || up.maximumOverCapacity !== 0) {
    problems.push('upgradeStrategy: must be {"minimumHealthCapacity":0,"maximumOverCapacity":0} so two Jenkins never share JENKINS_HOME and its ports');
  }
  if (t.env.CASC_JENKINS_CONFIG === undefined) warnings.push('env CASC_JENKINS_CONFIG is not set: Jenkins starts without the configuration-as-code file');
  if (!t.constraints.some((c) => c[0] === 'hostname' && (c[1] === 'CLUSTER' || c[1] === 'IS'))) {
    warnings.push(`no hostname constraint: JENKINS_HOME is on ${home?.hostPath ?? 'a host path'} of whichever agent runs Jenkins, so a move starts a fresh home (set deploy.jenkins.pinHost, or shared storage)`);
  }
  if (cpus < 0.5 || mem < 512) warnings.push(`${cpus} cpu / ${mem} MB (the seed's 0.2 / 256) works, but ${MIN_MEM_MB} MB is Jenkins' bare minimum: expect a slow start; 1 cpu / 1024 MB is comfortable`);
  if (problems.length > 0) {
    throw new PermanentError('config', `The Jenkins app from ${source} cannot be deployed:\n${problems.map((p) => `• ${p}`).join('\n')}\nFix deploy.jenkins.* or the template. Nothing was deployed.`);
  }
  return warnings;
}

/**
 * What would change: each field the template sets, compared with the running app (Marathon fills defaults, so only
 * the fields we own are compared). Lines like "`/mem`: 256 → 1024".
 */
export function diffApp(running: Record<string, unknown> | undefined, wanted: AppDefinition): string[] {
  if (!running) return Object.keys(wanted).filter((k) => k !== 'id').map((k) => `\`/${k}\`: (new) ${show(wanted[k])}`);
  const out: string[] = [];
  const walk = (path: string, want: unknown, have: unknown) => {
    if (isObject(want) && isObject(have)) {
      for (const k of Object.keys(want)) walk(`${path}/${k}`, want[k], have[k]);
      return;
    }
    if (Array.isArray(want) && Array.isArray(have) && want.length === have.length && want.every((w) => isObject(w))) {
      want.forEach((w, i) => walk(`${path}(${i})`, w, have[i]));
      return;
    }
    if (JSON.stringify(want) !== JSON.stringify(have ?? null)) out.push(`\`${path}\`: ${show(have)} → ${show(want)}`);
  };
  for (const k of Object.keys(wanted)) if (k !== 'id') walk(`/${k}`, wanted[k], running[k]);
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function show(v: unknown): string {
  const s = v === undefined ? '(unset)' : JSON.stringify(v);
  return s.length > 120 ? `${s.slice(0, 117)}…` : s;
}
