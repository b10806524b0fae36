/**
 * Real OpenSSH test hosts. Each host is `/usr/sbin/sshd -D -e` on its own loopback address (127.x.y.z, x and y
 * random per call so parallel test files do not collide) and free port, with its own host key, key auth only.
 *
 * Filesystem: sshd runs in its own mount namespace (`unshare --mount --propagation private`) in which /etc,
 * /var/lib, /var/log, /usr/bin and /usr/local/bin are overlayfs mounts whose upper layer is `<root>/etc`, … on the test machine,
 * so whatever a recipe writes lands in `root` and never in the real /etc. The shims are written into
 * `<root>/usr/bin` before the mount, so they shadow (or add) systemctl, apt-get, yum, dnf, docker, … inside the
 * namespace only. /run is a fresh tmpfs there (sshd needs /run/sshd).
 *
 * Login: root, with /root replaced by an empty tmpfs inside the namespace — a clean HOME, so the machine's
 * ~/.bashrc (pyenv init, +110 ms per command) is not sourced.
 *
 * Record of commands (R12): sshd sets BASH_ENV (`SetEnv`) for every session, so every non-interactive bash the
 * session starts — root's login shell running the exec request, the `bash -s` of the recipe, subshells, the shims,
 * any script — sources {@link COMMAND_RECORDER} first, whose DEBUG trap (inherited by functions, subshells and
 * command substitutions) appends each simple command, as bash is about to run it, to /var/lib/cibot-shim/commands.log.
 * Not only the shims: whatever ran through a shell on the host leaves a line.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort, waitFor } from '../../../src/playground/ports.ts';
import { start, type Started } from '../../../src/playground/process.ts';
import {
  childrenOf, descendantsOf, fingerprintOfPub, layoutHost, overlayMounts, resolveOnHost, signal, sshBanner, sshdConfig,
} from '../../../src/playground/hosts/sshd.ts';
import { CALLS_LOG, OS_RELEASE, shimScripts } from './shims.ts';

export { childrenOf, descendantsOf, fingerprintOfPub };

export interface TestHostsOptions {
  names: readonly string[];
  /** Base URL the shims POST to (simulator or {@link startControlStub}). */
  simulatorControlUrl: string;
  /** Which /etc/os-release the hosts get: one for all, or per host name (others: 'debian'). Default 'debian'. */
  osRelease?: keyof typeof OS_RELEASE | Readonly<Record<string, keyof typeof OS_RELEASE>>;
  /** Files every host has from the start: path as the host sees it (relative, e.g. `var/lib/x`) → content. */
  files?: Readonly<Record<string, string>>;
  /**
   * One file every sshd appends its log to (`sshd -E`), in the order the lines were written — for tests that
   * reason about the order of events across hosts. Default: each host's log is in its `output()`.
   */
  logFile?: string;
  /** sshd LogLevel; VERBOSE adds a "Connection from" line when each connection arrives. Default INFO. */
  logLevel?: 'INFO' | 'VERBOSE';
  /** Hosts started at once (default 1; many hosts start faster with a few more). */
  startConcurrency?: number;
  /** Passphrase for the generated client key (R20 canaries). Default none. */
  clientKeyPassphrase?: string;
}

export interface TestHost {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  /** `SHA256:…` of the host's ed25519 key. */
  readonly hostKeyFingerprint: string;
  /** This host's filesystem layer on the test machine: `<root>/etc/mesos/zk` is the host's /etc/mesos/zk. */
  readonly root: string;
  /** The listening sshd's pid. */
  readonly pid: number;
  /** The shims' record, one line per call ("systemctl start mesos-slave"). */
  calls(): string[];
  /**
   * Every command any shell on the host ran, in order, one line each as bash saw it before expansion
   * (`printf '::step %s\n' "$1"`); newlines inside a command are written as `\n`.
   */
  commands(): string[];
  /** Content of a file the host sees at `path` if it was written on the host, else undefined. */
  file(path: string): string | undefined;
  /**
   * Makes the next shim that reaches `point` (`after-install`, `before-pull`; see shims.ts) stop there until
   * {@link release}. One-shot: later runs pass through.
   */
  hold(point: HoldPoint): void;
  /** Makes every `docker pull` on the host fail with `message` as the daemon's error; undefined: pulls work again. */
  failPulls(message: string | undefined): void;
  /** True while a shim is stopped at `point`. */
  isHeld(point: HoldPoint): boolean;
  /** Lets the shim stopped at `point` go on (a no-op when none is). */
  release(point: HoldPoint): void;
  /** Pids of the per-connection sshd processes (children of the listener). */
  sessionPids(): number[];
  /** Every process below the listener. */
  descendants(): number[];
  output(): string;
  stop(): Promise<void>;
}

export interface TestHosts {
  hosts: TestHost[];
  get(name: string): TestHost;
  /** The client key generated for this run. */
  clientKey: { path: string; privateKey: Buffer; publicKey: string };
  stop(): Promise<void>;
}

/** Where a shim can be held (see shims.ts). */
export type HoldPoint = 'after-install' | 'before-pull';


export async function startTestHosts(opts: TestHostsOptions): Promise<TestHosts> {
  const base = mkdtempSync(join(tmpdir(), 'ci-bot-ssh-'));
  const keyPath = join(base, 'id_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', opts.clientKeyPassphrase ?? '', '-C', 'ci-bot-test', '-f', keyPath]);
  const publicKey = readFileSync(`${keyPath}.pub`, 'utf8');
  const net = `127.${1 + rand(254)}.${1 + rand(254)}`;
  const hosts: TestHost[] = [];
  try {
    const names = [...opts.names.entries()];
    const lanes = Array.from({ length: Math.max(1, opts.startConcurrency ?? 1) }, async () => {
      for (let next = names.shift(); next; next = names.shift()) {
        const [i, name] = next;
        hosts[i] = await startHost({ base, name, address: `${net}.${2 + i}`, publicKey, opts });
      }
    });
    const settled = await Promise.allSettled(lanes);
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  } catch (err) {
    await Promise.all(hosts.filter(Boolean).map((h) => h.stop()));
    rmSync(base, { recursive: true, force: true });
    throw err;
  }
  return {
    hosts,
    get(name) {
      const h = hosts.find((x) => x.name === name);
      if (!h) throw new Error(`no test host ${name}`);
      return h;
    },
    clientKey: { path: keyPath, privateKey: readFileSync(keyPath), publicKey },
    async stop() {
      await Promise.all(hosts.map((h) => h.stop()));
      rmSync(base, { recursive: true, force: true });
    },
  };
}

interface HostSpec {
  base: string;
  name: string;
  address: string;
  publicKey: string;
  opts: TestHostsOptions;
}

async function startHost(spec: HostSpec): Promise<TestHost> {
  const dir = join(spec.base, spec.name);
  const holds = join(dir, 'holds');
  const os = spec.opts.osRelease;
  const { root, sshDir, work, fingerprint } = layoutHost(dir, {
    name: spec.name, osRelease: OS_RELEASE[(typeof os === 'object' ? os[spec.name] : os) ?? 'debian'],
    shims: shimScripts(spec.opts.simulatorControlUrl, holds), publicKey: spec.publicKey,
  });
  for (const [path, content] of Object.entries(spec.opts.files ?? {})) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  mkdirSync(join(root, dirname(COMMANDS_LOG)), { recursive: true });
  const recorder = join(sshDir, 'record-commands.bash');
  writeFileSync(recorder, COMMAND_RECORDER);
  mkdirSync(holds);
  const port = await freePort(spec.address);
  const config = join(sshDir, 'sshd_config');
  writeFileSync(config, sshdConfig({ address: spec.address, port, sshDir, extra: [`SetEnv BASH_ENV=${recorder}`], logLevel: spec.opts.logLevel }));
  const setup = ['set -e', ...overlayMounts(root, work), `exec /usr/sbin/sshd -D ${spec.opts.logFile ? `-E ${spec.opts.logFile}` : '-e'} -f ${config}`].join('\n');
  const proc = start('unshare', ['--mount', '--propagation', 'private', '--', '/bin/sh', '-c', setup]);
  await waitFor(() => sshBanner(spec.address, port), { deadlineMs: 10_000, what: `sshd ${spec.name} on ${spec.address}:${port}` })
    .catch((err: Error) => {
      throw new Error(`${err.message}\n${proc.output()}`);
    });
  return hostHandle(spec.name, spec.address, port, fingerprint, root, holds, proc);
}

function hostHandle(name: string, address: string, port: number, fp: string, root: string, holds: string, proc: Started): TestHost {
  const descendants = () => descendantsOf(proc.pid);
  return {
    name,
    address,
    port,
    hostKeyFingerprint: fp,
    root,
    pid: proc.pid,
    calls: () => readLines(join(root, CALLS_LOG)),
    commands: () => readLines(join(root, COMMANDS_LOG)),
    file: (path) => {
      const p = resolveOnHost(root, path);
      return p ? readFileSync(p, 'utf8') : undefined;
    },
    hold: (point) => writeFileSync(join(holds, point), ''),
    failPulls: (message) => (message === undefined ? rmSync(join(holds, 'fail-pull'), { force: true }) : writeFileSync(join(holds, 'fail-pull'), message)),
    isHeld: (point) => existsSync(join(holds, `${point}.held`)),
    release: (point) => rmSync(join(holds, `${point}.held`), { force: true }),
    sessionPids: () => childrenOf(proc.pid),
    descendants,
    output: () => proc.output(),
    async stop() {
      // Sessions outlive the listener; end them first, by pid.
      for (const pid of descendants()) signal(pid, 'SIGKILL');
      await proc.stop('SIGTERM', 3000);
    },
  };
}

/** Where (on the host) every command its shells run is recorded. */
export const COMMANDS_LOG = 'var/lib/cibot-shim/commands.log';

/**
 * Sourced through BASH_ENV by every non-interactive bash of a session. The trap runs before each simple command;
 * `set -T` makes functions, subshells and command substitutions inherit it. Traps do not fire inside a trap, so
 * the recorder does not record itself.
 */
export const COMMAND_RECORDER = `# ci-bot test host: record every command this shell runs (R12)
__cibot_record() {
  local c=\${BASH_COMMAND//$'\\n'/\\\\n}
  printf '%s\\n' "$c" >> /${COMMANDS_LOG}
}
set -T
trap __cibot_record DEBUG
`;

function readLines(path: string): string[] {
  return existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : [];
}

function rand(n: number): number {
  return Math.floor(Math.random() * n);
}
