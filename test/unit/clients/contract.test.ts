/**
 * Contract tests: every file under ../shared/fixtures/upstream is either parsed with the client schema of the
 * answer it represents, or listed below as not being an answer (request bodies, configs, verbatim doc text whose
 * parseable twin is checked). A new fixture that matches no rule fails the suite until it is classified.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { z } from 'zod';
import * as mesos from '../../../src/clients/mesos/schemas.ts';
import * as marathon from '../../../src/clients/marathon/schemas.ts';
import * as jenkins from '../../../src/clients/jenkins/schemas.ts';
import * as zk from '../../../src/clients/zookeeper/schemas.ts';
import { toEvent } from '../../../src/clients/marathon/event-schemas.ts';
import { decodeSseText } from '../../../src/clients/marathon/sse.ts';

import { FIXTURES } from '../../support/fixtures-dir.ts';

/** Files that are not answers ci-bot receives, each with the reason. */
const notResponses: Record<string, string> = {
  'SOURCES.md': 'provenance notes',
  'jenkins/job_config.freestyle-parameterized.cdancy.xml': 'request body of POST /createItem',
  'jenkins/job_config.freestyle.node-jenkins.xml': 'request body of POST /createItem',
  'jenkins/mesos-plugin/jcasc_mesos_cloud.dcos-testing.yaml': 'Jenkins configuration, not an API answer',
  'jenkins/mesos-plugin/jcasc_mesos_cloud.test.yaml': 'Jenkins configuration, not an API answer',
  'jenkins/mesos-plugin/mesos_cloud_config_1.x.xml': 'Jenkins configuration, not an API answer',
  'marathon/app_definitions/jenkins.mesos-plugin-dcos-testing.json': 'request body of POST /v2/apps',
  'marathon/v2_apps_PATCH_multi_request.json': 'request body of PATCH /v2/apps',
  'marathon/v2_apps_PUT_multi_request.json': 'request body of PUT /v2/apps',
  'marathon/v2_apps_id_PATCH_request.json': 'request body of PATCH /v2/apps/{id}',
  'marathon/v2_tasks_delete_POST_request.json': 'request body of POST /v2/tasks/delete',
  'marathon/legacy-1.3/v2_apps_id_GET.http.txt': 'verbatim transcript with // comments; its twin .json is parsed',
  'mesos/operator_api_v1/master.GET_AGENTS.response.doc-verbatim.txt': 'invalid doc JSON; the fixed twin is parsed',
  'mesos/operator_api_v1/event.AGENT_ADDED.doc-verbatim.txt': 'invalid doc JSON; the fixed twin is parsed',
  'mesos/operator_api_v1/event.HEARTBEAT.doc-verbatim.txt': 'invalid doc JSON; the fixed twin is parsed',
  'mesos/operator_api_v1/event.SUBSCRIBED.doc-verbatim.txt': 'doc elides get_state as {...}: not parseable',
  'zookeeper/ruok.zookeeperAdmin-doc.txt': 'shell transcript (prompt + indented imok); ruok.response.txt is the wire form',
  ...Object.fromEntries(
    ['GET_CONTAINERS', 'GET_EXECUTORS', 'GET_STATE', 'GET_TASKS'].map((t) => [
      `mesos/operator_api_v1/agent.${t}.request.json`,
      'request body of POST /api/v1 (agent)',
    ]),
  ),
  ...Object.fromEntries(
    [
      'GET_AGENTS', 'GET_EXECUTORS', 'GET_FRAMEWORKS', 'GET_HEALTH', 'GET_MASTER', 'GET_METRICS', 'GET_STATE',
      'GET_TASKS', 'GET_VERSION', 'LIST_FILES', 'READ_FILE', 'SUBSCRIBE',
    ].map((t) => [`mesos/operator_api_v1/master.${t}.request.json`, 'request body of POST /api/v1 (master)']),
  ),
};

type Decode = 'json' | 'text' | 'sse' | 'event' | 'mntr' | 'srvr' | 'doc-json';
type Rule = [RegExp, Decode, z.ZodType];

const rules: Rule[] = [
  [/^jenkins\/api_json_root\./, 'json', jenkins.RootSchema],
  [/^jenkins\/build_api_json\./, 'json', jenkins.BuildSchema],
  [/^jenkins\/build_logText_progressiveText\./, 'text', z.string().min(1)],
  [/^jenkins\/computer_api_json\./, 'json', jenkins.ComputerSetSchema],
  [/^jenkins\/computer_node_api_json\./, 'json', jenkins.ComputerSchema],
  [/^jenkins\/job_api_json\./, 'json', jenkins.JobSchema],
  [/^jenkins\/job_lastBuild_buildNumber\./, 'text', jenkins.BuildNumberTextSchema],
  [/^jenkins\/label_api_json\./, 'json', jenkins.LabelSchema],
  [/^jenkins\/queue_api_json\./, 'json', jenkins.QueueSchema],
  [/^jenkins\/queue_item_api_json\./, 'json', jenkins.QueueItemSchema],
  [/^marathon\/(captures\/)?v2_apps_GET(_embed_tasks)?[._]/, 'json', marathon.AppsResponseSchema],
  [/^marathon\/legacy-1\.3\/v2_apps_GET\.json$/, 'json', marathon.AppsResponseSchema],
  [/^marathon\/(captures|legacy-1\.3)?\/?v2_deployments_GET\./, 'json', marathon.DeploymentsResponseSchema],
  [/^marathon\/.*(_4\d\d_|\/errors\/4\d\d_).*\.json$/, 'json', marathon.ErrorBodySchema],
  [/^marathon\/errors\/\d+_.*\.json$/, 'json', marathon.ErrorBodySchema],
  [/^marathon\/captures\/v2_groups_POST_4\d\d\./, 'json', marathon.ErrorBodySchema],
  [/^marathon\/errors\/405_.*\.html$/, 'text', z.string().regex(/405/)],
  [/^marathon\/(captures\/)?v2_queue_GET\./, 'json', marathon.QueueResponseSchema],
  [/^marathon\/(captures\/|legacy-1\.3\/)?v2_(apps_id_)?tasks_(GET|DELETE)\..*json$/, 'json', marathon.TasksResponseSchema],
  [/\.text_plain\.txt$/, 'text', marathon.TaskListTextSchema],
  [/v2_apps_id_tasks_taskid_DELETE\.json$/, 'json', marathon.TaskResponseSchema],
  [/^marathon\/(legacy-1\.3\/)?v2_apps_(POST_201|POST_request_and_201_body)\.json$/, 'json', marathon.CreatedAppSchema],
  [/^marathon\/legacy-1\.3\/v2_apps_id_GET\.json$/, 'json', marathon.AppResponseSchema],
  [/_(DELETE|PUT|POST)_200\.json$|v2_deployment_result\.json$/, 'json', marathon.DeploymentResultSchema],
  [/^marathon\/v2_apps_id_versions_GET\.json$/, 'json', marathon.VersionsResponseSchema],
  [/^marathon\/v2_groups_GET\.json$/, 'json', marathon.GroupSchema],
  [/^marathon\/v2_info_GET\.json$/, 'json', marathon.InfoSchema],
  [/^marathon\/(legacy-1\.3\/)?v2_leader_GET\.json$/, 'json', marathon.LeaderSchema],
  [/^marathon\/v2_leader_DELETE\.json$/, 'json', marathon.MessageSchema],
  [/^marathon\/.*\.(txt)$/, 'sse', z.unknown()],
  [/^marathon\/events\/.*\.json$/, 'event', z.unknown()],
  [/^mesos\/agent_files_browse\./, 'json', mesos.FileBrowseSchema],
  [/^mesos\/agent_files_read\./, 'json', mesos.FileReadSchema],
  [/^mesos\/agent_metrics_snapshot\./, 'json', mesos.MetricsSnapshotSchema],
  [/^mesos\/agent_state\./, 'json', mesos.AgentStateSchema],
  [/^mesos\/master_state-summary\./, 'json', mesos.StateSummarySchema],
  [/^mesos\/master_state\./, 'json', mesos.MasterStateSchema],
  [/^mesos\/operator_api_v1\/.*\.(response|[A-Z_]+)(\.[\w.-]+)?\.json$/, 'json', mesos.V1ResponseSchema],
  [/^mesos\/version\.endpoint-doc\.txt$/, 'doc-json', mesos.VersionSchema],
  [/^zookeeper\/mntr\./, 'mntr', zk.MntrSchema],
  [/^zookeeper\/ruok\.response\.txt$/, 'text', zk.RuokSchema],
  [/^zookeeper\/stat\./, 'srvr', zk.SrvrSchema],
];

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(join(dir, e.name)) : [relative(FIXTURES, join(dir, e.name))],
  );
}

/** The doc example of /version has `//` comments and a missing comma; repair exactly those two things. */
function repairDocJson(text: string): unknown {
  const noComments = text.replace(/\s*\/\/.*$/gm, '');
  const commas = noComments.replace(/"\s*\n(\s*")/g, '",\n$1').replace(/,(\s*})/g, '$1');
  return JSON.parse(commas);
}

function check(file: string, decode: Decode, schema: z.ZodType): void {
  const text = readFileSync(join(FIXTURES, file), 'utf8');
  if (decode === 'sse') return checkSse(file, text);
  if (decode === 'event') return checkEvent(file, JSON.parse(text));
  const value =
    decode === 'json'
      ? JSON.parse(text)
      : decode === 'doc-json'
        ? repairDocJson(text)
        : decode === 'mntr'
          ? zk.mntrFields(text)
          : decode === 'srvr'
            ? zk.srvrFields(text)
            : text;
  const parsed = schema.safeParse(value);
  assert.ok(parsed.success, `${file}: ${parsed.success ? '' : JSON.stringify(parsed.error.issues.slice(0, 3))}`);
}

function checkEvent(file: string, raw: unknown): void {
  const parsed = toEvent(raw);
  assert.ok(parsed.ok, `${file}: ${parsed.ok ? '' : JSON.stringify(parsed.error.issues.slice(0, 3))}`);
}

function checkSse(file: string, text: string): void {
  const payloads = decodeSseText(text);
  assert.ok(payloads.length > 0, `${file}: no events decoded`);
  for (const p of payloads) {
    assert.ok(p.ok, `${file}: undecodable data ${p.ok ? '' : p.text.slice(0, 80)}`);
    checkEvent(file, p.value);
  }
}

const files = listFiles(FIXTURES).sort();

test('the fixture tree is found and non-trivial', () => {
  assert.ok(files.length > 150, `only ${files.length} fixture files under ${FIXTURES}`);
});

test('every explicitly listed non-response file exists (the list does not rot)', () => {
  for (const f of Object.keys(notResponses)) assert.ok(files.includes(f), `listed but missing: ${f}`);
});

for (const file of files) {
  if (notResponses[file]) continue;
  test(`fixture ${file} parses with its client schema`, () => {
    const rule = rules.find(([re]) => re.test(file));
    assert.ok(rule, `${file} matches no schema rule: classify it in contract.test.ts`);
    check(file, rule[1], rule[2]);
  });
}

/**
 * Shapes real Marathon sends during a failover that no upstream fixture shows (MARATHON-FAILOVER.md), each with
 * the source it comes from; the client schemas must accept every one.
 */
const failoverShapes: Array<[string, unknown, z.ZodType | 'event']> = [
  // InstanceChangedEventsGenerator: a brand-new instance is Scheduled before any offer matched.
  ['instance_changed_event Scheduled (host, agentId null)', {
    eventType: 'instance_changed_event', timestamp: '2026-01-01T00:00:00.000Z', instanceId: 'jenkins.instance-0b1c0c2e-1111-4222-8333-944455556666',
    condition: 'Scheduled', runSpecId: '/jenkins', agentId: null, host: null, runSpecVersion: '2026-01-01T00:00:00.000Z',
  }, 'event'],
  // S3 step 4: TASK_KILLED after a MESOS_HTTP kill → healthy null.
  ['instance_health_changed_event healthy null', {
    eventType: 'instance_health_changed_event', timestamp: 't', instanceId: 'i', runSpecId: '/jenkins', healthy: null, runSpecVersion: 'v',
  }, 'event'],
  // S4 {0,0} and S5 wipe: a late terminal status of an expunged instance.
  ['unknown_instance_terminated_event', { eventType: 'unknown_instance_terminated_event', timestamp: 't', instanceId: 'i', runSpecId: '/jenkins', condition: 'Killed' }, 'event'],
  // PartitionTest.PartitionedSlave via Marathon: TASK_UNREACHABLE with the reason's message.
  ['status_update_event TASK_UNREACHABLE', {
    eventType: 'status_update_event', timestamp: 't', slaveId: 'S1', taskId: 'jenkins.instance-x._app.1', taskStatus: 'TASK_UNREACHABLE',
    message: 'health check timed out', appId: '/jenkins', host: 'slave1', ipAddresses: [], ports: [8080], version: 'v',
  }, 'event'],
  // task.raml: healthCheckResults always present, [] before the first result; a Provisioned task shows TASK_STAGING.
  ['task with healthCheckResults []', { id: 'jenkins.instance-x._app.2', appId: '/jenkins', host: 'slave1', slaveId: 'S1', state: 'TASK_STAGING', startedAt: null, healthCheckResults: [] }, marathon.MarathonTaskSchema],
  // readonly_handler.cpp SlavesWriter after a master failover: agents only in recovered_slaves.
  ['/master/slaves during master recovery', { slaves: [], recovered_slaves: [{ id: 'S1', hostname: 'slave1', port: 5051, resources: { cpus: 2 }, attributes: {} }] }, mesos.SlavesResponseSchema],
  // PartitionTest: a framework's tasks of an unreachable agent are listed under unreachable_tasks.
  ['/master/frameworks with unreachable_tasks', {
    frameworks: [{ id: 'F', name: 'marathon', active: true, tasks: [], unreachable_tasks: [{ id: 't', name: 'n', framework_id: 'F', slave_id: 'S1', state: 'TASK_UNREACHABLE', resources: {} }] }],
  }, mesos.FrameworksResponseSchema],
];

for (const [name, value, schema] of failoverShapes) {
  test(`failover shape parses: ${name}`, () => {
    if (schema === 'event') return checkEvent(name, value);
    const parsed = schema.safeParse(value);
    assert.ok(parsed.success, `${name}: ${parsed.success ? '' : JSON.stringify(parsed.error.issues.slice(0, 3))}`);
  });
}
