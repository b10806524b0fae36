import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isTransient, jitteredBackoffMs } from '../../../src/queue/backoff.ts';
import { PermanentError, UpstreamError } from '../../../src/core/errors.ts';
import { safeJobId } from '../../../src/core/task-kind.ts';

test('exponential with jitter in [0.5, 1.5) and a cap', () => {
  assert.equal(jitteredBackoffMs(1, 1000, 60_000, () => 0), 500);
  assert.equal(jitteredBackoffMs(3, 1000, 60_000, () => 0.5), 4000);
  assert.equal(jitteredBackoffMs(4, 1000, 60_000, () => 0.999), 11_992);
  assert.equal(jitteredBackoffMs(30, 1000, 60_000, () => 0.9), 60_000);
});

test('only transient failures are retried', () => {
  assert.equal(isTransient(new UpstreamError('mesos', 'GET', { failure: 'http', status: 503 })), true);
  assert.equal(isTransient(new UpstreamError('mesos', 'GET', { failure: 'http', status: 404 })), false);
  assert.equal(isTransient(Object.assign(new Error('x'), { code: 'ECONNRESET' })), true);
  assert.equal(isTransient(new PermanentError('host_key', 'mismatch')), false);
  assert.equal(isTransient(new TypeError('bug')), false);
});

test('job ids are safe for BullMQ', () => {
  assert.equal(safeJobId('setup-agent:slave1:T1'), 'setup-agent-slave1-T1');
  assert.equal(safeJobId('123'), 'j-123');
});
