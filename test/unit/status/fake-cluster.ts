/**
 * A {@link ClusterReader} over plain data, for unit and golden tests: the seed cluster by default (master,
 * slave1, slave2, Jenkins on slave1), any number of generated agents, and per-upstream failures or delays.
 * Answers go through the clients' zod schemas and their mapping to domain types, as real ones do.
 */
import { UpstreamError } from '../../../src/core/errors.ts';
import type { ClusterReader, ReadOptions } from '../../../src/cluster/cluster-reader.ts';
import { ComputerSetSchema, QueueSchema, RootSchema } from '../../../src/clients/jenkins/schemas.ts';
import { AppSchema } from '../../../src/clients/marathon/schemas.ts';
import { FrameworksResponseSchema, MetricsSnapshotSchema, SlavesResponseSchema } from '../../../src/clients/mesos/schemas.ts';
import { SrvrSchema } from '../../../src/clients/zookeeper/schemas.ts';
import { toJenkinsView } from '../../../src/clients/jenkins/to-domain.ts';
import { toMesosAgents, toMesosFrameworks, toMesosTotals } from '../../../src/clients/mesos/to-domain.ts';
import { toZooKeeperView } from '../../../src/clients/zookeeper/to-domain.ts';

export const T0 = Date.UTC(2024, 4, 6, 9, 0, 0); // Monday 2024-05-06 09:00 UTC

export interface FakeAgent {
  hostname: string;
  cpus: number;
  cpusUsed: number;
  memMb: number;
  memUsedMb: number;
  active?: boolean;
  tasks?: number;
}

export interface FakeOptions {
  agents?: FakeAgent[];
  /** Upstream → error thrown by every read of it (or 'hang': never answers until the signal aborts). */
  fail?: Partial<Record<'mesos' | 'slaves' | 'marathon' | 'jenkins' | 'zookeeper', Error | 'hang'>>;
  queue?: number;
  failingJobs?: string[];
  /** Jenkins' jobs as the status root read lists them (with `builds` lists); default: four jobs without builds. */
  jobs?: Array<{ name: string; color?: string; builds?: unknown[] }>;
  timeoutMs?: number;
}

export const seedAgents: FakeAgent[] = [
  { hostname: 'slave1', cpus: 2, cpusUsed: 1.4, memMb: 3789, memUsedMb: 2304, tasks: 3 },
  { hostname: 'slave2', cpus: 2, cpusUsed: 0.2, memMb: 3789, memUsedMb: 512, tasks: 1 },
];

export function generatedAgents(n: number): FakeAgent[] {
  return Array.from({ length: n }, (_, i) => ({
    hostname: `gen-agent-${String(i).padStart(5, '0')}`, cpus: 32, cpusUsed: (i * 7) % 33, memMb: 131_072, memUsedMb: ((i * 13) % 100) * 1310,
    active: i % 97 !== 5, tasks: 10,
  }));
}

export const calls: string[] = [];

export function fakeReader(o: FakeOptions = {}): ClusterReader {
  const agents = o.agents ?? seedAgents;
  const gate = async <T>(which: keyof NonNullable<FakeOptions['fail']>, opts: ReadOptions, value: () => T): Promise<T> => {
    calls.push(which);
    const f = o.fail?.[which];
    if (f === 'hang') {
      return new Promise((_, reject) => opts.signal.addEventListener('abort', () => reject(new UpstreamError(which === 'slaves' ? 'mesos' : (which as 'mesos'), 'GET x', { failure: 'aborted' })), { once: true }));
    }
    if (f) throw f;
    return value();
  };
  const live = agents.filter((a) => a.active !== false);
  const sum = (f: (a: FakeAgent) => number) => live.reduce((n, a) => n + f(a), 0);
  const tasks = agents.reduce((n, a) => n + (a.tasks ?? 0), 0);
  return {
    timeoutsMs: { mesos: o.timeoutMs ?? 5000, marathon: o.timeoutMs ?? 5000, jenkins: o.timeoutMs ?? 5000, zookeeper: o.timeoutMs ?? 3000 },
    mesos: {
      leader: (s) => gate('mesos', s, () => 'http://master:5050'),
      version: (s) => gate('mesos', s, () => '1.11.0'),
      totals: (s) => gate('mesos', s, () => toMesosTotals(MetricsSnapshotSchema.parse({
        'master/elected': 1, 'master/slaves_active': live.length, 'master/slaves_inactive': agents.length - live.length,
        'master/cpus_total': sum((a) => a.cpus), 'master/cpus_used': sum((a) => a.cpusUsed),
        'master/mem_total': sum((a) => a.memMb), 'master/mem_used': sum((a) => a.memUsedMb),
        'master/disk_total': live.length * 35_000, 'master/disk_used': live.length * 1200,
        'master/tasks_running': tasks, 'master/tasks_staging': 0, 'master/frameworks_active': 2,
      }))),
      agents: async (s) => (await gate('slaves', s, () => 0), gate('mesos', s, () => toMesosAgents(SlavesResponseSchema.parse({
        slaves: agents.map((a, i) => ({
          id: `S${i}`, hostname: a.hostname, registered_time: (T0 - 3 * 86_400_000 - i * 3_600_000) / 1000, active: a.active !== false,
          resources: { cpus: a.cpus, mem: a.memMb, disk: 35_000 }, used_resources: { cpus: a.cpusUsed, mem: a.memUsedMb, disk: 1200 },
        })),
      })))),
      frameworks: (s) => gate('mesos', s, () => toMesosFrameworks(FrameworksResponseSchema.parse({
        frameworks: [
          { id: 'F1', name: 'marathon', active: true, tasks: agents.flatMap((a, i) => Array.from({ length: Math.max(0, (a.tasks ?? 0) - (i === 0 ? 1 : 0)) }, (_, k) => task(`m${i}-${k}`, 'F1', `S${i}`))) },
          { id: 'F2', name: 'Jenkins Scheduler', active: true, tasks: agents.length > 0 && (agents[0]?.tasks ?? 0) > 0 ? [task('jenkins-agent-1', 'F2', 'S0')] : [] },
        ],
      }))),
    },
    marathon: {
      jenkinsAppId: '/jenkins',
      leader: (s) => gate('marathon', s, () => 'http://master:8080'),
      app: (id, s) => gate('marathon', s, () => AppSchema.parse({
        id, instances: 1, tasksHealthy: 1, tasksUnhealthy: 0,
        tasks: [{ id: 'jenkins.1', host: 'slave1', state: 'TASK_RUNNING', startedAt: new Date(T0 - 3 * 3_600_000 - 300_000).toISOString(), healthCheckResults: [{ alive: true }] }],
      })),
    },
    jenkins: {
      url: 'http://slave1:8080',
      status: (s) => gate('jenkins', s, () => toJenkinsView('http://slave1:8080', RootSchema.parse({
        jobs: o.jobs ?? [
          { name: 'build-app', color: 'blue' }, { name: 'deploy', color: 'blue_anime' }, { name: 'nightly', color: 'notbuilt' },
          ...(o.failingJobs ?? ['integration']).map((name) => ({ name, color: 'red' })),
        ],
      }), ComputerSetSchema.parse({
        busyExecutors: 1, totalExecutors: 3,
        computer: [
          { _class: 'hudson.model.Hudson$MasterComputer', displayName: 'master', numExecutors: 2, idle: true, offline: false, temporarilyOffline: false },
          { _class: 'org.jenkinsci.plugins.mesos.MesosComputer', displayName: 'mesos-jenkins-1', numExecutors: 1, idle: false, offline: false, temporarilyOffline: false, jnlpAgent: true, assignedLabels: [{ name: 'mesos' }] },
        ],
      }), QueueSchema.parse({
        items: Array.from({ length: o.queue ?? 2 }, (_, i) => ({ id: i + 1, task: { name: `job-${i}` }, inQueueSince: T0 - (i + 1) * 60_000, stuck: i === 0 })),
      }).items, s.mesosLabel)),
    },
    zookeeper: [{ address: 'master:2181', srvr: (s) => gate('zookeeper', s, () => toZooKeeperView(SrvrSchema.parse({
      version: '3.8.0', latency: { min: 0, avg: 1, max: 12 }, received: 100, sent: 99, connections: 4, outstanding: 0, zxid: '0x1a', mode: 'standalone', nodeCount: 42,
    }))) }],
  };
}

function task(id: string, fw: string, agent: string) {
  return { id, name: id, framework_id: fw, slave_id: agent, state: 'TASK_RUNNING', resources: { cpus: 0.2, mem: 256 } };
}
