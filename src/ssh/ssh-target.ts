/** Where and how to reach one host: built from the inventory by the caller. */
export interface SshTarget {
  /** Inventory name ("slave2"); host-key pins are keyed by it. */
  name: string;
  /** IP address or DNS name to connect to. */
  address: string;
  /** TCP port. Default 22. */
  port?: number;
  /** Login user. */
  user: string;
  /** Pinned host keys from the inventory, as `SHA256:<base64>` fingerprints. */
  hostKeys?: readonly string[];
  /** Optional jump host; the connection to it is pooled too and `forwardOut` carries this one. */
  bastion?: SshTarget;
  /** Run recipes with `sudo -n` (non-interactive; needs NOPASSWD for `bash`). Default false. */
  sudo?: boolean;
}

/** `address:port`, the form used in known_hosts lookups and messages. */
export function targetLabel(t: SshTarget): string {
  return `${t.user}@${t.address}:${t.port ?? 22}`;
}
