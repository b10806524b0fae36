import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const ROOT = new URL('../golden/', import.meta.url);

/**
 * Compares `value` (JSON-serialised, stable) with `test/golden/<name>.json`. With UPDATE_GOLDEN=1 it writes the
 * file instead; a missing golden file is a failure, never silently created.
 */
export function assertGolden(name: string, value: unknown): void {
  const path = new URL(`${name}.json`, ROOT).pathname;
  const actual = `${JSON.stringify(value, null, 2)}\n`;
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  assert.ok(existsSync(path), `golden file ${name}.json is missing; run with UPDATE_GOLDEN=1 to create it`);
  assert.equal(actual, readFileSync(path, 'utf8'), `rendering differs from test/golden/${name}.json (UPDATE_GOLDEN=1 to accept)`);
}
