/**
 * Built-in defaults used when no config file exists: the seed's three-host cluster. In the local demo the
 * upstream URLs are filled in with the simulator's, and Redis with a local redis-server on a free port.
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
