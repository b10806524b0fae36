/**
 * R12's injection corpus, shared by the unit, integration and end-to-end tests. Every payload that could run
 * something, if it ever ran, leaves a trace: it creates `<traceDir>/pwned-<n>` (tests pass a directory that the
 * host can write and the test can read, e.g. the test host's own root). The look-alikes and other spoofs run nothing
 * by themselves; they are here because validation must refuse them too.
 */

export interface InjectionPayload {
  what: string;
  value: string;
  /** The file the payload creates if it is executed (undefined for spoofs that execute nothing). */
  trace?: string;
}

/** The corpus; `traceDir` is where executed payloads leave `pwned-<n>` files. */
export function injectionPayloads(traceDir: string): InjectionPayload[] {
  let n = 0;
  const t = () => `${traceDir}/pwned-${++n}`;
  const run = (what: string, make: (touch: string, trace: string) => string): InjectionPayload => {
    const trace = t();
    return { what, value: make(`touch ${trace}`, trace), trace };
  };
  return [
    run('semicolon', (c) => `slave2;${c}`),
    run('semicolon and space', (c) => `slave2 ; ${c}`),
    run('command substitution', (c) => `slave$(${c})`),
    run('backticks', (c) => `slave\`${c}\``),
    run('newline', (c) => `slave2\n${c}`),
    run('carriage return', (c) => `slave2\r${c}`),
    run('single quote', (c) => `slave2';${c};'`),
    run('double quote', (c) => `slave2";${c};"`),
    run('NUL', (c) => `slave2\u0000;${c}`),
    run('pipe', (c) => `slave2|${c}`),
    run('ampersand', (c) => `slave2&&${c}`),
    run('background', (c) => `slave2&${c}`),
    run('redirect', (_c, trace) => `slave2>${trace}`),
    run('fullwidth semicolon', (c) => `slave2；${c}`),
    run('10 kB then a command', (c) => `${'a'.repeat(10_240)};${c}`),
    run('variable expansion', (c) => `\${IFS};${c}`),
    run('backslash-newline', (c) => `slave2\\\n;${c}`),
    run('dash option', (c) => `-oProxyCommand=${c}`),
    { what: '10 kB', value: 'a'.repeat(10_240) },
    { what: 'cyrillic look-alike', value: 'slаve2' },
    { what: 'fullwidth digit', value: 'slave２' },
    { what: 'zero-width space', value: 'slave\u200b2' },
    { what: 'space', value: 'slave 2' },
    { what: 'glob', value: 'slave*' },
    { what: 'path traversal', value: '../../etc/passwd' },
    { what: 'variable', value: '$HOME' },
  ];
}
