/**
 * Marathon REST v2 and `/v2/events` as served by one Marathon instance. The leader answers; a non-leader proxies
 * REST to the leader (adding `X-Marathon-Via`, the leader's `X-Marathon-Leader` copied back) but redirects
 * `/v2/events` with 302 (`IT:ForwardToLeaderIntegrationTest`); with no leader known it retries for ~2.5 s and
 * answers 502 "Could not determine the current leader" (`UT:api/LeaderProxyFilterTest`). `/v2/events` needs
 * exactly `Accept: text/event-stream` or it is a 405 Jetty page.
 */
import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Simulation } from './simulation.ts';
import { json, text } from './http-util.ts';
import { appRoute, appsRoute, queueRoute, tasksRoute } from './marathon-routes.ts';

const NO_ACCEPT_405 =
  '<html>\n<head>\n<meta http-equiv="Content-Type" content="text/html;charset=ISO-8859-1"/>\n<title>Error 405 HTTP method GET is not supported by this URL</title>\n</head>\n<body><h2>HTTP ERROR 405</h2>\n<p>Problem accessing /v2/events. Reason:\n<pre>    HTTP method GET is not supported by this URL</pre></p></body>\n</html>\n';

/** LeaderProxyFilter: about 10 × 250 ms waiting for leadership information before giving up. */
export const LEADER_WAIT_TRIES = 10;
export const LEADER_WAIT_STEP_MS = 250;

export function marathonHandler(sim: Simulation, index: number) {
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const self = `${sim.opts.host}:${sim.marathons[index]?.port}`;
    if (path === '/ping') return text(res, 200, 'pong');
    const creds = sim.opts.marathonCredentials;
    if (creds && req.headers.authorization !== `Basic ${Buffer.from(`${creds.user}:${creds.password}`).toString('base64')}`) {
      res.setHeader('WWW-Authenticate', 'Basic realm="Mesosphere Marathon"');
      return json(res, 401, { message: 'Invalid username or password.' });
    }
    if (path === '/v2/leader' && method === 'GET') return leaderGet(sim, res);
    if (path === '/v2/events') return events(sim, index, req, res, url);
    const leader = sim.marathonLeader === index ? self : await leaderOrUndefined(sim, index);
    if (!leader) return text(res, 502, 'Could not determine the current leader');
    if (leader !== self) return proxy(req, res, leader, self);
    res.setHeader('X-Marathon-Leader', `http://${leader}`);
    if (path === '/') {
      res.writeHead(302, { location: '/ui/', 'content-length': 0 }).end();
      return;
    }
    if (path === '/v2/leader' && method === 'DELETE') {
      sim.abdicateMarathon();
      return json(res, 200, { message: 'Leadership abdicated' });
    }
    if (path === '/v2/info') return json(res, 200, sim.marathonInfo());
    if (path === '/v2/apps') return appsRoute(sim, req, res, url, method);
    if (path === '/v2/tasks' || path === '/v2/tasks/delete') return tasksRoute(sim, req, res, url, method);
    if (path === '/v2/deployments') return json(res, 200, [...sim.state.deployments.values()].map(deploymentView));
    if (path.startsWith('/v2/deployments/') && method === 'DELETE') {
      const id = path.slice('/v2/deployments/'.length);
      return sim.deployments.cancel(id) ? text(res, 202, '') : json(res, 404, { message: `DeploymentPlan ${id} does not exist` });
    }
    if (path === '/v2/queue' || path.startsWith('/v2/queue/')) return queueRoute(sim, res, url, method);
    if (path.startsWith('/v2/apps/')) return appRoute(sim, req, res, url, method);
    json(res, 404, { message: 'URI not found' });
  };
}

export function deploymentView(d: { id: string; version: string; affectedApps: string[]; actions: Array<{ action: string; app: string }> }): Record<string, unknown> {
  return {
    id: d.id, version: d.version, affectedApps: d.affectedApps, affectedPods: [], steps: [{ actions: d.actions }],
    currentActions: d.actions.map((a) => ({ ...a, readinessCheckResults: [] })), currentStep: 1, totalSteps: 1,
  };
}

/** Every node answers `GET /v2/leader` with the same value (NonDestructiveLeaderIntegrationTest); none → 404. */
function leaderGet(sim: Simulation, res: ServerResponse): void {
  const leader = sim.marathonLeaderAddress();
  if (!leader) return json(res, 404, { message: 'There is no leader' });
  if (sim.marathonLeader !== undefined) res.setHeader('X-Marathon-Leader', `http://${leader}`);
  json(res, 200, { leader });
}

/** Waits (simulated time) for a leader to be known, as LeaderProxyFilter does during a transition. */
async function leaderOrUndefined(sim: Simulation, index: number): Promise<string | undefined> {
  for (let i = 0; i <= LEADER_WAIT_TRIES; i++) {
    if (sim.marathonLeader === index) return `${sim.opts.host}:${sim.marathons[index]?.port}`;
    const leader = sim.marathonLeaderAddress();
    if (leader) return leader;
    if (i < LEADER_WAIT_TRIES) await new Promise((r) => setTimeout(r, sim.clock.real(LEADER_WAIT_STEP_MS)));
  }
  return undefined;
}

/** RequestForwarder: the request goes to the leader; status, headers and body come back, with our Via. */
function proxy(req: IncomingMessage, res: ServerResponse, leader: string, self: string): Promise<void> {
  const via = String(req.headers['x-marathon-via'] ?? '');
  if (via.includes(self)) {
    text(res, 502, 'Detected proxying loop.');
    return Promise.resolve();
  }
  const [host, port] = leader.split(':');
  return new Promise((resolve) => {
    const headers = { ...req.headers, 'x-marathon-via': via ? `${via}, 1.1 ${self}` : `1.1 ${self}`, 'x-forwarded-for': req.socket.remoteAddress ?? '127.0.0.1' };
    const out = request({ host, port: Number(port), method: req.method, path: req.url, headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, { ...up.headers, 'x-marathon-via': `1.1 ${self}` });
      up.pipe(res);
      up.on('end', () => resolve());
    });
    out.on('error', (err: NodeJS.ErrnoException) => {
      if (!res.headersSent) text(res, 502, err.code === 'ECONNREFUSED' ? 'Connection to leader refused.' : 'Failed to successfully establish a connection to the leader.');
      resolve();
    });
    req.pipe(out);
  });
}

async function events(sim: Simulation, index: number, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const accepts = String(req.headers.accept ?? '').split(',').map((s) => s.trim());
  // Jetty's EventSourceServlet compares each Accept value for exact equality.
  if (!accepts.includes('text/event-stream') || String(req.headers.accept).includes(',')) {
    return text(res, 405, NO_ACCEPT_405, 'text/html;charset=ISO-8859-1');
  }
  if (sim.marathonLeader !== index) {
    const leader = await leaderOrUndefined(sim, index);
    if (!leader) return text(res, 502, 'Could not determine the current leader');
    res.writeHead(302, { location: `http://${leader}${url.pathname}${url.search}`, 'content-length': 0 }).end();
    return;
  }
  const types = url.searchParams.getAll('event_type');
  sim.bus.attach(res, types.length ? new Set(types) : undefined, req.socket.remoteAddress ?? '127.0.0.1');
}
