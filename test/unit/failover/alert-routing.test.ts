/** Alerts go to the first route matching their kind and severity, else the alerts channel, else the default one. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configSchema } from '../../../src/config/schema.ts';
import { channelFor } from '../../../src/features/failover/alert-sink.ts';

test('routing by kind and severity, first match wins, with the channel fallbacks', () => {
  const config = configSchema.parse({
    slack: { channels: { default: '#ci', alerts: '#ci-alerts' } },
    alerts: { routes: [{ kind: 'jenkins', severity: 'critical', channel: '#oncall' }, { kind: 'tasks', channel: '#ci-noise' }, { severity: 'info', channel: '#ci-info' }] },
  });
  assert.equal(channelFor(config, 'jenkins', 'critical'), '#oncall');
  assert.equal(channelFor(config, 'jenkins', 'info'), '#ci-info', 'a planned restart is info');
  assert.equal(channelFor(config, 'tasks', 'warning'), '#ci-noise');
  assert.equal(channelFor(config, 'agent', 'warning'), '#ci-alerts');
  assert.equal(channelFor(configSchema.parse({ slack: { channels: { default: '#ci' } } }), 'agent', 'warning'), '#ci');
});
