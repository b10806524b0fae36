/**
 * Reads a V8 heap snapshot (`.heapsnapshot`, as written by `--heapsnapshot-signal`) into a compact summary: total
 * self size and, per node type and constructor name, the object count and self size. Two summaries are compared
 * by {@link heapDiff}: the groups that grew the most between them.
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

export interface HeapSummary {
  totalBytes: number;
  nodes: number;
  groups: Map<string, { count: number; bytes: number }>;
}

export function summarizeHeapSnapshot(path: string): HeapSummary {
  const snap = JSON.parse(readFileSync(path, 'utf8')) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const types = snap.snapshot.meta.node_types[0];
  const groups = new Map<string, { count: number; bytes: number }>();
  let totalBytes = 0;
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt] as number] ?? '?';
    // Strings and numbers are grouped by type alone (their "name" is their value).
    const name = type === 'object' || type === 'closure' || type === 'native' ? snap.strings[snap.nodes[i + nameAt] as number] : '';
    const key = name ? `${type} ${name.slice(0, 60)}` : type;
    const size = snap.nodes[i + sizeAt] as number;
    totalBytes += size;
    const g = groups.get(key) ?? { count: 0, bytes: 0 };
    g.count += 1;
    g.bytes += size;
    groups.set(key, g);
  }
  return { totalBytes, nodes: snap.nodes.length / width, groups };
}

/** The `top` groups whose self size grew most from `a` to `b`, as printable lines. */
export function heapDiff(a: HeapSummary, b: HeapSummary, top = 15): string[] {
  const keys = new Set([...a.groups.keys(), ...b.groups.keys()]);
  const rows = [...keys].map((k) => {
    const x = a.groups.get(k) ?? { count: 0, bytes: 0 };
    const y = b.groups.get(k) ?? { count: 0, bytes: 0 };
    return { k, dCount: y.count - x.count, dBytes: y.bytes - x.bytes, bytes: y.bytes };
  });
  rows.sort((p, q) => q.dBytes - p.dBytes);
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  return [
    `heap (self sizes): ${kb(a.totalBytes)} in ${a.nodes} nodes → ${kb(b.totalBytes)} in ${b.nodes} nodes (${b.totalBytes >= a.totalBytes ? '+' : ''}${kb(b.totalBytes - a.totalBytes)})`,
    ...rows.slice(0, top).map((r) => `  ${r.dBytes >= 0 ? '+' : ''}${kb(r.dBytes).padStart(12)}  ${(r.dCount >= 0 ? '+' : '') + r.dCount} objects  ${r.k} (now ${kb(r.bytes)})`),
  ];
}
