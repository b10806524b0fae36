#!/usr/bin/env node
// The `ci-bot` binary: runs the compiled dist/src/main.js when `npm run build` has made it, else src/main.ts with
// Node 24's built-in TypeScript support.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { NODE_FLAGS, withMallocEnv } from './node-runtime.js';

const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(`ci-bot needs Node.js 24 (this is ${process.version}); run it with \`npm start\` or \`npx ci-bot\` from the project.`);
  process.exit(1);
}
const built = fileURLToPath(new URL('../dist/src/main.js', import.meta.url));
const main = existsSync(built) ? built : fileURLToPath(new URL('../src/main.ts', import.meta.url));
// Node's flags and malloc settings as in production: see node-runtime.js.
const res = spawnSync(process.execPath, [...NODE_FLAGS, main, ...process.argv.slice(2)], { stdio: 'inherit', env: withMallocEnv(process.env) });
process.exit(res.status ?? 1);
