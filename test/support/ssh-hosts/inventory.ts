/** The bot's `inventory` config for test hosts. */
import type { TestHost } from './start-test-hosts.ts';

/**
 * Test hosts as pinned agents (login root), after a master that is only named: recipes need a master for
 * ZooKeeper's address (127.0.0.1), and nothing connects to it.
 */
export function agentInventory(hosts: readonly TestHost[]): { hosts: Array<Record<string, unknown>> } {
  return {
    hosts: [
      { name: 'master', address: '127.0.0.1', port: 1, roles: ['master'] },
      ...hosts.map((h) => ({ name: h.name, address: h.address, port: h.port, user: 'root', roles: ['agent'], hostKey: h.hostKeyFingerprint })),
    ],
  };
}
