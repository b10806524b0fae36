/**
 * `npm run build`: compiles src/ — without src/playground (the local demo's emulator, simulator and services) — to plain JavaScript in dist/ and
 * copies the recipes beside it. Production runs dist/src/main.js: Node's TypeScript stripping costs about
 * 16 MB of resident memory that a long-running process need not pay.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';

rmSync('dist', { recursive: true, force: true });
const tsc = spawnSync('node_modules/.bin/tsc', ['-p', 'tsconfig.build.json'], { stdio: 'inherit' });
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
cpSync('commands', 'dist/commands', { recursive: true });
console.log('built dist/ (run: node dist/src/main.js all)');
