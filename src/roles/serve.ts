/** `ci-bot serve`: the Slack front door (HTTP or Socket Mode) and the ops endpoints. */
import { systemClock } from '../core/ports.ts';
import { CommandRegistry } from '../chat/registry.ts';
import { CommandFlow } from '../slack/command-flow.ts';
import { createSlackApp } from '../slack/app.ts';
import { registerListeners } from '../slack/listeners.ts';
import { startOpsServer } from '../slack/ops-server.ts';
import { RoleResolver } from '../slack/rbac.ts';
import { RedisConfirmationStore } from '../store/redis-confirmations.ts';
import { ReplayGuard } from '../store/replay-guard.ts';
import { BoundedWaits } from '../core/deadline.ts';
import type { Runtime } from './runtime.ts';
import { opsRoutes } from './ops-routes.ts';

export interface Served {
  port: number;
  close(): Promise<void>;
}

export async function startServe(rt: Runtime): Promise<Served> {
  const { config, secrets, mode } = rt.loaded;
  if (mode === 'demo' || !secrets.slackBotToken) throw new Error('serve needs SLACK_BOT_TOKEN (the local demo is `ci-bot demo`)');
  const slack = await createSlackApp({
    mode, botToken: secrets.slackBotToken, appToken: secrets.slackAppToken,
    apiUrl: config.slack.apiUrl, webApiRetries: config.slack.webApiRetries, logger: rt.logger.child({ src: 'slack' }),
  });
  const registry = new CommandRegistry(rt.features.specs);
  const logError = (err: unknown, context: Record<string, unknown>) => rt.logger.error({ err, ...context }, 'command failed');
  const roles = new RoleResolver({
    grants: config.roles, clock: systemClock,
    listGroupMembers: async (usergroup) => (await slack.app.client.usergroups.users.list({ usergroup })).users ?? [],
    onLookupError: (group, err) => rt.logger.warn({ group, err }, 'user group look-up failed'),
  });
  // The replay guard's SET and the command audit share one verdict about the producer connection (P1).
  const ackWaits = new BoundedWaits();
  const flow = new CommandFlow({
    ackWaits,
    registry,
    roles,
    audit: rt.audit,
    confirmations: new RedisConfirmationStore(rt.producer, rt.prefix),
    services: { run: (spec, args, ctx) => rt.features.run(spec, args, ctx) },
    visibility: config.slack.responses,
    onCommand: (name, outcome) => rt.metrics.commands.inc({ name, outcome }),
    secondAdminMayConfirm: config.roles.secondAdminMayConfirm,
    confirmTtlMs: config.roles.confirmTtlMs,
    logError,
  });
  registerListeners(slack.app, {
    flow, ackDeadlineMs: config.slack.ackDeadlineMs, logError,
    onAck: (ms) => rt.metrics.ackLatency.observe(ms / 1000),
    scrub: rt.scrub,
    actions: {
      // The Cancel button on a progress message: the same path as `/ci cancel <job>`, same permission rule.
      cancel_job: (jobId, clicker) => flow.runAs('cancel', { job: jobId }, clicker),
    },
  });
  for (const e of rt.features.events) {
    // Bolt acks an event before its listeners run; a handler's failure is logged, never retried by Slack.
    slack.app.event(e.type, async ({ event }) => {
      const ev = event as { user?: unknown; tab?: unknown };
      try {
        await e.handle({ user: String(ev.user ?? ''), tab: String(ev.tab ?? '') });
      } catch (err) {
        rt.logger.error({ err, feature: e.feature, event: e.type }, 'event handler failed');
      }
    });
  }
  slack.app.error(async (err) => rt.logger.error({ err }, 'bolt error'));
  const replay = new ReplayGuard(rt.producer, rt.prefix, { waits: ackWaits });
  const ops = await startOpsServer({
    port: config.http.port,
    routes: opsRoutes(rt, () => slack.connected()),
    ...(slack.handleVerified && secrets.slackSigningSecret
      ? {
          slack: {
            signingSecret: secrets.slackSigningSecret,
            listener: slack.handleVerified,
            firstSeen: (sig: string) => replay.firstSeen(sig),
            onRejected: (reason: string) => {
              rt.logger.warn({ reason }, 'rejected a Slack request');
              // Already logged on the line above; a lost audit entry must not turn a rejection into a 500.
              rt.audit.append({ kind: 'rejected_request', outcome: reason }).catch(() => undefined);
            },
          },
        }
      : {}),
  });
  await slack.start();
  rt.logger.info({ port: ops.port, mode }, 'ci-bot serve is listening');
  return {
    port: ops.port,
    async close() {
      await slack.stop();
      await ops.close();
    },
  };
}
