/**
 * How long `/ci` parsing takes to refuse pathological over-long arguments (test/support/pathological-inputs.ts), and
 * a normal command for comparison. Prints p50/p95/p99 per input; target: well under 1 ms (the length check refuses
 * before any regular expression runs). Bounded: 2,000 parses per input, in-process, no network.
 */
import { CommandRegistry } from '../../src/chat/registry.ts';
import { commandSpecsOf } from '../../src/features/define-feature.ts';
import { features } from '../../src/features/list.ts';
import { PATHOLOGICAL_INPUTS } from '../support/pathological-inputs.ts';
import { fmt, percentiles } from './support/stats.ts';

const RUNS = 2000;
const registry = new CommandRegistry(commandSpecsOf(features));
const inputs: Array<[string, string]> = [['normal: setup-agent slave1 slave2', 'setup-agent slave1 slave2'],
  ...PATHOLOGICAL_INPUTS.map((t): [string, string] => [`${t.slice(0, 24)}… (${t.length} chars)`, t])];

console.log(`chat-parse: Node ${process.version}, ${RUNS} parses per input`);
for (const [label, text] of inputs) {
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    try {
      registry.parse(text);
    } catch {
      /* refused: that is the point */
    }
    samples.push(performance.now() - started);
  }
  console.log(`  ${label.padEnd(48)} ${fmt(percentiles(samples))}`);
}
