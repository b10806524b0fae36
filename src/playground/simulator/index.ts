/** Public entry of the cluster simulator (used by tests, benchmarks and the local demo). */
export { startSimulator, type RunningSimulator, type SimulatorUrls } from './simulator.ts';
export { Simulation, type AgentSpec } from './simulation.ts';
export { withDefaults, seedAgents, type SimOptions, type SeedAgent } from './options.ts';
export { generateCluster, type GenerateOptions } from './generator.ts';
export type { Fault, Component } from './faults.ts';
export type { SimEvent } from './events.ts';
export { jobXml } from './jenkins-engine.ts';
