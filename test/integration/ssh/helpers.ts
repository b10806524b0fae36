/** Shared set-up for the SSH integration tests: a pool and runner against real test hosts. */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SshPool, type SshPoolOptions } from '../../../src/ssh/pool.ts';
import { HostKeyChecker } from '../../../src/ssh/host-keys.ts';
import { MemoryPinStore } from '../../../src/ssh/pin-store.ts';
import type { SshTarget } from '../../../src/ssh/ssh-target.ts';
import type { TestHost, TestHosts } from '../../support/ssh-hosts/index.ts';

/** The inventory entry a test host would have: root, its key pinned. */
export function targetOf(h: TestHost, extra: Partial<SshTarget> = {}): SshTarget {
  return { name: h.name, address: h.address, port: h.port, user: 'root', hostKeys: [h.hostKeyFingerprint], ...extra };
}

export function poolFor(th: TestHosts, opts: Partial<SshPoolOptions> = {}): SshPool {
  return new SshPool({
    auth: { privateKey: th.clientKey.privateKey },
    hostKeys: new HostKeyChecker({ pins: new MemoryPinStore() }),
    connectTimeoutMs: 5000,
    ...opts,
  });
}

/** sha256 of every file under `dir` (relative path → hash), to show a dry run changed nothing. */
export function treeHashes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(dir)) return out;
  for (const rel of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const p = join(dir, rel);
    if (statSync(p).isFile()) out[rel] = createHash('sha256').update(readFileSync(p)).digest('hex');
  }
  return out;
}

/** Shim calls that change a host (as opposed to queries such as is-active or dpkg-query). */
export const MUTATING = /^(apt-get install|yum install|dnf install|systemctl (enable|start|restart|stop)|docker pull)/;
