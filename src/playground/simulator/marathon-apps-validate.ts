/**
 * What Marathon's app validation answers for a POST/PUT body (JENKINS-ON-MARATHON.md §1; `SRC:api/v2/validation/
 * AppValidation.scala`, `raml/*.raml`): 400 "Invalid JSON" with a per-path type error when a field has the wrong
 * JSON type, 422 "Object is not valid" with `details: [{path, errors}]` when the values break a rule. The subset of
 * rules a Jenkins app definition can hit: resources, instances, the Docker image, host networking and ports,
 * health checks, upgradeStrategy, constraints, volumes.
 */

export interface ValidationAnswer {
  status: 400 | 422;
  body: { message: string; details: Array<{ path: string; errors: string[] }> };
}

const PROTOCOLS = new Set(['HTTP', 'HTTPS', 'TCP', 'COMMAND', 'MESOS_HTTP', 'MESOS_HTTPS', 'MESOS_TCP']);
const OPERATORS = new Set(['UNIQUE', 'CLUSTER', 'GROUP_BY', 'LIKE', 'UNLIKE', 'MAX_PER', 'IS']);

type Def = Record<string, unknown>;

/** Undefined when `def` is a valid app; otherwise the answer Marathon gives. `partial`: a PUT patch (id optional). */
export function validateApp(def: Def, opts: { partial?: boolean } = {}): ValidationAnswer | undefined {
  const types: Array<{ path: string; errors: string[] }> = [];
  const details: Array<{ path: string; errors: string[] }> = [];
  const typed = (path: string, v: unknown, want: 'number' | 'string' | 'object' | 'array') => {
    if (v === undefined || v === null) return false; // Marathon's own defaults include nulls (container, cmd …)
    const ok = want === 'array' ? Array.isArray(v) : want === 'object' ? typeof v === 'object' && v !== null && !Array.isArray(v) : typeof v === want;
    if (!ok) types.push({ path, errors: [`error.expected.js${want}`] });
    return ok;
  };
  const rule = (path: string, error: string) => details.push({ path, errors: [error] });

  if (!opts.partial && def.id === undefined) types.push({ path: '/id', errors: ['error.path.missing'] });
  if (typed('/id', def.id, 'string') && !/^\/?(([a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9])\/?)+$/.test(String(def.id))) {
    rule('/id', `'${String(def.id)}' is not a valid path`);
  }
  for (const [key, min] of [['cpus', 0.001], ['mem', 0], ['disk', 0]] as const) {
    if (typed(`/${key}`, def[key], 'number') && Number(def[key]) < min) rule(`/${key}`, `got ${String(def[key])}, expected ${min} or more`);
  }
  if (typed('/instances', def.instances, 'number') && (!Number.isInteger(def.instances) || Number(def.instances) < 0)) {
    rule('/instances', `got ${String(def.instances)}, expected 0 or more`);
  }
  const container = def.container as Def | undefined;
  if (typed('/container', container, 'object')) {
    const docker = container?.docker as Def | undefined;
    if (container?.type === 'DOCKER' && (!docker || typeof docker.image !== 'string' || docker.image.trim() === '')) {
      rule('/container/docker/image', 'must not be empty');
    }
    const volumes = container?.volumes;
    if (typed('/container/volumes', volumes, 'array')) {
      (volumes as Def[]).forEach((v, i) => {
        if (typeof v.containerPath !== 'string' || v.containerPath === '') rule(`/container/volumes(${i})/containerPath`, 'must not be empty');
        if (v.mode !== undefined && v.mode !== 'RW' && v.mode !== 'RO') rule(`/container/volumes(${i})/mode`, 'must be RW or RO');
      });
    }
  }
  const ports = def.portDefinitions;
  if (typed('/portDefinitions', ports, 'array')) {
    (ports as Def[]).forEach((p, i) => {
      const n = Number(p.port ?? 0);
      if (!Number.isInteger(n) || n < 0 || n > 65535) rule(`/portDefinitions(${i})/port`, 'got invalid port, expected 0-65535');
    });
    if (def.requirePorts === true && (ports as Def[]).some((p) => Number(p.port ?? 0) === 0)) {
      rule('/portDefinitions', 'requirePorts needs every port to be set (not 0)');
    }
  }
  const checks = def.healthChecks;
  if (typed('/healthChecks', checks, 'array')) {
    (checks as Def[]).forEach((hc, i) => {
      const at = `/healthChecks(${i})`;
      if (hc.protocol !== undefined && !PROTOCOLS.has(String(hc.protocol))) rule(`${at}/protocol`, `error.unknown.enum.literal (${[...PROTOCOLS].join(', ')})`);
      for (const k of ['gracePeriodSeconds', 'intervalSeconds', 'timeoutSeconds', 'maxConsecutiveFailures'] as const) {
        if (typed(`${at}/${k}`, hc[k], 'number') && Number(hc[k]) < 0) rule(`${at}/${k}`, `got ${String(hc[k])}, expected 0 or more`);
      }
      const portIndex = hc.portIndex;
      const count = Array.isArray(ports) ? ports.length : 1;
      if (typeof portIndex === 'number' && hc.port === undefined && (portIndex < 0 || portIndex >= count)) {
        rule(`${at}/portIndex`, `health check port index ${portIndex} must address an element of the ports array`);
      }
    });
  }
  const upgrade = def.upgradeStrategy as Def | undefined;
  if (typed('/upgradeStrategy', upgrade, 'object')) {
    for (const k of ['minimumHealthCapacity', 'maximumOverCapacity'] as const) {
      const v = upgrade?.[k];
      if (typed(`/upgradeStrategy/${k}`, v, 'number') && Number(v) > 1) rule(`/upgradeStrategy/${k}`, 'is greater than 1');
      if (typeof v === 'number' && v < 0) rule(`/upgradeStrategy/${k}`, 'is less than 0');
    }
  }
  const constraints = def.constraints;
  if (typed('/constraints', constraints, 'array')) {
    (constraints as unknown[]).forEach((c, i) => {
      if (!Array.isArray(c) || c.length < 2 || c.length > 3) return rule(`/constraints(${i})`, 'Each constraint must have either 2 or 3 fields');
      if (!OPERATORS.has(String(c[1]))) rule(`/constraints(${i})`, `Constraint operator must be one of the following: [${[...OPERATORS].join(', ')}]`);
    });
  }
  if (types.length > 0) return { status: 400, body: { message: 'Invalid JSON', details: types } };
  if (details.length > 0) return { status: 422, body: { message: 'Object is not valid', details } };
  return undefined;
}
