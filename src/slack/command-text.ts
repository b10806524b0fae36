/** Rebuilds a readable command line from parsed arguments (for confirmations, audit and logs). */
export function describeCommand(name: string, args: Record<string, unknown>): string {
  const parts = [`/ci ${name}`];
  for (const [key, value] of Object.entries(args)) {
    if (value === undefined || value === false) continue;
    const flag = `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    if (value === true) parts.push(flag);
    else if (Array.isArray(value)) parts.push(value.join(' '));
    else parts.push(`${key}=${String(value)}`);
  }
  return parts.join(' ');
}
