/**
 * Runs ci-bot as its own process (`node src/main.ts <role>`), as production does, with a config file and
 * environment given by the test. Stopped by its pid.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { waitFor } from '../../src/playground/ports.ts';
import { start, type Started } from '../../src/playground/process.ts';
import { NODE_FLAGS, withMallocEnv } from '../../bin/node-runtime.js';

export interface BotProcess {
  proc: Started;
  /** Port of /slack/events, /healthz, /readyz, /metrics (serve and all roles). */
  port: number;
  eventsUrl: string;
  /** The JSON log lines so far. */
  logs(): Array<Record<string, unknown>>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

const MAIN = new URL('../../src/main.ts', import.meta.url).pathname;

export async function startBot(opts: {
  role?: string;
  /** Written to a file named by CI_BOT_CONFIG; `null`: no config file at all (set up from the environment alone). */
  config?: Record<string, unknown> | null;
  env: Record<string, string>;
  deadlineMs?: number;
  /** Entry point (default src/main.ts; benchmarks pass the compiled dist/src/main.js). */
  entry?: string;
  /** Node options; default the production ones (bin/node-runtime.js: the `ci-bot` binary, the Dockerfile). */
  nodeArgs?: string[];
  /** glibc malloc settings as in production (bin/node-runtime.js) unless `env` sets them; `false`: glibc's defaults. */
  mallocEnv?: boolean;
  /** Keep every byte of stdout and stderr (default: the last 64,000 chars), for scans of the whole log. */
  fullOutput?: boolean;
}): Promise<BotProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'ci-bot-e2e-'));
  const configPath = join(dir, 'ci-bot.yaml');
  if (opts.config !== null) writeFileSync(configPath, stringify(opts.config ?? {}));
  const given = {
    PATH: process.env.PATH ?? '', HOME: dir, ...(opts.config !== null ? { CI_BOT_CONFIG: configPath } : {}), PORT: '0', LOG_LEVEL: 'info',
    ...opts.env,
  };
  const env = opts.mallocEnv === false ? given : withMallocEnv(given);
  const proc = start(process.execPath, [...(opts.nodeArgs ?? NODE_FLAGS), opts.entry ?? MAIN, opts.role ?? 'all'], {
    env, cwd: dir, ...(opts.fullOutput ? { keepOutputChars: Infinity } : {}),
  });
  const logs = () =>
    proc
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as Record<string, unknown>];
        } catch {
          return [];
        }
      });
  const role = opts.role ?? 'all';
  const markers = [
    ...(role === 'all' || role === 'serve' ? ['ci-bot serve is listening'] : []),
    ...(role === 'all' || role === 'worker' ? ['ci-bot worker is taking tasks'] : []),
    ...(role === 'watch' ? ['ci-bot watch is delivering messages'] : []),
    ...(role === 'worker' || role === 'watch' ? ['ci-bot ops endpoints are listening'] : []),
  ];
  const marker = markers.join('" and "');
  const found = () => markers.every((m) => logs().some((l) => l.msg === m));
  await waitFor(found, {
    deadlineMs: opts.deadlineMs ?? 20_000,
    what: `"${marker}" from ci-bot (output so far:\n${proc.output().slice(-2000)})`,
  }).catch((err: Error) => {
    throw new Error(`${err.message}\n--- ci-bot output ---\n${proc.output().slice(-3000)}`);
  });
  // serve's port (Slack and the ops endpoints), or the ops endpoints' own port in worker and watch processes.
  const port = Number(logs().find((l) => l.msg === 'ci-bot serve is listening' || l.msg === 'ci-bot ops endpoints are listening')?.port ?? 0);
  return { proc, port, eventsUrl: `http://127.0.0.1:${port}/slack/events`, logs, stop: (signal) => proc.stop(signal) };
}
