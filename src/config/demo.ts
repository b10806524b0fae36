/**
 * Built-in defaults of the local demo only (`loadConfig({ demo: true })` with no config file): the seed's three-host
 * cluster, and every user an admin so the demo's one typist can try everything. A real workspace never gets these.
 * In the demo the upstream URLs are filled in with the simulator's, and Redis with a local redis-server.
 */
export const demoConfig = {
  slack: { channels: { default: '#ci' } },
  roles: { default: 'admin' },
  inventory: {
    // Every demo host is 127.0.0.1, and the simulator's seed agents are named slave1/slave2: advertise the names.
    advertise: 'name',
    hosts: [
      { name: 'master', address: '127.0.0.1', roles: ['master'] },
      { name: 'slave1', address: '127.0.0.1', roles: ['agent'] },
      { name: 'slave2', address: '127.0.0.1', roles: ['agent'] },
    ],
  },
} as const;
