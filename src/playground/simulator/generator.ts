/**
 * Benchmark-sized clusters: `generateCluster(state, { agents: 10_000, tasks: 100_000 })` adds agents and RUNNING
 * tasks (under a "bench" framework, spread round-robin) directly to the state, without events or timers.
 */
import { addAgent, addFramework, addTask, type SimState } from './state.ts';

export interface GenerateOptions {
  agents: number;
  tasks: number;
  /** Resources of each generated agent (default 32 cpus, 128 GiB, 1 TB). */
  cpus?: number;
  memMb?: number;
  diskMb?: number;
}

export function generateCluster(state: SimState, opts: GenerateOptions): { agents: number; tasks: number } {
  const first = state.agents.size;
  const agents = [];
  for (let i = 0; i < opts.agents; i++) {
    const n = first + i;
    agents.push(
      addAgent(state, {
        hostname: `gen-agent-${String(n).padStart(5, '0')}`,
        ip: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
        cpus: opts.cpus ?? 32,
        memMb: opts.memMb ?? 131_072,
        diskMb: opts.diskMb ?? 1_000_000,
        attributes: { rack: `r${n % 40}`, os: 'linux' },
      }),
    );
  }
  if (agents.length === 0 || opts.tasks === 0) return { agents: agents.length, tasks: 0 };
  const fw = addFramework(state, 'bench', 'bench-scheduler', 'http://bench-scheduler:8080');
  const now = Date.now();
  for (let i = 0; i < opts.tasks; i++) {
    const agent = agents[i % agents.length]!;
    const id = `bench-${i}`;
    addTask(state, {
      id,
      instanceId: id,
      name: 'bench',
      frameworkId: fw.id,
      agentId: agent.id,
      state: 'TASK_RUNNING',
      cpus: 0.1,
      mem: 64,
      disk: 0,
      ports: [],
      stagedAt: now,
      startedAt: now,
      version: new Date(now).toISOString(),
      stdout: '',
      stderr: '',
    });
  }
  return { agents: agents.length, tasks: opts.tasks };
}
