/**
 * Per-endpoint faults and request counting. A fault targets one component and a path prefix and makes the
 * endpoint slow, failing (status), answer garbage, or answer a huge body; `times` limits how often it fires.
 */
import type { ServerResponse } from 'node:http';
import { delay } from './clock.ts';

export type Component = 'mesos' | 'agent' | 'marathon' | 'jenkins';

export interface Fault {
  component: Component;
  /** Path prefix the fault applies to ("/master/slaves", "/" for everything). */
  path: string;
  /** garbage = JSON of the wrong shape; truncated = not JSON at all. */
  mode: 'slow' | 'fail' | 'garbage' | 'truncated' | 'huge' | 'hang';
  /** For 'slow': real milliseconds to wait before answering normally (default 2000). */
  delayMs?: number;
  /** For 'fail': the status (default 500). */
  status?: number;
  /** For 'huge': body size in bytes (default 50 MB). */
  bytes?: number;
  /** How many requests it affects (default: until cleared). */
  times?: number;
  /** Only requests with this method (e.g. "PUT": a write fails while reads go on). Default: every method. */
  method?: string;
}

/** Valid JSON with every collection ci-bot reads, each holding an element of the wrong type. */
const GARBAGE = JSON.stringify({
  slaves: [{ id: 42, hostname: null }],
  frameworks: [{ id: 7 }],
  apps: [{ id: 42 }],
  computer: [{ displayName: 7 }],
  busyExecutors: 'many',
  queue: 'full',
  items: {},
});

export class Faults {
  private list: Fault[] = [];
  /** Requests per "component path" (no query), e.g. "mesos /master/state". */
  readonly counts = new Map<string, number>();

  add(f: Fault): void {
    this.list.push(f);
  }

  clear(component?: Component): void {
    this.list = component ? this.list.filter((f) => f.component !== component) : [];
  }

  count(component: Component, path: string): void {
    const key = `${component} ${path}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  requests(component: Component, path: string): number {
    return this.counts.get(`${component} ${path}`) ?? 0;
  }

  /** Applies a matching fault. Returns true when the response was already written (caller stops). */
  async apply(component: Component, path: string, res: ServerResponse, method = 'GET'): Promise<boolean> {
    const f = this.list.find((x) => x.component === component && path.startsWith(x.path) && (x.method === undefined || x.method === method));
    if (!f) return false;
    if (f.times !== undefined && --f.times <= 0) this.list = this.list.filter((x) => x !== f);
    switch (f.mode) {
      case 'slow':
        await delay(f.delayMs ?? 2000);
        return false;
      case 'hang':
        return true; // never answers; the connection stays open until the client gives up
      case 'fail':
        res.writeHead(f.status ?? 500, { 'content-type': 'text/plain' }).end('simulated failure');
        return true;
      case 'garbage':
        res.writeHead(200, { 'content-type': 'application/json' }).end(GARBAGE);
        return true;
      case 'truncated':
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"slaves": [{"id": "S0", "hostname": "sl');
        return true;
      case 'huge':
        await writeHuge(res, f.bytes ?? 50 * 1024 * 1024);
        return true;
    }
  }
}

/** Streams `bytes` of valid-looking JSON without holding it in memory. */
async function writeHuge(res: ServerResponse, bytes: number): Promise<void> {
  res.writeHead(200, { 'content-type': 'application/json' });
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  res.write('{"pad":"');
  for (let sent = 0; sent < bytes && !res.destroyed; sent += chunk.length) {
    if (!res.write(chunk)) await new Promise<void>((r) => (res.once('drain', r), res.once('close', r)));
  }
  res.end('"}');
}
