/**
 * Parsers for ZooKeeper four-letter-word answers (`ruok`, `mntr`, `srvr`/`stat`), ending in zod schemas of the
 * fields ci-bot reads. Unknown `mntr` keys (newer servers add hundreds) are kept as they are.
 */
import * as z from 'zod';

const num = z.coerce.number();

export const MntrSchema = z.looseObject({
  zk_version: z.string(),
  /** leader | follower | observer | standalone | read-only */
  zk_server_state: z.string(),
  zk_avg_latency: num,
  zk_max_latency: num,
  zk_min_latency: num,
  zk_packets_received: num,
  zk_packets_sent: num,
  zk_num_alive_connections: num.optional(),
  zk_outstanding_requests: num,
  zk_znode_count: num,
  zk_watch_count: num.optional(),
  zk_ephemerals_count: num.optional(),
  zk_followers: num.optional(),
  zk_synced_followers: num.optional(),
});
export type Mntr = z.output<typeof MntrSchema>;

/** `mntr` text → key/value map. Tolerates TABs or spaces, indentation, and a leading shell prompt line. */
export function mntrFields(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(zk_\w+)\s+(.*?)\s*$/.exec(line);
    if (!m?.[1] || m[2] === undefined) continue;
    // Doc examples annotate values ("0.7561   - only exposed by the Leader"); keep the value only.
    out[m[1]] = m[1] === 'zk_version' ? m[2] : (m[2].split(/\s+-\s+/)[0] ?? m[2]);
  }
  return out;
}

export const SrvrSchema = z.object({
  version: z.string(),
  latency: z.object({ min: z.number(), avg: z.number(), max: z.number() }),
  received: z.number(),
  sent: z.number(),
  /** Absent before 3.4. */
  connections: z.number().optional(),
  outstanding: z.number(),
  zxid: z.string(),
  /** leader | follower | observer | standalone | read-only */
  mode: z.string(),
  nodeCount: z.number(),
});
export type Srvr = z.output<typeof SrvrSchema>;

/** `srvr` (or `stat`) text → the object {@link SrvrSchema} checks; missing lines stay undefined. */
export function srvrFields(text: string): Record<string, unknown> {
  const kv = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^([A-Za-z][A-Za-z /]*):\s*(.*)$/.exec(line.trim());
    if (m?.[1] && m[2] !== undefined) kv.set(m[1].toLowerCase(), m[2].trim());
  }
  const n = (k: string) => (kv.has(k) ? Number(kv.get(k)) : undefined);
  const lat = kv.get('latency min/avg/max')?.split('/').map(Number);
  return {
    version: kv.get('zookeeper version'),
    latency: lat ? { min: lat[0], avg: lat[1], max: lat[2] } : undefined,
    received: n('received'),
    sent: n('sent'),
    connections: n('connections'),
    outstanding: n('outstanding'),
    zxid: kv.get('zxid'),
    mode: kv.get('mode'),
    nodeCount: n('node count'),
  };
}

/** `ruok` answers exactly "imok" (no newline) when the process is up. */
export const RuokSchema = z.literal('imok');
