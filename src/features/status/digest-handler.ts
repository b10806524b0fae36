/**
 * The `digest` task handler: reads the cluster, compares with the previous digest of the same schedule, and puts
 * the digest into the outbox under one key per slot — so a slot that runs again after a crash updates the same
 * message instead of posting a second one (R17). Imports neither BullMQ nor Bolt.
 */
import type { Outbox, TaskHandler } from '../../core/ports.ts';
import { renderDigest } from '../../chat/render/digest.ts';
import type { AgentSize } from '../../cluster/capacity.ts';
import { diffDigest, digestRecord, periodBuilds, utilSample, type IncidentNote } from '../../cluster/digest-model.ts';
import type { DigestStore } from '../../core/digest-store.ts';
import type { ClusterSnapshot } from '../../cluster/snapshot-types.ts';

/** Job data of a digest: scheduled ones carry `schedulerId` and `slotMs`; `/ci digest now` carries `requestId`. */
export interface DigestTask {
  requester: { userId: string; channelId: string };
  schedulerId?: string;
  /** The slot time BullMQ scheduled (epoch ms), added by the worker adapter. */
  slotMs?: number;
  requestId?: string;
}

export interface DigestDeps {
  snapshot: (signal: AbortSignal) => Promise<ClusterSnapshot>;
  store: DigestStore;
  outbox: Outbox;
  /** Outbox key of a scheduled slot (`digestSlotKey` of src/queue/schedulers.ts). */
  slotKey: (schedulerId: string, slotMs: number) => string;
  agentSize: AgentSize;
  /** Incidents in a period, once the watchers provide them; without it digests say nothing about incidents. */
  incidents?: (fromMs: number, toMs: number) => Promise<IncidentNote[]>;
}

export function createDigestHandler(deps: DigestDeps): TaskHandler<DigestTask> {
  return async (task, { jobId, signal, progress }) => {
    const channel = task.requester.channelId;
    const scheduled = task.schedulerId !== undefined && task.slotMs !== undefined;
    const id = task.schedulerId ?? `now-${channel}`;
    const slot = scheduled ? String(task.slotMs) : `job:${jobId}`;
    const key = scheduled ? deps.slotKey(id, task.slotMs as number) : `digest-now:${jobId}`;
    await progress.plan(['read the cluster', 'post the digest']);
    await progress.step('read the cluster', 'running');
    const snap = await deps.snapshot(signal);
    const sample = utilSample(snap);
    if (sample) await deps.store.addSample(sample);
    await progress.step('read the cluster', 'done');
    await progress.step('post the digest', 'running');
    const baseline = await deps.store.baseline(id, slot);
    const record = digestRecord(snap);
    const from = baseline?.atMs ?? record.atMs - 86_400_000;
    const samples = await deps.store.samples(from, record.atMs);
    const incidents = deps.incidents ? await deps.incidents(from, record.atMs) : undefined;
    const changes = diffDigest(baseline, record, samples, incidents);
    const builds = periodBuilds(snap, from);
    if (builds) changes.builds = builds;
    signal.throwIfAborted();
    await deps.outbox.put({ key, channel, message: renderDigest(snap, changes, { agentSize: deps.agentSize, scheduleId: task.schedulerId ?? 'now' }) });
    await deps.store.commit(id, slot, record, baseline);
    await progress.step('post the digest', 'done');
    return { summary: `Digest posted${scheduled ? ` for the ${new Date(task.slotMs as number).toISOString().slice(0, 16).replace('T', ' ')} UTC slot` : ''}.` };
  };
}
