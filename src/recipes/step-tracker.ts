/** Folds step markers into a checklist and reports each change, so a progress message can follow a run live. */
import type { StepState } from '../core/types.ts';
import type { StepMarker } from './step-markers.ts';

export interface TrackedStep {
  name: string;
  state: StepState;
  detail?: string;
  /** Whether this step changed (or, in DRY_RUN, would change) something. */
  changed: boolean;
  startedAt: number;
  endedAt?: number;
}

export type StepListener = (name: string, state: StepState, detail?: string) => void;

export class StepTracker {
  readonly steps: TrackedStep[] = [];
  readonly #onStep: StepListener;
  readonly #now: () => number;

  constructor(onStep: StepListener = () => {}, now: () => number = Date.now) {
    this.#onStep = onStep;
    this.#now = now;
  }

  /** The step running now, if any. */
  get current(): TrackedStep | undefined {
    const last = this.steps.at(-1);
    return last && last.endedAt === undefined ? last : undefined;
  }

  /** True when any step changed something. */
  get changed(): boolean {
    return this.steps.some((s) => s.changed);
  }

  apply(marker: StepMarker): void {
    if (marker.kind === 'step') {
      this.finish();
      this.steps.push({ name: marker.name, state: 'running', changed: false, startedAt: this.#now() });
      this.#onStep(marker.name, 'running');
      return;
    }
    const cur = this.current;
    if (!cur) return;
    if (marker.kind === 'changed') {
      cur.changed = true;
      cur.detail = joinDetail(cur.detail, marker.detail);
    } else if (marker.kind === 'ok') {
      cur.detail = joinDetail(cur.detail, marker.detail);
    } else if (marker.kind === 'skip') {
      this.#end(cur, 'skipped', marker.detail || cur.detail);
    } else {
      this.#end(cur, 'failed', marker.detail || 'failed');
    }
  }

  /** Ends the running step: `changed` or `done`. */
  finish(): void {
    const cur = this.current;
    if (cur) this.#end(cur, cur.changed ? 'changed' : 'done', cur.detail);
  }

  /** Marks the running step (or, if none, the last one) failed with `reason`; returns its name. */
  fail(reason: string): string | undefined {
    const target = this.current ?? this.steps.at(-1);
    if (!target) return undefined;
    if (target.endedAt === undefined || target.state !== 'failed') this.#end(target, 'failed', reason);
    return target.name;
  }

  #end(step: TrackedStep, state: StepState, detail?: string): void {
    step.state = state;
    step.detail = detail;
    step.endedAt = this.#now();
    this.#onStep(step.name, state, detail);
  }
}

/** Keeps step details short: the first few things, then a count. */
function joinDetail(prev: string | undefined, next: string): string | undefined {
  if (!next) return prev;
  if (!prev) return next;
  const parts = prev.split('; ');
  if (parts.length >= 3) return parts.length === 3 ? `${prev}; …` : prev;
  return `${prev}; ${next}`;
}
