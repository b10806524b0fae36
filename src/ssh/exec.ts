/**
 * Runs a script on an open connection: the remote command is a constant (`bash -s`, or `sudo -n bash -s`), the
 * script and its `export` lines go on stdin. Aborting (cancel, timeout) signals the remote process and closes the
 * channel. Output is kept with a size bound (the tail survives, since that is where failures are).
 */
import type { Client, ClientChannel } from 'ssh2';
import { UpstreamError } from '../core/errors.ts';
import { exportLines } from './shell-quote.ts';

export interface ExecRequest {
  /** Shell script for bash; sent on stdin, never on the command line. */
  script: string;
  /** Exported before the script (names upper case; values single-quoted). */
  env?: Readonly<Record<string, string>>;
  /** Run through `sudo -n`. Default: the target's `sudo`, else false. */
  sudo?: boolean;
  /** Ends the remote command when aborted; the promise rejects with `signal.reason`. */
  signal?: AbortSignal;
  /** Stdout/stderr kept, in bytes (the tail is kept). Default 1 MiB each. */
  maxOutputBytes?: number;
  onStdout?: (chunk: string) => void;
  onStderr?: (chunk: string) => void;
}

export interface ExecResult {
  /** Exit status; null when the remote process died of a signal. */
  exitCode: number | null;
  exitSignal?: string;
  stdout: string;
  stderr: string;
  /** True when output beyond `maxOutputBytes` was dropped from the front. */
  truncated: boolean;
  durationMs: number;
}

/** What exec needs to know about the connection it runs on. */
export interface ExecContext {
  label: string;
  lastError: () => Error | undefined;
}

/** The constant remote commands; nothing from a request is ever added to them. */
export const REMOTE_COMMAND = 'bash -s';
export const REMOTE_COMMAND_SUDO = 'sudo -n bash -s';

/**
 * Wraps a script for `bash -s`. Everything is one `{ …; }` group, which bash parses completely before running:
 * - the recipe runs as a background job in its own process group (`set -m`), stdin from /dev/null, so commands
 *   that read stdin (apt-get, docker, …) cannot eat the script;
 * - a watcher waits for EOF on stdin: the client sends EOF only to abort (cancel, timeout) and sshd closes stdin
 *   when the connection is lost, so either way the recipe's whole process group is ended — nothing keeps running
 *   on the host. (OpenSSH refuses "signal" requests for root sessions, which run without privilege separation.)
 * - the outer shell exits with the recipe's status, without waiting for EOF.
 */
export function wrapScript(script: string, env: Readonly<Record<string, string>> = {}): string {
  return [
    exportLines(env) + '{',
    'set -m',
    '{',
    script,
    '} </dev/null &',
    '__ci_bot_job=$!',
    `( read -r __ci_bot_eof || kill -TERM -- "-$__ci_bot_job" 2>/dev/null ) &`,
    '__ci_bot_watch=$!',
    `trap 'kill -TERM -- "-$__ci_bot_job" 2>/dev/null; exit 143' TERM HUP INT`,
    'wait "$__ci_bot_job"',
    '__ci_bot_rc=$?',
    'kill "$__ci_bot_watch" 2>/dev/null',
    'exit "$__ci_bot_rc"',
    '}',
    '',
  ].join('\n');
}

export function execScript(client: Client, req: ExecRequest, ctx: ExecContext): Promise<ExecResult> {
  const started = Date.now();
  const payload = wrapScript(req.script, req.env);
  req.signal?.throwIfAborted();
  return new Promise((resolve, reject) => {
    client.exec(req.sudo ? REMOTE_COMMAND_SUDO : REMOTE_COMMAND, (err, channel) => {
      if (err) {
        reject(lost(ctx, err));
        return;
      }
      collect(channel, req, ctx, started).then(resolve, reject);
      // stdin stays open: EOF means "abort" to the wrapper (see wrapScript).
      channel.write(payload);
    });
  });
}

function collect(channel: ClientChannel, req: ExecRequest, ctx: ExecContext, started: number): Promise<ExecResult> {
  const max = req.maxOutputBytes ?? 1024 * 1024;
  const out = boundedText(max);
  const errOut = boundedText(max);
  let exitCode: number | null | undefined;
  let exitSignal: string | undefined;
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      // EOF on stdin makes the wrapper end the recipe's process group; TERM does the same where sshd allows
      // signal requests (non-root users).
      try {
        channel.signal('TERM');
        channel.end();
      } catch {
        /* channel already gone */
      }
      // Give sshd a moment to pass EOF on before the channel goes.
      setTimeout(() => channel.close(), 200).unref();
      reject(req.signal?.reason);
    };
    req.signal?.addEventListener('abort', onAbort, { once: true });
    channel.on('data', (b: Buffer) => {
      const text = b.toString('utf8');
      out.push(text);
      req.onStdout?.(text);
    });
    channel.stderr.on('data', (b: Buffer) => {
      const text = b.toString('utf8');
      errOut.push(text);
      req.onStderr?.(text);
    });
    channel.on('exit', (code: number | null, signalName?: string) => {
      exitCode = code;
      exitSignal = signalName ?? undefined;
    });
    channel.on('close', () => {
      req.signal?.removeEventListener('abort', onAbort);
      if (req.signal?.aborted) return;
      if (exitCode === undefined) {
        reject(lost(ctx, ctx.lastError()));
        return;
      }
      const truncated = out.truncated || errOut.truncated;
      resolve({ exitCode, exitSignal, stdout: out.text(), stderr: errOut.text(), truncated, durationMs: Date.now() - started });
    });
  });
}

function lost(ctx: ExecContext, cause: Error | undefined): UpstreamError {
  const why = cause ? `: ${cause.message}` : '';
  return new UpstreamError('ssh', `run on ${ctx.label}`, { failure: 'network', detail: `connection lost mid-command${why}` }, { cause });
}

/** A text buffer that keeps only its last `max` characters (≈ bytes for the ASCII output recipes print). */
function boundedText(max: number) {
  let text = '';
  let truncated = false;
  return {
    push(chunk: string) {
      text += chunk;
      if (text.length > max) {
        text = text.slice(text.length - max);
        truncated = true;
      }
    },
    text: () => text,
    get truncated() {
      return truncated;
    },
  };
}
