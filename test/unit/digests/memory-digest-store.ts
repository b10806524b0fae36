/** An in-memory {@link DigestStore} with the same slot semantics as the Redis one (src/queue/digest-schedules.ts). */
import type { DigestRecord, UtilSample } from '../../../src/core/digest-store.ts';
import type { DigestStore } from '../../../src/core/digest-store.ts';

export class MemoryDigestStore implements DigestStore {
  readonly state = new Map<string, { slot: string; record: DigestRecord; prev: DigestRecord | undefined }>();
  readonly samplesList: UtilSample[] = [];

  async baseline(id: string, slot: string): Promise<DigestRecord | undefined> {
    const s = this.state.get(id);
    return s?.slot === slot ? s.prev : s?.record;
  }

  async commit(id: string, slot: string, record: DigestRecord, baseline: DigestRecord | undefined): Promise<void> {
    this.state.set(id, { slot, record, prev: baseline });
  }

  async forget(id: string): Promise<void> {
    this.state.delete(id);
  }

  async addSample(sample: UtilSample): Promise<void> {
    this.samplesList.push(sample);
  }

  async samples(fromMs: number, toMs: number): Promise<UtilSample[]> {
    return this.samplesList.filter((s) => s.atMs > fromMs && s.atMs <= toMs);
  }
}
