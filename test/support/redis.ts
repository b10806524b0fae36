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
  /** `requirepass`: clients must AUTH (the url then carries it, `redis://:<password>@…`). Default none. */
  password?: string;
}

/** Starts a real `redis-server` on a free loopback port, in its own temp directory. */
export async function startRedis(opts: RedisOptions = {}): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'ci-bot-redis-'));
  const args = [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '',
    '--maxmemory-policy', opts.policy ?? 'noeviction',
    '--appendonly', opts.aof ? 'yes' : 'no', '--appendfsync', 'everysec',
    ...(opts.password ? ['--requirepass', opts.password] : []),
  ];
  const auth = opts.password;
  const launch = async () => {
    const proc = start('redis-server', args);
    await waitFor(() => ping(port, auth), { deadlineMs: 10_000, what: `redis on ${port}` });
    return proc;
  };
  const server: RedisServer = {
    url: auth ? `redis://:${encodeURIComponent(auth)}@127.0.0.1:${port}` : `redis://127.0.0.1:${port}`,
    port,
    dir,
    process: await launch(),
    command: (...a) => rawCommand(port, a, auth),
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

async function ping(port: number, auth?: string): Promise<boolean> {
  try {
    return (await rawCommand(port, ['PING'], auth)).includes('PONG');
  } catch {
    return false;
  }
}

/** One command; with `auth`, an AUTH is sent ahead of it and its `+OK` dropped from the reply. */
function rawCommand(port: number, args: string[], auth?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = createConnection({ port, host: '127.0.0.1' });
    const encode = (a: string[]) => `*${a.length}\r\n${a.map((x) => `$${Buffer.byteLength(x)}\r\n${x}\r\n`).join('')}`;
    const payload = (auth ? encode(['AUTH', auth]) : '') + encode(args);
    let data = '';
    let authed = !auth;
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error('redis command timed out'));
    }, 2000);
    sock.on('connect', () => sock.write(payload));
    sock.on('data', (b) => {
      data += b.toString();
      if (!authed && data.startsWith('+OK\r\n')) {
        authed = true;
        data = data.slice(5);
      } else if (!authed && data.startsWith('-') && data.endsWith('\r\n')) {
        authed = true; // AUTH refused: that error is the answer
      }
      if (authed && data.endsWith('\r\n')) {
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
