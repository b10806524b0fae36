#!/usr/bin/env node
// The `ci-bot` binary: runs src/main.ts with Node 24's built-in TypeScript support.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(`ci-bot needs Node.js 24 (this is ${process.version}); run it with \`npm start\` or \`npx ci-bot\` from the project.`);
  process.exit(1);
}
const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const res = spawnSync(process.execPath, [main, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(res.status ?? 1);
