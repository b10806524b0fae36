/** `/ci jenkins`: where Jenkins runs and whether it is healthy, executors, queue, dynamic Mesos agents, jobs. */
import type { Block, RenderedMessage } from '../../core/types.ts';
import { escapeMrkdwn } from '../../core/text.ts';
import type { ClusterSnapshot, JenkinsView } from '../../cluster/snapshot-types.ts';
import { appLine } from './status.ts';
import { context, count, header, nameList, partOr, plural, section, utc } from './status-format.ts';
import { roughDuration } from '../../core/duration.ts';

export function renderJenkins(s: ClusterSnapshot): RenderedMessage {
  const app = partOr(s.jenkinsApp, 'Jenkins app (Marathon)', (a) => {
    const lines = [appLine(a, s.takenAtMs)];
    const f = a.lastFailure;
    if (f) lines.push(`Last task failure${f.atMs !== undefined ? ` ${utc(f.atMs)}` : ''}${f.host ? ` on \`${escapeMrkdwn(f.host)}\`` : ''}: ${escapeMrkdwn(f.message ?? 'no message')}`);
    return lines.join('\n');
  });
  const blocks: Block[] = [
    header('Jenkins'),
    section(app),
    ...(s.jenkins.ok ? jenkinsSections(s.jenkins.value, s.takenAtMs) : [section(partOr(s.jenkins, 'Jenkins', () => ''))]),
    context(`Read at ${utc(s.takenAtMs)}`),
  ];
  const where = s.jenkinsApp.ok && s.jenkinsApp.value.tasks[0] ? ` on ${s.jenkinsApp.value.tasks[0].host}` : '';
  const text = s.jenkins.ok ? `Jenkins${where}: ${s.jenkins.value.executorsBusy}/${s.jenkins.value.executorsTotal} executors busy, queue ${s.jenkins.value.queue}` : `Jenkins: ${s.jenkins.reason.text}`;
  return { text, blocks };
}

function jenkinsSections(j: JenkinsView, now: number): Block[] {
  const waited = j.oldestQueuedMs !== undefined ? `, oldest waiting ${roughDuration(now - j.oldestQueuedMs)}` : '';
  const queue = j.queue === 0 ? 'Queue: empty' : `Queue: *${count(j.queue)}* waiting${j.stuck > 0 ? `, :warning: ${j.stuck} stuck` : ''}${waited}`;
  const nodes = `Nodes: ${count(j.nodes)}${j.nodesOffline > 0 ? ` (:red_circle: ${j.nodesOffline} offline)` : ''} · ${plural(j.mesosAgents, 'dynamic Mesos build agent')}`;
  const jobs = [`Jobs: ${count(j.jobs.total)} — ${count(j.jobs.passing)} passing, ${count(j.jobs.notBuilt)} not built`];
  if (j.jobs.failing.length > 0) jobs.push(`:red_circle: Failing: ${nameList(j.jobs.failing)}`);
  if (j.jobs.building.length > 0) jobs.push(`:hammer_and_wrench: Building: ${nameList(j.jobs.building)}`);
  return [
    section(`*Jenkins* <${encodeURI(j.url)}|${escapeMrkdwn(j.url)}>\nExecutors: ${count(j.executorsBusy)} busy of ${count(j.executorsTotal)}\n${nodes}\n${queue}`),
    section(jobs.join('\n')),
  ];
}
