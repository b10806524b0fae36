import { test } from 'node:test';
import assert from 'node:assert/strict';
import { start } from '../../../src/playground/process.ts';
import { waitFor } from '../../../src/playground/ports.ts';

test('npm run sim: prints its URLs, serves the seed cluster, stops on SIGTERM', async () => {
  const sim = start(process.execPath, ['src/playground/simulator/main.ts'], { env: { ...process.env, SIM_TIME_SCALE: '100' } });
  try {
    const line = await waitFor(() => sim.output().split('\n').find((l) => l.startsWith('{"urls"')), { deadlineMs: 10_000, what: 'URL line' });
    const { urls } = JSON.parse(line) as { urls: { mesos: string; marathon: string; control: string } };
    assert.match(sim.output(), /mesos masters : http:\/\/127\.0\.0\.1:\d+/);
    const slaves = (await (await fetch(`${urls.mesos}/master/slaves`)).json()) as { slaves: Array<{ hostname: string }> };
    assert.deepEqual(slaves.slaves.map((a) => a.hostname), ['slave1', 'slave2']);
    const state = (await (await fetch(`${urls.control}/_control/state`)).json()) as { tasks: Array<{ appId: string }> };
    assert.equal(state.tasks[0]?.appId, '/jenkins');
    // The control URL is printed, and its index documents every route (with the faults of issue 10).
    assert.ok(sim.output().includes(`control       : ${urls.control}/_control`));
    const index = (await (await fetch(`${urls.control}/_control`)).json()) as { routes: Array<{ method: string; path: string; doc: string }> };
    const paths = index.routes.map((r) => r.path).join('\n');
    for (const p of ['/stop', '/partition', '/restore', '/reboot', '/gone', '/full', '/_control/offers', '/kill', '/health', '/_control/leader', '/events/stall', '/events/drop', '/events/slow', '/_control/time-scale']) {
      assert.ok(paths.includes(p), `route ${p} documented`);
    }
    assert.ok(index.routes.every((r) => r.doc.length > 10));
  } finally {
    await sim.stop('SIGTERM');
  }
  assert.equal(sim.child.exitCode, 0);
});
