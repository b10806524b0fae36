/**
 * {@link ClusterProbe} over the process's cluster clients: did the agent join, what are the totals now, do the
 * master services answer (a leading Mesos master, Marathon registered as a framework, ZooKeeper `ruok`/`mntr`).
 */
import type { AgentSummary, ClusterProbe, ServiceCheck } from '../../core/ports.ts';
import type { ClusterClients, MesosAgent } from '../../cluster/cluster-reader.ts';
import { checkZooKeeper } from './zookeeper-check.ts';

/** The probe; undefined when no Mesos master is configured (verification is then reported as skipped). */
export function createClusterProbe(cluster: ClusterClients): ClusterProbe | undefined {
  const { mesos, marathon } = cluster;
  if (!mesos) return undefined;
  const toSummary = (a: MesosAgent): AgentSummary => ({ hostname: a.hostname, cpus: a.cpus, memMb: a.memMb, diskMb: a.diskMb });
  return {
    async waitForAgent(hostname, o) {
      return toSummary(await mesos.waitForAgent(hostname, { timeoutMs: o.timeoutMs, signal: o.signal }));
    },
    async agentTotals(signal) {
      const active = (await mesos.agents({ signal })).agents.filter((s) => s.connected).map(toSummary);
      return { agents: active.length, cpus: sum(active.map((a) => a.cpus)), memMb: sum(active.map((a) => a.memMb)) };
    },
    async checkMaster(signal) {
      return Promise.all([
        check('Mesos master', async () => `leading: ${await mesos.leader({ signal })}, version ${await mesos.version({ signal })}`),
        check('Marathon', async () => {
          if (!marathon) throw new Error('no cluster.marathon.urls configured');
          const info = await marathon.info({ signal });
          const fws = (await mesos.frameworks({ signal })).frameworks;
          const fw = fws.find((f) => f.name === info.frameworkName && f.active);
          if (!fw) throw new Error(`answers (version ${info.version}) but is not registered with the Mesos master as a framework`);
          return `version ${info.version}, registered as framework ${fw.id}`;
        }),
        check('ZooKeeper', async () => {
          const [first] = cluster.zookeeper;
          if (!first) return 'not checked (cluster.zookeeper.hosts is empty)';
          return checkZooKeeper(first, signal);
        }),
      ]);
    },
  };
}

/** A check's outcome; its failure is shown as the check's detail (the message is the user's only clue). */
async function check(name: string, run: () => Promise<string>): Promise<ServiceCheck> {
  try {
    return { name, ok: true, detail: await run() };
  } catch (err) {
    return { name, ok: false, detail: err instanceof Error ? err.message : String(err) };
  }
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}
