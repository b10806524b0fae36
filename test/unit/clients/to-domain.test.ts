/** The clients' mapping of wire answers to cluster domain types, where the two meanings of "active" part. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SlavesResponseSchema } from '../../../src/clients/mesos/schemas.ts';
import { toMesosAgents } from '../../../src/clients/mesos/to-domain.ts';
import { agentsView } from '../../../src/cluster/views.ts';

test('a draining (deactivated) agent is connected, but not active in /ci agents; a disconnected one is neither', () => {
  const wire = SlavesResponseSchema.parse({
    slaves: [
      { id: 'S1', hostname: 'slave1', active: true, resources: { cpus: 2, mem: 3789 } },
      { id: 'S2', hostname: 'slave2', active: true, deactivated: true, registered_time: 1714986000.5, resources: { cpus: 2 } },
      { id: 'S3', hostname: 'slave3', active: false, resources: {} },
      { id: 'S4', hostname: 'old-master-agent', resources: { cpus: 1 } },
    ],
    recovered_slaves: [{ id: 'S5', hostname: 'slave5' }, { id: 'S6' }],
  });
  const { agents, recovering } = toMesosAgents(wire);
  assert.deepEqual(agents.map((a) => [a.hostname, a.connected, a.deactivated]), [
    ['slave1', true, false], ['slave2', true, true], ['slave3', false, false], ['old-master-agent', true, false],
  ]);
  assert.deepEqual(recovering, ['slave5'], 'a recovered agent without a hostname is left out');
  assert.equal(agents[1]?.sinceMs, 1714986000500);
  assert.deepEqual([agents[1]?.memMb, agents[2]?.cpus], [0, 0], 'a missing resource reads as 0');
  assert.deepEqual(agentsView(agents).map((a) => a.active), [true, false, false, true]);
});
