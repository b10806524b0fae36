/**
 * `jenkins.cloud`: the Mesos cloud of the Jenkins Mesos plugin 2.x, as `/ci jenkins cloud` renders it into
 * configuration-as-code YAML (`jenkins.clouds[].mesos`, keys from the plugin's `MesosCloud` and
 * `MesosAgentSpecTemplate` constructors; JENKINS-ON-MARATHON.md §5). Every field has a default, so a config without
 * this section renders the seed's cloud. The seed manual's plugin-1.x fields are accepted so a config written from
 * it is not refused, but they are never rendered: `/ci jenkins cloud` explains each one set.
 */
import * as z from 'zod';

const decimal = z.number().positive();
/** configuration-as-code expands `${…}` in every value (from the environment), so config text may not hold one. */
const literal = <T extends z.ZodType<string>>(t: T) => t.refine((v) => !v.includes('${'), 'must not contain "${" (configuration-as-code would expand it)');

export const jenkinsCloudSchema = z
  .strictObject({
    /**
     * The Mesos master as the plugin dials it (`mesosMasterUrl`): `host:port`, `http(s)://host:port` or
     * `zk://…/mesos`. Default: the first `cluster.mesos.urls` entry.
     */
    mesosMasterUrl: literal(z.string().regex(/^(zk:\/\/\S+|https?:\/\/\S+|[^\s:/]+:\d+)$/, 'must be host:port, http(s)://host:port or zk://…/mesos')).optional(),
    /** The framework name the plugin registers with (the seed's Mesos UI shows "Jenkins Scheduler"). */
    frameworkName: literal(z.string().min(1).max(200)).default('Jenkins Scheduler'),
    /** Pins the framework id, so a fresh JENKINS_HOME re-registers as the same framework (default: Jenkins keeps its own). */
    frameworkId: z.string().regex(/^[A-Za-z0-9._-]{1,200}$/, 'letters, digits, dot, dash and underscore only').optional(),
    role: literal(z.string().min(1)).default('*'),
    /** User the agent tasks run as on the Mesos agents. */
    agentUser: z.string().regex(/^[a-z_][a-z0-9_-]*$/i, 'must be a user name').default('root'),
    /** URL the agents reach Jenkins at (`jenkinsURL`). Default: `cluster.jenkins.url`. */
    jenkinsUrl: literal(z.url({ protocol: /^https?$/ })).optional(),
    /** Agent template. Label, cpus and mem default to `jenkins.label`, `jenkins.agentCpus`, `jenkins.agentMemMb`. */
    label: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'a single Jenkins label: letters, digits, dot, dash, underscore').optional(),
    mode: z.enum(['EXCLUSIVE', 'NORMAL']).default('EXCLUSIVE'),
    cpus: decimal.optional(),
    memMb: z.number().int().positive().optional(),
    diskMb: z.number().int().min(0).default(0),
    minExecutors: z.number().int().min(0).default(0),
    /** 1 gives one agent per queued build (the seed's "5 jobs → 5 agents"). */
    maxExecutors: z.number().int().min(1).default(1),
    /** 0: never terminate idle agents. Default: `jenkins.idleTerminationMinutes` (what `/ci smoke` expects). */
    idleTerminationMinutes: z.number().int().min(0).optional(),
    containerType: z.enum(['DOCKER', 'MESOS']).default('DOCKER'),
    /** The agent image; it must hold a Java the controller accepts (Java 21 for a current LTS). */
    dockerImage: z.string().regex(/^[a-z0-9][a-z0-9._/:@-]*$/i, 'must be an image reference like jenkins/inbound-agent:latest-jdk21').default('jenkins/inbound-agent:latest-jdk21'),
    networking: z.enum(['HOST', 'BRIDGE', 'USER', 'NONE']).default('HOST'),
    dockerPrivilegedMode: z.boolean().default(false),
    dockerForcePullImage: z.boolean().default(false),
    /** Plugin 1.x only (the seed manual's form): no 2.x equivalent; explained, never rendered. */
    onDemandRegistration: z.boolean().optional(),
    /** Plugin 1.x only: per-executor cpus were added to the task size; 2.x has one executor per agent. */
    executorCpus: decimal.optional(),
    /** Plugin 1.x only, like executorCpus. */
    executorMemMb: z.number().positive().optional(),
    /** Plugin 1.x only: libmesos; 2.x talks to the master over HTTP. */
    nativeLibraryPath: z.string().optional(),
  })
  .refine((c) => c.minExecutors <= c.maxExecutors, { message: 'minExecutors must not exceed maxExecutors', path: ['minExecutors'] });

export type JenkinsCloudConfig = z.infer<typeof jenkinsCloudSchema>;
