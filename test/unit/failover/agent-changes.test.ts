/** Agent alerts under the Mesos semantics of MARATHON-FAILOVER.md S4 (partition_tests.cpp, master_tests.cpp, readonly_handler.cpp). */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { agentChanges, type AgentReading, type AgentWatchState } from '../../../src/features/failover/agent-changes.ts';

const agent = (hostname: string, active = true, id = `S-${hostname}`): AgentReading => ({ id, hostname, active, cpus: 2, memMb: 3789 });

function replay(readings: Array<{ agents: AgentReading[]; recovering?: string[] }>) {
  let state: AgentWatchState | undefined;
  return readings.map((r) => {
    const out = agentChanges(state, { agents: r.agents, recovering: r.recovering ?? [] });
    state = out.state;
    return out.changes.map((c) => `${c.kind} ${c.hostname} ${c.key} ${c.totals.agents}/${c.totals.of} ${c.totals.cpus} ${c.totals.memMb}`);
  });
}

describe('agent changes', () => {
  test('the first reading is the baseline; a new host later is "joined"', () => {
    assert.deepEqual(replay([{ agents: [agent('slave1')] }, { agents: [agent('slave1'), agent('slave2')] }]), [[], ['joined slave2 agent-slave2-1 2/2 4 7578']]);
  });

  test('agent process stopped (MasterTest.SlaveActiveEndpoint: active false first), then unreachable (PartitionTest: dropped from /master/slaves), then back — one episode key', () => {
    const out = replay([
      { agents: [agent('slave1'), agent('slave2')] },
      { agents: [agent('slave1'), agent('slave2', false)] },
      { agents: [agent('slave1')] },
      { agents: [agent('slave1'), agent('slave2')] },
    ]);
    assert.deepEqual(out, [[], ['inactive slave2 agent-slave2-2 1/2 2 3789'], ['lost slave2 agent-slave2-2 1/2 2 3789'], ['back slave2 agent-slave2-2 2/2 4 7578']]);
  });

  test('rebooted with a new agent id (SlaveRecoveryTest.RebootWithSlaveInfoMismatch): the same host comes back', () => {
    const out = replay([{ agents: [agent('slave2')] }, { agents: [] }, { agents: [agent('slave2', true, 'S-new')] }]);
    assert.deepEqual(out.flat().map((l) => l.split(' ').slice(0, 3).join(' ')), ['lost slave2 agent-slave2-2', 'back slave2 agent-slave2-2']);
  });

  test('a master failover lists agents in recovered_slaves until they re-register: no alert at all', () => {
    const out = replay([
      { agents: [agent('slave1'), agent('slave2')] },
      { agents: [], recovering: ['slave1', 'slave2'] },
      { agents: [agent('slave1')], recovering: ['slave2'] },
      { agents: [agent('slave1'), agent('slave2')] },
    ]);
    assert.deepEqual(out, [[], [], [], []]);
  });

  test('a second outage of the same host is a new episode (a new message, not an edit of the old one)', () => {
    const out = replay([{ agents: [agent('slave2')] }, { agents: [] }, { agents: [agent('slave2')] }, { agents: [] }]).flat();
    assert.deepEqual(out.map((l) => l.split(' ')[2]), ['agent-slave2-2', 'agent-slave2-2', 'agent-slave2-3']);
  });
});
