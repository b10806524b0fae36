/**
 * Mesos sandboxes of the simulated tasks: `<work dir>/slaves/<agent>/frameworks/<fw>/executors/<task>/runs/latest`,
 * and the virtual path agents ≥ 1.5.0 attach it at, `/frameworks/<fw>/executors/<task>/runs/latest`
 * (`src/slave/paths.cpp` getExecutorVirtualPath; a command executor's id is its task's).
 */
import type { SimState, SimTask } from './state.ts';

export class Sandboxes {
  private readonly state: SimState;

  constructor(state: SimState) {
    this.state = state;
  }

  private task(id: string): SimTask | undefined {
    return this.state.tasks.get(id) ?? this.state.completed.find((x) => x.id === id);
  }

  dir(taskId: string): string | undefined {
    const t = this.task(taskId);
    return t ? `/var/lib/mesos/slaves/${t.agentId}/frameworks/${t.frameworkId}/executors/${t.id}/runs/latest` : undefined;
  }

  private virtualDir(t: SimTask): string {
    return `/frameworks/${t.frameworkId}/executors/${t.id}/runs/latest`;
  }

  file(path: string): string | undefined {
    const m = /\/executors\/([^/]+)\/runs\/latest\/(stdout|stderr)$/.exec(path);
    const t = m?.[1] ? this.task(m[1]) : undefined;
    const dir = path.replace(/\/(stdout|stderr)$/, '');
    if (!t || !m || (this.dir(t.id) !== dir && this.virtualDir(t) !== dir)) return undefined;
    return m[2] === 'stdout' ? t.stdout : t.stderr;
  }

  listing(dir: string): unknown[] | undefined {
    const base = dir.replace(/\/$/, '');
    const files = ['stdout', 'stderr'].map((f) => ({ f, c: this.file(`${base}/${f}`) }));
    if (files.some((x) => x.c === undefined)) return undefined;
    const mtime = Math.floor(Date.now() / 1000);
    return files.map(({ f, c }) => ({ path: `${base}/${f}`, mode: '-rw-r--r--', mtime, nlink: 1, size: Buffer.byteLength(c ?? ''), uid: 'root', gid: 'root' }));
  }
}
