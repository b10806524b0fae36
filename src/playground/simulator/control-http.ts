/**
 * The control API (JSON over HTTP under `/_control/`), for tests in other processes, shell shims on SSH test
 * hosts, and benchmarks. Every route maps onto a {@link Simulation} method.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as z from 'zod';
import type { Simulation } from './simulation.ts';
import { json, readJson } from './http-util.ts';
import { agentLogLines, registerAgent, startService } from './registration.ts';
import { generateCluster } from './generator.ts';
import { imagePulled } from './marathon-apps-images.ts';

const FaultSchema = z.object({
  component: z.enum(['mesos', 'agent', 'marathon', 'jenkins']),
  path: z.string().default('/'),
  mode: z.enum(['slow', 'fail', 'garbage', 'truncated', 'huge', 'hang']),
  delayMs: z.number().optional(),
  status: z.number().optional(),
  bytes: z.number().optional(),
  times: z.number().optional(),
  method: z.enum(['GET', 'POST', 'PUT', 'DELETE', 'PATCH']).optional(),
});

type Body = Record<string, unknown>;
type Route = (sim: Simulation, body: Body, m: RegExpExecArray, url: URL) => unknown;

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** [method, path pattern, shown path, what it does, handler] — `GET /_control` lists them (see README.md). */
const routes: Array<[string, RegExp, string, string, Route]> = [
  ['GET', /^\/_control\/state$/, '/_control/state', 'agents (with status), tasks, Jenkins: a summary', (sim) => summary(sim)],
  ['GET', /^\/_control\/requests$/, '/_control/requests', 'request counts per "component path"', (sim) => Object.fromEntries(sim.faults.counts)],
  ['GET', /^\/_control\/events$/, '/_control/events', 'every Marathon event emitted (newest last, bounded)', (sim) => sim.bus.log],
  ['GET', /^\/_control\/services$/, '/_control/services', 'master-side services started by recipes', (sim) => ({ services: [...sim.state.services.values()] })],
  ['POST', /^\/_control\/agents$/, '/_control/agents', 'add an agent {hostname, ip?, cpus?, memMb?, diskMb?, attributes?} (a known one re-registers)', (sim, b) => ({ id: sim.addAgent(b as { hostname: string }).id })],
  ['POST', /^\/_control\/agents\/([^/]+)\/(lose|stop)$/, '/_control/agents/{host}/stop (alias lose)', 'the agent process stops: active:false now, TASK_UNREACHABLE after the 75 s ping timeout', (sim, _b, m) => sim.stopAgent(dec(m[1]))],
  ['POST', /^\/_control\/agents\/([^/]+)\/partition$/, '/_control/agents/{host}/partition', 'network partition: active:true until the ping timeout, then TASK_UNREACHABLE', (sim, _b, m) => sim.partitionAgent(dec(m[1]))],
  ['POST', /^\/_control\/agents\/([^/]+)\/restore$/, '/_control/agents/{host}/restore', 'the agent comes back with the same id (its tasks report TASK_RUNNING again)', (sim, _b, m) => sim.restoreAgent(dec(m[1]))],
  ['POST', /^\/_control\/agents\/([^/]+)\/reboot$/, '/_control/agents/{host}/reboot', 'reboot {keepId?: false}: new agent id, the old one stays unreachable; keepId → tasks TASK_FAILED', (sim, b, m) => ({ id: sim.rebootAgent(dec(m[1]), { keepId: b.keepId === true }).id })],
  ['POST', /^\/_control\/agents\/([^/]+)\/gone$/, '/_control/agents/{host or agent id}/gone', 'MARK_AGENT_GONE: tasks TASK_GONE_BY_OPERATOR', (sim, _b, m) => sim.markAgentGone(dec(m[1]))],
  ['POST', /^\/_control\/agents\/([^/]+)\/full$/, '/_control/agents/{host}/full', 'placement: {full: true|false} — a full agent declines every offer', (sim, b, m) => sim.setAgentFull(dec(m[1]), b.full !== false)],
  ['POST', /^\/_control\/agents\/images$/, '/_control/agents/images', "the docker shim pulled {hostname, image} on an agent (the agent then tracks its images; launches of a missing one fail)", (sim, b) => imagePulled(sim.state, String(b.hostname ?? ''), String(b.image ?? ''))],
  ['POST', /^\/_control\/offers$/, '/_control/offers', 'placement: {order: [hostnames]} — offers from these agents come first', (sim, b) => sim.setOfferOrder(Array.isArray(b.order) ? b.order.map(String) : [])],
  ['POST', /^\/_control\/tasks\/([^/]+)\/kill$/, '/_control/tasks/{taskId}/kill', 'the task dies on its own {state?: TASK_FAILED, message?: "Container exited with status 137"}', (sim, b, m) => sim.killTask(dec(m[1]), str(b.state), str(b.message))],
  ['POST', /^\/_control\/tasks\/([^/]+)\/health$/, '/_control/tasks/{taskId}/health', 'its health check fails {failing: true} or passes again {failing: false}', (sim, b, m) => sim.failHealth(dec(m[1]), b.failing !== false)],
  ['POST', /^\/_control\/leader$/, '/_control/leader', 'leader change {component: mesos|marathon, index (absent: no leader), stopOld?}', (sim, b) => sim.setLeader(b.component as 'mesos' | 'marathon', b.index as number | undefined, { stopOld: b.stopOld === true })],
  ['POST', /^\/_control\/faults$/, '/_control/faults', 'HTTP fault {component, path, mode: slow|fail|garbage|truncated|huge|hang, delayMs?, status?, bytes?, times?}', (sim, b) => sim.addFault(FaultSchema.parse(b))],
  ['DELETE', /^\/_control\/faults$/, '/_control/faults', 'clear every fault', (sim) => sim.clearFaults()],
  ['POST', /^\/_control\/events\/stall$/, '/_control/events/stall', 'the event bus stalls {stalled: true} (heartbeats go on) or resumes {stalled: false}', (sim, b) => (b.stalled === false ? sim.bus.resume() : void (sim.bus.stalled = true))],
  ['POST', /^\/_control\/events\/silence$/, '/_control/events/silence', 'nothing reaches SSE consumers, not even heartbeats {silent: true|false}', (sim, b) => (b.silent === false ? sim.bus.speak() : void (sim.bus.silent = true))],
  ['POST', /^\/_control\/events\/slow$/, '/_control/events/slow', 'each SSE frame takes {ms} real ms to write; > 1,024 outstanding closes the stream', (sim, b) => void (sim.bus.slowWriteMs = Number(b.ms ?? 0))],
  ['POST', /^\/_control\/events\/drop$/, '/_control/events/drop', 'close every event stream', (sim) => sim.bus.drop()],
  ['POST', /^\/_control\/jenkins\/jobs$/, '/_control/jenkins/jobs', 'set the number of jobs {count}', (sim, b) => sim.jenkins.setJobCount(Number(b.count))],
  ['POST', /^\/_control\/jenkins\/duration$/, '/_control/jenkins/duration', 'build duration {ms, job?}', (sim, b) => sim.jenkins.setBuildDuration(Number(b.ms), str(b.job))],
  ['GET', /^\/_control\/jenkins\/wizard$/, '/_control/jenkins/wizard', 'the setup wizard of the current JENKINS_HOME {done, password?}', (sim) => sim.jenkinsWizard.current],
  ['POST', /^\/_control\/jenkins\/wizard\/complete$/, '/_control/jenkins/wizard/complete', 'the first admin user is created: the first-start password stops working', (sim) => sim.jenkinsWizard.complete()],
  ['POST', /^\/_control\/jenkins\/crumb\/rotate$/, '/_control/jenkins/crumb/rotate', 'a new CSRF crumb', (sim) => void (sim.jenkins.crumb = crypto.randomUUID().replaceAll('-', ''))],
  ['POST', /^\/_control\/time-scale$/, '/_control/time-scale', 'divide every simulated duration {scale}', (sim, b) => sim.setTimeScale(Number(b.scale))],
  ['POST', /^\/_control\/generate$/, '/_control/generate', 'add {agents, tasks} benchmark-sized (no events)', (sim, b) => generateCluster(sim.state, { agents: Number(b.agents ?? 0), tasks: Number(b.tasks ?? 0) })],
];

/** Routes handled before the table (they read their own bodies). */
const special = [
  ['POST', '/_control/agents/register', 'a shim registers an agent {zk, hostname, ip, cpus?, memMb?, diskMb?}; 409 for a wrong ZooKeeper URL'],
  ['POST', '/_control/services/{name}/start', 'a shim starts mesos-master|marathon|zookeeper {files}; 409 for a wrong ZooKeeper URL'],
  ['GET', '/_control/agents/{host}/log?lines=50', 'the last lines of an agent log'],
];

/** `GET /_control`: every route with what it does. */
export function controlIndex(): Record<string, unknown> {
  return {
    readme: 'src/playground/simulator/README.md',
    routes: [
      ...special.map(([method, path, doc]) => ({ method, path, doc })),
      ...routes.map(([method, , path, doc]) => ({ method, path, doc })),
    ],
  };
}

function dec(s: string | undefined): string {
  return decodeURIComponent(s ?? '');
}

export function summary(sim: Simulation): Record<string, unknown> {
  return {
    mesosLeader: sim.mesosLeaderAddress() ?? null,
    marathonLeader: sim.marathonLeaderAddress() ?? null,
    agents: [...sim.state.agents.values()].slice(0, 1000).map((a) => ({ id: a.id, hostname: a.hostname, ip: a.ip, active: a.active, status: a.status, full: a.full, used: a.used })),
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
      if (path === '/_control' && method === 'GET') return json(res, 200, controlIndex());
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
      for (const [m, re, , , route] of routes) {
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
