/**
 * Jenkins on Marathon from chat (seed steps 3–5): `/ci deploy jenkins` (deploy*.ts). The task kinds run on the
 * `jenkins` queue; one deploy at a time (exclusive key `jenkins-app`: a second request waits behind the first).
 * Marathon and SSH are reached through ports only (ClusterClients, RecipePort).
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Requester } from '../../core/types.ts';
import { defineTaskKind, requesterSchema } from '../../core/task-kind.ts';
import { defineFeature, handle, queued, taskOf, type FeatureDeps } from '../define-feature.ts';
import { createDeployHandler, type DeployDeps, type DeployTask } from './deploy-handler.ts';

/** Held by every task that changes the Jenkins app or its task (deploy; a failover drill should take it too). */
export const JENKINS_APP_LOCK = 'jenkins-app';

const deployKind = defineTaskKind<DeployTask>({
  name: 'deploy-jenkins', queue: 'jenkins',
  schema: z.object({ requester: requesterSchema, requestId: z.string().regex(/^[a-z0-9]{1,32}$/), force: z.boolean(), dryRun: z.boolean() }),
  jobId: (d) => d.requestId,
  title: (d) => `deploy jenkins${d.force ? ' --force' : ''}${d.dryRun ? ' (dry run)' : ''}`,
  exclusiveKey: () => JENKINS_APP_LOCK,
});

const who = (r: Requester) => ({ userId: r.userId, channelId: r.channelId });

const deploy = queued(
  { name: 'deploy jenkins', summary: 'Deploy Jenkins on Marathon from the template in config/ and follow it until healthy',
    usage: '[--force] [--dry-run]', role: 'admin', confirm: true, run: 'queued', example: '/ci deploy jenkins --dry-run',
    flags: { force: 'boolean', 'dry-run': 'boolean' },
    schema: z.strictObject({ force: z.boolean().default(false), dryRun: z.boolean().default(false) }) },
  () => (args, requester) => [
    taskOf(deployKind, { requester: who(requester), requestId: randomUUID().replaceAll('-', '').slice(0, 12), force: args.force, dryRun: args.dryRun }),
  ],
);

export const jenkinsFeature = defineFeature({
  name: 'jenkins',
  roles: ['serve', 'worker'],
  setup: (deps: FeatureDeps): { deploy: DeployDeps } => ({
    deploy: {
      config: deps.config, recipes: deps.recipes, marathon: deps.cluster.marathon, mesos: deps.cluster.mesos,
      agents: () => deps.config.inventory.hosts.filter((h) => h.roles.includes('agent')).map((h) => h.name),
    },
  }),
  commands: [deploy],
  tasks: [handle(deployKind, (ctx: { deploy: DeployDeps }) => createDeployHandler(ctx.deploy))],
});
