/**
 * Reads OpenSSH known_hosts text: plain and hashed (`|1|salt|hmac`) host fields, `[host]:port` forms,
 * comma-separated host lists. `@revoked` lines mark keys that must never be trusted; `@cert-authority` lines are
 * not used for plain host keys and are skipped.
 */
import { createHash, createHmac } from 'node:crypto';

export interface KnownHostEntry {
  hosts: string;
  keyType: string;
  /** The raw public key blob. */
  key: Buffer;
  revoked: boolean;
}

/** Parses known_hosts text; malformed lines are skipped (as OpenSSH does). */
export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    let revoked = false;
    if (fields[0]?.startsWith('@')) {
      const marker = fields.shift();
      if (marker === '@cert-authority') continue;
      revoked = marker === '@revoked';
    }
    const [hosts, keyType, keyB64] = fields;
    if (!hosts || !keyType || !keyB64) continue;
    entries.push({ hosts, keyType, key: Buffer.from(keyB64, 'base64'), revoked });
  }
  return entries;
}

/** The name OpenSSH looks up for a host: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(address: string, port = 22): string {
  return port === 22 ? address : `[${address}]:${port}`;
}

/** True when an entry's host field (plain list, negations, or hashed) names `name`. */
export function hostFieldMatches(field: string, name: string): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (!salt || !hash) return false;
    const mac = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
    return mac === hash;
  }
  const patterns = field.split(',');
  if (patterns.some((p) => p.startsWith('!') && globMatch(p.slice(1), name))) return false;
  return patterns.some((p) => !p.startsWith('!') && globMatch(p, name));
}

function globMatch(pattern: string, name: string): boolean {
  if (!/[*?]/.test(pattern)) return pattern.toLowerCase() === name.toLowerCase();
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`, 'i').test(name);
}

/** `SHA256:<unpadded base64>` of a raw public key blob, as `ssh-keygen -l` prints it. */
export function fingerprintOf(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** Fingerprints known_hosts lists for `address:port`, split into trusted and revoked. */
export function knownFingerprints(
  entries: readonly KnownHostEntry[],
  address: string,
  port = 22,
): { trusted: string[]; revoked: string[] } {
  const name = knownHostsName(address, port);
  const trusted: string[] = [];
  const revoked: string[] = [];
  for (const e of entries) {
    if (!hostFieldMatches(e.hosts, name)) continue;
    (e.revoked ? revoked : trusted).push(fingerprintOf(e.key));
  }
  return { trusted, revoked };
}
