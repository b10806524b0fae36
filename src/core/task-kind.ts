/**
 * Task kinds are declared once: queue, zod schema (checked when enqueued and again when a worker takes the job,
 * because Redis content is untrusted), retry policy and the deterministic job id.
 */
import * as z from 'zod';
import type { TaskHandler } from './ports.ts';

/** Who asked, where: carried in every job so progress goes to the right channel and cancel can check ownership. */
export const requesterSchema = z.object({
  userId: z.string().min(1).max(64),
  channelId: z.string().min(1).max(64),
});

/** A declared task kind. `T` is the validated job data. */
export interface TaskKind<T extends { requester: z.infer<typeof requesterSchema> }> {
  /** Job name, e.g. `selftest`, `setup-agent`. */
  name: string;
  /** BullMQ queue, e.g. `provision`, `report`, `selftest`. */
  queue: string;
  schema: z.ZodType<T>;
  /** Total tries including the first (default 1: no retry). Only transient failures are retried. */
  attempts: number;
  /** Base of the exponential backoff in ms (default 1000); each retry waits base·2^(n-1) ± 50 % jitter. */
  backoffMs: number;
  /** Deterministic id: the same request enqueued twice collapses into one job. */
  jobId: (data: T) => string;
  /** Title of the progress message. */
  title: (data: T) => string;
  /** When set, at most one job with the same key runs at a time (R19: one provisioning task per host). */
  exclusiveKey?: (data: T) => string;
  /** False for kinds that post their own messages (digests): no progress message or thread (default true). */
  progressMessage?: boolean;
}

/** Any task kind, as stored in a registry. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a registry holds kinds of different data types
export type AnyTaskKind = TaskKind<any>;

/**
 * A task kind with its handler, as a registry or a worker holds them. Build it with a `TaskKind<T>` and a
 * `TaskHandler<T>` of the same `T` (src/features/define-feature.ts `handle` does); the data type is erased only here.
 */
export interface BoundTask {
  kind: AnyTaskKind;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- erased: the worker calls it only with data parsed by `kind.schema`
  handler: TaskHandler<any>;
}

/** Declares a task kind with defaults (attempts 1, backoffMs 1000). */
export function defineTaskKind<T extends { requester: z.infer<typeof requesterSchema> }>(
  spec: Omit<TaskKind<T>, 'attempts' | 'backoffMs'> & { attempts?: number; backoffMs?: number },
): TaskKind<T> {
  if (!/^[a-z][a-z0-9-]*$/.test(spec.name)) throw new Error(`bad task kind name "${spec.name}"`);
  return { ...spec, attempts: spec.attempts ?? 1, backoffMs: spec.backoffMs ?? 1000 };
}

/** Task kinds by name; the lead extends it with provisioning and digest kinds. */
export class TaskRegistry {
  readonly #kinds = new Map<string, AnyTaskKind>();

  /** Adds a kind; a second kind with the same name is a programming error. */
  register(kind: AnyTaskKind): this {
    if (this.#kinds.has(kind.name)) throw new Error(`task kind "${kind.name}" registered twice`);
    this.#kinds.set(kind.name, kind);
    return this;
  }

  /** The kind named `name`, or throws. */
  get(name: string): AnyTaskKind {
    const kind = this.#kinds.get(name);
    if (!kind) throw new Error(`unknown task kind "${name}"`);
    return kind;
  }

  /** Every registered kind. */
  all(): AnyTaskKind[] {
    return [...this.#kinds.values()];
  }

  /** Distinct queue names. */
  queues(): string[] {
    return [...new Set(this.all().map((k) => k.queue))];
  }
}

/** BullMQ refuses `:` in custom ids and integer-looking ids; map ids to a safe alphabet. */
export function safeJobId(raw: string): string {
  const id = raw.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 200);
  return /^\d+$/.test(id) ? `j-${id}` : id;
}
