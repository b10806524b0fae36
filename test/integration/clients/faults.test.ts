/**
 * Faults per client, injected with the simulator's control API: timeout, 5xx (reads retried, then a clear error;
 * writes never retried), garbage (schema error with the path), a 50 MB body (bounded; the event loop stays
 * responsive), connection refused, and a leader change between two calls.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { MesosClient } from '../../../src/clients/mesos/client.ts';
import { MarathonClient } from '../../../src/clients/marathon/client.ts';
import { JenkinsClient } from '../../../src/clients/jenkins/client.ts';
import { UpstreamError, type UpstreamFailure } from '../../../src/core/errors.ts';
import { startSimulator, type Component, type RunningSimulator } from '../../support/simulator/index.ts';
import { freePort, waitFor } from '../../support/ports.ts';
import { within } from '../../support/deadline.ts';

let s: RunningSimulator;
before(async () => {
  s = await startSimulator({ timeScale: 200 });
  await waitFor(() => s.sim.jenkins.up, { what: 'jenkins up' });
});
after(() => s.stop());

function fails(failure: UpstreamFailure, re?: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof UpstreamError, String(e));
    assert.equal(e.failure, failure, e.message);
    if (re) assert.match(e.message, re);
    return true;
  };
}

interface Case {
  component: Component;
  path: string;
  read: () => Promise<unknown>;
  /** The same read by a client with a deadline long enough to reach the body bound on a busy machine. */
  readBig: () => Promise<unknown>;
  garbagePath: RegExp;
}

function faultSuite(name: string, make: () => Case) {
  describe(`${name} faults`, () => {
    let c: Case;
    before(() => (c = make()));
    const count = () => s.sim.faults.requests(c.component, c.path);

    test('timeout: each attempt is cut at the deadline, then a timeout error', async () => {
      s.sim.addFault({ component: c.component, path: c.path, mode: 'hang' });
      const n = count();
      // The upstream never answers: only the per-attempt deadline can end each attempt (the outer one is for a hang).
      await assert.rejects(within(c.read(), 30_000, 'the read'), fails('timeout', /no answer in 150 ms/));
      assert.equal(count() - n, 3, 'three attempts');
      s.sim.clearFaults();
    });

    test('5xx: reads are retried and succeed; persistent 5xx is a clear http error', async () => {
      s.sim.addFault({ component: c.component, path: c.path, mode: 'fail', status: 503, times: 2 });
      await c.read();
      s.sim.addFault({ component: c.component, path: c.path, mode: 'fail', status: 500 });
      const n = count();
      await assert.rejects(c.read(), (e: unknown) => e instanceof UpstreamError && e.status === 500 && e.failure === 'http');
      assert.equal(count() - n, 3);
      s.sim.clearFaults();
    });

    test('garbage body: a bad_answer naming the path that was wrong, not a crash', async () => {
      s.sim.addFault({ component: c.component, path: c.path, mode: 'garbage', times: 1 });
      await assert.rejects(c.read(), fails('bad_answer', c.garbagePath));
      s.sim.addFault({ component: c.component, path: c.path, mode: 'truncated', times: 1 });
      await assert.rejects(c.read(), fails('bad_answer', /not JSON/));
    });

    test('50 MB body: bounded, and the event loop stays responsive', async () => {
      s.sim.addFault({ component: c.component, path: c.path, mode: 'huge', bytes: 50 * 1024 * 1024 });
      const lag = monitorEventLoopDelay({ resolution: 10 });
      lag.enable();
      const rss0 = process.memoryUsage().rss;
      await assert.rejects(c.readBig(), fails('bad_answer', /body larger than/));
      lag.disable();
      s.sim.clearFaults();
      // The figure is printed, not asserted (timing belongs in benchmarks: test/bench/status-scale.ts).
      console.log(`# ${c.component} 50 MB body: event-loop lag max ${(lag.max / 1e6).toFixed(0)} ms`);
      assert.ok(process.memoryUsage().rss - rss0 < 200 * 1024 * 1024, 'memory stays bounded');
    });
  });
}

const opts = { timeoutMs: 150, retries: 2, retryBaseMs: 5, maxBodyBytes: 8 * 1024 * 1024 };

faultSuite('mesos', () => {
  const client = new MesosClient({ masters: [s.urls.mesos], ...opts });
  const big = new MesosClient({ masters: [s.urls.mesos], ...opts, timeoutMs: 10_000 });
  return { component: 'mesos', path: '/master/slaves', read: () => client.slaves(), readBig: () => big.slaves(), garbagePath: /unexpected answer at slaves\.0\.id/ };
});
faultSuite('marathon', () => {
  const client = new MarathonClient({ urls: [s.urls.marathon], ...opts });
  const big = new MarathonClient({ urls: [s.urls.marathon], ...opts, timeoutMs: 10_000 });
  return { component: 'marathon', path: '/v2/apps', read: () => client.apps(), readBig: () => big.apps(), garbagePath: /unexpected answer at apps\.0\.id/ };
});
faultSuite('jenkins', () => {
  const client = new JenkinsClient({ url: s.urls.jenkins, username: 'admin', apiToken: 'sim-token', ...opts });
  const big = new JenkinsClient({ url: s.urls.jenkins, username: 'admin', apiToken: 'sim-token', ...opts, timeoutMs: 10_000 });
  return { component: 'jenkins', path: '/computer/api/json', read: () => client.computers(), readBig: () => big.computers(), garbagePath: /unexpected answer at busyExecutors/ };
});

describe('connection refused', () => {
  test('every client reports refused', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const o = { ...opts, retries: 1 };
    await assert.rejects(new MesosClient({ masters: [url], ...o }).slaves(), fails('refused'));
    await assert.rejects(new MarathonClient({ urls: [url], ...o }).apps(), fails('refused'));
    await assert.rejects(new JenkinsClient({ url, username: 'a', apiToken: 'b', ...o }).root(), fails('refused'));
  });
});

describe('writes are never retried', () => {
  test('a 500 on POST /v2/apps fails after one request', async () => {
    const client = new MarathonClient({ urls: [s.urls.marathon], ...opts });
    s.sim.addFault({ component: 'marathon', path: '/v2/apps', mode: 'fail', status: 500 });
    const n = s.sim.faults.requests('marathon', '/v2/apps');
    await assert.rejects(client.createApp({ id: '/x' }), (e: unknown) => e instanceof UpstreamError && e.status === 500);
    assert.equal(s.sim.faults.requests('marathon', '/v2/apps') - n, 1);
    s.sim.clearFaults();
  });
});

describe('Mesos leader change between two calls', () => {
  test('a 307 from the old leader and then a refused old leader are both followed', async () => {
    const client = new MesosClient({ masters: s.urls.mesosMasters, ...opts });
    assert.equal(await client.leader(), s.urls.mesosMasters[0]);
    await s.sim.setLeader('mesos', 1);
    // The new master lists the agents as recovered until they re-register (MARATHON-FAILOVER.md S4, SlavesWriter).
    const during = await client.slaves();
    assert.equal(during.slaves.length + (during.recovered_slaves?.length ?? 0), 2);
    await waitFor(async () => (await client.slaves()).slaves.length === 2, { what: 'agents re-registered' });
    assert.equal(await client.leader(), s.urls.mesosMasters[1]);
    await s.sim.setLeader('mesos', 0, { stopOld: true });
    assert.equal((await client.metricsSnapshot())['master/elected'], 1);
    assert.equal(await client.leader(), s.urls.mesosMasters[0]);
    await client.close();
  });
});

describe('Marathon event stream faults', () => {
  // A silent connection (a dead network path: not even Jetty's heartbeats) is what the idle timeout detects. A
  // stalled Marathon event bus is different: heartbeats continue (MARATHON-FAILOVER.md S7), see simulator/sse.test.ts.
  test('a silent stream (no heartbeat) ends with a timeout; a dropped one just ends', async () => {
    const client = new MarathonClient({ urls: [s.urls.marathon], ...opts });
    s.sim.bus.silent = true;
    const stalled = async () => {
      for await (const _ of client.events({ idleTimeoutMs: 200 })) void _;
    };
    await assert.rejects(stalled(), fails('timeout', /no event or heartbeat in 200 ms/));
    s.sim.bus.speak();
    const seen: string[] = [];
    for await (const e of client.events({ idleTimeoutMs: 2000 })) {
      seen.push(e.eventType);
      s.sim.bus.drop();
    }
    assert.deepEqual(seen, ['event_stream_attached']);
  });

  test('a non-leader redirects /v2/events with 302 and the client follows it', async () => {
    const client = new MarathonClient({ urls: [s.urls.marathons[1]!], ...opts });
    // /v2/leader on a non-leader names the leader; to force the redirect path, pin the client to the follower.
    const res = await fetch(`${s.urls.marathons[1]}/v2/events`, { headers: { accept: 'text/event-stream' }, redirect: 'manual' });
    assert.equal(res.status, 302);
    await res.body?.cancel();
    const bad = await fetch(`${s.urls.marathon}/v2/events`, { headers: { accept: 'text/event-stream, */*' } });
    assert.equal(bad.status, 405);
    await bad.body?.cancel();
    for await (const e of client.events()) {
      assert.equal(e.eventType, 'event_stream_attached');
      break;
    }
  });
});
