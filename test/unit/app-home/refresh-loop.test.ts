/**
 * P5: the watcher's Home-tab refresh loop waits on a signal that lives as long as the watcher. Each round's wait must
 * leave nothing attached to it (a bare setTimeout + abort listener kept one listener, timer and promise per round:
 * +360 of each an hour in the soak's heap snapshots).
 */
import { mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { setImmediate as turn } from 'node:timers/promises';
import { appHomeFeature } from '../../../src/features/app-home/index.ts';
import type { HomePublisher } from '../../../src/features/app-home/publisher.ts';

test('the Home refresh loop: after many rounds, at most its current wait listens to the watcher signal', async () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    let refreshes = 0;
    const publisher = { refresh: async () => void refreshes++ } as unknown as HomePublisher;
    const log = { warn: () => undefined } as never;
    const source = appHomeFeature.sources?.[0]?.({ publisher, log });
    assert.ok(source, 'the feature has its refresh source');
    const stop = new AbortController();
    const running = source.run(stop.signal);
    for (let i = 0; i < 20; i++) {
      await turn();
      mock.timers.tick(10_000);
    }
    await turn();
    assert.ok(refreshes >= 20, `it went round (${refreshes} refreshes)`);
    const listening = getEventListeners(stop.signal, 'abort').length;
    assert.ok(listening <= 1, `${listening} abort listeners left on the watcher signal after ${refreshes} rounds`);
    stop.abort();
    await running;
  } finally {
    mock.timers.reset();
  }
});
