/** How ci-bot authenticates to hosts: a dedicated private key, or an ssh-agent socket. Never agent forwarding. */
import { readFileSync } from 'node:fs';
import { PermanentError } from '../core/errors.ts';

export interface SshAuth {
  /** Private key contents (PEM/OpenSSH). */
  privateKey?: Buffer;
  /** Passphrase for `privateKey`, if it has one. */
  passphrase?: string;
  /** Path of an ssh-agent socket. */
  agentSocket?: string;
}

/**
 * Reads auth from `SSH_PRIVATE_KEY_PATH` (preferred; with `SSH_PRIVATE_KEY_PASSPHRASE` when the key has one) or
 * `SSH_AUTH_SOCK`; the env is passed in by the config layer.
 * @throws PermanentError('config') when neither is set or the key cannot be read
 */
export function loadSshAuth(env: Readonly<Record<string, string | undefined>>): SshAuth {
  const keyPath = env.SSH_PRIVATE_KEY_PATH;
  if (keyPath) {
    const passphrase = env.SSH_PRIVATE_KEY_PASSPHRASE;
    try {
      return { privateKey: readFileSync(keyPath), ...(passphrase ? { passphrase } : {}) };
    } catch (err) {
      throw new PermanentError('config', `SSH_PRIVATE_KEY_PATH: cannot read ${keyPath}`, { cause: err });
    }
  }
  if (env.SSH_AUTH_SOCK) return { agentSocket: env.SSH_AUTH_SOCK };
  throw new PermanentError('config', 'set SSH_PRIVATE_KEY_PATH or SSH_AUTH_SOCK for provisioning over SSH');
}
