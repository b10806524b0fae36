import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

/** A child process the test started; it is stopped by its own pid, never by name. */
export interface Started {
  readonly child: ChildProcess;
  readonly pid: number;
  output(): string;
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

export interface StartOptions extends SpawnOptions {
  /** How much of the combined output to keep, from the end (default 64,000 chars; Infinity: all of it, for scans). */
  keepOutputChars?: number;
}

/** Spawns `cmd` and keeps its combined stdout and stderr (the last 64,000 chars unless told) for diagnostics. */
export function start(cmd: string, args: string[], opts: StartOptions = {}): Started {
  const { keepOutputChars = 64_000, ...spawnOpts } = opts;
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...spawnOpts });
  let out = '';
  const keep = (b: Buffer) => {
    out += b.toString();
    if (out.length > keepOutputChars) out = out.slice(-keepOutputChars);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  if (child.pid === undefined) throw new Error(`could not start ${cmd}`);
  const pid = child.pid;
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  return {
    child,
    pid,
    output: () => out,
    async stop(signal = 'SIGTERM', graceMs = 5000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(pid, 'SIGCONT');
        process.kill(pid, signal);
      } catch {
        return;
      }
      const timer = setTimeout(() => {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }, graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
