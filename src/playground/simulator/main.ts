/**
 * `npm run sim`: runs the simulated cluster until SIGINT/SIGTERM. Options from flags or SIM_* variables (see
 * `npm run sim -- --help`; this is a test tool, not ci-bot). Prints one JSON line on stdout with its URLs and the
 * options in effect, read back from the running simulation; the readable summary goes to stderr.
 */
import { SIM_USAGE, simOptionsFromCli } from './options.ts';
import { startSimulator } from './simulator.ts';

let options;
try {
  options = simOptionsFromCli(process.argv.slice(2), process.env);
} catch (err) {
  process.stderr.write(`npm run sim: ${(err as Error).message}`);
  process.exit(2);
}
if (options === 'help') {
  process.stdout.write(SIM_USAGE);
  process.exit(0);
}

const running = await startSimulator(options);
const { urls, sim } = running;
const agents = [...sim.state.agents.values()].map((a) => a.hostname);
const jenkinsDeployed = sim.state.apps.has('/jenkins');
const say = (line: string) => process.stderr.write(`${line}\n`);
say(`ci-bot cluster simulator: ${agents.length > 0 ? `agents ${agents.join(', ')}` : 'no agents'}, ` +
  `${jenkinsDeployed ? 'Jenkins on Marathon' : 'Jenkins not deployed'}, ZooKeeper URL ${sim.opts.zkUrl}, time scale ${sim.clock.timeScale}`);
say(`  mesos masters : ${urls.mesosMasters.join(' ')}`);
say(`  agents (/files): ${urls.agents}`);
say(`  marathon      : ${urls.marathons.join(' ')}`);
say(`  jenkins       : ${urls.jenkins}  (user ${sim.opts.jenkinsUser}, token ${sim.opts.jenkinsToken})`);
say(`  control       : ${urls.control}/_control  (routes and faults: src/playground/simulator/README.md)`);
console.log(JSON.stringify({ urls, zkUrl: sim.opts.zkUrl, agents, jenkinsDeployed, timeScale: sim.clock.timeScale }));

let stopping = false;
async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await running.stop();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
