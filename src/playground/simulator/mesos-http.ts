/**
 * HTTP surfaces of the Mesos masters and agents. Any master answers `/master/redirect` with 307 and a
 * scheme-less `Location: //leader:port`; v0 state endpoints on a non-leader redirect to the leader the same way;
 * 503 when no leader is elected. The agents' `/files` API (port 5051 in real life) is one shared server here.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Simulation } from './simulation.ts';
import { json, text } from './http-util.ts';
import { frameworksView, portsByAgent, recoveredView, slaveView, stateView, versionView, type MasterInfo } from './mesos-views.ts';
import { metricsSnapshot } from './metrics.ts';

const LEADER_ONLY = new Set([
  '/master/state',
  '/state',
  '/master/state.json',
  '/master/slaves',
  '/master/frameworks',
  '/master/tasks',
  '/master/state-summary',
]);

export function masterHandler(sim: Simulation, index: number) {
  return (_req: IncomingMessage, res: ServerResponse, url: URL): void => {
    const path = url.pathname;
    const leader = sim.mesosLeaderAddress();
    const isLeader = sim.mesosLeader === index;
    if (path === '/master/redirect' || path === '/redirect') {
      if (!leader) return text(res, 503, 'No leader elected');
      res.writeHead(307, { location: `//${leader}`, 'content-length': 0 }).end();
      return;
    }
    if (path.startsWith('/redirect/') || path.startsWith('/master/redirect/')) return text(res, 404, '');
    if (path === '/master/health') return text(res, 200, '');
    if (path === '/version') return json(res, 200, versionView());
    if (path === '/metrics/snapshot') return json(res, 200, metricsSnapshot(sim.state, isLeader));
    if (!LEADER_ONLY.has(path)) return text(res, 404, '');
    if (!leader) return text(res, 503, 'No leader elected');
    if (!isLeader) {
      res.writeHead(307, { location: `//${leader}${path}${url.search}`, 'content-length': 0 }).end();
      return;
    }
    const info = sim.masterInfo(index);
    if (path === '/master/slaves') return json(res, 200, slavesView(sim, info, url.searchParams.get('slave_id')));
    if (path === '/master/frameworks') return json(res, 200, frameworksView(sim.state));
    if (path === '/master/tasks') return json(res, 200, { tasks: frameworksTasks(sim) });
    return json(res, 200, stateView(sim.state, info));
  };
}

/**
 * Registered agents in `slaves`, agents a new master recovered in `recovered_slaves`; unreachable and gone
 * agents in neither (`src/master/readonly_handler.cpp` SlavesWriter).
 */
function slavesView(sim: Simulation, info: MasterInfo, slaveId: string | null): Record<string, unknown> {
  const agents = [...sim.state.agents.values()].filter((a) => !slaveId || a.id === slaveId);
  const held = portsByAgent(sim.state);
  return {
    slaves: agents.filter((a) => a.status === 'registered').map((a) => slaveView(a, info.agentPort, held.get(a.id))),
    recovered_slaves: agents.filter((a) => a.status === 'recovered').map((a) => recoveredView(a, info.agentPort)),
  };
}

function frameworksTasks(sim: Simulation): unknown[] {
  const fw = frameworksView(sim.state).frameworks as Array<{ tasks: unknown[] }>;
  return fw.flatMap((f) => f.tasks);
}

/** Agent HTTP: `/files/read`, `/files/browse` over every simulated sandbox, plus each agent's own log. */
export function agentHandler(sim: Simulation) {
  return (_req: IncomingMessage, res: ServerResponse, url: URL): void => {
    const path = url.searchParams.get('path');
    if (url.pathname === '/files/browse') {
      const files = path ? sim.sandboxListing(path) : undefined;
      return files ? json(res, 200, files) : text(res, 404, '');
    }
    if (url.pathname !== '/files/read' && url.pathname !== '/files/download') return text(res, 404, '');
    if (!path) return text(res, 400, "Expecting 'path=value' in query.");
    const content = sim.sandboxFile(path);
    if (content === undefined) return text(res, 404, '');
    if (url.pathname === '/files/download') return text(res, 200, content, 'application/octet-stream');
    readFile(res, Buffer.from(content), url.searchParams);
  };
}

/** Mesos `files.cpp` rules: offset -1 → size only; past the end → empty; default and cap 64 KiB. */
function readFile(res: ServerResponse, bytes: Buffer, q: URLSearchParams): void {
  const offset = Number(q.get('offset') ?? 0);
  const length = q.has('length') ? Number(q.get('length')) : undefined;
  if (offset === -1) return json(res, 200, { data: '', offset: bytes.length });
  if (offset < 0) return text(res, 400, 'Negative offset provided');
  if (length !== undefined && length < 0) return text(res, 400, 'Negative length provided');
  const max = Math.min(length ?? 64 * 1024, 64 * 1024);
  json(res, 200, { data: bytes.subarray(offset, offset + max).toString('utf8'), offset });
}
