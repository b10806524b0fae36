/**
 * A node:test reporter that writes one JSON line per finished test or suite (see {@link RanTest}), so
 * scripts/test.ts can tell a run that executed tests from one that executed none.
 */
import type { RanTest } from './test-plan.ts';

interface FinishedEvent {
  type: string;
  data: { name: string; file?: string; skip?: unknown; todo?: unknown; details?: { type?: string } };
}

export default async function* countReporter(source: AsyncIterable<FinishedEvent>): AsyncGenerator<string> {
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { name, file, skip, todo, details } = event.data;
    const ran: RanTest = { name, type: details?.type ?? 'test', ...(file ? { file } : {}), skipped: Boolean(skip) || Boolean(todo) };
    yield `${JSON.stringify(ran)}\n`;
  }
}
