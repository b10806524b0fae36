/**
 * Builds the `export NAME='value'` preamble sent on stdin ahead of a recipe. OpenSSH drops environment variables
 * not listed in `AcceptEnv`, so parameters travel inside the script, single-quoted. Nothing here ever becomes part
 * of the remote command line, which is a constant.
 */

const ENV_NAME = /^[A-Z_][A-Z0-9_]{0,63}$/;

/** Single-quotes `value` for bash: `it's` → `'it'\''s'`. Refuses NUL, which no shell string can hold. */
export function shellQuote(value: string): string {
  if (value.includes('\0')) throw new TypeError('a shell value cannot contain NUL');
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** One `export` line per entry, names checked. */
export function exportLines(env: Readonly<Record<string, string>>): string {
  return Object.entries(env)
    .map(([name, value]) => {
      if (!ENV_NAME.test(name)) throw new TypeError(`not an environment variable name: ${JSON.stringify(name)}`);
      return `export ${name}=${shellQuote(value)}\n`;
    })
    .join('');
}
