import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSseDecoder, decodeSseText, splitJsonObjects } from '../../../src/clients/marathon/sse.ts';
import { toEvent, type MarathonEvent } from '../../../src/clients/marathon/event-schemas.ts';
import { FIXTURES } from '../../support/fixtures-dir.ts';

function events(text: string): MarathonEvent[] {
  return decodeSseText(text).map((p) => {
    assert.ok(p.ok);
    const e = toEvent(p.value);
    assert.ok(e.ok, JSON.stringify(e));
    return e.event;
  });
}

test('RAML example stream: three typed events in order', () => {
  const got = events(readFileSync(join(FIXTURES, 'marathon/v2_events_sse.raml_example.txt'), 'utf8'));
  assert.deepEqual(
    got.map((e) => e.eventType),
    ['event_stream_attached', 'status_update_event', 'status_update_event'],
  );
  const failed = got[1];
  assert.ok(failed?.eventType === 'status_update_event');
  assert.equal(failed.taskStatus, 'TASK_FAILED');
  assert.equal(failed.appId, '/foo');
});

test('CRLF capture and the multi-event capture with stray blank lines decode every payload', () => {
  const crlf = events(readFileSync(join(FIXTURES, 'marathon/events/captures/sse_single_event.crlf.async-worker.txt'), 'utf8'));
  assert.equal(crlf.length, 1);
  const multi = events(
    readFileSync(join(FIXTURES, 'marathon/events/captures/sse_multi_event_extra_blank_lines.async-worker.txt'), 'utf8'),
  );
  const types = multi.map((e) => e.eventType);
  assert.ok(types.includes('group_change_success'));
  assert.ok(types.includes('status_update_event'));
  const killed = multi.find((e) => e.eventType === 'status_update_event');
  assert.ok(killed?.eventType === 'status_update_event' && killed.taskStatus === 'TASK_KILLED');
});

test('1.3-era transcript (data-only frames, HTTP headers before) decodes its events', () => {
  const got = events(readFileSync(join(FIXTURES, 'marathon/legacy-1.3/v2_events_GET.http.txt'), 'utf8'));
  assert.deepEqual(got.map((e) => e.eventType).slice(0, 2), ['event_stream_attached', 'group_change_success']);
});

test('keep-alive CRLFs yield nothing; several JSON objects in one data: yield several events', () => {
  const a = '{"eventType":"app_terminated_event","appId":"/a","timestamp":"2020-01-01T00:00:00.000Z"}';
  const b = '{"eventType":"app_terminated_event","appId":"/b","timestamp":"2020-01-01T00:00:01.000Z"}';
  const wire = `\r\n\r\n\r\nevent: app_terminated_event\r\ndata: ${a}${b}\r\n\r\n\r\n\r\ndata: ${a}\r\ndata: ${b}\r\n\r\n`;
  const decoder = createSseDecoder();
  // Feed in awkward 7-byte pieces, as TCP may split them.
  for (let i = 0; i < wire.length; i += 7) decoder.feed(wire.slice(i, i + 7));
  const got = decoder.take().map((p) => (p.ok ? (p.value as { appId: string }).appId : 'bad'));
  assert.deepEqual(got, ['/a', '/b', '/a', '/b']);
  assert.deepEqual(createSseDecoder().take(), []);
});

test('splitJsonObjects keeps braces inside strings intact', () => {
  assert.deepEqual(splitJsonObjects('{"m":"a}{b"} {"n":1}'), ['{"m":"a}{b"}', '{"n":1}']);
});

test('a payload that is not JSON is reported, not thrown', () => {
  const got = decodeSseText('data: {"eventType": nope}\n\n');
  assert.equal(got.length, 1);
  assert.equal(got[0]?.ok, false);
});

test('unknown event types pass through as "other" with the original type', () => {
  const e = toEvent({ eventType: 'pod_created_event', timestamp: 't', clientIp: '1.2.3.4', uri: '/v2/pods/x' });
  assert.ok(e.ok && e.event.eventType === 'other' && e.event.type === 'pod_created_event');
  const bad = toEvent({ eventType: 'status_update_event', timestamp: 't' });
  assert.equal(bad.ok, false);
});
