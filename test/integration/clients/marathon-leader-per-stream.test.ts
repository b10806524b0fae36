/** Every event-stream (re)connect asks Marathon for its leader afresh: a stream that ended may mean it abdicated. */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulator, type RunningSimulator } from '../../../src/playground/simulator/index.ts';
import { MarathonClient } from '../../../src/clients/marathon/client.ts';

let s: RunningSimulator;
before(async () => {
  s = await startSimulator({ timeScale: 200 });
});
after(() => s.stop());

test('two stream connections, two /v2/leader reads; REST calls in between reuse the known leader', async () => {
  const client = new MarathonClient({ urls: [s.urls.marathon], timeoutMs: 5000 });
  const leaderReads = () => s.sim.faults.requests('marathon', '/v2/leader');
  const start = leaderReads();
  for (let i = 0; i < 2; i++) {
    const stream = client.events({ eventTypes: ['event_stream_attached'] });
    const first = await stream.next(); // our own event_stream_attached
    assert.equal(first.done, false);
    await stream.return(undefined);
  }
  await client.apps();
  assert.equal(leaderReads() - start, 2);
  await client.close();
});
