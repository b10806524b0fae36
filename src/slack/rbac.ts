/**
 * Who may run what: viewer < operator < admin, granted in config to user ids and user-group ids.
 * Group membership comes from `usergroups.users.list`, cached with an expiry; a failed look-up is logged and
 * counts as "not a member" (the user gets what they have without the group), never as a grant.
 */
import type { Clock } from '../core/ports.ts';
import { roleAtLeast, type Role } from '../core/types.ts';
import { withDeadline } from '../core/deadline.ts';

export interface RoleGrants {
  default: Role;
  admins: readonly string[];
  operators: readonly string[];
  viewers: readonly string[];
  usergroupCacheTtlMs: number;
}

export interface RoleResolverDeps {
  grants: RoleGrants;
  /** Members of a user group (Slack `usergroups.users.list`). */
  listGroupMembers: (groupId: string) => Promise<readonly string[]>;
  clock: Clock;
  onLookupError?: (groupId: string, err: unknown) => void;
  /** Bounds a look-up on the ack path. Default 1,000 ms. */
  lookupTimeoutMs?: number;
}

export class RoleResolver {
  private readonly deps: RoleResolverDeps;
  private readonly cache = new Map<string, { members: ReadonlySet<string>; expiresAt: number }>();
  private readonly inflight = new Map<string, Promise<ReadonlySet<string>>>();
  constructor(deps: RoleResolverDeps) {
    this.deps = deps;
  }

  /** The highest role granted to `userId`, directly or through a group; the default role otherwise. */
  async roleOf(userId: string): Promise<Role> {
    const { grants } = this.deps;
    const levels: Array<[Role, readonly string[]]> = [['admin', grants.admins], ['operator', grants.operators], ['viewer', grants.viewers]];
    for (const [role, ids] of levels) {
      if (roleAtLeast(grants.default, role)) return grants.default;
      if (ids.includes(userId)) return role;
      for (const id of ids.filter((g) => g.startsWith('S'))) {
        if ((await this.members(id)).has(userId)) return role;
      }
    }
    return grants.default;
  }

  private async members(groupId: string): Promise<ReadonlySet<string>> {
    const hit = this.cache.get(groupId);
    if (hit && hit.expiresAt > this.deps.clock.now()) return hit.members;
    const pending = this.inflight.get(groupId) ?? this.lookup(groupId);
    this.inflight.set(groupId, pending);
    try {
      return await pending;
    } finally {
      this.inflight.delete(groupId);
    }
  }

  private async lookup(groupId: string): Promise<ReadonlySet<string>> {
    try {
      const timeoutMs = this.deps.lookupTimeoutMs ?? 1000;
      const members = await withDeadline(this.deps.listGroupMembers(groupId), timeoutMs, () => new Error(`no answer in ${timeoutMs} ms`));
      const set = new Set(members);
      this.cache.set(groupId, { members: set, expiresAt: this.deps.clock.now() + this.deps.grants.usergroupCacheTtlMs });
      return set;
    } catch (err) {
      this.deps.onLookupError?.(groupId, err);
      return hitOrEmpty(this.cache.get(groupId));
    }
  }
}

/** On a failed refresh, a stale member list is better than none. */
function hitOrEmpty(hit: { members: ReadonlySet<string> } | undefined): ReadonlySet<string> {
  return hit?.members ?? new Set();
}
