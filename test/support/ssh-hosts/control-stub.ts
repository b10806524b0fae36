/**
 * A stand-in for the simulator's control API (`/_control/agents/register`, `/_control/services/<name>/start`),
 * recording every POST. Like the simulator, it refuses an agent whose `zk` is not the expected URL.
 */
import { createServer, type Server } from 'node:http';

export interface ControlRequest {
  path: string;
  body: unknown;
  status: number;
}

export interface ControlStub {
  readonly url: string;
  readonly requests: ControlRequest[];
  /** Agents accepted, by hostname. */
  agents(): string[];
  stop(): Promise<void>;
}

export async function startControlStub(opts: { expectedZk?: string } = {}): Promise<ControlStub> {
  const requests: ControlRequest[] = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
      }
      const path = req.url ?? '';
      let status = 200;
      if (path === '/_control/agents/register') {
        const zk = (body as { zk?: unknown } | undefined)?.zk;
        if (opts.expectedZk !== undefined && zk !== opts.expectedZk) status = 409;
      }
      requests.push({ path, body, status });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(status === 200 ? { ok: true } : { error: `unexpected zk ${String((body as { zk?: unknown }).zk)}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    agents: () =>
      requests
        .filter((r) => r.path === '/_control/agents/register' && r.status === 200)
        .map((r) => String((r.body as { hostname?: unknown }).hostname)),
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
