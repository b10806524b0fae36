/**
 * `/ci jenkins cloud [--apply]` (admin): the Mesos cloud of config `jenkins.cloud` as configuration-as-code YAML
 * for the plugin 2.x, shown as a diff against the cloud Jenkins exports (`POST /configuration-as-code/export`).
 * `--apply` checks the document (`/configuration-as-code/check`), applies it (`/configuration-as-code/apply`,
 * with the bot's API token) and verifies by exporting again: the answer says what Jenkins reads back.
 */
import * as z from 'zod';
import { UserFacingError, UpstreamError } from '../../core/errors.ts';
import type { RenderedMessage } from '../../core/types.ts';
import type { ClusterClients } from '../../cluster/cluster-reader.ts';
import type { JenkinsCloudConfig } from '../../config/jenkins-cloud.ts';
import { answer } from '../define-feature.ts';
import { cascDocument, cloudsOf, cloudYaml, desiredCloud, diffCloud, matchingCloud, type Change, type CloudDefaults } from './cloud-render.ts';

export interface CloudContext {
  cluster: ClusterClients;
  cloud: JenkinsCloudConfig;
  defaults: CloudDefaults;
  budgetMs: number;
}

/** Longest YAML shown in the answer; a longer one is cut (Slack's section text limit is 3000). */
const MAX_YAML_CHARS = 2400;

export const jenkinsCloudCommand = answer(
  { name: 'jenkins cloud', summary: 'The Mesos plugin cloud from config as configuration-as-code, diffed against Jenkins (--apply: apply, verify)',
    usage: '[--apply]', role: 'admin', run: 'deferred', flags: { apply: 'boolean' }, example: '/ci jenkins cloud --apply',
    schema: z.strictObject({ apply: z.boolean().optional() }) },
  (ctx: CloudContext) => async (args) => {
    const signal = AbortSignal.timeout(ctx.budgetMs);
    if (args.apply) return message((await applyCloud(ctx, signal)).lines);
    const { wanted, notes, before, current, changes } = await readCloud(ctx, signal);
    const head = current ? `Mesos cloud \`${String(wanted.frameworkName)}\` against Jenkins' current one` : 'Jenkins has no matching Mesos cloud yet';
    return message([
      `*${head}* (${changes.length === 0 ? 'no changes' : `${changes.length} change${changes.length === 1 ? '' : 's'}`}):`,
      ...diffLines(changes, current !== undefined),
      ...extraLines(before.others.length, before.mesos.length, current),
      ...(typeof current?.frameworkId === 'string' && wanted.frameworkId === undefined ? [`Jenkins' framework id \`${current.frameworkId}\` is kept (pin one with \`jenkins.cloud.frameworkId\`).`] : []),
      ...notes.map((n) => `:information_source: ${n}`),
      `\`\`\`\n${clipYaml(cloudYaml(wanted))}\`\`\``,
      changes.length > 0 ? 'Run `/ci jenkins cloud --apply` to apply it.' : '',
    ]);
  },
);

/** The cloud the config asks for and what Jenkins exports now; a UserFacingError when it cannot be compared. */
async function readCloud(ctx: CloudContext, signal: AbortSignal) {
  const jenkins = ctx.cluster.jenkins;
  if (!jenkins) throw new UserFacingError('config', 'No Jenkins configured: set `cluster.jenkins.url` (or JENKINS_URL) and JENKINS_API_TOKEN.');
  const { cloud: wanted, notes, missing } = desiredCloud(ctx.cloud, ctx.defaults);
  if (missing.length > 0) throw new UserFacingError('config', `The Mesos cloud needs ${missing.join(' and ')} in the config.`);
  const before = cloudsOf(await exportConfig(jenkins, signal));
  const current = matchingCloud(before.mesos, wanted.frameworkName);
  return { jenkins, wanted, notes, before, current, changes: diffCloud(current, wanted) };
}

/** What {@link applyCloud} did: the number of fields changed (0: Jenkins had the cloud already) and the answer's lines. */
export interface CloudApplied {
  changes: number;
  lines: string[];
}

/**
 * `/ci jenkins cloud --apply`, also the last step of `/ci deploy jenkins`: check the document, apply it (every other
 * cloud kept as Jenkins has it), read it back.
 * @throws UserFacingError when Jenkins refuses (no plugin, not an administrator, a bad token, a refused document) or
 *   reads back another cloud; other errors (Jenkins not answering) as they come
 */
export async function applyCloud(ctx: CloudContext, signal: AbortSignal): Promise<CloudApplied> {
  const { jenkins, wanted, notes, before, current, changes } = await readCloud(ctx, signal);
  if (changes.length === 0) return { changes: 0, lines: [':white_check_mark: Jenkins already has this Mesos cloud; nothing applied.', ...notes.map((n) => `:information_source: ${n}`)] };
  // Every other cloud is kept as Jenkins has it: configuration-as-code replaces the whole list.
  const kept = [...before.others, ...before.mesos.filter((c) => c !== current).map((mesos) => ({ mesos }))];
  const doc = cascDocument(wanted, current, kept);
  const warnings = await jenkins.casc.check(doc, { signal });
  if (warnings.length > 0) {
    const list = warnings.slice(0, 10).map((w) => `• ${w.line ? `line ${w.line}: ` : ''}${w.warning}`).join('\n');
    throw new UserFacingError('upstream', `configuration-as-code refused the cloud; nothing was applied:\n${list}`);
  }
  await applyConfig(jenkins, doc, signal);
  const after = matchingCloud(cloudsOf(await exportConfig(jenkins, signal)).mesos, wanted.frameworkName);
  if (!after) throw new UserFacingError('upstream', `Applied, but Jenkins' export has no Mesos cloud \`${String(wanted.frameworkName)}\`: the Mesos plugin may not be installed or may not load.`);
  const readBack = diffCloud(after, wanted);
  // A field the export leaves out may be one it omits because it equals the plugin's default: named, not failed.
  const different = readBack.filter((c) => c.was !== undefined || c.now === undefined);
  const unexported = readBack.filter((c) => c.was === undefined && c.now !== undefined);
  if (different.length > 0) {
    throw new UserFacingError('upstream', [`Applied, but Jenkins reads back a different cloud (${different.length} field${different.length === 1 ? '' : 's'}):`, ...diffLines(different, true)].join('\n'));
  }
  return {
    changes: changes.length,
    lines: [
      `:white_check_mark: Applied the Mesos cloud \`${String(wanted.frameworkName)}\` and read it back from Jenkins: ${changes.length} change${changes.length === 1 ? '' : 's'} in place.`,
      ...diffLines(changes, current !== undefined),
      ...(unexported.length > 0 ? [`Not in Jenkins' export (it may omit values equal to the plugin's defaults): ${unexported.map((c) => `\`${c.path}\``).join(', ')}.`] : []),
      ...notes.map((n) => `:information_source: ${n}`),
    ],
  };
}

type Jenkins = NonNullable<ClusterClients['jenkins']>;

async function exportConfig(jenkins: Jenkins, signal: AbortSignal): Promise<string> {
  try {
    return await jenkins.casc.export({ signal });
  } catch (err) {
    throw explain(err, 'export its configuration');
  }
}

async function applyConfig(jenkins: Jenkins, doc: string, signal: AbortSignal): Promise<void> {
  try {
    await jenkins.casc.apply(doc, { signal });
  } catch (err) {
    throw explain(err, 'apply the cloud');
  }
}

/** 404: no configuration-as-code plugin; 403: the bot's user is not an administrator. */
function explain(err: unknown, what: string): unknown {
  if (!(err instanceof UpstreamError)) return err;
  if (err.status === 404) return new UserFacingError('not_found', `Jenkins could not ${what}: the configuration-as-code plugin is not installed (\`/configuration-as-code\` is 404). Install it (the image in \`dockerfiles/\` has it).`, { cause: err });
  if (err.status === 403) return new UserFacingError('denied', `Jenkins could not ${what}: the bot's Jenkins user needs Overall/Administer.`, { cause: err });
  if (err.status !== undefined && err.status >= 400 && err.status < 500) return new UserFacingError('upstream', `Jenkins could not ${what}: HTTP ${err.status} ${err.detail ?? ''}`.trim(), { cause: err });
  return err;
}

function diffLines(changes: readonly Change[], existed: boolean): string[] {
  if (changes.length === 0) return ['(Jenkins has exactly these values.)'];
  const shown = changes.slice(0, 25).map((c) => {
    if (c.now === undefined) return `• \`${c.path}\`: removed (not in config)`;
    if (c.was === undefined) return `• \`${c.path}\`: ${existed ? 'unset' : 'new'} → \`${c.now}\``;
    return `• \`${c.path}\`: \`${c.was}\` → \`${c.now}\``;
  });
  return changes.length > 25 ? [...shown, `… and ${changes.length - 25} more`] : shown;
}

function extraLines(others: number, mesosClouds: number, current: unknown): string[] {
  return [
    ...(others > 0 ? [`Jenkins' ${others} other cloud${others === 1 ? '' : 's'} stay as they are.`] : []),
    ...(mesosClouds > 1 || (mesosClouds === 1 && !current)
      ? [`Jenkins has ${mesosClouds} Mesos cloud${mesosClouds === 1 ? '' : 's'}; ${current ? 'the one with this framework name is compared, the others stay' : 'none has this framework name, so applying adds one and keeps them'}.`]
      : []),
  ];
}

function clipYaml(yaml: string): string {
  return yaml.length > MAX_YAML_CHARS ? `${yaml.slice(0, MAX_YAML_CHARS)}\n…` : yaml;
}

function message(lines: readonly string[]): RenderedMessage {
  const text = lines.filter((l) => l !== '').join('\n');
  return { text: text.slice(0, 300), blocks: [{ type: 'section', text: { type: 'mrkdwn', text: text.slice(0, 3000) } }] };
}
