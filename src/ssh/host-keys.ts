/**
 * Host-key checks (R11): a key is accepted only when it matches a pin from the inventory, from `/ci trust-host`
 * (PinStore) or from a known_hosts file. Anything else is refused before authentication, so no command runs.
 * Nothing is ever pinned automatically.
 */
import { PermanentError } from '../core/errors.ts';
import { fingerprintOf, knownFingerprints, type KnownHostEntry } from './known-hosts.ts';
import type { PinStore } from './pin-store.ts';
import type { SshTarget } from './ssh-target.ts';

export type HostKeyVerdict =
  | { ok: true; fingerprint: string }
  | { ok: false; fingerprint: string; reason: 'unknown' | 'changed' | 'revoked'; expected: readonly string[] };

export interface HostKeyCheckerOptions {
  pins: PinStore;
  /** Parsed known_hosts entries (see parseKnownHosts). Default none. */
  knownHosts?: readonly KnownHostEntry[];
}

/** Decides whether `key` (raw blob from the handshake) is the right one for `target`. */
export class HostKeyChecker {
  readonly #pins: PinStore;
  readonly #known: readonly KnownHostEntry[];

  constructor(opts: HostKeyCheckerOptions) {
    this.#pins = opts.pins;
    this.#known = opts.knownHosts ?? [];
  }

  async check(target: SshTarget, key: Buffer): Promise<HostKeyVerdict> {
    const fingerprint = fingerprintOf(key);
    const fromKnown = knownFingerprints(this.#known, target.address, target.port ?? 22);
    if (fromKnown.revoked.includes(fingerprint)) {
      return { ok: false, fingerprint, reason: 'revoked', expected: [] };
    }
    const expected = [...(target.hostKeys ?? []), ...(await this.#pins.get(target.name)), ...fromKnown.trusted];
    if (expected.includes(fingerprint)) return { ok: true, fingerprint };
    return { ok: false, fingerprint, reason: expected.length === 0 ? 'unknown' : 'changed', expected };
  }
}

/** The error shown in chat for a refused key: what was seen and how an admin pins it. */
export function hostKeyError(target: SshTarget, verdict: Extract<HostKeyVerdict, { ok: false }>): PermanentError {
  const how = `if you trust it, an admin can pin it with \`/ci trust-host ${target.name} ${verdict.fingerprint}\``;
  const where = `${target.name} (${target.address}:${target.port ?? 22})`;
  const text =
    verdict.reason === 'unknown'
      ? `host key of ${where} is not pinned; it offered ${verdict.fingerprint}. Nothing was run; ${how}.`
      : verdict.reason === 'revoked'
        ? `host key of ${where} is revoked in known_hosts (${verdict.fingerprint}). Nothing was run.`
        : `host key of ${where} CHANGED: expected ${verdict.expected.join(' or ')}, got ${verdict.fingerprint}. ` +
          `Nothing was run. This may be an attack or a reinstalled host; check it out of band, then ${how}.`;
  return new PermanentError('host_key', text);
}
