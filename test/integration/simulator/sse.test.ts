/**
 * `/v2/events` mechanics and leadership (MARATHON-FAILOVER.md S6, S7): attach/detach broadcast, slow consumers,
 * heartbeats while the bus is stalled, streams closed on abdication, non-leader redirect and proxy, no leader.
 */
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulator, type RunningSimulator } from '../../../src/playground/simulator/index.ts';
import { waitFor } from '../../../src/playground/ports.ts';

let s: RunningSimulator | undefined;
afterEach(async () => {
  await s?.stop();
  s = undefined;
});

/** A raw SSE reader: the text received so far, and whether the stream ended cleanly or with an error. */
function subscribe(url: string) {
  const ac = new AbortController();
  const out = { text: '', ended: false, errored: false, close: () => ac.abort() };
  void (async () => {
    try {
      const res = await fetch(`${url}/v2/events`, { headers: { accept: 'text/event-stream' }, signal: ac.signal });
      const reader = res.body!.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        out.text += Buffer.from(value).toString('utf8');
      }
      out.ended = true;
    } catch {
      out.errored = true;
    }
  })();
  return out;
}

const count = (text: string, type: string) => text.split(`event: ${type}\r\n`).length - 1;

// SRC:core/event/impl/stream/HttpEventStreamHandleActor.scala; docs event-bus.md; tests/system/test_marathon_root.py test_event_channel.
test('event_stream_attached and _detached of every subscriber reach every other subscriber; a subscriber sees its own attach first', async () => {
  s = await startSimulator({ timeScale: 100, deployJenkins: false });
  const a = subscribe(s.urls.marathon);
  await waitFor(() => a.text.includes('event_stream_attached'));
  assert.ok(a.text.startsWith('event: event_stream_attached\r\n'));
  const b = subscribe(s.urls.marathon);
  await waitFor(() => count(a.text, 'event_stream_attached') === 2, { what: "A sees B's attach" });
  assert.ok(b.text.startsWith('event: event_stream_attached\r\n'));
  b.close();
  await waitFor(() => count(a.text, 'event_stream_detached') === 1, { what: "A sees B's detach" });
  a.close();
});

// UT:…/HttpEventStreamHandleActorTest "If the consumer is slow…" and "Multiple messages are send in order".
test('a consumer with more than 1,024 events outstanding is closed with a clean EOF; a fast one keeps everything in order', async () => {
  s = await startSimulator({ timeScale: 100, deployJenkins: false });
  const slow = subscribe(s.urls.marathon);
  await waitFor(() => slow.text.includes('event_stream_attached'));
  s.sim.bus.slowWriteMs = 5; // every frame takes 5 ms to get out: events pile up
  for (let i = 0; i < 1100; i++) s.sim.bus.emit('deployment_info', { seq: i });
  await waitFor(() => slow.ended, { what: 'the slow stream ends', deadlineMs: 10_000 });
  assert.equal(slow.errored, false, 'EOF, not a reset');
  assert.ok(count(slow.text, 'deployment_info') < 1100);
  s.sim.bus.slowWriteMs = 0;
  const fast = subscribe(s.urls.marathon);
  await waitFor(() => fast.text.includes('event_stream_attached'));
  for (let i = 0; i < 1100; i++) s.sim.bus.emit('deployment_info', { seq: i });
  await waitFor(() => count(fast.text, 'deployment_info') === 1100, { what: 'all 1100' });
  const seqs = [...fast.text.matchAll(/"seq":(\d+)/g)].map((m) => Number(m[1]));
  assert.deepEqual(seqs, Array.from({ length: 1100 }, (_, i) => i));
  assert.equal(fast.ended, false);
  fast.close();
});

// Jetty EventSourceServlet heartBeatPeriod 10 s (not overridden by Marathon, SRC:api/HttpBindings.scala): heartbeats are
// written by the servlet, not by Marathon's bus, so they go on while the bus is stalled.
test('heartbeats (bare CRLF every 10 s) continue while the event bus is stalled; held events follow on resume', async () => {
  s = await startSimulator({ timeScale: 100, deployJenkins: false }); // 10 s → 100 ms
  const sub = subscribe(s.urls.marathon);
  await waitFor(() => sub.text.includes('event_stream_attached'));
  await fetch(`${s.urls.control}/_control/events/stall`, { method: 'POST', body: '{}' });
  const mark = sub.text.length;
  s.sim.bus.emit('deployment_info', { held: true });
  await waitFor(() => sub.text.slice(mark).split('\r\n').length >= 3, { what: 'two heartbeats while stalled' });
  assert.equal(sub.text.slice(mark).replaceAll('\r\n', ''), '', 'only bare CRLFs while stalled');
  await fetch(`${s.urls.control}/_control/events/stall`, { method: 'POST', body: '{"stalled":false}' });
  await waitFor(() => sub.text.includes('"held":true'), { what: 'held event published' });
  sub.close();
});

// UT:…/HttpEventStreamActorTest "Unregister handlers when switching to standby mode"; IT:LeaderIntegrationTest.
test('abdication closes every stream of the old leader; the new leader accepts subscribers', async () => {
  s = await startSimulator({ timeScale: 100, deployJenkins: false });
  const sub = subscribe(s.urls.marathon);
  await waitFor(() => sub.text.includes('event_stream_attached'));
  await fetch(`${s.urls.marathon}/v2/leader`, { method: 'DELETE' });
  await waitFor(() => sub.ended || sub.errored, { what: 'stream closed' });
  await waitFor(() => s!.sim.marathonLeader === 1, { what: 'new leader' });
  const next = subscribe(s.urls.marathons[1]!);
  await waitFor(() => next.text.includes('event_stream_attached'));
  next.close();
});

// IT:ForwardToLeaderIntegrationTest; SRC:api/forwarder/RequestForwarder.scala (X-Marathon-Via); UT:api/LeaderProxyFilterTest
// "try to wait for leadership info then give up".
test('a non-leader redirects /v2/events, proxies REST with X-Marathon-Leader and X-Marathon-Via; no leader → waits, then 502', async () => {
  s = await startSimulator({ timeScale: 1, deployJenkins: false });
  const follower = s.urls.marathons[1]!;
  const leaderHost = new URL(s.urls.marathons[0]!).host;
  const redirect = await fetch(`${follower}/v2/events?event_type=status_update_event`, { headers: { accept: 'text/event-stream' }, redirect: 'manual' });
  assert.equal(redirect.status, 302);
  assert.equal(redirect.headers.get('location'), `http://${leaderHost}/v2/events?event_type=status_update_event`);
  const proxied = await fetch(`${follower}/v2/info`);
  assert.equal(proxied.status, 200);
  assert.equal(proxied.headers.get('x-marathon-leader'), `http://${leaderHost}`);
  assert.equal(proxied.headers.get('x-marathon-via'), `1.1 ${new URL(follower).host}`);
  assert.equal(((await proxied.json()) as { leader: string }).leader, leaderHost);
  // Leadership in flux: the follower waits (~10 × 250 ms); a leader elected meanwhile is used…
  await s.sim.setLeader('marathon', undefined);
  const waiting = fetch(`${follower}/v2/apps`);
  setTimeout(() => void s!.sim.setLeader('marathon', 0), 300);
  assert.equal((await waiting).status, 200);
  // …and none at all gives 502.
  await s.sim.setLeader('marathon', undefined);
  const none = await fetch(`${follower}/v2/apps`);
  assert.deepEqual([none.status, await none.text()], [502, 'Could not determine the current leader']);
});
