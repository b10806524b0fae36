import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isUserFacing, PermanentError, UpstreamError, UserFacingError } from '../../src/core/errors.ts';
import { isTransient } from '../../src/queue/backoff.ts';
import { failureOf } from '../../src/cluster/read-part.ts';

test('UpstreamError says service, request and failure, and knows what is transient', () => {
  const e = new UpstreamError('mesos', 'GET /metrics/snapshot', { failure: 'http', status: 503 });
  assert.equal(e.message, 'mesos GET /metrics/snapshot failed (http 503)');
  assert.equal(e.transient, true);
  assert.equal(new UpstreamError('jenkins', 'GET /api/json', { failure: 'auth', status: 401 }).transient, false);
});

test('"safe to show" and "may retry" are separate: a permanent error is shown but never retried, a user-facing one is not permanent', () => {
  const permanent = new PermanentError('host_key', 'the host key of slave2 changed');
  assert.equal(permanent instanceof UserFacingError, false);
  assert.equal(isUserFacing(permanent), true);
  assert.equal(isTransient(permanent), false);
  const shown = new UserFacingError('not_found', 'no such host');
  assert.equal(isUserFacing(shown), true);
  assert.equal(shown instanceof PermanentError, false);
  const upstream = new UpstreamError('ssh', 'connect root@10.0.0.2:22', { failure: 'refused', detail: 'ECONNREFUSED' }, { cause: new Error('raw') });
  assert.equal(isUserFacing(upstream), false, 'upstream errors are logged, the user gets a correlation id');
  assert.equal(isTransient(upstream), true);
  assert.equal(upstream.detail, 'ECONNREFUSED', 'the detail is kept as a field, not only inside the message');
  assert.equal((upstream.cause as Error).message, 'raw');
});

test('status reads the upstream detail from its field, whatever the message says', () => {
  const err = new UpstreamError('jenkins', 'GET /api/json', { failure: 'bad_answer', detail: 'jobs: expected array' });
  Object.defineProperty(err, 'message', { value: 'something else entirely (no "failed (…)" prefix)' });
  assert.deepEqual(failureOf(err, new AbortController().signal, 5000), { failure: 'bad_answer', text: 'bad answer: jobs: expected array' });
});
