import { test } from 'node:test';
import assert from 'node:assert/strict';
import { place } from '../../../src/playground/simulator/placement.ts';
import { addAgent, addTask, createState, type SimTask } from '../../../src/playground/simulator/state.ts';

function cluster() {
  const state = createState();
  const a = addAgent(state, { hostname: 'slave1', ip: '1', cpus: 2, memMb: 1000, diskMb: 100, attributes: { rack: 'r1', os: 'linux' } });
  const b = addAgent(state, { hostname: 'slave2', ip: '2', cpus: 2, memMb: 1000, diskMb: 100, attributes: { rack: 'r2', os: 'windows' } });
  return { state, a, b };
}

const task = (agentId: string, cpus = 0.5): SimTask => ({
  id: `t${Math.random()}`, instanceId: 'i', name: 'n', frameworkId: 'f', appId: '/x', agentId, state: 'TASK_RUNNING',
  cpus, mem: 100, disk: 0, ports: [], stagedAt: 0, version: 'v', stdout: '', stderr: '',
});

test('resources: an agent without room is skipped; nothing fits → undefined', () => {
  const { state, a } = cluster();
  addTask(state, task(a.id, 1.8));
  assert.equal(place(state.agents, { cpus: 0.5, mem: 10, disk: 0 })?.hostname, 'slave2');
  assert.equal(place(state.agents, { cpus: 3, mem: 10, disk: 0 }), undefined);
  assert.equal(place(state.agents, { cpus: 0.1, mem: 2000, disk: 0 }), undefined);
});

test('constraints: CLUSTER, LIKE/UNLIKE on attributes, UNIQUE and MAX_PER against siblings, IS', () => {
  const { state, a } = cluster();
  const req = { cpus: 0.1, mem: 10, disk: 0 };
  assert.equal(place(state.agents, { ...req, constraints: [['hostname', 'CLUSTER', 'slave2']] })?.hostname, 'slave2');
  assert.equal(place(state.agents, { ...req, constraints: [['os', 'LIKE', 'lin.*']] })?.hostname, 'slave1');
  assert.equal(place(state.agents, { ...req, constraints: [['os', 'UNLIKE', 'windows']] })?.hostname, 'slave1');
  assert.equal(place(state.agents, { ...req, constraints: [['rack', 'IS', 'r2']] })?.hostname, 'slave2');
  const siblings = [task(a.id)];
  addTask(state, siblings[0]!);
  assert.equal(place(state.agents, { ...req, siblings, constraints: [['hostname', 'UNIQUE']] })?.hostname, 'slave2');
  const both = [...siblings, task(cluster().b.id)];
  assert.equal(place(state.agents, { ...req, siblings: [siblings[0]!, { ...both[1]!, agentId: [...state.agents.values()][1]!.id }], constraints: [['hostname', 'MAX_PER', '1']] }), undefined);
});

// Placement is the first fitting offer (MARATHON-FAILOVER.md S1 step 4: no same-host preference, and none for
// another host either); the control API steers it by offer order or by marking an agent full.
test('the first fitting offer wins; offer order and full agents steer it; inactive agents make no offers', () => {
  const { state, a, b } = cluster();
  const req = { cpus: 0.1, mem: 1, disk: 0 };
  assert.equal(place(state.agents, req)?.id, a.id, 'registration order by default');
  assert.equal(place(state.agents, { ...req, offerOrder: ['slave2'] })?.id, b.id);
  a.full = true;
  assert.equal(place(state.agents, req)?.id, b.id, 'a full agent declines');
  a.full = false;
  a.active = false;
  assert.equal(place(state.agents, req)?.id, b.id);
  a.active = true;
  a.status = 'unreachable';
  assert.equal(place(state.agents, req)?.id, b.id);
});

test('fixed host ports: an agent already holding the port does not fit', () => {
  const { state, a, b } = cluster();
  addTask(state, { ...task(a.id, 0.1), ports: [8080] });
  assert.equal(place(state.agents, { cpus: 0.1, mem: 1, disk: 0, ports: [8080], allTasks: state.tasks.values() })?.id, b.id);
});
