/**
 * Import rules (run by `npm test`, with scripts/folder-cycles.ts for cycles between folders). Dependencies point
 * inward; each third-party SDK lives in one folder:
 * - core/ imports nothing of ours (zod is allowed: task kinds and stored progress state carry their schemas);
 * - adapters (slack, queue, ssh, clients, store, audit) import core/, config/ and their own SDK, never each other
 *   nor a feature (slack/ may use chat/, the command parser and renderers; ssh/ the recipe step parser; clients/
 *   the cluster domain types they map their answers to);
 * - features/ (and cluster/, chat/ …) see adapters only through ports: nothing of an adapter, not even its wire types;
 * - roles/ and main.ts are the only composition root: nothing else imports them.
 */
const sdk = (name, folder) => ({
  name: `only-${folder.replace(/\|/g, '-')}-imports-${name.replace(/[^a-z0-9]/gi, '')}`,
  comment: `${name} is owned by src/${folder}/`,
  severity: 'error',
  from: { path: '^src/', pathNot: `^src/(${folder})/` },
  to: { path: `node_modules/${name}/` },
});
const adapters = ['slack', 'queue', 'ssh', 'clients', 'store', 'audit'];
/** What an adapter may import besides itself, core and config. */
const adapterMayAlso = { slack: ['chat'], ssh: ['recipes'], clients: ['cluster'] };

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'core-imports-nothing',
      comment: 'src/core holds domain types, ports and errors only',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { pathNot: '^src/core/|^node:|^(crypto|events|util)$|node_modules/zod/', dependencyTypesNot: ['core'] },
    },
    ...adapters.map((a) => ({
      name: `${a}-imports-only-core-config-and-its-sdk`,
      comment: `src/${a} is an adapter: it implements core ports and never reaches into another adapter or a feature`,
      severity: 'error',
      from: { path: `^src/${a}/` },
      to: { path: '^src/', pathNot: `^src/(${[a, 'core', 'config', ...(adapterMayAlso[a] ?? [])].join('|')})/` },
    })),
    {
      name: 'features-see-adapters-through-ports',
      comment: 'a feature gets adapters as FeatureDeps (core ports), built in src/roles/',
      severity: 'error',
      from: { path: '^src/(features|cluster|chat|recipes|observability)/' },
      to: { path: '^src/(slack|queue|ssh|clients|store|audit)/' },
    },
    {
      name: 'features-do-not-import-each-other',
      comment: 'each feature folder stands alone; shared domain code lives in src/cluster/, the kit in src/features/*.ts',
      severity: 'error',
      from: { path: '^src/features/([^/]+)/' },
      to: { path: '^src/features/[^/]+/', pathNot: '^src/features/$1/' },
    },
    {
      name: 'only-the-feature-kit-and-roles-import-features',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(features|roles)/' },
      to: { path: '^src/features/' },
    },
    {
      name: 'roles-are-the-composition-root',
      comment: 'nothing but main.ts, src/roles/ and the playground (a composition root of its own) imports src/roles/',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(roles/|playground/|main\\.ts$)' },
      to: { path: '^src/(roles/|main\\.ts$)' },
    },
    {
      name: 'src-never-imports-test',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^test/' },
    },
    {
      name: 'only-the-demo-entry-reaches-the-playground',
      comment: 'src/playground (Slack emulator, cluster simulator, local services) is left out of the production build: only main.ts loads it, for `ci-bot demo`',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(playground/|main\\.ts$)' },
      to: { path: '^src/playground/' },
    },
    {
      name: 'the-playground-emulates-without-the-product',
      comment: 'the emulator and the simulator stand for Slack and the cluster: they are written from the upstream protocols, never from our own code',
      severity: 'error',
      from: { path: '^src/playground/(simulator|slack-emulator)/' },
      to: { path: '^src/', pathNot: '^src/playground/' },
    },
    sdk('@slack/', 'slack'),
    sdk('bullmq', 'queue'),
    sdk('ioredis', 'queue|audit|store'),
    sdk('ssh2', 'ssh'),
    sdk('undici', 'clients'),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    moduleSystems: ['es6'],
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
