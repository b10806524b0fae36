/**
 * `npm run bench`: every benchmark, one after another (they load the machine; never in parallel), each in its own
 * process. `npm run bench -- ack-latency status-scale` runs only those. Figures are printed by each benchmark.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const dir = new URL('./', import.meta.url);
const all = readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'run-all.ts').map((f) => f.replace(/\.ts$/, '')).sort();
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${all.join(', ')}`);
  process.exit(2);
}
let failed = 0;
for (const name of wanted.length > 0 ? wanted : all) {
  console.log(`\n=== ${name} ===`);
  const res = spawnSync(process.execPath, [new URL(`${name}.ts`, dir).pathname], { stdio: 'inherit', timeout: 20 * 60_000 });
  if (res.status !== 0) failed += 1;
}
process.exit(failed > 0 ? 1 : 0);
