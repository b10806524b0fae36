/**
 * Refuses cycles between folders, which dependency-cruiser's per-file `no-circular` rule does not see (e.g.
 * digests → chat/render → digests, each file acyclic). Reads depcruise's JSON for src/, collapses every module to
 * its folder — `src/<top>` for most, `src/features/<name>` per feature, each file of the feature kit on its own —
 * and reports every strongly connected group of more than one folder. Exit 1 when there is one.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

interface Cruised {
  modules: Array<{ source: string; dependencies: Array<{ resolved: string; coreModule?: boolean; couldNotResolve?: boolean }> }>;
}

/** The folder node of a module path, or undefined for what is outside src/. */
export function folderOf(path: string): string | undefined {
  const parts = path.split('/');
  if (parts[0] !== 'src' || parts.length < 2) return undefined;
  if (parts.length === 2) return path; // src/main.ts
  if (parts[1] === 'features') return parts.slice(0, 3).join('/');
  return parts.slice(0, 2).join('/');
}

/** Strongly connected components with more than one node (Tarjan). */
export function folderCycles(edges: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v) as number, idx.get(w) as number));
    }
    if (low.get(v) === idx.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        on.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1) out.push(group.sort());
    }
  };
  for (const v of edges.keys()) if (!idx.has(v)) visit(v);
  return out;
}

function main(): number {
  const res = spawnSync(join('node_modules', '.bin', 'depcruise'), ['src', '--config', '.dependency-cruiser.cjs', '--output-type', 'json'], {
    encoding: 'utf8', maxBuffer: 64 * 1024 * 1024,
  });
  if (!res.stdout) {
    console.error(`depcruise gave no output: ${res.stderr}`);
    return 1;
  }
  const cruised = JSON.parse(res.stdout) as Cruised;
  const edges = new Map<string, Set<string>>();
  for (const m of cruised.modules) {
    const from = folderOf(m.source);
    if (!from) continue;
    if (!edges.has(from)) edges.set(from, new Set());
    for (const d of m.dependencies) {
      const to = d.coreModule || d.couldNotResolve ? undefined : folderOf(d.resolved);
      if (to && to !== from) edges.get(from)?.add(to);
    }
  }
  const cycles = folderCycles(edges);
  for (const c of cycles) console.error(`folder cycle: ${c.join(' ⇄ ')}`);
  if (cycles.length === 0) console.log(`no folder cycles (${edges.size} folders)`);
  return cycles.length === 0 ? 0 : 1;
}

if (import.meta.main) process.exit(main());
