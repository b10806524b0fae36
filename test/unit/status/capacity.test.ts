import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { byAttention, capacityOf, fitsOn } from '../../../src/cluster/capacity.ts';
import type { AgentView } from '../../../src/cluster/snapshot-types.ts';

const agent = (hostname: string, cpus: number, cpusUsed: number, memMb: number, memUsedMb: number, active = true): AgentView =>
  ({ id: hostname, hostname, active, cpus, cpusUsed, memMb, memUsedMb, diskMb: 1000, diskUsedMb: 0 });
const size = { cpus: 0.2, memMb: 512 };

describe('capacity', () => {
  test('counts whole build agents per host, not a division of the totals', () => {
    // Ten hosts with 0.1 cpu free each: 1 cpu free in total (5 agents by division) but no host fits one.
    const hosts = Array.from({ length: 10 }, (_, i) => agent(`h${i}`, 2, 1.9, 4096, 0));
    const c = capacityOf(hosts, size);
    assert.equal(c.fit, 0);
    assert.equal(c.hostsWithRoom, 0);
    assert.ok(Math.abs(c.freeCpus - 1) < 1e-9);
  });

  test('the scarcer resource decides, and float noise does not lose an agent', () => {
    assert.equal(fitsOn(agent('a', 2, 1.4, 3789, 0), size), 3, '0.6 cpu free is 3 agents of 0.2 (not 2.9999)');
    assert.equal(fitsOn(agent('b', 2, 0, 1024, 0), size), 2, 'memory: 1024 MB is 2 agents of 512 MB');
    assert.equal(fitsOn(agent('c', 2, 0, 4096, 4000), size), 0);
    assert.equal(fitsOn(agent('d', 2, 0, 4096, 0, false), size), 0, 'an inactive agent takes no builds');
    assert.equal(fitsOn(agent('e', 1, 1.5, 4096, 0), size), 0, 'over-committed agents are not negative');
  });

  test('seed cluster: one host saturated, the other idle, is called out as uneven', () => {
    const c = capacityOf([agent('slave1', 2, 1.9, 3789, 3500), agent('slave2', 2, 0.1, 3789, 256)], size);
    assert.equal(c.busiest?.hostname, 'slave1');
    assert.equal(c.idlest?.hostname, 'slave2');
    assert.ok(c.spread > 0.8, `spread ${c.spread}`);
    assert.equal(c.fit, 0 + 6, 'slave1 fits none (0.1 cpu free); slave2 fits min(9 by cpu, 6 by memory)');
  });

  test('no agents, one agent', () => {
    const none = capacityOf([], size);
    assert.deepEqual([none.activeAgents, none.fit, none.spread, none.busiest], [0, 0, 0, undefined]);
    const one = capacityOf([agent('solo', 4, 2, 8192, 0)], size);
    assert.equal(one.spread, 0);
    assert.equal(one.fit, 10);
  });

  test('display order: inactive first, then busiest', () => {
    const order = byAttention([agent('idle', 2, 0, 100, 0), agent('busy', 2, 2, 100, 0), agent('gone', 2, 0, 100, 0, false)]).map((a) => a.hostname);
    assert.deepEqual(order, ['gone', 'busy', 'idle']);
  });
});
