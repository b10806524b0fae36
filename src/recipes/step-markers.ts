/**
 * The step-marker protocol recipes print on stdout, one marker per line (anything else is plain output):
 *
 * - `::step <name>`     a step begins (the previous one ends)
 * - `::changed [what]`  the current step changed something (in DRY_RUN: would change)
 * - `::ok [what]`       the current step found things as they should be
 * - `::skip [why]`      the current step did not apply
 * - `::fail <why>`      the current step failed (the script exits non-zero after it)
 *
 * `commands/lib.sh` has shell functions (`step`, `changed`, `ok`, `skip`, `fail`) that print them.
 */

export type StepMarker =
  | { kind: 'step'; name: string }
  | { kind: 'changed' | 'ok' | 'skip' | 'fail'; detail: string };

const MARKER = /^::(step|changed|ok|skip|fail)(?:[ \t]+(.*))?$/;

/** Parses one stdout line; undefined when it is not a marker. */
export function parseStepMarker(line: string): StepMarker | undefined {
  const m = MARKER.exec(line.trimEnd());
  if (!m) return undefined;
  const kind = m[1] as StepMarker['kind'];
  const text = (m[2] ?? '').trim();
  if (kind === 'step') return text ? { kind, name: text } : undefined;
  return { kind, detail: text };
}
