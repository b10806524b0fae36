/**
 * The leader's REST routes for apps, tasks and the launch queue (UPSTREAM-APIS.md §1.4; MARATHON-FAILOVER.md S5).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Simulation } from './simulation.ts';
import { json, readJson, text } from './http-util.ts';
import { appView, taskView } from './app-definition.ts';
import { apiTaskState } from './marathon-instances.ts';
import type { SimApp, SimDeployment, SimTask } from './state.ts';
import { validateApp } from './marathon-apps-validate.ts';
import { offerReasons, rejectSummary } from './marathon-apps-offers.ts';

function result(d: SimDeployment): Record<string, unknown> {
  return { deploymentId: d.id, version: d.version };
}

/** The API state of a listed task (from its instance's condition). */
function stateOf(sim: Simulation): (t: SimTask) => string {
  return (t) => {
    const inst = sim.marathon.byTask.get(t.id);
    return inst ? apiTaskState(inst) : t.state;
  };
}

function view(sim: Simulation, app: SimApp, withTasks: boolean): Record<string, unknown> {
  return appView(sim.state, app, sim.marathon.tasksOf(app.id), withTasks, stateOf(sim));
}

function tasksJson(sim: Simulation, tasks: SimTask[]): unknown[] {
  const st = stateOf(sim);
  return tasks.map((t) => taskView(sim.state, t, st(t)));
}

export async function appsRoute(sim: Simulation, req: IncomingMessage, res: ServerResponse, url: URL, method: string): Promise<void> {
  if (method === 'POST') return createApp(sim, req, res);
  const id = url.searchParams.get('id');
  const embed = url.searchParams.getAll('embed');
  const withTasks = embed.some((e) => /(^|\.)tasks$/.test(e) || e.endsWith('.failures'));
  const apps = [...sim.state.apps.values()].filter((a) => !id || a.id.includes(id));
  json(res, 200, { apps: apps.map((a) => view(sim, a, withTasks)) });
}

async function createApp(sim: Simulation, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const def = await readJson(req).catch(() => undefined);
  if (!def || typeof def !== 'object' || typeof (def as { id?: unknown }).id !== 'string') {
    return json(res, 422, { message: 'Object is not valid', details: [{ path: '/id', errors: ['error.path.missing'] }] });
  }
  const invalid = validateApp(def as Record<string, unknown>);
  if (invalid) return json(res, invalid.status, invalid.body);
  const id = `/${String((def as { id: string }).id).replace(/^\/+/, '')}`;
  if (sim.state.apps.has(id)) return json(res, 409, { message: `An app with id [${id}] already exists.` });
  const { app, deployment } = sim.deployments.createApp({ ...(def as Record<string, unknown>), id }, req.socket.remoteAddress);
  const body = { ...appView(sim.state, app, [], false), deployments: [{ id: deployment.id }] };
  json(res, 201, body, { location: id, 'Marathon-Deployment-Id': deployment.id });
}

function bool(q: URLSearchParams, name: string): boolean {
  return q.get(name) === 'true';
}

function locked(sim: Simulation, app: SimApp): SimDeployment[] {
  return [...sim.state.deployments.values()].filter((d) => d.affectedApps.includes(app.id));
}

function lockedAnswer(res: ServerResponse, deployments: SimDeployment[]): void {
  json(res, 409, {
    message: `App is locked by one or more deployments. Override with the option '?force=true'. View details at '/v2/deployments/<DEPLOYMENT_ID>'.`,
    deployments: deployments.map((d) => ({ id: d.id })),
  });
}

/** `DELETE …/tasks[/{id}]` and `POST /v2/tasks/delete`: scale and wipe together are a 400 (AppTasksResource). */
function kill(sim: Simulation, res: ServerResponse, q: URLSearchParams, byApp: Map<SimApp, SimTask[]>, one: boolean): void {
  const scale = bool(q, 'scale');
  const wipe = bool(q, 'wipe');
  if (scale && wipe) return json(res, 400, { message: 'You cannot use scale and wipe at the same time.' });
  const views = tasksJson(sim, [...byApp.values()].flat());
  let deployment: SimDeployment | undefined;
  for (const [app, tasks] of byApp) deployment = sim.deployments.killTasks(app, tasks, { scale, wipe }) ?? deployment;
  if (scale && deployment) return json(res, 200, result(deployment), { 'Marathon-Deployment-Id': deployment.id });
  json(res, 200, one ? { task: views[0] } : { tasks: views });
}

export async function appRoute(sim: Simulation, req: IncomingMessage, res: ServerResponse, url: URL, method: string): Promise<void> {
  const rest = url.pathname.slice('/v2/apps'.length);
  const m = /^(.*?)\/tasks(?:\/([^/]+))?$/.exec(rest);
  const action = /\/(versions|restart)$/.exec(rest)?.[1];
  const appId = decodeURIComponent(m ? (m[1] ?? '') : rest.replace(/\/(versions|restart)$/, ''));
  const app = sim.state.apps.get(appId);
  const q = url.searchParams;
  if (!app && !(method === 'PUT' && !m)) return json(res, 404, { message: `App '${appId}' does not exist` });
  if (m && app) {
    const tasks = sim.marathon.tasksOf(app.id);
    if (method === 'GET') return json(res, 200, { tasks: tasksJson(sim, tasks) });
    const taskId = m[2] ? decodeURIComponent(m[2]) : undefined;
    const host = q.get('host');
    const targets = taskId ? tasks.filter((t) => t.id === taskId) : tasks.filter((t) => !host || sim.state.agents.get(t.agentId)?.hostname === host);
    if (taskId && targets.length === 0) return json(res, 404, { message: `Task '${taskId}' does not exist` });
    return kill(sim, res, q, new Map([[app, targets]]), taskId !== undefined);
  }
  const a = app as SimApp;
  if (action === 'restart' && method === 'POST') {
    const holding = locked(sim, a);
    if (holding.length > 0 && !bool(q, 'force')) return lockedAnswer(res, holding);
    return json(res, 200, result(sim.deployments.restart(a, req.socket.remoteAddress)));
  }
  if (action === 'versions') return json(res, 200, { versions: [a.version] });
  if (method === 'GET') return json(res, 200, { app: view(sim, a, true) });
  if (method === 'DELETE') return json(res, 200, result(sim.deployments.deleteApp(a)));
  if (method !== 'PUT' && method !== 'PATCH') return json(res, 405, { message: 'Method not allowed' });
  const patch = (await readJson(req).catch(() => undefined)) as Record<string, unknown> | undefined;
  if (!patch || typeof patch !== 'object') return json(res, 400, { message: 'Invalid JSON', details: 'unparsable' });
  const invalid = validateApp(app && q.get('partialUpdate') !== 'false' ? { ...app.definition, ...patch } : { ...patch, id: appId }, { partial: true });
  if (invalid) return json(res, invalid.status, invalid.body);
  if (!app) {
    const created = sim.deployments.createApp({ ...patch, id: appId }, req.socket.remoteAddress);
    return json(res, 201, result(created.deployment));
  }
  const holding = locked(sim, app);
  if (holding.length > 0 && !bool(q, 'force')) return lockedAnswer(res, holding);
  const partial = method === 'PATCH' || q.get('partialUpdate') !== 'false';
  const next = partial ? patch : { ...patch, id: app.id };
  json(res, 200, result(sim.deployments.updateApp(app, next, req.socket.remoteAddress)));
}

/** `GET /v2/tasks` and `POST /v2/tasks/delete {"ids":[…]}` (400 "Invalid task id <id>" for an unknown one). */
export async function tasksRoute(sim: Simulation, req: IncomingMessage, res: ServerResponse, url: URL, method: string): Promise<void> {
  if (url.pathname === '/v2/tasks') {
    const tasks = [...sim.marathon.instances.values()].flatMap((i) => (i.task ? [i.task] : []));
    return json(res, 200, { tasks: tasksJson(sim, tasks) });
  }
  if (method !== 'POST') return json(res, 405, { message: 'Method not allowed' });
  const body = (await readJson(req).catch(() => ({}))) as { ids?: unknown };
  const ids = Array.isArray(body.ids) ? body.ids.map(String) : [];
  const byApp = new Map<SimApp, SimTask[]>();
  for (const id of ids) {
    const inst = sim.marathon.byTask.get(id);
    const app = inst ? sim.state.apps.get(inst.appId) : undefined;
    if (!inst?.task || !app) return json(res, 400, { message: `Invalid task id ${id}` });
    byApp.set(app, [...(byApp.get(app) ?? []), inst.task]);
  }
  kill(sim, res, url.searchParams, byApp, false);
}

/** `/v2/queue` with each app's launch delay; `DELETE /v2/queue/{appId}/delay` resets the backoff. */
export function queueRoute(sim: Simulation, res: ServerResponse, url: URL, method: string): void {
  const del = /^\/v2\/queue\/(.+)\/delay$/.exec(url.pathname);
  if (del && method === 'DELETE') {
    const appId = `/${decodeURIComponent(del[1] ?? '').replace(/^\/+/, '')}`;
    if (!sim.state.apps.has(appId)) return json(res, 404, { message: `Application ${appId} not found in tasks queue.` });
    sim.marathon.resetDelay(appId);
    sim.marathon.offersSoon();
    return text(res, 204, '');
  }
  const withOffers = url.searchParams.getAll('embed').includes('lastUnusedOffers');
  json(res, 200, { queue: queueView(sim, withOffers) });
}

/** `embed=lastUnusedOffers`: one declined offer per agent (at most 10), with why it did not fit. */
function unusedOffers(sim: Simulation, app: SimApp): unknown[] {
  return [...sim.state.agents.values()].filter((a) => a.status === 'registered').slice(0, 10).map((a) => ({
    offer: {
      id: `${a.id}-O1`,
      agentId: a.id,
      hostname: a.hostname,
      resources: [
        { name: 'cpus', scalar: a.cpus - a.used.cpus, ranges: [], set: [], role: '*' },
        { name: 'mem', scalar: a.memMb - a.used.mem, ranges: [], set: [], role: '*' },
        { name: 'ports', scalar: 0, ranges: [{ begin: 31000, end: 32000 }], set: [], role: '*' },
      ],
      attributes: Object.entries(a.attributes).map(([name, value]) => ({ name, scalar: 0, ranges: [], set: [value] })),
    },
    timestamp: new Date().toISOString(),
    reason: a.full ? ['DeclinedScarceResources'] : offerReasons(sim.state, app, a, liveTasks(sim, app)),
  }));
}

function liveTasks(sim: Simulation, app: SimApp): SimTask[] {
  return sim.marathon.tasksOf(app.id).filter((t) => t.state === 'TASK_RUNNING' || t.state === 'TASK_STAGING' || t.state === 'TASK_STARTING');
}

function queueView(sim: Simulation, withOffers: boolean): unknown[] {
  const byApp = new Map<string, number>();
  for (const inst of sim.marathon.waiting()) byApp.set(inst.appId, (byApp.get(inst.appId) ?? 0) + 1);
  return [...byApp.entries()].flatMap(([appId, count]) => {
    const app = sim.state.apps.get(appId);
    if (!app) return [];
    const delay = sim.marathon.delays.get(appId);
    const leftMs = delay ? Math.max(0, delay.untilMs - Date.now()) : 0;
    return [
      {
        ...(withOffers ? { lastUnusedOffers: unusedOffers(sim, app) } : {}),
        count,
        role: '*',
        delay: { timeLeftSeconds: Math.ceil((leftMs * sim.clock.timeScale) / 1000), overdue: leftMs === 0 },
        since: app.lastScalingAt,
        app: view(sim, app, false),
        processedOffersSummary: {
          processedOffersCount: sim.state.agents.size, unusedOffersCount: sim.state.agents.size,
          rejectSummaryLastOffers: rejectSummary([...sim.state.agents.values()].map((a) => offerReasons(sim.state, app, a, liveTasks(sim, app)))),
        },
      },
    ];
  });
}
