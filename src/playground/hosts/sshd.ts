/**
 * The parts of a local OpenSSH host that the demo hosts (local-hosts.ts) and the test hosts
 * (test/support/ssh-hosts/) share: the sshd config (key auth only, no PAM), the overlay mounts that give a host its
 * own view of /etc, /var/lib, …, the host-key fingerprint, the banner check, reading a host's files, and the
 * process tree below a listener (sessions are stopped by pid).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { basename, dirname, join } from 'node:path';

/** The directories a host sees through its own overlay (upper layer `<root>/<layer>` on this machine). */
export const LAYERS = ['etc', 'var/lib', 'var/log', 'usr/bin', 'usr/local/bin'];
/** Shims go in both: /usr/local/bin comes first in sshd's PATH (a machine may have a real docker CLI there). */
export const SHIM_DIRS = ['usr/bin', 'usr/local/bin'];

/**
 * Lays out one host under `dir`: `root/<layer>` (its upper layers), `work/<layer>` (overlayfs's), `ssh/` with a new
 * host key and `publicKey` as the only authorized key, /etc/os-release, and the shims in both shim directories.
 * Returns the paths and the host key's fingerprint.
 */
export function layoutHost(dir: string, o: { name: string; osRelease: string; shims: Readonly<Record<string, string>>; publicKey: string }): {
  root: string; sshDir: string; work: string; fingerprint: string;
} {
  const root = join(dir, 'root');
  const sshDir = join(dir, 'ssh');
  const work = join(dir, 'work');
  mkdirSync(sshDir, { recursive: true });
  for (const layer of LAYERS) {
    mkdirSync(join(root, layer), { recursive: true });
    mkdirSync(join(work, layer), { recursive: true });
  }
  writeFileSync(join(root, 'etc/os-release'), o.osRelease);
  for (const [file, text] of Object.entries(o.shims)) {
    for (const d of SHIM_DIRS) writeFileSync(join(root, d, file), text, { mode: 0o755 });
  }
  const hostKey = join(sshDir, 'host_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', o.name, '-f', hostKey]);
  writeFileSync(join(sshDir, 'authorized_keys'), o.publicKey, { mode: 0o600 });
  return { root, sshDir, work, fingerprint: fingerprintOfPub(`${hostKey}.pub`) };
}

export interface SshdConfigOptions {
  address: string;
  port: number;
  /** Holds host_ed25519 and authorized_keys. */
  sshDir: string;
  /** Extra lines (SetEnv BASH_ENV=… for the test hosts' command record). */
  extra?: readonly string[];
  logLevel?: 'INFO' | 'VERBOSE';
}

export function sshdConfig(o: SshdConfigOptions): string {
  return `ListenAddress ${o.address}:${o.port}
${(o.extra ?? []).map((l) => `${l}\n`).join('')}HostKey ${o.sshDir}/host_ed25519
PidFile none
AuthorizedKeysFile ${o.sshDir}/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
StrictModes no
UsePAM no
AllowAgentForwarding no
AllowTcpForwarding yes
X11Forwarding no
PrintMotd no
PrintLastLog no
MaxStartups 10:30:100
LogLevel ${o.logLevel ?? 'INFO'}
`;
}

/**
 * The shell lines, run inside the host's own mount namespace, that put each layer over the machine's directory,
 * give root a clean, empty home and /run a fresh tmpfs (sshd needs /run/sshd). `work/<layer>` are overlayfs's
 * work directories (`work` may be a shell expression such as `$W`).
 */
export function overlayMounts(root: string, work: string): string[] {
  return [
    ...LAYERS.map((l) => `mount -t overlay overlay -o lowerdir=/${l},upperdir=${root}/${l},workdir=${work}/${l} /${l}`),
    'mount -t tmpfs -o mode=0700 tmpfs /root', 'mount -t tmpfs tmpfs /run', 'mkdir -p /run/sshd',
  ];
}

/** `SHA256:` fingerprint of an OpenSSH `.pub` file, computed like ssh-keygen -l. */
export function fingerprintOfPub(path: string): string {
  const out = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', path], { encoding: 'utf8' });
  const fp = out.split(/\s+/)[1];
  if (!fp?.startsWith('SHA256:')) throw new Error(`unexpected ssh-keygen output: ${out}`);
  return fp;
}

/** True when something on `host:port` greets with an SSH banner. */
export function sshBanner(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ host, port });
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(1000, () => done(false));
    sock.on('data', (b: Buffer) => done(b.toString().startsWith('SSH-')));
    sock.on('error', () => done(false));
  });
}

/**
 * Where `path` (as the host sees it) lives in its upper layer. Directories that are symlinks on the machine
 * below (Debian's /etc/zookeeper/conf → conf_example) are followed, as the host itself would.
 */
export function resolveOnHost(root: string, path: string): string | undefined {
  let hostPath = join('/', path);
  for (let hops = 0; hops < 8; hops++) {
    const upper = join(root, hostPath);
    if (existsSync(upper)) return upper;
    const lower = existsSync(hostPath) ? hostPath : dirname(hostPath);
    if (!existsSync(lower)) return undefined;
    const real = lower === hostPath ? realpathSync(lower) : join(realpathSync(lower), basename(hostPath));
    if (real === hostPath) return undefined;
    hostPath = real;
  }
  return undefined;
}

/** Direct children of `pid`, from /proc. */
export function childrenOf(pid: number): number[] {
  const kids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) kids.push(Number(entry));
    } catch {
      /* exited meanwhile */
    }
  }
  return kids;
}

/** Every process below `pid`. */
export function descendantsOf(pid: number): number[] {
  const all: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const next = childrenOf(queue.shift() as number);
    all.push(...next);
    queue.push(...next);
  }
  return all;
}

/** Sends `sig` to `pid`, ignoring one that is gone already. */
export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}
