/** A feature's gauge (Metrics.gauge) is read on each scrape, so /metrics shows the figure as it is now. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMetrics } from '../../src/observability/metrics.ts';

test('a feature gauge shows what its reader returns at each scrape, and keeps the last value when it returns undefined', async () => {
  const m = createMetrics({ processMetrics: false });
  let value: number | undefined = 3;
  m.gauge('cibot_test_figure', 'a figure', () => value);
  assert.match(await m.registry.metrics(), /^cibot_test_figure 3$/m);
  value = 1234;
  assert.match(await m.registry.metrics(), /^cibot_test_figure 1234$/m);
  value = undefined;
  assert.match(await m.registry.metrics(), /^cibot_test_figure 1234$/m);
});
