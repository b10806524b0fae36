/**
 * Runs a recipe on one host: streams the script on stdin with the parameters exported, turns step markers on
 * stdout into `onStep` calls and other lines into `onOutput`, enforces the run and per-step deadlines, and
 * returns what happened. A non-zero exit is a result (`ok: false`, which step, the output tail), not a throw;
 * lost connections, timeouts and refused host keys throw (see {@link RecipeRunner.run}).
 */
import { UpstreamError, UserFacingError } from '../core/errors.ts';
import type { StepState } from '../core/types.ts';
import { parseStepMarker } from '../recipes/step-markers.ts';
import { StepTracker, type TrackedStep } from '../recipes/step-tracker.ts';
import type { ExecRequest, ExecResult } from './exec.ts';
import { lineSplitter } from './line-splitter.ts';
import type { SshTarget } from './ssh-target.ts';
import { childSignal } from '../core/abort.ts';

/** What the runner needs from the pool (a fake in unit tests, {@link SshPool} in production). */
export interface ScriptExecutor {
  exec(target: SshTarget, req: ExecRequest): Promise<ExecResult>;
}

/** The parts of a loaded recipe the runner uses. */
export interface RecipeToRun {
  name: string;
  script: string;
  /** Whole-run deadline, ms. */
  timeoutMs: number;
  /** Longest gap between two `::step` markers, ms. Default `timeoutMs`. */
  stepTimeoutMs?: number;
}

export interface RunRecipeOptions {
  target: SshTarget;
  recipe: RecipeToRun;
  /** Validated parameters (see validateParams); exported on the host. */
  env: Readonly<Record<string, string>>;
  /** Sets DRY_RUN=1: the recipe prints what it would change and changes nothing. Default false. */
  dryRun?: boolean;
  signal?: AbortSignal;
  onStep?: (name: string, state: StepState, detail?: string) => void;
  /** Each non-marker output line (stdout and stderr), as it arrives. */
  onOutput?: (line: string) => void;
  /** Lines kept in `outputTail`. Default 40. */
  tailLines?: number;
}

export interface RecipeRunResult {
  ok: boolean;
  /** Whether anything changed (in a dry run: would change). */
  changed: boolean;
  dryRun: boolean;
  steps: TrackedStep[];
  exitCode: number | null;
  /** The last output lines (markers excluded). */
  outputTail: string[];
  /** The step that failed, when `ok` is false. */
  failedStep?: string;
  durationMs: number;
}

export class RecipeRunner {
  readonly #executor: ScriptExecutor;

  constructor(deps: { executor: ScriptExecutor }) {
    this.#executor = deps.executor;
  }

  /**
   * @throws PermanentError('host_key' | 'ssh') refused host key or authentication — nothing ran
   * @throws UpstreamError('ssh') connection lost or a deadline passed (transient: worth a retry)
   * @throws the abort reason when `signal` aborts (the remote command is killed)
   */
  async run(opts: RunRecipeOptions): Promise<RecipeRunResult> {
    const { recipe, target } = opts;
    const started = Date.now();
    const tail: string[] = [];
    const keep = opts.tailLines ?? 40;
    const tracker = new StepTracker(opts.onStep);
    const onLine = (line: string, fromStdout: boolean) => {
      const marker = fromStdout ? parseStepMarker(line) : undefined;
      if (marker) return tracker.apply(marker);
      tail.push(line);
      if (tail.length > keep) tail.shift();
      opts.onOutput?.(line);
    };
    const stdout = lineSplitter((l) => onLine(l, true));
    const stderr = lineSplitter((l) => onLine(l, false));
    const deadline = new Deadlines(recipe, () => tracker.current?.name);
    const linked = childSignal([opts.signal, deadline.signal]);
    const { signal } = linked;
    let result: ExecResult;
    try {
      result = await this.#executor.exec(target, {
        script: recipe.script,
        env: { ...opts.env, DRY_RUN: opts.dryRun ? '1' : '0' },
        signal,
        onStdout: (c) => {
          const before = tracker.steps.length;
          stdout.push(c);
          if (tracker.steps.length !== before) deadline.restartStep();
        },
        onStderr: (c) => stderr.push(c),
      });
    } catch (err) {
      if (deadline.signal.aborted && !opts.signal?.aborted) {
        const err = deadline.error(target);
        tracker.fail('timed out');
        throw err;
      }
      if (!opts.signal?.aborted) tracker.fail(err instanceof Error ? err.message : String(err));
      throw err;
    } finally {
      linked.dispose();
      deadline.clear();
    }
    stdout.flush();
    stderr.flush();
    const ok = result.exitCode === 0;
    let failedStep: string | undefined;
    if (ok) tracker.finish();
    else failedStep = tracker.fail(exitText(result)) ?? '(before the first step)';
    return {
      ok,
      changed: tracker.changed,
      dryRun: opts.dryRun ?? false,
      steps: tracker.steps,
      exitCode: result.exitCode,
      outputTail: tail,
      failedStep,
      durationMs: Date.now() - started,
    };
  }
}

/** A user-facing message for a failed run: which recipe, host and step, and the last lines of output. */
export function recipeFailure(recipe: string, host: string, result: RecipeRunResult): UserFacingError {
  const lines = result.outputTail.slice(-10).join('\n');
  const step = result.failedStep ? ` at step "${result.failedStep}"` : '';
  return new UserFacingError('ssh', `${recipe} on ${host} failed${step} (exit ${result.exitCode ?? 'by signal'}):\n${lines}`);
}

function exitText(r: ExecResult): string {
  return r.exitCode === null ? `killed by signal ${r.exitSignal ?? '?'}` : `exit ${r.exitCode}`;
}

/** The run deadline and the per-step deadline, as one AbortSignal. */
class Deadlines {
  readonly #ctl = new AbortController();
  readonly #recipe: RecipeToRun;
  readonly #stepName: () => string | undefined;
  readonly #runTimer: NodeJS.Timeout;
  #stepTimer: NodeJS.Timeout | undefined;
  #which: 'run' | 'step' = 'run';

  constructor(recipe: RecipeToRun, stepName: () => string | undefined) {
    this.#recipe = recipe;
    this.#stepName = stepName;
    this.#runTimer = setTimeout(() => this.#fire('run'), recipe.timeoutMs);
    this.restartStep();
  }

  get signal(): AbortSignal {
    return this.#ctl.signal;
  }

  restartStep(): void {
    clearTimeout(this.#stepTimer);
    const ms = this.#recipe.stepTimeoutMs;
    if (ms !== undefined && ms < this.#recipe.timeoutMs) this.#stepTimer = setTimeout(() => this.#fire('step'), ms);
  }

  clear(): void {
    clearTimeout(this.#runTimer);
    clearTimeout(this.#stepTimer);
  }

  error(target: SshTarget): UpstreamError {
    const step = this.#stepName();
    const detail =
      this.#which === 'step'
        ? `step "${step ?? '?'}" ran longer than ${this.#recipe.stepTimeoutMs} ms`
        : `recipe ran longer than ${this.#recipe.timeoutMs} ms${step ? ` (in step "${step}")` : ''}`;
    return new UpstreamError('ssh', `${this.#recipe.name} on ${target.name}`, { failure: 'timeout', detail });
  }

  #fire(which: 'run' | 'step'): void {
    this.#which = which;
    this.#ctl.abort(new DOMException(`${which} deadline passed`, 'TimeoutError'));
  }
}
