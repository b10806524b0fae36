/**
 * Test helpers for the simulator's failover scenarios: the Marathon events since a mark, condensed to
 * "kind:detail@host" so a test can assert the upstream sequence it mirrors (MARATHON-FAILOVER.md).
 */
import type { SimEvent } from '../../src/playground/simulator/index.ts';

/** One line per failover-relevant event: `status:TASK_FAILED@slave1`, `instance:Scheduled@null`, `health:true`. */
export function story(log: SimEvent[], from = 0): string[] {
  return log.slice(from).flatMap((e) => {
    switch (e.eventType) {
      case 'status_update_event': return [`status:${String(e.taskStatus)}@${String(e.host)}`];
      case 'instance_changed_event': return [`instance:${String(e.condition)}@${String(e.host)}`];
      case 'instance_health_changed_event': return [`health:${String(e.healthy)}`];
      case 'health_status_changed_event': return [`alive:${String(e.alive)}`];
      case 'failed_health_check_event': return ['failed_check'];
      case 'unhealthy_instance_kill_event': return ['unhealthy_kill'];
      case 'unknown_instance_terminated_event': return [`unknown_terminated:${String(e.condition)}`];
      default: return [];
    }
  });
}

/** Events of one type since `from`. */
export function eventsOf(log: SimEvent[], type: string, from = 0): SimEvent[] {
  return log.slice(from).filter((e) => e.eventType === type);
}

export const INSTANCE_ID = /^[\w-]+\.instance-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
