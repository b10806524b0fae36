/**
 * `/ci jenkins password` (admin): Jenkins' first-start admin password, read from the sandbox of the Jenkins task
 * (JENKINS-ON-MARATHON.md §2): the Marathon task names the agent and the executor (a command executor's id is the
 * task id), `/v2/info` the framework, so the sandbox is the agent's virtual path
 * `/frameworks/<FID>/executors/<task>/runs/latest`; its `stderr` (java.util.logging's console) and `stdout` are read
 * with `/files/read` in 64 KiB steps until the banner is found. The password is then tried against Jenkins as
 * `admin`: once the wizard created the first admin user it no longer works, and the answer says the wizard is done.
 *
 * The password goes to one place only: the answer, which is ephemeral to the requester whatever the config says
 * (`secret: true`). It is never logged, never put in an error, an audit entry (that records who read it, and
 * where from) or anything kept in Redis.
 */
import * as z from 'zod';
import { UserFacingError, UpstreamError } from '../../core/errors.ts';
import type { AuditLog } from '../../core/ports.ts';
import type { RenderedMessage } from '../../core/types.ts';
import type { AgentFiles, ClusterClients, MarathonApp, MarathonAppTask } from '../../cluster/cluster-reader.ts';
import { storageModeOf } from '../../cluster/storage-mode.ts';
import { answer } from '../define-feature.ts';
import { BannerScanner } from './password-banner.ts';

/** One `/files/read` asks for this much: the agent's cap per call (16 pages of 4 KiB). */
const CHUNK_BYTES = 64 * 1024;
/** Beyond this much of one file the banner is not looked for (it is logged during start-up). */
const MAX_SCAN_BYTES = 32 * 1024 * 1024;
/** The wizard's user (`SetupWizard` creates `admin` with the generated password). */
const WIZARD_USER = 'admin';
const FILES = ['stderr', 'stdout'] as const;

export interface PasswordContext {
  cluster: ClusterClients;
  audit: AuditLog;
  /** Whole-command budget for the reads, in ms. */
  budgetMs: number;
}

type Found = { password: string; file: string; path?: string };

export const jenkinsPasswordCommand = answer(
  { name: 'jenkins password', summary: 'Jenkins\' first-start admin password, from its sandbox log (shown only to you)', usage: '',
    role: 'admin', run: 'deferred', visibility: 'ephemeral', secret: true, schema: z.strictObject({}) },
  (ctx: PasswordContext) => async (_args, { requester }) => {
    const signal = AbortSignal.timeout(ctx.budgetMs);
    const { marathon, mesos } = ctx.cluster;
    if (!marathon || !mesos) throw new UserFacingError('config', 'Reading the password needs Marathon and Mesos: set `cluster.marathon.urls` and `cluster.mesos.urls` (or MARATHON_URL and MESOS_URL).');
    const app = await jenkinsApp(ctx.cluster, signal);
    const task = runningTask(app);
    const frameworkId = (await marathon.info({ signal })).frameworkId;
    if (!frameworkId) throw new UserFacingError('upstream', 'Marathon does not report its Mesos framework id (`/v2/info` → `frameworkId`): it has not registered with Mesos yet. Try again once it has.');
    if (!task.slaveId) throw new UserFacingError('upstream', `Marathon does not name the agent of task \`${task.id}\` yet; try again in a moment.`);
    const files = await mesos.agentFiles(task.slaveId, { signal });
    if (!files) throw new UserFacingError('not_found', `The agent of task \`${task.id}\` (\`${task.host}\`) is not registered with the Mesos master, so its sandbox cannot be read.`);
    const dir = `/frameworks/${frameworkId}/executors/${task.id}/runs/latest`;
    const where = `task \`${task.id}\` on \`${task.host}\``;
    const found = await findBanner(files, dir, where, signal).catch((err: unknown) => {
      // Agents are reached directly (the master has no proxy for them): say which one did not answer.
      if (err instanceof UpstreamError && ['refused', 'network', 'timeout'].includes(err.failure)) {
        throw new UserFacingError('upstream', `The Mesos agent of ${where} did not answer on its files API (${err.message}); the bot must reach agents at the address in their \`pid\`.`, { cause: err });
      }
      throw err;
    });
    const record = (outcome: string, file?: string) => ctx.audit.append({
      kind: 'secret_read', user: requester.userId, channel: requester.channelId, command: 'jenkins password', outcome,
      detail: `sandbox ${file ?? 'stderr+stdout'} of task ${task.id} on ${task.host}`,
    });
    if (!found) {
      await record('not in log');
      return notInLog(app, task, where);
    }
    const jenkins = ctx.cluster.jenkins;
    const valid = jenkins ? await jenkins.acceptsLogin(WIZARD_USER, found.password, { signal }) : undefined;
    if (valid === false) {
      await record('wizard done', found.file);
      return textMessage(`:white_check_mark: Jenkins' setup wizard is done: the first-start password in the log of ${where} no longer signs in as \`${WIZARD_USER}\`. Sign in with the admin user created in the wizard.`);
    }
    // Recorded before it is shown: a read the audit log cannot record is not shown at all.
    try {
      await record('shown', found.file);
    } catch (err) {
      throw new UserFacingError('internal', 'The read could not be recorded in the audit log, so the password is not shown. Try again once Redis is back.', { cause: err });
    }
    return secretMessage(found, where, jenkins?.url, valid === undefined);
  },
);

async function jenkinsApp(cluster: ClusterClients, signal: AbortSignal): Promise<MarathonApp> {
  const marathon = cluster.marathon;
  if (!marathon) throw new Error('no Marathon client');
  try {
    return await marathon.app(marathon.jenkinsAppId, { signal });
  } catch (err) {
    if (err instanceof UpstreamError && err.status === 404) {
      throw new UserFacingError('not_found', `Marathon has no app \`${marathon.jenkinsAppId}\`: deploy Jenkins first (\`/ci deploy jenkins\`).`, { cause: err });
    }
    throw err;
  }
}

function runningTask(app: MarathonApp): MarathonAppTask {
  const tasks = app.tasks ?? [];
  const running = tasks.find((t) => t.state === 'TASK_RUNNING') ?? tasks.find((t) => t.state === undefined);
  if (running) return running;
  const states = tasks.map((t) => `\`${t.id}\` ${t.state ?? '?'}`).join(', ');
  throw new UserFacingError('not_found', `\`${app.id}\` has no running task${states ? ` (${states})` : ''}: the password is logged when Jenkins starts. Try again once it runs.`);
}

/** Reads the sandbox's stderr, then stdout, in agent-sized steps, until the banner is found. */
async function findBanner(files: AgentFiles, dir: string, where: string, signal: AbortSignal): Promise<Found | undefined> {
  const entries = await files.browse(dir, { signal });
  if (!entries) throw new UserFacingError('not_found', `The sandbox of ${where} is not on its agent (\`${dir}\`): it may have been garbage-collected.`);
  for (const name of FILES) {
    const entry = entries.find((e) => e.path.replace(/\/+$/, '').endsWith(`/${name}`));
    if (!entry) continue;
    const found = await scanFile(files, entry.path, entry.size, signal);
    if (found) return { ...found, file: name };
  }
  return undefined;
}

async function scanFile(files: AgentFiles, path: string, size: number, signal: AbortSignal): Promise<Omit<Found, 'file'> | undefined> {
  const scanner = new BannerScanner();
  let offset = 0;
  const end = Math.min(size, MAX_SCAN_BYTES);
  while (offset < end) {
    const { data } = await files.read(path, { signal, offset, length: CHUNK_BYTES });
    if (data === '') break;
    offset += Buffer.byteLength(data, 'utf8');
    const found = scanner.push(data);
    if (found) return found;
  }
  return scanner.finish();
}

function notInLog(app: MarathonApp, task: MarathonAppTask, where: string): RenderedMessage {
  const storage = storageModeOf({ ...app, container: app.container ?? undefined });
  const file = 'hostPath' in storage ? `\`${storage.hostPath}/secrets/initialAdminPassword\` on \`${task.host}\`` : '`$JENKINS_HOME/secrets/initialAdminPassword` in the container';
  // Health checks defined, and neither this task nor the app reported healthy yet: Jenkins is probably still starting.
  const starting = (app.healthChecks?.length ?? 0) > 0 && !(task.healthCheckResults ?? []).some((h) => h.alive) && (app.tasksHealthy ?? 0) === 0;
  return textMessage([
    `:information_source: No first-start password in the log of ${where}.`,
    starting
      ? 'Jenkins is not healthy yet, so it may still be starting: try again in a minute.'
      : 'Jenkins logs it only on a new install, so the setup wizard is done, or this JENKINS_HOME was set up before this start (an image may also skip the wizard).',
    `If the wizard is still open, the password is in ${file}.`,
  ].join('\n'));
}

function secretMessage(found: Found, where: string, url: string | undefined, unchecked: boolean): RenderedMessage {
  const lines = [
    ':key: *Jenkins first-start password* (only you can see this message)',
    `\`${found.password}\``,
    `From the sandbox \`${found.file}\` of ${where}. ${url ? `Sign in at ${url}/login as \`${WIZARD_USER}\` to finish the setup wizard` : 'Use it to finish the setup wizard'}; it stops working once the first admin user is created.`,
    ...(found.path ? [`Jenkins also keeps it in \`${found.path}\`.`] : []),
    ...(unchecked ? ['(Not checked against Jenkins: `cluster.jenkins.url` is not configured.)'] : []),
  ];
  return { text: 'Jenkins first-start password (only you can see this)', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } }] };
}

function textMessage(text: string): RenderedMessage {
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] };
}
