/**
 * The Marathon event iterator against a hand-written SSE server: CRLF framing split across writes, heartbeats,
 * an invalid event reported (with its path) without ending the stream, a 302 from a non-leader followed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MarathonClient } from '../../../src/clients/marathon/client.ts';
import type { UpstreamError } from '../../../src/core/errors.ts';

let server: Server;
let base = '';
const seenAccept: string[] = [];
const seenQuery: string[] = [];

before(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    // A leader answer that points at a follower path, so the client's first stop answers 302.
    if (url.pathname === '/f/v2/leader') return void res.end(JSON.stringify({ leader: `127.0.0.1:${(server.address() as AddressInfo).port}/follower` }));
    if (url.pathname === '/v2/leader') return void res.end(JSON.stringify({ leader: `127.0.0.1:${(server.address() as AddressInfo).port}` }));
    if (url.pathname === '/follower/v2/events') {
      res.writeHead(302, { location: `${base}/v2/events${url.search}` });
      return void res.end();
    }
    seenAccept.push(String(req.headers.accept));
    seenQuery.push(url.search);
    res.useChunkedEncodingByDefault = false;
    res.writeHead(200, { 'content-type': 'text/event-stream;charset=UTF-8', connection: 'close' });
    const good = JSON.stringify({ eventType: 'app_terminated_event', appId: '/a', timestamp: 't' });
    const bad = JSON.stringify({ eventType: 'status_update_event', timestamp: 't', taskId: 'x' });
    const wire = `event: app_terminated_event\r\ndata: ${good}\r\n\r\n\r\n\r\nevent: status_update_event\r\ndata: ${bad}\r\n\r\ndata: ${good}${good}\r\n\r\n`;
    let i = 0;
    const timer = setInterval(() => {
      if (i >= wire.length) {
        clearInterval(timer);
        return void res.end();
      }
      res.write(wire.slice(i, i + 13));
      i += 13;
    }, 1);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

test('typed events from a chunked CRLF stream; invalid events reported with their path; exact Accept header', async () => {
  const client = new MarathonClient({ urls: [base] });
  const invalid: UpstreamError[] = [];
  const got: string[] = [];
  for await (const e of client.events({ eventTypes: ['app_terminated_event', 'status_update_event'], onInvalid: (err) => invalid.push(err) })) {
    got.push(e.eventType === 'app_terminated_event' ? e.appId : e.eventType);
  }
  assert.deepEqual(got, ['/a', '/a', '/a']);
  assert.equal(invalid.length, 1);
  assert.match(invalid[0]!.message, /unexpected event at (slaveId|taskStatus|appId|host|version)/);
  assert.equal(seenAccept.at(-1), 'text/event-stream');
  assert.equal(seenQuery.at(-1), '?event_type=app_terminated_event&event_type=status_update_event');
  await client.close();
});

test('a 302 to the leader is followed', async () => {
  const client = new MarathonClient({ urls: [`${base}/f`] });
  assert.equal(await client.leader(), `${base}/follower`);
  const got: string[] = [];
  for await (const e of client.events()) got.push(e.eventType);
  assert.equal(got.length, 3);
  await client.close();
});
