/**
 * Marathon REST v2 and `/v2/events` as served by one Marathon instance. Non-leaders answer REST themselves (a real
 * one proxies; the answer is the same) but redirect `/v2/events` with 302, and `/v2/events` needs exactly
 * `Accept: text/event-stream` or it is a 405 Jetty page — as in Marathon.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Simulation } from './simulation.ts';
import { json, readJson, text } from './http-util.ts';
import { appView, taskView } from './app-definition.ts';
import type { SimApp, SimDeployment } from './state.ts';

const NO_ACCEPT_405 =
  '<html>\n<head>\n<meta http-equiv="Content-Type" content="text/html;charset=ISO-8859-1"/>\n<title>Error 405 HTTP method GET is not supported by this URL</title>\n</head>\n<body><h2>HTTP ERROR 405</h2>\n<p>Problem accessing /v2/events. Reason:\n<pre>    HTTP method GET is not supported by this URL</pre></p></body>\n</html>\n';

export function deploymentView(d: SimDeployment): Record<string, unknown> {
  return {
    id: d.id,
    version: d.version,
    affectedApps: d.affectedApps,
    affectedPods: [],
    steps: [{ actions: d.actions }],
    currentActions: d.actions.map((a) => ({ ...a, readinessCheckResults: [] })),
    currentStep: 1,
    totalSteps: 1,
  };
}

function result(d: SimDeployment): Record<string, unknown> {
  return { deploymentId: d.id, version: d.version };
}

function view(sim: Simulation, app: SimApp, embed: string[]): Record<string, unknown> {
  const withTasks = embed.some((e) => /(^|\.)tasks$/.test(e) || e.endsWith('.failures'));
  return appView(sim.state, app, sim.marathon.tasksOf(app.id), withTasks);
}

export function marathonHandler(sim: Simulation, index: number) {
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const leader = sim.marathonLeaderAddress();
    if (sim.marathonLeader === index) res.setHeader('X-Marathon-Leader', `http://${leader}`);
    else if (leader) res.setHeader('X-Marathon-Via', `1.1 ${sim.opts.host}:${sim.marathons[index]?.port}`);
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (path === '/ping') return text(res, 200, 'pong');
    const creds = sim.opts.marathonCredentials;
    if (creds && req.headers.authorization !== `Basic ${Buffer.from(`${creds.user}:${creds.password}`).toString('base64')}`) {
      res.setHeader('WWW-Authenticate', 'Basic realm="Mesosphere Marathon"');
      return json(res, 401, { message: 'Invalid username or password.' });
    }
    if (path === '/v2/events') return events(sim, index, req, res, url);
    if (path === '/v2/leader') return leaderRoute(sim, method, res);
    if (!leader) return text(res, 502, 'Could not determine the current leader');
    if (path === '/v2/info') return json(res, 200, sim.marathonInfo());
    if (path === '/v2/apps' && method === 'GET') {
      const id = url.searchParams.get('id');
      const apps = [...sim.state.apps.values()].filter((a) => !id || a.id.includes(id));
      return json(res, 200, { apps: apps.map((a) => view(sim, a, url.searchParams.getAll('embed'))) });
    }
    if (path === '/v2/apps' && method === 'POST') return createApp(sim, req, res);
    if (path === '/v2/tasks') {
      const tasks = [...sim.state.tasks.values()].filter((t) => t.appId);
      return json(res, 200, { tasks: tasks.map((t) => taskView(sim.state, t)) });
    }
    if (path === '/v2/deployments') return json(res, 200, [...sim.state.deployments.values()].map(deploymentView));
    if (path.startsWith('/v2/deployments/') && method === 'DELETE') {
      const ok = sim.state.deployments.delete(path.slice('/v2/deployments/'.length));
      return ok ? text(res, 202, '') : json(res, 404, { message: `DeploymentPlan ${path.slice(16)} does not exist` });
    }
    if (path === '/v2/queue') return json(res, 200, { queue: queueView(sim, url.searchParams.getAll('embed').includes('lastUnusedOffers')) });
    if (path.startsWith('/v2/apps/')) return appRoute(sim, req, res, url, method);
    json(res, 404, { message: 'URI not found' });
  };
}

function leaderRoute(sim: Simulation, method: string, res: ServerResponse): void {
  const leader = sim.marathonLeaderAddress();
  if (!leader) return json(res, 404, { message: 'There is no leader' });
  if (method === 'DELETE') {
    sim.setLeader('marathon', ((sim.marathonLeader ?? 0) + 1) % sim.marathons.length);
    return json(res, 200, { message: 'Leadership abdicated' });
  }
  json(res, 200, { leader });
}

function events(sim: Simulation, index: number, req: IncomingMessage, res: ServerResponse, url: URL): void {
  const accepts = String(req.headers.accept ?? '').split(',').map((s) => s.trim());
  // Jetty's EventSourceServlet compares each Accept value for exact equality.
  if (!accepts.includes('text/event-stream') || String(req.headers.accept).includes(',')) {
    return text(res, 405, NO_ACCEPT_405, 'text/html;charset=ISO-8859-1');
  }
  const leader = sim.marathonLeaderAddress();
  if (sim.marathonLeader !== index) {
    if (!leader) return text(res, 503, 'no leader');
    res.writeHead(302, { location: `http://${leader}${url.pathname}${url.search}`, 'content-length': 0 }).end();
    return;
  }
  const types = url.searchParams.getAll('event_type');
  sim.bus.attach(res, types.length ? new Set(types) : undefined, req.socket.remoteAddress ?? '127.0.0.1');
}

async function createApp(sim: Simulation, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const def = await readJson(req).catch(() => undefined);
  if (!def || typeof def !== 'object' || typeof (def as { id?: unknown }).id !== 'string') {
    return json(res, 422, { message: 'Object is not valid', details: [{ path: '/id', errors: ['error.path.missing'] }] });
  }
  const id = `/${String((def as { id: string }).id).replace(/^\/+/, '')}`;
  if (sim.state.apps.has(id)) return json(res, 409, { message: `An app with id [${id}] already exists.` });
  const { app, deployment } = sim.marathon.createApp({ ...(def as Record<string, unknown>), id }, req.socket.remoteAddress);
  const body = { ...appView(sim.state, app, [], false), deployments: [{ id: deployment.id }] };
  json(res, 201, body, { location: id, 'Marathon-Deployment-Id': deployment.id });
}

async function appRoute(sim: Simulation, req: IncomingMessage, res: ServerResponse, url: URL, method: string) {
  const rest = url.pathname.slice('/v2/apps'.length);
  const m = /^(.*?)\/tasks(?:\/([^/]+))?$/.exec(rest);
  const appId = decodeURIComponent(m ? (m[1] ?? '') : rest.replace(/\/(versions|restart)$/, ''));
  const app = sim.state.apps.get(appId);
  const q = url.searchParams;
  if (!app && !(method === 'PUT' && !m)) return json(res, 404, { message: `App '${appId}' does not exist` });
  if (m && app) {
    const tasks = sim.marathon.tasksOf(app.id);
    if (method === 'GET') return json(res, 200, { tasks: tasks.map((t) => taskView(sim.state, t)) });
    const taskId = m[2] ? decodeURIComponent(m[2]) : undefined;
    const targets = taskId ? tasks.filter((t) => t.id === taskId || t.instanceId === taskId) : tasks;
    if (taskId && targets.length === 0) return json(res, 404, { message: `Task '${taskId}' does not exist` });
    const scale = q.get('scale') === 'true';
    const views = targets.map((t) => taskView(sim.state, t));
    for (const t of targets) sim.marathon.killTask(t, { scale });
    if (scale) return json(res, 200, { deploymentId: crypto.randomUUID(), version: app.version });
    return json(res, 200, taskId ? { task: views[0] } : { tasks: views });
  }
  if (method === 'GET') return json(res, 200, { app: view(sim, app as SimApp, q.getAll('embed')) });
  if (method === 'DELETE') return json(res, 200, result(sim.marathon.deleteApp(app as SimApp)));
  if (method !== 'PUT') return json(res, 405, { message: 'Method not allowed' });
  const patch = (await readJson(req).catch(() => undefined)) as Record<string, unknown> | undefined;
  if (!patch || typeof patch !== 'object') return json(res, 400, { message: 'Invalid JSON', details: 'unparsable' });
  if (!app) {
    const created = sim.marathon.createApp({ ...patch, id: appId }, req.socket.remoteAddress);
    return json(res, 201, result(created.deployment));
  }
  const locked = [...sim.state.deployments.values()].filter((d) => d.affectedApps.includes(app.id));
  if (locked.length > 0 && q.get('force') !== 'true') {
    return json(res, 409, {
      message: `App is locked by one or more deployments. Override with the option '?force=true'. View details at '/v2/deployments/<DEPLOYMENT_ID>'.`,
      deployments: locked.map((d) => ({ id: d.id })),
    });
  }
  const partial = q.get('partialUpdate') !== 'false';
  const next = partial ? patch : { ...patch, id: app.id };
  json(res, 200, result(sim.marathon.updateApp(app, next, req.socket.remoteAddress)));
}

/** `embed=lastUnusedOffers`: one declined offer per agent (at most 10), with why it did not fit. */
function unusedOffers(sim: Simulation): unknown[] {
  return [...sim.state.agents.values()].slice(0, 10).map((a) => ({
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
    reason: ['InsufficientCpus'],
  }));
}

function queueView(sim: Simulation, withOffers: boolean): unknown[] {
  return [...sim.marathon.queue.entries()].flatMap(([appId, q]) => {
    const app = sim.state.apps.get(appId);
    if (!app) return [];
    return [
      {
        ...(withOffers ? { lastUnusedOffers: unusedOffers(sim) } : {}),
        count: q.count,
        role: '*',
        delay: { timeLeftSeconds: 0, overdue: true },
        since: q.since,
        app: appView(sim.state, app, sim.marathon.tasksOf(appId), false),
        processedOffersSummary: { processedOffersCount: sim.state.agents.size, unusedOffersCount: sim.state.agents.size },
      },
    ];
  });
}
