/**
 * zod schemas of the Jenkins JSON API answers ci-bot reads. Jenkins 2.x adds `_class` everywhere; 1.x-era
 * answers lack it. With `?tree=` most fields may be missing, so everything but identity fields is optional.
 */
import * as z from 'zod';
import { RECENT_BUILDS_PER_JOB } from '../../cluster/build-history.ts';

/**
 * A build as listed by a job. Plain `/api/json` gives `number` and `url` only; with `?tree=` the other fields
 * (and `url` may be left out).
 */
export const BuildRefSchema = z.looseObject({
  _class: z.string().optional(),
  number: z.number(),
  url: z.string(),
  /** SUCCESS, FAILURE, UNSTABLE, ABORTED, NOT_BUILT; null while running. */
  result: z.string().nullable().optional(),
  /** Start, epoch ms. */
  timestamp: z.number().optional(),
  /** ms; 0 while running. */
  duration: z.number().optional(),
  building: z.boolean().optional(),
});
export type BuildRef = z.output<typeof BuildRefSchema>;

/** A build in a root `?tree=` answer, which need not ask for `url`. */
export const RecentBuildSchema = BuildRefSchema.extend({ url: z.string().optional() });
export type RecentBuild = z.output<typeof RecentBuildSchema>;

export const JobRefSchema = z.looseObject({
  _class: z.string().optional(),
  name: z.string(),
  url: z.string().optional(),
  /** blue, red, notbuilt, disabled, aborted; suffix `_anime` = building. */
  color: z.string().optional(),
  /** Only with `?tree=…builds[…]`; newest first. Folders have none (they nest `jobs`). */
  builds: z.array(RecentBuildSchema).optional(),
});
export type JobRef = z.output<typeof JobRefSchema>;

/**
 * The `tree` of the root read behind `/ci status` and digests: each job's colour and its newest
 * {@link RECENT_BUILDS_PER_JOB} builds (number, result, start and duration in ms, building).
 */
export const STATUS_ROOT_TREE = `jobs[name,url,color,builds[number,result,timestamp,duration,building]{0,${RECENT_BUILDS_PER_JOB}}]`;

/** `GET /api/json` (root). */
export const RootSchema = z.looseObject({
  _class: z.string().optional(),
  jobs: z.array(JobRefSchema).optional(),
  mode: z.string().optional(),
  numExecutors: z.number().optional(),
  quietingDown: z.boolean().optional(),
  useCrumbs: z.boolean().optional(),
  useSecurity: z.boolean().optional(),
});
export type JenkinsRoot = z.output<typeof RootSchema>;

export const JobSchema = z.looseObject({
  name: z.string(),
  url: z.string(),
  color: z.string().optional(),
  buildable: z.boolean().optional(),
  inQueue: z.boolean().optional(),
  builds: z.array(BuildRefSchema).optional(),
  lastBuild: BuildRefSchema.nullable().optional(),
  lastCompletedBuild: BuildRefSchema.nullable().optional(),
  nextBuildNumber: z.number().optional(),
});
export type Job = z.output<typeof JobSchema>;

export const BuildSchema = z.looseObject({
  number: z.number(),
  url: z.string(),
  /** null while running. */
  result: z.string().nullable(),
  building: z.boolean(),
  duration: z.number(),
  estimatedDuration: z.number().optional(),
  timestamp: z.number(),
  queueId: z.number().optional(),
  /** Node name; "" = the built-in node. */
  builtOn: z.string().optional(),
});
export type Build = z.output<typeof BuildSchema>;

export const ComputerSchema = z.looseObject({
  _class: z.string().optional(),
  displayName: z.string(),
  description: z.string().nullable().optional(),
  assignedLabels: z.array(z.looseObject({ name: z.string().optional() })).optional(),
  numExecutors: z.number(),
  idle: z.boolean(),
  offline: z.boolean(),
  temporarilyOffline: z.boolean(),
  offlineCauseReason: z.string().nullable().optional(),
  jnlpAgent: z.boolean().optional(),
});
export type Computer = z.output<typeof ComputerSchema>;

/** `GET /computer/api/json`. */
export const ComputerSetSchema = z.looseObject({
  busyExecutors: z.number(),
  totalExecutors: z.number(),
  computer: z.array(ComputerSchema),
});
export type ComputerSet = z.output<typeof ComputerSetSchema>;

export const QueueItemSchema = z.looseObject({
  _class: z.string().optional(),
  id: z.number(),
  why: z.string().nullable().optional(),
  inQueueSince: z.number().optional(),
  blocked: z.boolean().optional(),
  buildable: z.boolean().optional(),
  stuck: z.boolean().optional(),
  task: z.looseObject({ name: z.string(), url: z.string().optional() }),
  /** Left items: set once the build started (`number`), null when cancelled. */
  executable: z.looseObject({ number: z.number(), url: z.string().optional() }).nullable().optional(),
  cancelled: z.boolean().optional(),
});
export type JenkinsQueueItem = z.output<typeof QueueItemSchema>;

/** `GET /queue/api/json`. */
export const QueueSchema = z.looseObject({ items: z.array(QueueItemSchema) });

/** `GET /label/<label>/api/json`. */
export const LabelSchema = z.looseObject({
  name: z.string(),
  busyExecutors: z.number(),
  idleExecutors: z.number(),
  totalExecutors: z.number(),
  nodes: z.array(z.looseObject({})),
  clouds: z.array(z.looseObject({})).optional(),
});

/** `GET /crumbIssuer/api/json` (GAP upstream: shape from Jenkins core). */
export const CrumbSchema = z.looseObject({ crumb: z.string(), crumbRequestField: z.string() });

/** `GET /job/<name>/lastBuild/buildNumber`: a plain-text number. */
export const BuildNumberTextSchema = z.string().trim().regex(/^\d+$/).transform(Number);

/** `GET /whoAmI/api/json` (`hudson.security.WhoAmI`): who Jenkins takes the caller for. */
export const WhoAmISchema = z.looseObject({ name: z.string(), authenticated: z.boolean().optional(), anonymous: z.boolean().optional() });

/** `POST /configuration-as-code/check`: `[{line, warning}]` (`ConfigurationAsCode.doCheck`). */
export const CascWarningsSchema = z.array(z.looseObject({ line: z.number().nullable().optional(), warning: z.string() }));
export type CascWarning = z.output<typeof CascWarningsSchema>[number];
