#!/usr/bin/env node
// The `ci-bot` binary: runs the compiled dist/src/main.js when `npm run build` has made it, else src/main.ts with
// Node 24's built-in TypeScript support.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(`ci-bot needs Node.js 24 (this is ${process.version}); run it with \`npm start\` or \`npx ci-bot\` from the project.`);
  process.exit(1);
}
const built = fileURLToPath(new URL('../dist/src/main.js', import.meta.url));
const main = existsSync(built) ? built : fileURLToPath(new URL('../src/main.ts', import.meta.url));
// A 1 MB young-generation semi-space keeps a mostly idle bot's heap small (about 20-40 MB less RSS at idle and
// after large cluster reads, see test/bench/idle-rss.ts and status-scale.ts) at the cost of more, tiny scavenges.
const res = spawnSync(process.execPath, ['--max-semi-space-size=1', main, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(res.status ?? 1);
