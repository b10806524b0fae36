/** ZooKeeper four-letter-word answers (already zod-checked) → the cluster domain's types. Pure. */
import type { ZooKeeperView } from '../../cluster/snapshot-types.ts';
import type { Srvr } from './schemas.ts';

/** `srvr`: mode, the version without its build suffix, latency, outstanding requests, znodes, connections. */
export function toZooKeeperView(s: Srvr): ZooKeeperView {
  const view: ZooKeeperView = { mode: s.mode, version: s.version.split(/[-,\s]/)[0] ?? s.version, avgLatencyMs: s.latency.avg, outstanding: s.outstanding, nodeCount: s.nodeCount };
  if (s.connections !== undefined) view.connections = s.connections;
  return view;
}
