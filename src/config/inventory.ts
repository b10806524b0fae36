import { UserFacingError } from '../core/errors.ts';
import type { Config, InventoryHost } from './schema.ts';

/** The inventory entry for `name`, or a UserFacingError that lists the known hosts. */
export function inventoryHost(config: Config, name: string): InventoryHost {
  const host = config.inventory.hosts.find((h) => h.name === name);
  if (host) return host;
  const known = config.inventory.hosts.map((h) => h.name).join(', ') || 'none';
  throw new UserFacingError('not_found', `Host \`${name}\` is not in the inventory; known: ${known}.`);
}
