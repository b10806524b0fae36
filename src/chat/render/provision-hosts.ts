/** `/ci hosts` with provisioning state: roles, host-key pinning (inventory or `/ci trust-host`), last result. */
import type { ProvisionRecord } from '../../core/ports.ts';
import type { RenderedMessage } from '../../core/types.ts';
import { listMessage } from './lists.ts';
import { roughDuration } from '../../core/duration.ts';

export interface HostRow {
  name: string;
  address: string;
  port: number;
  user: string;
  roles: readonly string[];
  /** Pinned fingerprints: the inventory's and the run-time pins. */
  pins: readonly string[];
  last?: ProvisionRecord;
}

const ICON: Record<ProvisionRecord['outcome'], string> = { changed: ':white_check_mark:', 'no change': ':white_check_mark:', 'dry run': ':mag:', failed: ':x:' };

/** One line per host; `now` makes the "ago" deterministic for golden tests. */
export function renderProvisionHosts(rows: readonly HostRow[], now: number): RenderedMessage {
  const lines = rows.map((h) => {
    const key = h.pins.length > 0 ? `key pinned \`${h.pins[0]?.slice(0, 20)}…\`${h.pins.length > 1 ? ` (+${h.pins.length - 1})` : ''}` : ':warning: key not pinned (`/ci trust-host`)';
    const last = h.last
      ? `${ICON[h.last.outcome]} last: ${h.last.recipe} ${h.last.outcome}${h.last.detail ? ` (${h.last.detail})` : ''}, ${roughDuration(now - h.last.at)} ago, \`${h.last.jobId}\``
      : 'never provisioned by ci-bot';
    return `*${h.name}* \`${h.user}@${h.address}:${h.port}\` · ${h.roles.join(', ')} · ${key} · ${last}`;
  });
  return listMessage('Inventory', lines, 'no hosts configured (see `inventory.hosts` in the config).');
}
