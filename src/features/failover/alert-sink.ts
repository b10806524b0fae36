/**
 * Where every failover alert goes (Alertmanager's ideas, SPEC §7): each alert has a dedup key that is also its
 * outbox key, so a transition updates the same message in place and the outbox sends only the latest content
 * (≤ 1 post/s per channel, Retry-After honoured); routed by kind and severity; recorded for `/ci alerts`;
 * audited; counted.
 */
import type { AlertLog, AlertRecord, AuditLog, Outbox } from '../../core/ports.ts';
import type { RenderedMessage } from '../../core/types.ts';
import type { Config } from '../../config/schema.ts';

export interface AlertSinkDeps {
  config: Config;
  outbox: Outbox;
  log: AlertLog;
  audit: AuditLog;
  /** Counts posts by kind (`cibot_alerts_total{kind}`). */
  counted?: (kind: AlertRecord['kind']) => void;
}

export interface AlertSink {
  /** Posts or updates the alert's message and records it; `thread` (if given) is the reply under it, updated too. */
  raise(record: AlertRecord, message: RenderedMessage, thread?: RenderedMessage): Promise<void>;
  /** A reply in the alert's thread under its own key (e.g. a reminder), posted once per key. */
  reply(record: AlertRecord, key: string, message: RenderedMessage): Promise<void>;
}

export function channelFor(config: Config, kind: AlertRecord['kind'], severity: AlertRecord['severity']): string {
  const route = config.alerts.routes.find((r) => (r.kind === undefined || r.kind === kind) && (r.severity === undefined || r.severity === severity));
  return route?.channel ?? config.slack.channels.alerts ?? config.slack.channels.default;
}

export function createAlertSink(deps: AlertSinkDeps): AlertSink {
  return {
    async raise(record, message, thread) {
      const channel = channelFor(deps.config, record.kind, record.severity);
      await deps.outbox.put({ key: record.key, channel, message });
      if (thread) await deps.outbox.put({ key: `${record.key}:thread`, channel, message: thread, threadOf: record.key });
      await deps.log.record(record);
      deps.counted?.(record.kind);
      await deps.audit.append({ kind: 'alert', command: record.kind, outcome: `${record.state}: ${record.title}`.slice(0, 500), detail: record.key });
    },
    async reply(record, key, message) {
      const channel = channelFor(deps.config, record.kind, record.severity);
      await deps.outbox.put({ key, channel, message, threadOf: record.key });
    },
  };
}
