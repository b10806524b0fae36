/**
 * Jenkins HTTP: Basic auth (user + API token) on everything, a CSRF crumb required on every POST (403 "No valid
 * crumb was included in the request" otherwise), 503 while the controller's Marathon task is not running.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Simulation } from './simulation.ts';
import { json, readBody, text } from './http-util.ts';
import type { JenkinsEngine } from './jenkins-engine.ts';
import { parseTree, pickTree, TreeSyntaxError } from './jenkins-tree.ts';
import { ConfiguratorError } from './jenkins-casc.ts';
import { buildView, computerSetView, deepRootView, jobView, queueItemView, rootView } from './jenkins-views.ts';

function authorized(sim: Simulation, req: IncomingMessage): boolean {
  const expected = Buffer.from(`${sim.opts.jenkinsUser}:${sim.opts.jenkinsToken}`).toString('base64');
  // While the setup wizard is open, `admin` signs in with the first-start password (jenkins-wizard.ts).
  return req.headers.authorization === `Basic ${expected}` || sim.jenkinsWizard.accepts(req.headers.authorization);
}

export function jenkinsHandler(sim: Simulation) {
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const j = sim.jenkins;
    if (!j.up) return text(res, 503, 'Jenkins is not running (its Marathon task is not up)', 'text/html');
    res.setHeader('X-Jenkins', '2.440.3');
    if (!authorized(sim, req)) {
      res.setHeader('WWW-Authenticate', 'Basic realm="Jenkins"');
      return text(res, 401, 'Invalid password/token for user', 'text/html');
    }
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (req.method === 'POST') return post(sim, req, res, url, path);
    const base = sim.jenkinsServer.url;
    if (path === '/login') return text(res, 200, '<html>Sign in [Jenkins]</html>', 'text/html');
    if (path === '/whoAmI/api/json') return json(res, 200, whoAmI(req));
    if (path === '/crumbIssuer/api/json') {
      return json(res, 200, { _class: 'hudson.security.csrf.DefaultCrumbIssuer', crumb: j.crumb, crumbRequestField: 'Jenkins-Crumb' });
    }
    if (path === '/api/json') return rootRoute(res, base, j, url.searchParams.get('tree'));
    if (path === '/computer/api/json') return json(res, 200, computerSetView(j));
    if (path === '/queue/api/json') {
      const waiting = [...j.queue.values()].filter((i) => !i.left);
      return json(res, 200, { _class: 'hudson.model.Queue', discoverableItems: [], items: waiting.map((i) => queueItemView(base, i, j.jobs.get(i.job))) });
    }
    const qi = /^\/queue\/item\/(\d+)\/api\/json$/.exec(path);
    if (qi) {
      j.expireLeftItems();
      const item = j.queue.get(Number(qi[1]));
      return item ? json(res, 200, queueItemView(base, item, j.jobs.get(item.job))) : text(res, 404, 'Not Found');
    }
    const jm = /^\/job\/([^/]+)(?:\/(\d+|lastBuild))?\/(api\/json|buildNumber)$/.exec(path);
    if (jm) return jobRoute(sim, res, decodeURIComponent(jm[1] ?? ''), jm[2], jm[3] ?? '');
    text(res, 404, 'Not Found', 'text/html');
  };
}

/** `/api/json`, with `?tree=` honoured (400 for a malformed one, as Jenkins answers). */
function rootRoute(res: ServerResponse, base: string, j: JenkinsEngine, tree: string | null): void {
  if (tree === null) return json(res, 200, rootView(base, j));
  let spec: ReturnType<typeof parseTree>;
  try {
    spec = parseTree(tree);
  } catch (err) {
    if (!(err instanceof TreeSyntaxError)) throw err;
    return text(res, 400, err.message, 'text/html');
  }
  json(res, 200, pickTree(deepRootView(base, j), spec));
}

function jobRoute(sim: Simulation, res: ServerResponse, name: string, build: string | undefined, leaf: string): void {
  const j = sim.jenkins;
  const base = sim.jenkinsServer.url;
  const job = j.jobs.get(name);
  if (!job) return text(res, 404, 'Not Found', 'text/html');
  if (!build) {
    const inQueue = [...j.queue.values()].some((i) => i.job === name && !i.left);
    return json(res, 200, jobView(base, job, inQueue));
  }
  const b = build === 'lastBuild' ? job.builds[0] : job.builds.find((x) => x.number === Number(build));
  if (!b) return text(res, 404, 'Not Found', 'text/html');
  if (leaf === 'buildNumber') return text(res, 200, String(b.number));
  json(res, 200, buildView(base, job, b));
}

async function post(sim: Simulation, req: IncomingMessage, res: ServerResponse, url: URL, path: string): Promise<void> {
  const j = sim.jenkins;
  if (req.headers['jenkins-crumb'] !== j.crumb) {
    return text(res, 403, 'No valid crumb was included in the request', 'text/html');
  }
  const body = await readBody(req);
  if (path.startsWith('/configuration-as-code/')) return cascRoute(sim, res, path, body);
  if (path === '/createItem') {
    const name = url.searchParams.get('name') ?? '';
    if (!name) return text(res, 400, 'Query parameter name is required', 'text/html');
    if (!req.headers['content-type']) return text(res, 400, 'No Content-Type header set', 'text/html');
    return j.createJob(name, body) ? text(res, 200, '') : text(res, 400, `A job already exists with the name ‘${name}’`, 'text/html');
  }
  if (path === '/scriptText') {
    const script = new URLSearchParams(body).get('script') ?? '';
    j.scripts.push(script);
    const out = /items.*size\(\)/.test(script) ? `${j.jobs.size}\n` : '';
    return text(res, 200, out);
  }
  const cfg = /^\/job\/([^/]+)\/config\.xml$/.exec(path);
  if (cfg) return j.updateJob(decodeURIComponent(cfg[1] ?? ''), body) ? text(res, 200, '') : text(res, 404, 'Not Found', 'text/html');
  const trig = /^\/job\/([^/]+)\/(build|buildWithParameters)$/.exec(path);
  if (trig) {
    const params = trig[2] === 'buildWithParameters' ? Object.fromEntries([...url.searchParams, ...new URLSearchParams(body)]) : {};
    const id = j.trigger(decodeURIComponent(trig[1] ?? ''), params);
    if (id === undefined) return text(res, 404, 'Not Found', 'text/html');
    res.writeHead(201, { location: `${sim.jenkinsServer.url}/queue/item/${id}/`, 'content-length': 0 }).end();
    return;
  }
  text(res, 404, 'Not Found', 'text/html');
}

/** `hudson.security.WhoAmI`: the authenticated user (Basic auth was checked before). */
function whoAmI(req: IncomingMessage): Record<string, unknown> {
  const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
  const name = Buffer.from(basic, 'base64').toString('utf8').split(':')[0] ?? '';
  return { _class: 'hudson.security.WhoAmI', name, authenticated: true, anonymous: false, authorities: ['authenticated'] };
}

/** configuration-as-code: export, check and apply (jenkins-casc.ts); a configurator failure is a 500, as Stapler answers it. */
function cascRoute(sim: Simulation, res: ServerResponse, path: string, body: string): void {
  const casc = sim.jenkinsCasc;
  if (path === '/configuration-as-code/export') return text(res, 200, casc.export(), 'application/x-yaml');
  if (path === '/configuration-as-code/check') return json(res, 200, casc.check(body));
  if (path !== '/configuration-as-code/apply') return text(res, 404, 'Not Found', 'text/html');
  try {
    casc.apply(body);
    text(res, 200, '');
  } catch (err) {
    if (!(err instanceof ConfiguratorError)) throw err;
    text(res, 500, err.message, 'text/plain');
  }
}
