/**
 * The tasks feature: `/ci help` (generated from every running feature's specs), `/ci jobs [job]`, `/ci cancel <job>`
 * and `/ci history [n]`. Reads the queue and the audit trail through ports; answered directly in the ack.
 */
import * as z from 'zod';
import { renderHelp } from '../../chat/help.ts';
import { CommandRegistry } from '../../chat/registry.ts';
import { renderHistory, renderJobLog, renderJobs } from '../../chat/render/lists.ts';
import { textReply } from '../../chat/render/replies.ts';
import { jobIdArg } from '../../chat/validators.ts';
import { answer, defineFeature, type FeatureDeps } from '../define-feature.ts';

const help = answer(
  { name: 'help', summary: 'List commands, or show one in detail', usage: '[command]', role: 'viewer', run: 'direct',
    positionals: [{ name: 'topic', variadic: true }], schema: z.strictObject({ topic: z.array(z.string().max(40)).max(2) }) },
  (deps: FeatureDeps) => async (args) => renderHelp(new CommandRegistry(deps.commandSpecs()), args.topic),
);

const jobs = answer(
  { name: 'jobs', summary: 'Queued and running tasks, or one task with its log', usage: '[job]', role: 'viewer', run: 'direct',
    positionals: [{ name: 'job', optional: true }], schema: z.strictObject({ job: jobIdArg.optional() }) },
  (deps: FeatureDeps) => async (args) =>
    args.job !== undefined ? renderJobLog(args.job, await deps.tasks.readLog(args.job)) : renderJobs(await deps.tasks.listJobs()),
);

const cancel = answer(
  { name: 'cancel', summary: 'Cancel a queued or running task (operators: their own; admins: any)', usage: '<job>',
    role: 'operator', run: 'direct', positionals: [{ name: 'job' }], schema: z.strictObject({ job: jobIdArg }) },
  (deps: FeatureDeps) => async (args, { requester, role }) => {
    const { state } = await deps.tasks.cancel(args.job, { userId: requester.userId, role });
    return textReply(state === 'removed' ? `Removed queued job \`${args.job}\`.` : `Cancelling job \`${args.job}\`…`);
  },
);

const history = answer(
  { name: 'history', summary: 'Audit trail: commands, confirmations, denials, tasks, alerts', usage: '[n]', role: 'viewer',
    run: 'direct', positionals: [{ name: 'count', optional: true }],
    schema: z.strictObject({ count: z.coerce.number().int().min(1).max(50).default(10) }) },
  (deps: FeatureDeps) => async (args) => renderHistory(await deps.audit.recent(args.count)),
);

export const tasksFeature = defineFeature({
  name: 'tasks',
  roles: ['serve'],
  setup: (deps: FeatureDeps) => deps,
  commands: [help, jobs, cancel, history],
});
