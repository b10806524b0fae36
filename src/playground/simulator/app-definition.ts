/**
 * App definitions as Marathon 1.10 normalizes them, and the JSON views of apps and tasks it serves.
 */
import type { SimAgent, SimApp, SimState, SimTask } from './state.ts';

/** Fills Marathon's defaults so GET answers carry every field a real server sends. */
export function normalizeApp(def: Record<string, unknown>, version: string): Record<string, unknown> {
  const id = `/${String(def.id ?? '').replace(/^\/+/, '')}`;
  return {
    cmd: null,
    args: null,
    user: null,
    env: {},
    instances: 1,
    cpus: 1,
    mem: 128,
    disk: 0,
    gpus: 0,
    executor: '',
    constraints: [],
    uris: [],
    fetch: [],
    storeUrls: [],
    backoffSeconds: 1,
    backoffFactor: 1.15,
    maxLaunchDelaySeconds: 300, // MARATHON-FAILOVER.md §0, docs `app.raml` (1.10)
    container: null,
    readinessChecks: [],
    dependencies: [],
    upgradeStrategy: { minimumHealthCapacity: 1, maximumOverCapacity: 1 },
    labels: {},
    acceptedResourceRoles: null,
    ipAddress: null,
    networks: [{ mode: 'host' }],
    portDefinitions: [{ port: 0, protocol: 'tcp', name: 'default', labels: {} }],
    requirePorts: false,
    killSelection: 'YOUNGEST_FIRST',
    unreachableStrategy: { inactiveAfterSeconds: 0, expungeAfterSeconds: 0 },
    secrets: {},
    taskKillGracePeriodSeconds: null,
    tty: false,
    ...def,
    id,
    version,
    healthChecks: ((def.healthChecks as Array<Record<string, unknown>> | undefined) ?? []).map(healthCheckDefaults),
    // Legacy mirror of portDefinitions that 1.x still serves.
    ports: ((def.portDefinitions as Array<{ port?: number }> | undefined) ?? [{ port: 0 }]).map((p) => p.port ?? 0),
  };
}

/** Health-check defaults (`SRC:core/health/HealthCheck.scala`): grace 300 s, interval 60 s, timeout 20 s, 3 failures, delay 15 s. */
function healthCheckDefaults(hc: Record<string, unknown>): Record<string, unknown> {
  return { gracePeriodSeconds: 300, intervalSeconds: 60, timeoutSeconds: 20, maxConsecutiveFailures: 3, delaySeconds: 15, ...hc };
}

/**
 * A task as `/v2/apps/{id}/tasks` and `/v2/tasks` serve it; its `state` comes from the instance's condition
 * (Provisioned → TASK_STAGING). `healthCheckResults` is always present, `[]` without a result.
 */
export function taskView(state: SimState, task: SimTask, stateName = task.state): Record<string, unknown> {
  const agent: SimAgent | undefined = state.agents.get(task.agentId);
  return {
    id: task.id,
    appId: task.appId,
    host: agent?.hostname ?? '',
    slaveId: task.agentId,
    state: stateName,
    stagedAt: new Date(task.stagedAt).toISOString(),
    startedAt: task.startedAt ? new Date(task.startedAt).toISOString() : null,
    version: task.version,
    ports: task.ports,
    servicePorts: task.ports,
    ipAddresses: [{ ipAddress: agent?.ip ?? '127.0.0.1', protocol: 'IPv4' }],
    localVolumes: [],
    region: 'primary',
    zone: agent?.attributes.zone ?? 'a',
    role: '*',
    healthCheckResults: task.health ? [{ ...task.health, instanceId: task.instanceId }] : [],
  };
}

/**
 * An app as `GET /v2/apps` serves it: definition + counts + deployments, and tasks when embedded.
 * `GET /v2/apps/{id}` always embeds tasks, counts, deployments and lastTaskFailure (`SRC:api/v2/AppsResource.scala#show`).
 */
export function appView(state: SimState, app: SimApp, tasks: SimTask[], embedTasks: boolean, stateOf = (t: SimTask) => t.state): Record<string, unknown> {
  const deployments = [...state.deployments.values()].filter((d) => d.affectedApps.includes(app.id));
  const states = tasks.map(stateOf);
  const view: Record<string, unknown> = {
    ...app.definition,
    versionInfo: { lastScalingAt: app.lastScalingAt, lastConfigChangeAt: app.lastConfigChangeAt },
    tasksStaged: states.filter((s) => s === 'TASK_STAGING' || s === 'TASK_STARTING').length,
    tasksRunning: states.filter((s) => s === 'TASK_RUNNING').length,
    tasksHealthy: tasks.filter((t) => t.health?.alive).length,
    tasksUnhealthy: tasks.filter((t) => t.health && !t.health.alive).length,
    deployments: deployments.map((d) => ({ id: d.id })),
  };
  if (embedTasks) view.tasks = tasks.map((t) => taskView(state, t, stateOf(t)));
  if (app.lastTaskFailure) view.lastTaskFailure = app.lastTaskFailure;
  return view;
}

/** The seed's Jenkins app: Docker, host networking, JENKINS_HOME on a host path, MESOS_HTTP health check. */
export function jenkinsAppDefinition(): Record<string, unknown> {
  return {
    id: '/jenkins',
    instances: 1,
    cpus: 0.2,
    mem: 256,
    disk: 0,
    container: {
      type: 'DOCKER',
      docker: { image: 'jenkins/jenkins:lts', forcePullImage: false, privileged: false, parameters: [] },
      volumes: [{ containerPath: '/var/jenkins_home', hostPath: '/srv/jenkins_home', mode: 'RW' }],
    },
    networks: [{ mode: 'host' }],
    portDefinitions: [
      { port: 8080, protocol: 'tcp', name: 'http', labels: {} },
      { port: 50000, protocol: 'tcp', name: 'agent', labels: {} },
    ],
    requirePorts: true,
    constraints: [],
    healthChecks: [
      {
        protocol: 'MESOS_HTTP',
        path: '/login',
        portIndex: 0,
        gracePeriodSeconds: 300,
        intervalSeconds: 30,
        timeoutSeconds: 10,
        maxConsecutiveFailures: 3,
        delaySeconds: 15,
      },
    ],
    upgradeStrategy: { minimumHealthCapacity: 0, maximumOverCapacity: 0 },
    labels: { MARATHON_SINGLE_INSTANCE_APP: 'true' },
    env: { JAVA_OPTS: '-Xmx192m' },
  };
}
