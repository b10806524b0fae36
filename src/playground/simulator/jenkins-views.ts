/**
 * JSON views of the simulated Jenkins, with Jenkins 2.x `_class` names and the fields of the upstream fixtures.
 */
import type { JenkinsEngine, SimBuild, SimComputer, SimJob, SimQueueItem } from './jenkins-engine.ts';

const COLOURS: Record<string, string> = { SUCCESS: 'blue', UNSTABLE: 'yellow', ABORTED: 'aborted', NOT_BUILT: 'notbuilt' };

export function jobRef(base: string, job: SimJob): Record<string, unknown> {
  const building = job.builds.some((b) => b.building);
  const last = job.builds.find((b) => !b.building);
  const color = last ? (COLOURS[last.result ?? ''] ?? 'red') : 'notbuilt';
  return { _class: 'hudson.model.FreeStyleProject', name: job.name, url: `${base}/job/${job.name}/`, color: building ? `${color}_anime` : color };
}

export function rootView(base: string, jenkins: JenkinsEngine): Record<string, unknown> {
  return {
    _class: 'hudson.model.Hudson',
    assignedLabels: [{ name: 'master' }],
    mode: 'NORMAL',
    nodeDescription: 'the master Jenkins node',
    nodeName: '',
    numExecutors: 2,
    description: null,
    jobs: [...jenkins.jobs.values()].map((j) => jobRef(base, j)),
    overallLoad: {},
    primaryView: { _class: 'hudson.model.AllView', name: 'all', url: `${base}/` },
    quietingDown: false,
    slaveAgentPort: 50000,
    unlabeledLoad: {},
    useCrumbs: true,
    useSecurity: true,
    views: [{ _class: 'hudson.model.AllView', name: 'all', url: `${base}/` }],
  };
}

/** Jobs' exported `builds` list is capped (core `Job.getBuilds()` is limited to 100 in the API). */
const JOB_BUILDS_EXPORTED = 100;

/**
 * The root with everything a `?tree=` may reach: each job as `/job/<name>/api/json` shows it, its `builds`
 * as full build objects. Only ever sent through `pickTree` (plain `/api/json` is {@link rootView}).
 */
export function deepRootView(base: string, jenkins: JenkinsEngine): Record<string, unknown> {
  const waiting = new Set([...jenkins.queue.values()].filter((i) => !i.left).map((i) => i.job));
  const jobs = [...jenkins.jobs.values()].map((j) => ({
    ...jobView(base, j, waiting.has(j.name)),
    builds: j.builds.slice(0, JOB_BUILDS_EXPORTED).map((b) => buildView(base, j, b)),
  }));
  return { ...rootView(base, jenkins), jobs };
}

const ref = (base: string, job: SimJob, b: SimBuild | undefined) =>
  b ? { _class: 'hudson.model.FreeStyleBuild', number: b.number, url: `${base}/job/${job.name}/${b.number}/` } : null;

export function jobView(base: string, job: SimJob, inQueue: boolean): Record<string, unknown> {
  const done = job.builds.filter((b) => !b.building);
  return {
    ...jobRef(base, job),
    actions: [],
    description: '',
    displayName: job.name,
    displayNameOrNull: null,
    buildable: true,
    builds: job.builds.map((b) => ref(base, job, b)),
    concurrentBuild: false,
    downstreamProjects: [],
    upstreamProjects: [],
    firstBuild: ref(base, job, job.builds.at(-1)),
    healthReport: [],
    inQueue,
    keepDependencies: false,
    lastBuild: ref(base, job, job.builds[0]),
    lastCompletedBuild: ref(base, job, done[0]),
    lastFailedBuild: ref(base, job, done.find((b) => b.result === 'FAILURE')),
    lastStableBuild: ref(base, job, done.find((b) => b.result === 'SUCCESS')),
    lastSuccessfulBuild: ref(base, job, done.find((b) => b.result === 'SUCCESS')),
    lastUnstableBuild: null,
    lastUnsuccessfulBuild: ref(base, job, done.find((b) => b.result !== 'SUCCESS')),
    nextBuildNumber: job.nextBuildNumber,
    property: [],
    queueItem: null,
    scm: { _class: 'hudson.scm.NullSCM' },
  };
}

export function buildView(base: string, job: SimJob, b: SimBuild): Record<string, unknown> {
  return {
    _class: 'hudson.model.FreeStyleBuild',
    actions: [
      ...causeActions(b.params),
    ],
    artifacts: [],
    building: b.building,
    description: null,
    displayName: `#${b.number}`,
    duration: b.duration,
    estimatedDuration: b.duration || 30_000,
    executor: null,
    fullDisplayName: `${job.name} #${b.number}`,
    id: String(b.number),
    keepLog: false,
    number: b.number,
    queueId: b.queueId,
    result: b.result,
    timestamp: b.timestamp,
    url: `${base}/job/${job.name}/${b.number}/`,
    builtOn: b.builtOn,
    changeSet: { _class: 'hudson.scm.EmptyChangeLogSet', items: [], kind: null },
    culprits: [],
  };
}

/** `actions` of a queue item or build: its parameters (if any) and who started it. */
function causeActions(params: Record<string, string>): unknown[] {
  const values = Object.entries(params).map(([name, value]) => ({ _class: 'hudson.model.StringParameterValue', name, value }));
  const cause = { _class: 'hudson.model.Cause$UserIdCause', shortDescription: 'Started by user admin', userId: 'admin', userName: 'admin' };
  return [
    ...(values.length ? [{ _class: 'hudson.model.ParametersAction', parameters: values }] : []),
    { _class: 'hudson.model.CauseAction', causes: [cause] },
  ];
}

export function computerView(c: SimComputer): Record<string, unknown> {
  const mesos = c.mesosTaskId !== undefined;
  return {
    _class: mesos ? 'org.jenkinsci.plugins.mesos.MesosComputer' : 'hudson.model.Hudson$MasterComputer',
    actions: [],
    assignedLabels: [{ name: c.label }],
    description: mesos ? 'Mesos Jenkins Slave' : 'the master Jenkins node',
    displayName: c.name,
    executors: Array.from({ length: c.numExecutors }, () => ({})),
    icon: c.offline ? 'computer-x.png' : 'computer.png',
    iconClassName: c.offline ? 'icon-computer-x' : 'icon-computer',
    idle: c.busy === 0,
    jnlpAgent: mesos,
    launchSupported: !mesos,
    loadStatistics: {},
    manualLaunchAllowed: true,
    monitorData: {},
    numExecutors: c.numExecutors,
    offline: c.offline,
    offlineCause: null,
    offlineCauseReason: '',
    oneOffExecutors: [],
    temporarilyOffline: false,
  };
}

export function computerSetView(jenkins: JenkinsEngine): Record<string, unknown> {
  const all = [...jenkins.computers.values()];
  return {
    _class: 'hudson.model.ComputerSet',
    busyExecutors: all.reduce((n, c) => n + c.busy, 0),
    computer: all.map(computerView),
    displayName: 'Nodes',
    totalExecutors: all.filter((c) => !c.offline).reduce((n, c) => n + c.numExecutors, 0),
  };
}

export function queueItemView(base: string, item: SimQueueItem, job: SimJob | undefined): Record<string, unknown> {
  const params = Object.entries(item.params).map(([k, v]) => `\n${k}=${v}`).join('');
  const view: Record<string, unknown> = {
    _class: item.left ? 'hudson.model.Queue$LeftItem' : 'hudson.model.Queue$BuildableItem',
    actions: causeActions(item.params),
    blocked: false,
    buildable: !item.left,
    id: item.id,
    inQueueSince: item.inQueueSince,
    params,
    stuck: false,
    task: { _class: 'hudson.model.FreeStyleProject', name: item.job, url: `${base}/job/${item.job}/`, color: job ? jobRef(base, job).color : 'notbuilt' },
    url: `queue/item/${item.id}/`,
    why: item.why,
  };
  if (item.left) {
    view.cancelled = item.left.cancelled;
    view.executable = item.left.number === undefined ? null : { _class: 'hudson.model.FreeStyleBuild', number: item.left.number, url: `${base}/job/${item.job}/${item.left.number}/` };
  } else {
    view.buildableStartMilliseconds = item.inQueueSince;
    view.pending = false;
  }
  return view;
}
