/**
 * The demo's three hosts (`master`, `slave1`, `slave2`): each a real `/usr/sbin/sshd` on its own loopback address
 * (127.x.y.2…, x and y random) with its own generated ed25519 host key, key auth only, login `root`. Each runs in
 * its own mount namespace whose /etc, /var/lib, /var/log, /usr/bin and /usr/local/bin are overlays over this
 * machine's, so what a recipe writes stays in the host's directory, and the package / service shims (shims.ts)
 * shadow apt-get, systemctl, docker … inside it only: `systemctl start mesos-slave` registers the agent with the
 * simulator.
 *
 * As root: sshd itself runs in the namespace (`unshare --mount`); login `root`.
 *
 * As an ordinary user: sshd runs as that user on its own config (no privilege separation: an unprivileged sshd
 * can only let its own user in, so that is the login), and a `ForceCommand` puts each session into an
 * unprivileged user namespace (`unshare --user --map-root-user --mount`; overlayfs and tmpfs mounts are allowed
 * there since Linux 5.11) with the same overlays, so the session is root on its own view of the host, as on the
 * root path. sshd itself cannot run inside such a namespace: its privilege separation calls setgroups(), which a
 * namespace mapped by an unprivileged user denies.
 *
 * When neither works (no unshare, user namespaces switched off), {@link startLocalHosts} throws a
 * {@link HostsUnavailable} saying why.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from '../ports.ts';
import { start } from '../process.ts';
import { OS_RELEASE, shimScripts } from './shims.ts';
import { LAYERS, descendantsOf, layoutHost, overlayMounts, resolveOnHost, signal, sshBanner, sshdConfig } from './sshd.ts';

export interface LocalHost {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  /** `SHA256:…` of the host's key, for the inventory's `hostKey` pin. */
  readonly hostKeyFingerprint: string;
  /** The host's upper layer on this machine (`<root>/etc/mesos/zk` is the host's /etc/mesos/zk). */
  readonly root: string;
  /** Content of a file the host sees at `path`, if it was written on the host. */
  file(path: string): string | undefined;
  /** sshd's log (stderr). */
  output(): string;
}

export interface LocalHosts {
  hosts: LocalHost[];
  /** How the hosts are isolated: `root` (a mount namespace) or `user-namespace` (an ordinary user). */
  mode: HostsMode;
  /** The client key generated for this run (no passphrase; only these hosts accept it). */
  clientKeyPath: string;
  /** The login for the inventory: `root`, or the ordinary user the demo runs as. */
  user: string;
  stop(): Promise<void>;
}

type HostsMode = 'root' | 'user-namespace';

/** The hosts cannot be started on this machine; `message` says why and what would help. */
export class HostsUnavailable extends Error {}

export interface LocalHostsOptions {
  names: readonly string[];
  /** The simulator's control URL, which the shims POST to. */
  controlUrl: string;
  /** Default: root when running as root, else a user namespace. */
  mode?: HostsMode;
}

export async function startLocalHosts(opts: LocalHostsOptions): Promise<LocalHosts> {
  const mode = opts.mode ?? (process.getuid?.() === 0 ? 'root' : 'user-namespace');
  preflight(mode);
  const base = mkdtempSync(join(tmpdir(), 'ci-bot-demo-hosts-'));
  const clientKeyPath = join(base, 'id_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'ci-bot-demo', '-f', clientKeyPath]);
  const publicKey = readFileSync(`${clientKeyPath}.pub`, 'utf8');
  const net = `127.${1 + Math.floor(Math.random() * 254)}.${1 + Math.floor(Math.random() * 254)}`;
  const started: Array<LocalHost & { stop(): Promise<void> }> = [];
  const stopAll = async () => {
    await Promise.all(started.map((h) => h.stop()));
    // overlayfs leaves its work directories mode 000; an ordinary user must open them up to remove them.
    spawnSync('chmod', ['-R', 'u+rwx', base]);
    rmSync(base, { recursive: true, force: true });
  };
  try {
    for (const [i, name] of opts.names.entries()) {
      started.push(await startHost({ base, name, address: `${net}.${2 + i}`, publicKey, controlUrl: opts.controlUrl, mode }));
    }
  } catch (err) {
    await stopAll();
    throw err;
  }
  return { hosts: started, mode, clientKeyPath, user: mode === 'root' ? 'root' : userInfo().username, stop: stopAll };
}

/** Says plainly why the hosts cannot start, before anything is created. */
function preflight(mode: HostsMode): void {
  const args = mode === 'root' ? ['--mount', 'true'] : ['--user', '--map-root-user', '--mount', 'true'];
  const r = spawnSync('unshare', args, { encoding: 'utf8' });
  if (r.error) throw new HostsUnavailable(`unshare is not installed (Debian: util-linux): ${r.error.message}`);
  if (r.status !== 0) {
    throw new HostsUnavailable(mode === 'root'
      ? `unshare --mount failed: ${r.stderr.trim()}`
      : `this user may not create a user namespace (${r.stderr.trim() || `exit ${r.status}`}); run the demo as root, ` +
        'or allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, or on Ubuntu ' +
        'kernel.apparmor_restrict_unprivileged_userns=0)');
  }
}

interface HostSpec {
  base: string;
  name: string;
  address: string;
  publicKey: string;
  controlUrl: string;
  mode: HostsMode;
}

async function startHost(spec: HostSpec): Promise<LocalHost & { stop(): Promise<void> }> {
  const dir = join(spec.base, spec.name);
  const { root, sshDir, work, fingerprint } = layoutHost(dir, {
    name: spec.name, osRelease: OS_RELEASE.debian, shims: shimScripts(spec.controlUrl), publicKey: spec.publicKey,
  });
  writeFileSync(join(root, 'etc/hostname'), `${spec.name}\n`);
  const closed: string[] = [];
  if (spec.mode === 'user-namespace') for (const layer of LAYERS) mirrorDirectories(`/${layer}`, join(root, layer), closed);
  const port = await freePort(spec.address);
  const config = join(sshDir, 'sshd_config');
  let proc;
  if (spec.mode === 'root') {
    writeFileSync(config, sshdConfig({ address: spec.address, port, sshDir }));
    const setup = ['set -e', ...overlayMounts(root, work), `exec /usr/sbin/sshd -D -e -f ${config}`].join('\n');
    proc = start('unshare', ['--mount', '--propagation', 'private', '--', '/bin/sh', '-c', setup]);
  } else {
    const enter = join(sshDir, 'enter-host');
    writeFileSync(enter, enterHostScript(root, work, closed), { mode: 0o755 });
    writeFileSync(config, sshdConfig({ address: spec.address, port, sshDir, extra: [`ForceCommand ${enter}`] }));
    proc = start('/usr/sbin/sshd', ['-D', '-e', '-f', config]);
  }
  await waitFor(() => sshBanner(spec.address, port), { deadlineMs: 10_000, what: `sshd ${spec.name} on ${spec.address}:${port}` })
    .catch(async (err: Error) => {
      await proc.stop('SIGTERM', 1000);
      throw new Error(`${err.message}\n${proc.output()}`);
    });
  return {
    name: spec.name, address: spec.address, port, hostKeyFingerprint: fingerprint, root,
    file: (path) => {
      const p = resolveOnHost(root, path);
      return p ? readFileSync(p, 'utf8') : undefined;
    },
    output: () => proc.output(),
    async stop() {
      for (const pid of descendantsOf(proc.pid)) signal(pid, 'SIGKILL');
      await proc.stop('SIGTERM', 3000);
    },
  };
}

/** `s` as one single-quoted shell word (these are paths of this machine, never chat input). */
const shq = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

/**
 * Copies the directory tree (directories only, no files, no symlinks followed) of `lower` into `upper`. In an
 * unprivileged user namespace a directory that exists only in the lower layer keeps its real owner (root, who is
 * not mapped there), so nothing could be written into it; one in the upper layer is the session's own. Files in
 * it still come from the lower layer until a recipe replaces them. Directories this user cannot read at all
 * (/var/lib/zookeeper is zookeeper's, mode 750) are listed in `closed`: the overlay could not look into them, so
 * each session mounts its upper directory there directly.
 */
function mirrorDirectories(lower: string, upper: string, closed: string[], depth = 0): void {
  if (depth > 6) return;
  let entries;
  try {
    entries = readdirSync(lower, { withFileTypes: true });
  } catch {
    closed.push(lower);
    return;
  }
  for (const e of entries) {
    if (!e.isDirectory()) continue;
    const dir = join(upper, e.name);
    try {
      mkdirSync(dir, { recursive: true, mode: statSync(join(lower, e.name)).mode & 0o7777 });
    } catch {
      continue;
    }
    mirrorDirectories(join(lower, e.name), dir, closed, depth + 1);
  }
}

/**
 * The ordinary user's ForceCommand: a fresh user and mount namespace per session, with the host's overlays (each
 * session its own overlayfs work directory), then the command the client asked for (ci-bot's is the constant
 * `bash -s`; it arrives in SSH_ORIGINAL_COMMAND and is run as given, as a login shell would).
 */
function enterHostScript(root: string, workBase: string, closed: readonly string[]): string {
  const inner = ['set -e', ...overlayMounts(root, '$W'), ...closed.map((d) => `mount --bind ${shq(root + d)} ${shq(d)}`), 'cd /', 'if [ -n "$SSH_ORIGINAL_COMMAND" ]; then exec /bin/bash -c "$SSH_ORIGINAL_COMMAND"; fi',
    'exec /bin/bash -l'].join('\n');
  return `#!/bin/sh
# ci-bot demo host: every session enters its own view of this host (see src/playground/hosts/local-hosts.ts).
set -e
W=$(mktemp -d ${workBase}/session-XXXXXX)
export W
for l in ${LAYERS.join(' ')}; do mkdir -p "$W/$l"; done
exec unshare --user --map-root-user --mount --propagation private -- /bin/sh -c '${inner.replaceAll("'", "'\\''")}'
`;
}
