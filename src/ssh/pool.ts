/**
 * One pooled ssh2 connection per host, reused across steps and tasks: keepalive on, a connect timeout, a cap on
 * concurrent handshakes, Nagle off (it costs ~40 ms per round trip), optional bastion. A connection that errors or
 * closes is dropped and the next use reconnects.
 */
import { Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import type { Duplex } from 'node:stream';
import { UpstreamError } from '../core/errors.ts';
import { connectError } from './connect-error.ts';
import { execScript, type ExecRequest, type ExecResult } from './exec.ts';
import type { HostKeyChecker, HostKeyVerdict } from './host-keys.ts';
import { Semaphore } from './semaphore.ts';
import type { SshAuth } from './ssh-auth.ts';
import { targetLabel, type SshTarget } from './ssh-target.ts';

export interface SshPoolOptions {
  auth: SshAuth;
  hostKeys: HostKeyChecker;
  /** Deadline for TCP connect + SSH handshake + auth, in ms. Default 10 000. */
  connectTimeoutMs?: number;
  /** Keepalive probe interval in ms. Default 5 000. */
  keepaliveIntervalMs?: number;
  /** Unanswered probes before the connection is declared dead. Default 3 (≈ 15–20 s with the default interval). */
  keepaliveCountMax?: number;
  /** Concurrent handshakes at most; keep below OpenSSH's MaxStartups (10). Default 8. */
  maxHandshakes?: number;
}

interface Entry {
  ready: Promise<Client>;
  client?: Client;
  /** Why the connection ended, once it has. */
  lastError?: Error;
}

export class SshPool {
  readonly #opts: Required<Omit<SshPoolOptions, 'auth' | 'hostKeys'>> & SshPoolOptions;
  readonly #handshakes: Semaphore;
  readonly #entries = new Map<string, Entry>();

  constructor(opts: SshPoolOptions) {
    this.#opts = { connectTimeoutMs: 10_000, keepaliveIntervalMs: 5_000, keepaliveCountMax: 3, maxHandshakes: 8, ...opts };
    this.#handshakes = new Semaphore(this.#opts.maxHandshakes);
  }

  /** Open (or opening) connections. */
  get size(): number {
    return this.#entries.size;
  }

  /** Handshakes in progress right now (never above `maxHandshakes`). */
  get handshakesInFlight(): number {
    return this.#handshakes.held;
  }

  /** The pooled connection for `target`, connecting if needed. */
  async client(target: SshTarget, signal?: AbortSignal): Promise<Client> {
    let entry = this.#entries.get(target.name);
    if (!entry) {
      const created: Entry = { ready: Promise.resolve(undefined as unknown as Client) };
      created.ready = this.#connect(target, created, signal);
      created.ready.catch(() => this.#forget(target.name, created));
      this.#entries.set(target.name, created);
      entry = created;
    }
    return entry.ready;
  }

  /** Runs a script on `target` over its pooled connection; a lost connection is an `UpstreamError('ssh')`. */
  async exec(target: SshTarget, req: ExecRequest): Promise<ExecResult> {
    const client = await this.client(target, req.signal);
    const entry = this.#entries.get(target.name);
    return execScript(client, { ...req, sudo: req.sudo ?? target.sudo ?? false }, {
      label: `${target.name} (${targetLabel(target)})`,
      lastError: () => entry?.lastError,
    });
  }

  /** Closes the connection to one host (the next use reconnects). */
  drop(name: string): void {
    const entry = this.#entries.get(name);
    this.#entries.delete(name);
    entry?.client?.end();
  }

  /** Closes every connection. */
  close(): void {
    for (const name of [...this.#entries.keys()]) this.drop(name);
  }

  #forget(name: string, entry: Entry): void {
    if (this.#entries.get(name) === entry) this.#entries.delete(name);
  }

  async #connect(target: SshTarget, entry: Entry, signal?: AbortSignal): Promise<Client> {
    const release = await this.#handshakes.acquire(signal);
    try {
      const sock = target.bastion ? await this.#forward(target, signal) : undefined;
      const client = await this.#handshake(target, entry, sock, signal);
      entry.client = client;
      client.on('close', () => this.#forget(target.name, entry));
      return client;
    } finally {
      release();
    }
  }

  /** A channel through the (pooled) bastion to the target's SSH port. */
  async #forward(target: SshTarget, signal?: AbortSignal): Promise<ClientChannel> {
    const bastion = target.bastion as SshTarget;
    const jump = await this.client(bastion, signal);
    return new Promise((resolve, reject) => {
      jump.forwardOut('127.0.0.1', 0, target.address, target.port ?? 22, (err, stream) => {
        if (err) reject(new UpstreamError('ssh', `forward via ${bastion.name} to ${targetLabel(target)}`, { failure: 'network', detail: err.message }, { cause: err }));
        else resolve(stream);
      });
    });
  }

  #handshake(target: SshTarget, entry: Entry, sock: Duplex | undefined, signal?: AbortSignal): Promise<Client> {
    const { auth, hostKeys, connectTimeoutMs } = this.#opts;
    const client = new Client();
    let verdict: HostKeyVerdict | undefined;
    const config: ConnectConfig = {
      host: target.address,
      port: target.port ?? 22,
      username: target.user,
      readyTimeout: connectTimeoutMs,
      keepaliveInterval: this.#opts.keepaliveIntervalMs,
      keepaliveCountMax: this.#opts.keepaliveCountMax,
      agentForward: false,
      ...(auth.privateKey ? { privateKey: auth.privateKey, passphrase: auth.passphrase } : {}),
      ...(auth.agentSocket ? { agent: auth.agentSocket } : {}),
      ...(sock ? { sock } : {}),
      hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
        hostKeys.check(target, key).then(
          (v) => {
            verdict = v;
            verify(v.ok);
          },
          () => verify(false),
        );
      },
    };
    let ready = false;
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        client.destroy();
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const settle = () => signal?.removeEventListener('abort', onAbort);
      client.once('ready', () => {
        settle();
        ready = true;
        client.setNoDelay(true);
        resolve(client);
      });
      client.on('error', (err) => {
        // After the handshake an error ends the connection: keep why, so a running exec can say so.
        if (ready) {
          entry.lastError = err;
          return;
        }
        settle();
        client.destroy();
        reject(connectError(target, err, verdict, connectTimeoutMs));
      });
      client.once('close', () => {
        settle();
        reject(connectError(target, new Error('connection closed during handshake'), verdict, connectTimeoutMs));
      });
      client.connect(config);
      client.setNoDelay(true);
    });
  }
}
