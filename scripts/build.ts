/**
 * `npm run build`: type-checks src/ (without src/playground: the local demo's emulator, simulator and services) and
 * bundles it with esbuild into one ES module, dist/src/main.js, beside a copy of the recipes (dist/commands) and the
 * Marathon template (dist/config). Production runs dist/src/main.js (the Dockerfile, bin/ci-bot.js).
 *
 * Why a bundle and not tsc's one file per module: resident memory (TARGETS.md P5, test/bench/memory-soak.ts).
 * - V8 keeps every module's source text in the heap, as two bytes per character when a file holds one non-Latin-1
 *   character (our messages' `—`, `…`, emoji; zod's error texts). esbuild writes ASCII (`\u2014` escapes), drops
 *   comments and tree-shakes ES modules: zod's classic API alone loads ~50 locales (`export * as locales`) and its
 *   JSON-schema converters, 1.3 MB of two-byte source, which the bundle leaves out.
 * - Packages a bare Bolt + BullMQ process loads too (Bolt, BullMQ, ioredis, undici, luxon…), CommonJS packages
 *   (not tree-shakeable) and those with optional native parts (ssh2, msgpackr) stay external: Node loads them from
 *   node_modules as before, one copy shared with the libraries that require them (BullMQ's cron-parser and luxon).
 *   Bundling them too was measured: one 4 MB module's parse leaves ~17 MB of freed malloc memory pinned in the
 *   process, more than the bundle saves.
 * - Whitespace and syntax are minified (the only way esbuild drops every comment), identifiers are not: a stack
 *   trace still names every function, at a column of line 1. dist/src/main.js.map maps it back to src/ (Node does
 *   not load it: a source map costs memory for as long as the process runs).
 * - Our modules import zod as a namespace (`import * as z from 'zod'`): the named `z` export is one object holding
 *   all of zod, which defeats tree-shaking (704 KB of zod in the bundle with it, 148 KB without).
 * `import.meta.url` keeps meaning "this module's file" as it did unbundled (dist/src/<path>.js): the recipes and
 * the template are found relative to it (src/roles/runtime.ts, src/features/jenkins/deploy-template.ts).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { build, type Plugin } from 'esbuild';

/** ES-module dependencies bundled (and tree-shaken); every other dependency stays external. */
const BUNDLED = ['zod', '@streamparser/json', 'eventsource-parser'];

const root = resolve(import.meta.dirname, '..');
const srcDir = resolve(root, 'src');
const out = resolve(root, 'dist/src/main.js');

const tsc = spawnSync(resolve(root, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);

/** Each of our modules' `import.meta.url` as it would be unbundled: dist/src/<its path>.js. */
const moduleUrls: Plugin = {
  name: 'module-urls',
  setup(b) {
    b.onLoad({ filter: /\/src\/.*\.ts$/ }, (args) => {
      const rel = relative(srcDir, args.path).replace(/\.ts$/, '.js');
      const text = readFileSync(args.path, 'utf8').replaceAll('import.meta.url', `new URL(${JSON.stringify(`./${rel}`)}, import.meta.url).href`);
      return { contents: text, loader: 'ts' };
    });
  },
};

const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
const external = Object.keys(pkg.dependencies).filter((d) => !BUNDLED.includes(d));
for (const name of BUNDLED) if (!(name in pkg.dependencies)) throw new Error(`build: ${name} is not a dependency`);

rmSync(resolve(root, 'dist'), { recursive: true, force: true });
const result = await build({
  entryPoints: [resolve(srcDir, 'main.ts')],
  outfile: out,
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'esm',
  external,
  plugins: [moduleUrls],
  charset: 'ascii',
  legalComments: 'eof',
  minifySyntax: true,
  minifyWhitespace: true,
  sourcemap: 'external',
  treeShaking: true,
  logLevel: 'warning',
  // src/main.ts imports the demo by a computed path, on purpose: it is not part of the build.
  logOverride: { 'unsupported-dynamic-import': 'silent' },
  metafile: true,
});
if (result.errors.length > 0) process.exit(1);
// The demo (src/playground) and test code never ship: src/main.ts reaches the demo by a computed path only.
const leaked = Object.keys(result.metafile.inputs).filter((p) => /^(src\/playground|test)\//.test(p));
if (leaked.length > 0) throw new Error(`build: the bundle would hold ${leaked.join(', ')}`);
cpSync(resolve(root, 'commands'), resolve(root, 'dist/commands'), { recursive: true });
mkdirSync(resolve(root, 'dist/config'), { recursive: true });
cpSync(resolve(root, 'config/marathon-jenkins.json'), resolve(root, 'dist/config/marathon-jenkins.json'));
const bytes = Object.entries(result.metafile.outputs).find(([path]) => path.endsWith('main.js'))?.[1].bytes ?? 0;
console.log(`built dist/src/main.js (${(bytes / 1024).toFixed(0)} KiB, and its source map; run: node dist/src/main.js all)`);
