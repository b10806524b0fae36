/**
 * The control API (JSON over HTTP under `/_control/`), for tests in other processes, shell shims on SSH test
 * hosts, and benchmarks. Every route maps onto a {@link Simulation} method.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { Simulation } from './simulation.ts';
import { json, readJson } from './http-util.ts';
import { agentLogLines, registerAgent, startService } from './registration.ts';
import { generateCluster } from './generator.ts';

const FaultSchema = z.object({
  component: z.enum(['mesos', 'agent', 'marathon', 'jenkins']),
  path: z.string().default('/'),
  mode: z.enum(['slow', 'fail', 'garbage', 'truncated', 'huge', 'hang']),
  delayMs: z.number().optional(),
  status: z.number().optional(),
  bytes: z.number().optional(),
  times: z.number().optional(),
});

type Body = Record<string, unknown>;
type Route = (sim: Simulation, body: Body, m: RegExpExecArray, url: URL) => unknown;

const routes: Array<[string, RegExp, Route]> = [
  ['GET', /^\/_control\/state$/, (sim) => summary(sim)],
  ['GET', /^\/_control\/requests$/, (sim) => Object.fromEntries(sim.faults.counts)],
  ['GET', /^\/_control\/events$/, (sim) => sim.bus.log],
  ['GET', /^\/_control\/services$/, (sim) => ({ services: [...sim.state.services.values()] })],
  ['POST', /^\/_control\/agents$/, (sim, b) => ({ id: sim.addAgent(b as { hostname: string }).id })],
  ['POST', /^\/_control\/agents\/([^/]+)\/lose$/, (sim, _b, m) => sim.loseAgent(m[1] ?? '')],
  ['POST', /^\/_control\/agents\/([^/]+)\/restore$/, (sim, _b, m) => sim.restoreAgent(m[1] ?? '')],
  ['POST', /^\/_control\/tasks\/([^/]+)\/kill$/, (sim, b, m) => sim.killTask(dec(m[1]), b.state as string | undefined, b.message as string | undefined)],
  ['POST', /^\/_control\/tasks\/([^/]+)\/health$/, (sim, b, m) => sim.failHealth(dec(m[1]), b.failing !== false)],
  ['POST', /^\/_control\/leader$/, (sim, b) => sim.setLeader(b.component as 'mesos' | 'marathon', b.index as number | undefined, { stopOld: b.stopOld === true })],
  ['POST', /^\/_control\/faults$/, (sim, b) => sim.addFault(FaultSchema.parse(b))],
  ['DELETE', /^\/_control\/faults$/, (sim) => sim.clearFaults()],
  ['POST', /^\/_control\/events\/stall$/, (sim, b) => void (sim.bus.stalled = b.stalled !== false)],
  ['POST', /^\/_control\/events\/drop$/, (sim) => sim.bus.drop()],
  ['POST', /^\/_control\/jenkins\/jobs$/, (sim, b) => sim.jenkins.setJobCount(Number(b.count))],
  ['POST', /^\/_control\/jenkins\/duration$/, (sim, b) => sim.jenkins.setBuildDuration(Number(b.ms), b.job as string | undefined)],
  ['POST', /^\/_control\/jenkins\/crumb\/rotate$/, (sim) => void (sim.jenkins.crumb = crypto.randomUUID().replaceAll('-', ''))],
  ['POST', /^\/_control\/time-scale$/, (sim, b) => sim.setTimeScale(Number(b.scale))],
  ['POST', /^\/_control\/generate$/, (sim, b) => generateCluster(sim.state, { agents: Number(b.agents ?? 0), tasks: Number(b.tasks ?? 0) })],
];

function dec(s: string | undefined): string {
  return decodeURIComponent(s ?? '');
}

export function summary(sim: Simulation): Record<string, unknown> {
  return {
    mesosLeader: sim.mesosLeaderAddress() ?? null,
    marathonLeader: sim.marathonLeaderAddress() ?? null,
    agents: [...sim.state.agents.values()].slice(0, 1000).map((a) => ({ id: a.id, hostname: a.hostname, ip: a.ip, active: a.active, used: a.used })),
    tasks: [...sim.state.tasks.values()].slice(0, 1000).map((t) => ({
      id: t.id,
      appId: t.appId ?? null,
      host: sim.state.agents.get(t.agentId)?.hostname ?? null,
      state: t.state,
      healthy: t.health?.alive ?? null,
    })),
    jenkins: { up: sim.jenkins.up, jobs: sim.jenkins.jobs.size, computers: [...sim.jenkins.computers.keys()] },
  };
}

export function controlHandler(sim: Simulation) {
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const method = req.method ?? 'GET';
    const path = url.pathname.replace(/\/+$/, '');
    try {
      const reg = /^\/_control\/agents\/register$/.exec(path);
      if (reg && method === 'POST') {
        const r = registerAgent(sim, await readJson(req));
        return json(res, r.status, r.body);
      }
      const svc = /^\/_control\/services\/([^/]+)\/start$/.exec(path);
      if (svc && method === 'POST') {
        const r = startService(sim, dec(svc[1]), await readJson(req));
        return json(res, r.status, r.body);
      }
      const log = /^\/_control\/agents\/([^/]+)\/log$/.exec(path);
      if (log && method === 'GET') {
        const lines = agentLogLines(sim, dec(log[1]), Number(url.searchParams.get('lines') ?? 50));
        return lines ? json(res, 200, { hostname: dec(log[1]), lines }) : json(res, 404, { error: 'no such agent' });
      }
      for (const [m, re, route] of routes) {
        const match = re.exec(path);
        if (!match || m !== method) continue;
        const body = method === 'GET' ? {} : ((await readJson(req)) as Body);
        const out = await route(sim, body, match, url);
        return json(res, 200, out ?? { ok: true });
      }
      json(res, 404, { error: `no control route ${method} ${path}` });
    } catch (err) {
      json(res, 400, { error: err instanceof Error ? err.message : String(err) });
    }
  };
}
