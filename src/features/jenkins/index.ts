/**
 * Jenkins on Marathon from chat (issue 12). This part: `/ci jenkins password` (the first-start password from the
 * Jenkins task's sandbox, ephemeral to the requester) and `/ci jenkins cloud [--apply]` (the Mesos plugin cloud
 * from config, as configuration-as-code). Both answer after the ack; nothing is queued.
 */
import { defineFeature, type FeatureDeps } from '../define-feature.ts';
import { jenkinsCloudCommand, type CloudContext } from './cloud.ts';
import { jenkinsPasswordCommand, type PasswordContext } from './password.ts';

/** Whole-command budget of these reads: a few upstream calls each, so several per-call timeouts. */
const BUDGET_CALLS = 6;

type Ctx = PasswordContext & CloudContext;

export const jenkinsFeature = defineFeature({
  name: 'jenkins',
  roles: ['serve'],
  setup: (deps: FeatureDeps): Ctx => {
    const { config } = deps;
    const t = deps.cluster.timeoutsMs;
    const mesosUrl = config.cluster.mesos.urls[0];
    return {
      cluster: deps.cluster,
      audit: deps.audit,
      budgetMs: BUDGET_CALLS * Math.max(t.marathon, t.mesos, t.jenkins),
      cloud: config.jenkins.cloud,
      defaults: {
        label: config.jenkins.label, cpus: config.jenkins.agentCpus, memMb: config.jenkins.agentMemMb,
        ...(mesosUrl ? { mesosMasterUrl: mesosUrl } : {}),
        ...(config.cluster.jenkins.url ? { jenkinsUrl: config.cluster.jenkins.url } : {}),
      },
    };
  },
  commands: [jenkinsPasswordCommand, jenkinsCloudCommand],
});
