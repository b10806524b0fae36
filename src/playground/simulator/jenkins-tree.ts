/**
 * Jenkins' `?tree=` parameter: `jobs[name,color,builds[number,result]{0,50}]` keeps only the named fields
 * (plus `_class`, which Jenkins 2.x always writes), at any depth; `{M,N}` keeps elements M (inclusive) to N
 * (exclusive) of an array, `{M,}` from M on, `{,N}` the first N, `{N}` element N only.
 */

interface Field {
  children?: TreeSpec;
  range?: { from: number; to?: number };
}
type TreeSpec = Map<string, Field>;

/** Thrown for a malformed tree (Jenkins answers 400 then). */
export class TreeSyntaxError extends Error {}

export function parseTree(tree: string): TreeSpec {
  let i = 0;
  const fail = (what: string): never => {
    throw new TreeSyntaxError(`bad tree at ${i}: ${what}`);
  };
  const list = (): TreeSpec => {
    const spec: TreeSpec = new Map();
    for (;;) {
      const name = /^[A-Za-z_$][\w$]*/.exec(tree.slice(i))?.[0] ?? fail('a field name');
      i += name.length;
      const field: Field = {};
      if (tree[i] === '[') {
        i++;
        field.children = list();
        if (tree[i++] !== ']') fail('"]"');
      }
      if (tree[i] === '{') {
        const m = /^\{(\d*)(,?)(\d*)\}/.exec(tree.slice(i)) ?? fail('a range {M,N}');
        i += m[0].length;
        const from = m[1] ? Number(m[1]) : 0;
        const to = m[2] ? (m[3] ? Number(m[3]) : undefined) : from + 1;
        field.range = to === undefined ? { from } : { from, to };
      }
      spec.set(name, field);
      if (tree[i] !== ',') return spec;
      i++;
    }
  };
  const spec = list();
  if (i !== tree.length) fail('end of tree');
  return spec;
}

/** `value` with only the fields `spec` names (objects and arrays of objects, recursively). */
export function pickTree(value: unknown, spec: TreeSpec): unknown {
  if (Array.isArray(value)) return value.map((v) => pickTree(v, spec));
  if (value === null || typeof value !== 'object') return value;
  const obj = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  if ('_class' in obj) out._class = obj._class;
  for (const [name, field] of spec) {
    if (!(name in obj)) continue;
    let v = obj[name];
    if (field.range && Array.isArray(v)) v = v.slice(field.range.from, field.range.to);
    // An object field named without a sub-tree is written with its `_class` only, as Jenkins does.
    out[name] = pickTree(v, field.children ?? new Map());
  }
  return out;
}
