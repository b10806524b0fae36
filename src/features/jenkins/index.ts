/**
 * Jenkins on Marathon from chat (issue 12). `/ci deploy jenkins` (deploy*.ts: the Marathon app from the template in
 * config/, the image checked on the agents over SSH, followed until healthy) runs as a task. `/ci jenkins password`
 * (the first-start password from the Jenkins task's sandbox, ephemeral to the requester) and `/ci jenkins cloud
 * [--apply]` (the Mesos plugin cloud from config, as configuration-as-code) answer after the ack. `/ci smoke` (the
 * seed's elasticity test) and `/ci drill failover` (the seed's "kill the Jenkins container and Marathon restarts it
 * elsewhere") run as tasks on the `jenkins` queue with a live progress message. A smoke run holds the `jenkins-smoke`
 * key (its jobs are shared); a deploy and a drill hold the `jenkins-app` key, so neither runs while the other does
 * (the second waits behind the first); a Marathon deployment of the app makes the drill refuse before anything is killed.
 */
import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { UserFacingError } from '../../core/errors.ts';
import { defineTaskKind, requesterSchema } from '../../core/task-kind.ts';
import type { Requester } from '../../core/types.ts';
import { defineFeature, handle, queued, taskOf, type FeatureDeps } from '../define-feature.ts';
import { createDeployHandler, type DeployTask } from './deploy-handler.ts';
import { applyCloud, jenkinsCloudCommand, type CloudContext } from './cloud.ts';
import { createDrillHandler, type DrillTask } from './drill.ts';
import { jenkinsPasswordCommand, type PasswordContext } from './password.ts';
import { createSmokeHandler, type SmokeTask } from './smoke.ts';

const requestIdField = z.string().regex(/^[a-z0-9]{1,32}$/);

const smokeKind = defineTaskKind<SmokeTask>({
  name: 'smoke', queue: 'jenkins',
  schema: z.object({ requester: requesterSchema, requestId: requestIdField, jobs: z.number().int().min(1).max(50), seconds: z.number().int().min(1).max(3600) }),
  jobId: (d) => d.requestId,
  title: (d) => `smoke: ${d.jobs} × sleep ${d.seconds}`,
  exclusiveKey: () => 'jenkins-smoke',
});

/** Held by every task that changes the Jenkins app or its task: a deploy and a drill never run at once. */
const JENKINS_APP_LOCK = 'jenkins-app';

const drillKind = defineTaskKind<DrillTask>({
  name: 'drill-failover', queue: 'jenkins',
  schema: z.object({ requester: requesterSchema, requestId: requestIdField }),
  jobId: (d) => d.requestId,
  title: () => 'drill failover',
  exclusiveKey: () => JENKINS_APP_LOCK,
});

const deployKind = defineTaskKind<DeployTask>({
  name: 'deploy-jenkins', queue: 'jenkins',
  // noPull / noCloud default to false: a job queued by a bot from before they existed reads as it was meant.
  schema: z.object({
    requester: requesterSchema, requestId: requestIdField, force: z.boolean(), dryRun: z.boolean(), noPull: z.boolean().default(false), noCloud: z.boolean().default(false),
  }),
  jobId: (d) => d.requestId,
  title: (d) => `deploy jenkins${d.force ? ' --force' : ''}${d.noPull ? ' --no-pull' : ''}${d.noCloud ? ' --no-cloud' : ''}${d.dryRun ? ' (dry run)' : ''}`,
  exclusiveKey: () => JENKINS_APP_LOCK,
});

const who = (r: Requester) => ({ userId: r.userId, channelId: r.channelId });
const requestId = () => randomUUID().replaceAll('-', '').slice(0, 12);

interface Ctx extends PasswordContext, CloudContext {
  deps: FeatureDeps;
}

const deploy = queued(
  { name: 'deploy jenkins',
    summary: 'Deploy Jenkins on Marathon from the template in config/: pull its image on the agents that lack it, follow it until healthy, apply the Mesos cloud',
    usage: '[--force] [--dry-run] [--no-pull] [--no-cloud]', role: 'admin', confirm: true, run: 'queued', example: '/ci deploy jenkins --dry-run',
    flags: { force: 'boolean', 'dry-run': 'boolean', 'no-pull': 'boolean', 'no-cloud': 'boolean' },
    schema: z.strictObject({
      force: z.boolean().default(false), dryRun: z.boolean().default(false), noPull: z.boolean().default(false), noCloud: z.boolean().default(false),
    }) },
  () => (args, requester) => [taskOf(deployKind, {
    requester: who(requester), requestId: requestId(), force: args.force, dryRun: args.dryRun, noPull: args.noPull, noCloud: args.noCloud,
  })],
);

/** Whole-command budget of the password and cloud reads: a few upstream calls each, so several per-call timeouts. */
const BUDGET_CALLS = 6;

function setup(deps: FeatureDeps): Ctx {
  const { config } = deps;
  const t = deps.cluster.timeoutsMs;
  const mesosUrl = config.cluster.mesos.urls[0];
  return {
    deps,
    cluster: deps.cluster,
    audit: deps.audit,
    budgetMs: BUDGET_CALLS * Math.max(t.marathon, t.mesos, t.jenkins),
    cloud: config.jenkins.cloud,
    defaults: {
      label: config.jenkins.label, cpus: config.jenkins.agentCpus, memMb: config.jenkins.agentMemMb,
      idleTerminationMinutes: config.jenkins.idleTerminationMinutes,
      ...(mesosUrl ? { mesosMasterUrl: mesosUrl } : {}),
      ...(config.cluster.jenkins.url ? { jenkinsUrl: config.cluster.jenkins.url } : {}),
    },
  };
}

const smoke = queued(
  {
    name: 'smoke', summary: 'Elasticity test: N `sleep` jobs on the Mesos label → N dynamic agents → recycled, with timings',
    usage: '[--jobs 5] [--seconds 100]', role: 'operator', run: 'queued', example: '/ci smoke --jobs 5 --seconds 100',
    flags: { jobs: 'value', seconds: 'value' },
    schema: z.strictObject({
      jobs: z.coerce.number().int('must be a whole number').min(1).max(50).optional(),
      seconds: z.coerce.number().int('must be a whole number').min(1).max(3600).optional(),
    }),
  },
  ({ deps }: Ctx) => (args, requester) => {
    if (!deps.cluster.jenkinsJobs) throw new UserFacingError('config', 'Jenkins is not configured (`cluster.jenkins.url` / JENKINS_URL), so there is nothing to test.');
    const s = deps.config.jenkins.smoke;
    return [taskOf(smokeKind, { requester: who(requester), requestId: requestId(), jobs: args.jobs ?? s.jobs, seconds: args.seconds ?? s.seconds })];
  },
);

const drill = queued(
  {
    name: 'drill failover', summary: 'Kill the Jenkins task through Marathon and report the recovery (downtime, new host, JENKINS_HOME)',
    usage: '', role: 'admin', confirm: true, run: 'queued', example: '/ci drill failover', schema: z.strictObject({}),
  },
  ({ deps }: Ctx) => (_args, requester) => {
    const c = deps.cluster;
    if (!c.marathon || !c.marathonControl || !c.jenkins) {
      throw new UserFacingError('config', 'The drill needs Marathon and Jenkins configured (MARATHON_URL, JENKINS_URL); nothing was done.');
    }
    return [taskOf(drillKind, { requester: who(requester), requestId: requestId() })];
  },
);

/** The handlers' view of the cluster; a part that is not configured fails the task with a clear message. */
function required<T>(part: T | undefined, what: string): T {
  if (part === undefined) throw new UserFacingError('config', `${what} is not configured in this worker.`);
  return part;
}

export const jenkinsFeature = defineFeature({
  name: 'jenkins',
  roles: ['serve', 'worker'],
  setup,
  commands: [deploy, jenkinsPasswordCommand, jenkinsCloudCommand, smoke, drill],
  tasks: [
    handle(deployKind, (ctx: Ctx) => {
      const { deps } = ctx;
      const c = deps.config.jenkins.cloud;
      return createDeployHandler({
        config: deps.config, recipes: deps.recipes, marathon: deps.cluster.marathon, mesos: deps.cluster.mesos,
        agents: () => deps.config.inventory.hosts.filter((h) => h.roles.includes('agent')).map((h) => h.name),
        ...(deps.cluster.jenkins ? {
          cloud: { ...(c.containerType === 'DOCKER' ? { agentImage: c.dockerImage } : {}), budgetMs: ctx.budgetMs, apply: (signal) => applyCloud(ctx, signal) },
        } : {}),
      });
    }),
    handle(smokeKind, ({ deps }: Ctx) => {
      const j = deps.config.jenkins;
      const handler = () => createSmokeHandler({
        jenkinsUrl: deps.cluster.jenkins?.url ?? '', jobs: required(deps.cluster.jenkinsJobs, 'Jenkins'),
        ...(deps.cluster.mesosTasks ? { mesosTasks: deps.cluster.mesosTasks } : {}), label: j.label, idleTimeoutMs: j.idleTerminationMinutes * 60_000,
        pollMs: j.smoke.pollMs, buildsTimeoutMs: j.smoke.buildsTimeoutMs, recycleGraceMs: j.smoke.recycleGraceMs,
      });
      return (task, ctx) => handler()(task, ctx);
    }),
    handle(drillKind, ({ deps }: Ctx) => {
      const c = deps.cluster;
      const handler = () => {
        const marathon = required(c.marathon, 'Marathon');
        return createDrillHandler({
          appId: marathon.jenkinsAppId, marathon, control: required(c.marathonControl, 'Marathon'), jenkins: required(c.jenkins, 'Jenkins'),
          pollMs: deps.config.jenkins.drill.pollMs, recoveryTimeoutMs: deps.config.jenkins.drill.recoveryTimeoutMs,
        });
      };
      return (task, ctx) => handler()(task, ctx);
    }),
  ],
});
