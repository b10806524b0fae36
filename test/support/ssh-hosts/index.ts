export { startTestHosts, fingerprintOfPub, childrenOf, descendantsOf } from './start-test-hosts.ts';
export type { HoldPoint, TestHost, TestHosts, TestHostsOptions } from './start-test-hosts.ts';
export { startControlStub } from './control-stub.ts';
export type { ControlStub, ControlRequest } from './control-stub.ts';
export { OS_RELEASE, CALLS_LOG } from './shims.ts';
export { agentInventory } from './inventory.ts';
