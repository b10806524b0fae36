/**
 * Import rules (run by `npm test`): dependencies point inward, and each third-party SDK lives in one folder.
 * core imports nothing; adapters (slack, queue, ssh, clients) import core and config but not each other;
 * workers, watchers, alerting and digests see adapters only through core ports.
 */
const sdk = (name, folder) => ({
  name: `only-${folder}-imports-${name.replace(/[^a-z0-9]/gi, '')}`,
  comment: `${name} is owned by src/${folder}/`,
  severity: 'error',
  from: { path: '^src/', pathNot: `^src/(${folder})/` },
  to: { path: `node_modules/${name}/` },
});
const adapters = ['slack', 'queue', 'ssh', 'clients', 'store'];

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'core-imports-nothing',
      comment: 'src/core holds domain types, ports and errors only',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { pathNot: '^src/core/|^node:|^(crypto|events|util)$', dependencyTypesNot: ['core'] },
    },
    ...adapters.map((a) => ({
      name: `${a}-does-not-import-other-adapters`,
      severity: 'error',
      from: { path: `^src/${a}/` },
      to: { path: `^src/(${adapters.filter((b) => b !== a).join('|')})/` },
    })),
    {
      name: 'handlers-see-adapters-through-ports',
      severity: 'error',
      from: { path: '^src/(workers|watchers|alerting|digests|chat)/' },
      to: { path: '^src/(slack|queue|ssh|clients)/' , pathNot: '^src/clients/[^/]+/schemas?\\.ts$|^src/clients/types\\.ts$'},
    },
    sdk('@slack/', 'slack'),
    sdk('bullmq', 'queue'),
    sdk('ioredis', 'queue|audit|store'),
    sdk('ssh2', 'ssh'),
    sdk('undici', 'clients'),
    {
      name: 'only-config-reads-env',
      comment: 'enforced by lint in src/; kept here as documentation',
      severity: 'ignore',
      from: {},
      to: { path: '^$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    moduleSystems: ['es6'],
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
