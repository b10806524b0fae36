import type { Secrets } from './schema.ts';

const MASK = '[redacted]';
/** Read from the environment with the secrets, but not secret themselves: paths and user names. */
const NOT_SECRET = new Set(['sshPrivateKeyPath', 'sshAuthSock', 'marathonUser']);

/** The secret values to scrub from any text that may leave the process (logs, errors, chat). */
export function secretValues(secrets: Secrets): string[] {
  return Object.entries(secrets)
    .filter(([key, value]) => typeof value === 'string' && value.length >= 4 && !NOT_SECRET.has(key))
    .map(([, value]) => value as string);
}

/** Replaces every occurrence of each secret (and anything that looks like a Slack token) with [redacted]. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join(MASK);
  return out.replace(/\bx(?:ox[abpr]|app)-[A-Za-z0-9-]{6,}/g, MASK);
}
