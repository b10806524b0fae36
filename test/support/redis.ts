import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'node:net';
import { freePort, waitFor } from './ports.ts';
import { start, type Started } from './process.ts';

export interface RedisServer {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  process: Started;
  /** Sends one command with redis-cli semantics over a raw socket and returns the raw reply. */
  command(...args: string[]): Promise<string>;
  /**
   * Stops (SIGTERM, or SIGKILL when `hard`) and starts again on the same port and directory, after `downMs`
   * (default 0) of outage.
   */
  restart(opts?: { hard?: boolean; downMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

export interface RedisOptions {
  /** AOF with appendfsync everysec (durability tests). Default false. */
  aof?: boolean;
  /** maxmemory-policy; default `noeviction`. */
  policy?: string;
}

/** Starts a real `redis-server` on a free loopback port, in its own temp directory. */
export async function startRedis(opts: RedisOptions = {}): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'ci-bot-redis-'));
  const args = [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '',
    '--maxmemory-policy', opts.policy ?? 'noeviction',
    '--appendonly', opts.aof ? 'yes' : 'no', '--appendfsync', 'everysec',
  ];
  const launch = async () => {
    const proc = start('redis-server', args);
    await waitFor(() => ping(port), { deadlineMs: 10_000, what: `redis on ${port}` });
    return proc;
  };
  const server: RedisServer = {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    process: await launch(),
    command: (...a) => rawCommand(port, a),
    async restart({ hard = false, downMs = 0 } = {}) {
      await server.process.stop(hard ? 'SIGKILL' : 'SIGTERM');
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs)); // the outage itself, not a wait for a result
      server.process = await launch();
    },
    async stop() {
      await server.process.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}

async function ping(port: number): Promise<boolean> {
  try {
    return (await rawCommand(port, ['PING'])).includes('PONG');
  } catch {
    return false;
  }
}

function rawCommand(port: number, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = createConnection({ port, host: '127.0.0.1' });
    const payload = `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
    let data = '';
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error('redis command timed out'));
    }, 2000);
    sock.on('connect', () => sock.write(payload));
    sock.on('data', (b) => {
      data += b.toString();
      if (data.endsWith('\r\n')) {
        clearTimeout(timer);
        sock.end();
        resolve(data);
      }
    });
    sock.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}
