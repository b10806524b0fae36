/**
 * Jenkins on Marathon from chat (issue 12). This part: `/ci smoke` (the seed's elasticity test) and
 * `/ci drill failover` (the seed's "kill the Jenkins container and Marathon restarts it elsewhere"). Both run as
 * tasks on the `jenkins` queue with a live progress message. A smoke run holds the `jenkins-smoke` key (its jobs
 * are shared), a drill the `jenkins-app` key, so a second drill waits behind the running one; a Marathon deployment
 * of the app makes the drill refuse before anything is killed.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { UserFacingError } from '../../core/errors.ts';
import { defineTaskKind, requesterSchema } from '../../core/task-kind.ts';
import type { Requester } from '../../core/types.ts';
import { defineFeature, handle, queued, taskOf, type FeatureDeps } from '../define-feature.ts';
import { createDrillHandler, type DrillTask } from './drill.ts';
import { createSmokeHandler, type SmokeTask } from './smoke.ts';

const requestIdField = z.string().regex(/^[a-z0-9]{1,32}$/);

const smokeKind = defineTaskKind<SmokeTask>({
  name: 'smoke', queue: 'jenkins',
  schema: z.object({ requester: requesterSchema, requestId: requestIdField, jobs: z.number().int().min(1).max(50), seconds: z.number().int().min(1).max(3600) }),
  jobId: (d) => d.requestId,
  title: (d) => `smoke: ${d.jobs} × sleep ${d.seconds}`,
  exclusiveKey: () => 'jenkins-smoke',
});

const drillKind = defineTaskKind<DrillTask>({
  name: 'drill-failover', queue: 'jenkins',
  schema: z.object({ requester: requesterSchema, requestId: requestIdField }),
  jobId: (d) => d.requestId,
  title: () => 'drill failover',
  exclusiveKey: () => 'jenkins-app',
});

const who = (r: Requester) => ({ userId: r.userId, channelId: r.channelId });
const requestId = () => randomUUID().replaceAll('-', '').slice(0, 12);

interface Ctx {
  deps: FeatureDeps;
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
  setup: (deps: FeatureDeps): Ctx => ({ deps }),
  commands: [smoke, drill],
  tasks: [
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
