/**
 * Reading a test host's record of commands (see {@link TestHost.commands}) for R12: which recorded commands are not
 * commands of ci-bot's own scripts. bash records a command as it reconstructs it (`2>/dev/null` becomes
 * `2> /dev/null`), so record and sources are compared without whitespace; the `export NAME='value'` lines, which
 * carry chat-derived values as data, are allowed only as whole statements, so a value's text run as a command
 * never passes as part of one.
 */
import { exportLines } from '../../../src/ssh/shell-quote.ts';
import { REMOTE_COMMAND, REMOTE_COMMAND_SUDO, wrapScript } from '../../../src/ssh/exec.ts';
import { COMMAND_RECORDER } from './start-test-hosts.ts';
import { shimScripts } from './shims.ts';

/** Without whitespace, and `1>&2` as written (`>&2`): the two ways bash's reconstruction differs from the source. */
const squash = (s: string) => s.replace(/\s+/g, '').replaceAll('1>&', '>&');

/**
 * Recorded commands that appear in none of `scripts` (nor the wrapper, the shims and the recorder), given the
 * `env` the scripts were sent with and the shims' `controlUrl` (as given to startTestHosts).
 */
export function unexpectedCommands(
  recorded: readonly string[], scripts: readonly string[], opts: { env?: Readonly<Record<string, string>>; controlUrl: string },
): string[] {
  const sources = squash([...scripts, wrapScript(''), REMOTE_COMMAND, REMOTE_COMMAND_SUDO, COMMAND_RECORDER,
    ...Object.values(shimScripts(opts.controlUrl))].join('\n'));
  const env = opts.env ?? {};
  const exports = new Set(exportLines(env).split(/\n(?=export )/).map((l) => l.replace(/\n$/, '').replaceAll('\n', '\\n')));
  return recorded.filter((c) => !exports.has(c) && !sources.includes(squash(c)));
}
