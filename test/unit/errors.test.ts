import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UpstreamError } from '../../src/core/errors.ts';

test('UpstreamError says service, request and failure, and knows what is transient', () => {
  const e = new UpstreamError('mesos', 'GET /metrics/snapshot', { failure: 'http', status: 503 });
  assert.equal(e.message, 'mesos GET /metrics/snapshot failed (http 503)');
  assert.equal(e.transient, true);
  assert.equal(new UpstreamError('jenkins', 'GET /api/json', { failure: 'auth', status: 401 }).transient, false);
});
