/** The shims live with the demo hosts in src/playground/hosts/ (the demo runs the same recipes against them). */
export { CALLS_LOG, OS_RELEASE, shimScripts } from '../../../src/playground/hosts/shims.ts';
