import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const ROOT = new URL('../golden/', import.meta.url);

/**
 * Whether golden files are compared or rewritten: UPDATE_GOLDEN=1 rewrites them, but never where CI is set — there it
 * would turn every comparison into a pass, so it is refused. @throws when UPDATE_GOLDEN=1 and CI are both set
 */
export function goldenMode(env: Readonly<Record<string, string | undefined>>): 'compare' | 'update' {
  if (env.UPDATE_GOLDEN !== '1') return 'compare';
  if (env.CI) throw new Error('UPDATE_GOLDEN=1 is refused when CI is set: it would accept any rendering; update golden files locally');
  return 'update';
}

/**
 * Compares `value` (JSON-serialised, stable) with `test/golden/<name>.json`. With UPDATE_GOLDEN=1 (not under CI) it
 * writes the file instead; a missing golden file is a failure, never silently created. `env` defaults to process.env.
 */
export function assertGolden(name: string, value: unknown, env: Readonly<Record<string, string | undefined>> = process.env): void {
  const path = new URL(`${name}.json`, ROOT).pathname;
  const actual = `${JSON.stringify(value, null, 2)}\n`;
  if (goldenMode(env) === 'update') {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  assert.ok(existsSync(path), `golden file ${name}.json is missing; run with UPDATE_GOLDEN=1 to create it`);
  assert.equal(actual, readFileSync(path, 'utf8'), `rendering differs from test/golden/${name}.json (UPDATE_GOLDEN=1 to accept)`);
}
