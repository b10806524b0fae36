/**
 * Over-long `/ci` arguments shaped to make a careless regular expression backtrack: refused by the length check
 * before any pattern runs (test/unit/chat-parse.test.ts shows that; test/bench/chat-parse.ts times it).
 */
export const PATHOLOGICAL_INPUTS: readonly string[] = [
  `prepull ${'a/'.repeat(4900)}!`, `prepull ${'a.'.repeat(4900)}!`, `setup-agent ${'a-'.repeat(4900)}!`,
  `trust-host slave1 SHA256:${'A'.repeat(9000)}`, `digest add "${'1 '.repeat(3000)}"`,
];
