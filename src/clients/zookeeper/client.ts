/**
 * ZooKeeper four-letter words over TCP: connect, send 4 ASCII bytes, read until the server closes, all within
 * one deadline. Answers are bounded in size and parsed with the schemas in `schemas.ts`.
 */
import { connect } from 'node:net';
import { UpstreamError, type UpstreamFailure } from '../../core/errors.ts';
import { parseValue, type UpstreamResult } from '../http.ts';
import { MntrSchema, RuokSchema, SrvrSchema, mntrFields, srvrFields, type Mntr, type Srvr } from './schemas.ts';

export interface ZooKeeperClientOptions {
  host: string;
  /** Client port (default 2181). */
  port?: number;
  /** Deadline per command in ms, connect included (default 3000). */
  timeoutMs?: number;
  /** Largest answer accepted in bytes (default 1 MiB). */
  maxBytes?: number;
  /** Told about every command once it ends, like the HTTP clients' `onResult` (metrics, /readyz). */
  onResult?: (result: UpstreamResult) => void;
}

export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

export type FourLetterWord = 'ruok' | 'mntr' | 'srvr' | 'stat' | 'conf' | 'envi' | 'cons' | 'wchs';

export class ZooKeeperClient {
  private readonly opts: ZooKeeperClientOptions;

  constructor(opts: ZooKeeperClientOptions) {
    this.opts = opts;
  }

  /** True when the server answers `imok` (the process is up; says nothing about quorum). */
  async ruok(opts: CallOptions = {}): Promise<boolean> {
    const text = await this.command('ruok', opts);
    return RuokSchema.safeParse(text.trim()).success;
  }

  async mntr(opts: CallOptions = {}): Promise<Mntr> {
    const text = await this.command('mntr', opts);
    return parseValue('zookeeper', 'mntr', mntrFields(text), MntrSchema);
  }

  async srvr(opts: CallOptions = {}): Promise<Srvr> {
    const text = await this.command('srvr', opts);
    return parseValue('zookeeper', 'srvr', srvrFields(text), SrvrSchema);
  }

  /** Sends one command and returns the raw answer; not-whitelisted and not-serving answers are errors. */
  async command(cmd: FourLetterWord, opts: CallOptions = {}): Promise<string> {
    const started = performance.now();
    try {
      const text = await this.checked(cmd, opts);
      this.opts.onResult?.({ service: 'zookeeper', request: cmd, durationMs: performance.now() - started });
      return text;
    } catch (err) {
      const failure = err instanceof UpstreamError ? err.failure : 'network';
      this.opts.onResult?.({ service: 'zookeeper', request: cmd, durationMs: performance.now() - started, failure });
      throw err;
    }
  }

  private async checked(cmd: FourLetterWord, opts: CallOptions): Promise<string> {
    const text = await this.exchange(cmd, opts);
    if (text.includes('is not executed because it is not in the whitelist')) {
      throw this.error(cmd, 'bad_answer', `${cmd} is not in 4lw.commands.whitelist`);
    }
    if (text.includes('not currently serving requests')) {
      throw this.error(cmd, 'bad_answer', 'this ZooKeeper instance is not currently serving requests');
    }
    return text;
  }

  private exchange(cmd: string, opts: CallOptions): Promise<string> {
    const timeoutMs = opts.timeoutMs ?? this.opts.timeoutMs ?? 3000;
    const max = this.opts.maxBytes ?? 1024 * 1024;
    return new Promise((resolve, reject) => {
      const socket = connect({ host: this.opts.host, port: this.opts.port ?? 2181 });
      const chunks: Buffer[] = [];
      let size = 0;
      const fail = (err: UpstreamError) => {
        cleanup();
        socket.destroy();
        reject(err);
      };
      const timer = setTimeout(() => fail(this.error(cmd, 'timeout', `no answer in ${timeoutMs} ms`)), timeoutMs);
      const onAbort = () => fail(this.error(cmd, 'aborted', 'aborted'));
      const cleanup = () => {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
      };
      if (opts.signal?.aborted) return onAbort();
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      socket.on('connect', () => socket.write(cmd));
      socket.on('data', (b: Buffer) => {
        size += b.length;
        if (size > max) return fail(this.error(cmd, 'bad_answer', `answer larger than ${max} bytes`));
        chunks.push(b);
      });
      socket.on('error', (err: NodeJS.ErrnoException) => {
        const failure: UpstreamFailure = err.code === 'ECONNREFUSED' ? 'refused' : 'network';
        fail(this.error(cmd, failure, `${this.opts.host}:${this.opts.port ?? 2181}: ${err.code ?? err.message}`, err));
      });
      socket.on('close', () => {
        cleanup();
        resolve(Buffer.concat(chunks).toString('utf8'));
      });
    });
  }

  private error(cmd: string, failure: UpstreamFailure, detail: string, cause?: unknown): UpstreamError {
    return new UpstreamError('zookeeper', cmd, { failure, detail }, cause ? { cause } : undefined);
  }
}
