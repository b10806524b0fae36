/**
 * `npm run sim`: runs the simulated seed cluster until SIGINT/SIGTERM and prints its URLs.
 * Options from the environment (this is a test tool, not ci-bot): SIM_TIME_SCALE (default 1).
 */
import { startSimulator } from './simulator.ts';

const timeScale = Number(process.env.SIM_TIME_SCALE ?? 1) || 1;
const running = await startSimulator({ timeScale });
const { urls } = running;
console.log('ci-bot cluster simulator (seed: master + slave1 + slave2, Jenkins on Marathon)');
console.log(`  mesos masters : ${urls.mesosMasters.join(' ')}`);
console.log(`  agents (/files): ${urls.agents}`);
console.log(`  marathon      : ${urls.marathons.join(' ')}`);
console.log(`  jenkins       : ${urls.jenkins}  (user ${running.sim.opts.jenkinsUser}, token ${running.sim.opts.jenkinsToken})`);
console.log(`  control       : ${urls.control}/_control  (routes and faults: test/support/simulator/README.md)`);
console.log(JSON.stringify({ urls }));

let stopping = false;
async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await running.stop();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
