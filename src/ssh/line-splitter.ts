/** Splits streamed text into lines; a line longer than `maxLineLength` is cut so memory stays bounded. */
export function lineSplitter(onLine: (line: string) => void, maxLineLength = 4096) {
  let partial = '';
  return {
    push(chunk: string) {
      partial += chunk;
      let nl = partial.indexOf('\n');
      while (nl >= 0) {
        onLine(partial.slice(0, nl).replace(/\r$/, ''));
        partial = partial.slice(nl + 1);
        nl = partial.indexOf('\n');
      }
      if (partial.length > maxLineLength) {
        onLine(partial.slice(0, maxLineLength));
        partial = '';
      }
    },
    flush() {
      if (partial) onLine(partial);
      partial = '';
    },
  };
}
