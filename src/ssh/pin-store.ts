/**
 * Host-key pins added at run time by `/ci trust-host` (the inventory's pins are read-only config). The lead backs
 * this with Redis; {@link MemoryPinStore} is the in-process twin used by tests and the demo.
 */
export interface PinStore {
  /** Fingerprints (`SHA256:…`) pinned for inventory host `host`. */
  get(host: string): Promise<readonly string[]>;
  /** Adds a pin. Only ever called by an admin's confirmed `/ci trust-host`; never automatically. */
  add(host: string, fingerprint: string): Promise<void>;
}

export class MemoryPinStore implements PinStore {
  readonly #pins = new Map<string, string[]>();

  async get(host: string): Promise<readonly string[]> {
    return this.#pins.get(host) ?? [];
  }

  async add(host: string, fingerprint: string): Promise<void> {
    const list = this.#pins.get(host) ?? [];
    if (!list.includes(fingerprint)) list.push(fingerprint);
    this.#pins.set(host, list);
  }
}

/** @public A pin store that holds nothing (no `/ci trust-host` pins): the port's no-op twin. */
export const noPins: PinStore = {
  get: async () => [],
  add: async () => {
    throw new Error('this pin store is read-only');
  },
};

/** `SHA256:` followed by 43 unpadded base64 characters: the only fingerprint form accepted for pinning. */
export const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;
