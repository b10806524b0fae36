/**
 * What the SSH test hosts' shims call when a recipe starts a Mesos agent or a master service: an agent registers
 * only when its ZooKeeper URL is the simulator's, exactly as a real agent with a wrong `/etc/mesos/zk` never
 * appears; the refusal is written to the agent's log.
 */
import * as z from 'zod';
import type { Simulation } from './simulation.ts';
import { agentLog, isoNow } from './state.ts';

export const RegisterSchema = z.object({
  zk: z.string(),
  hostname: z.string().min(1),
  ip: z.string().min(1),
  cpus: z.number().positive().optional(),
  memMb: z.number().positive().optional(),
  diskMb: z.number().positive().optional(),
  /** Images the host's `docker` shim holds: the agent then tracks its images (marathon-apps-images.ts). */
  images: z.array(z.string().min(1)).optional(),
});

export type RegisterResult = { status: 200; body: { registered: true; id: string } } | { status: 409 | 400; body: { registered: false; reason: string } };

/** Agent logs of hosts that never registered (a refused agent is not in the cluster, but its log exists). */
const refusedLogs = new WeakMap<Simulation, Map<string, string[]>>();

export function registerAgent(sim: Simulation, raw: unknown): RegisterResult {
  const parsed = RegisterSchema.safeParse(raw);
  if (!parsed.success) return { status: 400, body: { registered: false, reason: parsed.error.issues[0]?.message ?? 'bad request' } };
  const r = parsed.data;
  if (r.zk.trim() !== sim.opts.zkUrl) {
    const reason = `cannot detect a leading master: ZooKeeper URL ${r.zk} is not ${sim.opts.zkUrl}`;
    const logs = refusedLogs.get(sim) ?? new Map<string, string[]>();
    refusedLogs.set(sim, logs);
    const lines = logs.get(r.hostname) ?? [];
    lines.push(`${isoNow()} Agent started with --master=${r.zk}`, `${isoNow()} ${reason}; agent never registered`);
    logs.set(r.hostname, lines.slice(-200));
    return { status: 409, body: { registered: false, reason } };
  }
  const agent = sim.addAgent({
    hostname: r.hostname,
    ip: r.ip,
    ...(r.cpus ? { cpus: r.cpus } : {}),
    ...(r.memMb ? { memMb: r.memMb } : {}),
    ...(r.diskMb ? { diskMb: r.diskMb } : {}),
  });
  if (r.images) agent.images = new Set(r.images);
  agentLog(agent, `Agent started with --master=${r.zk} --hostname=${r.hostname} --ip=${r.ip}`);
  return { status: 200, body: { registered: true, id: agent.id } };
}

/** The last `lines` of an agent's log: registered agents first, then refused ones. */
export function agentLogLines(sim: Simulation, hostname: string, lines = 50): string[] | undefined {
  const agent = sim.state.agentsByHost.get(hostname);
  const all = agent ? agent.log : refusedLogs.get(sim)?.get(hostname);
  return all?.slice(-lines);
}

const SERVICES = new Set(['mesos-master', 'marathon', 'zookeeper']);

/**
 * Records that a master-side service was configured and started. Files naming a ZooKeeper URL
 * (`/etc/mesos/zk`, `/etc/marathon/conf/master`, `…/zk`) must point at the simulator's ZooKeeper.
 */
export function startService(sim: Simulation, name: string, raw: unknown): { status: number; body: Record<string, unknown> } {
  if (!SERVICES.has(name)) return { status: 404, body: { ok: false, reason: `unknown service ${name}` } };
  const files = z.object({ files: z.record(z.string(), z.string()).default({}) }).safeParse(raw ?? {});
  if (!files.success) return { status: 400, body: { ok: false, reason: 'files must map paths to contents' } };
  const zkRoot = sim.opts.zkUrl.replace(/\/[^/]*$/, '');
  const bad = Object.entries(files.data.files).find(
    ([path, content]) => /\/(zk|master)$/.test(path) && content.trim().startsWith('zk://') && !content.trim().startsWith(zkRoot),
  );
  const reason = bad ? `${bad[0]} points at ${bad[1].trim()}, not ${zkRoot}` : undefined;
  sim.state.services.set(name, { name, files: files.data.files, startedAt: isoNow(), ok: !bad, ...(reason ? { reason } : {}) });
  return bad ? { status: 409, body: { ok: false, reason } } : { status: 200, body: { ok: true, name } };
}

