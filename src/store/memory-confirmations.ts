import { randomUUID } from 'node:crypto';
import type { ConfirmationStore, PendingConfirmation } from '../core/ports.ts';
import { systemClock, type Clock } from '../core/ports.ts';

/** In-process confirmation store: for a single replica and for tests. */
export class MemoryConfirmationStore implements ConfirmationStore {
  private readonly items = new Map<string, { value: PendingConfirmation; expiresAt: number }>();
  private readonly clock: Clock;
  constructor(clock: Clock = systemClock) {
    this.clock = clock;
  }

  async create(pending: Omit<PendingConfirmation, 'id' | 'createdAt'>, ttlMs: number): Promise<PendingConfirmation> {
    const value = { ...pending, id: randomUUID(), createdAt: this.clock.now() };
    this.items.set(value.id, { value, expiresAt: this.clock.now() + ttlMs });
    return value;
  }

  async get(id: string): Promise<PendingConfirmation | undefined> {
    const item = this.items.get(id);
    if (!item || item.expiresAt <= this.clock.now()) return undefined;
    return item.value;
  }

  async take(id: string): Promise<PendingConfirmation | undefined> {
    const value = await this.get(id);
    this.items.delete(id);
    return value;
  }
}
