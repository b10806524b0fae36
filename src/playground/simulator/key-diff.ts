/**
 * Recursive key-set comparison for fidelity tests: which keys of an upstream fixture are missing from a
 * simulator answer. Arrays compare the union of their elements' keys; free-form maps (env, labels, …) are skipped.
 */

/** Path segments whose object keys are data, not schema (compared as "present", never key by key). */
const FREE_FORM = new Set([
  'env', 'labels', 'attributes', 'reserved_resources', 'monitorData', 'flags', 'secrets', 'marathon_config',
  'zookeeper_config', 'http_config', 'lastResponse', 'loadStatistics', 'unlabeledLoad', 'overallLoad', 'scm',
]);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function empty(v: unknown): boolean {
  return v === null || (Array.isArray(v) && v.length === 0);
}

/** Merges the elements of an array of objects into one object holding every key seen (first value wins). */
function union(items: unknown[]): Record<string, unknown> | undefined {
  const objects = items.filter(isObject);
  if (objects.length === 0) return undefined;
  const out: Record<string, unknown> = {};
  for (const o of objects) for (const [k, v] of Object.entries(o)) if (!(k in out) || empty(out[k])) out[k] = v;
  return out;
}

/** Paths ("apps[].container.docker.image") present in `expected` but absent from `actual`. */
export function missingKeys(expected: unknown, actual: unknown, path = ''): string[] {
  if (Array.isArray(expected)) {
    const e = union(expected);
    if (!e) return [];
    if (!Array.isArray(actual) || actual.length === 0) return [`${path}[] (empty)`];
    return missingKeys(e, union(actual) ?? {}, `${path}[]`);
  }
  if (!isObject(expected)) return [];
  if (!isObject(actual)) return actual === null || actual === undefined ? [] : [`${path} (not an object)`];
  const last = path.split(/[.[\]]+/).filter(Boolean).at(-1) ?? '';
  if (FREE_FORM.has(last)) return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(expected)) {
    const p = path ? `${path}.${k}` : k;
    if (!(k in actual)) out.push(p);
    else out.push(...missingKeys(v, actual[k], p));
  }
  return out;
}
