/**
 * Loads the config: YAML file (CI_BOT_CONFIG, else config/ci-bot.yaml when present, else nothing — or, in the
 * local demo only, the built-in demo defaults), overlaid with the environment variables of SPEC section 8,
 * validated by one zod schema. This folder is the only reader of process.env; everything else receives a Config.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type * as z from 'zod';
import { configSchema, secretsSchema, type Config, type Secrets } from './schema.ts';
import { demoConfig } from './demo.ts';

export type SlackMode = 'demo' | 'http' | 'socket';

export interface LoadedConfig {
  config: Config;
  secrets: Secrets;
  /** `demo` when no SLACK_BOT_TOKEN is set: the local demo against the emulator and simulator. */
  mode: SlackMode;
  /** Where the YAML came from, for `config check`. */
  source: string;
  /** Names of the environment variables that were set (non-empty), so callers can tell a default from a choice. */
  envSet: ReadonlySet<string>;
}

/** Every problem found, each with its path and a plain sentence. */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export interface LoadOptions {
  /** Default process.env: the only place it is read. */
  env?: NodeJS.ProcessEnv;
  /** Laid over `env` (the local demo sets the emulator's and simulator's URLs and tokens this way). */
  overrides?: Readonly<Record<string, string | undefined>>;
  /** Overrides CI_BOT_CONFIG. */
  file?: string;
  cwd?: string;
  /**
   * The local demo (`ci-bot demo`, or `npm start` with nothing configured). Only then does a missing config file
   * mean the built-in demo defaults, which make every user an admin; otherwise it means no file (default false).
   */
  demo?: boolean;
}

const SECRET_KEYS_IN_YAML = /token|secret|password|private_?key/i;

export function loadConfig({ env: baseEnv = process.env, overrides = {}, file, cwd = process.cwd(), demo = false }: LoadOptions = {}): LoadedConfig {
  const env: NodeJS.ProcessEnv = { ...baseEnv, ...overrides };
  const problems: string[] = [];
  const { raw, source } = readYaml(file ?? env.CI_BOT_CONFIG, cwd, demo, problems);
  findSecretKeys(raw, '', problems);
  overlayEnv(raw, env, problems);
  redisTopologyConflict(raw, problems);

  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) problems.push(...describe(parsed.error).map((p) => fromEnvNote(p, env)));
  const secrets = secretsSchema.safeParse({
    slackBotToken: env.SLACK_BOT_TOKEN || undefined,
    slackSigningSecret: env.SLACK_SIGNING_SECRET || undefined,
    slackAppToken: env.SLACK_APP_TOKEN || undefined,
    jenkinsApiToken: env.JENKINS_API_TOKEN || undefined,
    marathonUser: env.MARATHON_USER || undefined,
    marathonPassword: env.MARATHON_PASSWORD || undefined,
    sshPrivateKeyPath: env.SSH_PRIVATE_KEY_PATH || undefined,
    sshKeyPassphrase: env.SSH_PRIVATE_KEY_PASSPHRASE || undefined,
    sshAuthSock: env.SSH_AUTH_SOCK || undefined,
    redisPassword: env.REDIS_PASSWORD || passwordOf(env.REDIS_URL),
    redisSentinelPassword: env.REDIS_SENTINEL_PASSWORD || undefined,
  });
  if (!secrets.success) problems.push(...describe(secrets.error, 'env'));
  if (!parsed.success || !secrets.success) throw new ConfigError(problems);

  const mode = slackMode(parsed.data, secrets.data, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  const envSet = new Set(Object.entries(env).filter(([, v]) => v !== undefined && v !== '').map(([k]) => k));
  return { config: parsed.data, secrets: secrets.data, mode, source, envSet };
}

function readYaml(path: string | undefined, cwd: string, demo: boolean, problems: string[]): { raw: Record<string, unknown>; source: string } {
  const chosen = path || (existsSync(`${cwd}/config/ci-bot.yaml`) ? `${cwd}/config/ci-bot.yaml` : undefined);
  if (chosen === undefined) {
    // A real workspace set up from the environment alone gets the schema's closed defaults (everyone a viewer);
    // the demo's open ones (everyone an admin) are for the local demo only.
    return demo
      ? { raw: structuredClone(demoConfig) as Record<string, unknown>, source: 'built-in demo defaults' }
      : { raw: {}, source: 'environment only (no config file)' };
  }
  let text: string;
  try {
    text = readFileSync(chosen, 'utf8');
  } catch (err) {
    problems.push(`${chosen}: cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    return { raw: {}, source: chosen };
  }
  try {
    const doc: unknown = parseYaml(text) ?? {};
    if (typeof doc !== 'object' || Array.isArray(doc)) {
      problems.push(`${chosen}: the top level must be a mapping of keys`);
      return { raw: {}, source: chosen };
    }
    return { raw: doc as Record<string, unknown>, source: chosen };
  } catch (err) {
    const where = err instanceof YAMLParseError && err.linePos ? ` at line ${err.linePos[0].line}` : '';
    problems.push(`${chosen}: is not valid YAML${where}`);
    return { raw: {}, source: chosen };
  }
}

/** Secrets belong in the environment; a secret-looking key in the file is refused rather than used. */
function findSecretKeys(value: unknown, path: string, problems: string[]): void {
  if (typeof value !== 'object' || value === null) return;
  for (const [key, child] of Object.entries(value)) {
    const here = path ? `${path}.${key}` : key;
    if (SECRET_KEYS_IN_YAML.test(key) && typeof child === 'string') {
      problems.push(`${here}: secrets are read only from the environment; remove this key from the file`);
    } else findSecretKeys(child, here, problems);
  }
}

function overlayEnv(raw: Record<string, unknown>, env: NodeJS.ProcessEnv, problems: string[]): void {
  const set = (path: string[], value: unknown) => {
    let node = raw;
    for (const key of path.slice(0, -1)) {
      if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    node[path.at(-1) as string] = value;
  };
  const list = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);
  if (env.SLACK_API_URL) set(['slack', 'apiUrl'], env.SLACK_API_URL);
  if (env.REDIS_URL) set(['redis', 'url'], env.REDIS_URL);
  if (env.REDIS_SENTINELS) set(['redis', 'sentinel', 'nodes'], list(env.REDIS_SENTINELS));
  if (env.REDIS_SENTINEL_MASTER) set(['redis', 'sentinel', 'masterName'], env.REDIS_SENTINEL_MASTER);
  if (env.REDIS_CLUSTER_NODES) set(['redis', 'cluster', 'nodes'], list(env.REDIS_CLUSTER_NODES));
  if (env.MESOS_URL) set(['cluster', 'mesos', 'urls'], list(env.MESOS_URL));
  if (env.MARATHON_URL) set(['cluster', 'marathon', 'urls'], list(env.MARATHON_URL));
  if (env.JENKINS_URL) set(['cluster', 'jenkins', 'url'], env.JENKINS_URL);
  if (env.JENKINS_USER) set(['cluster', 'jenkins', 'user'], env.JENKINS_USER);
  if (env.LOG_LEVEL) set(['logLevel'], env.LOG_LEVEL);
  // Roles from the environment replace the file's list for that role (user ids U…/W…, user-group ids S…).
  if (env.CI_BOT_ADMINS) set(['roles', 'admins'], list(env.CI_BOT_ADMINS));
  if (env.CI_BOT_OPERATORS) set(['roles', 'operators'], list(env.CI_BOT_OPERATORS));
  if (env.CI_BOT_VIEWERS) set(['roles', 'viewers'], list(env.CI_BOT_VIEWERS));
  if (env.PORT !== undefined && env.PORT !== '') {
    const port = Number(env.PORT);
    if (!Number.isInteger(port)) problems.push(`env.PORT: must be a whole number, got "${env.PORT}"`);
    else set(['http', 'port'], port);
  }
}

/** A URL beside sentinel or cluster is ambiguous (which one would be used?): refused, naming both. */
function redisTopologyConflict(raw: Record<string, unknown>, problems: string[]): void {
  const r = raw.redis as Record<string, unknown> | undefined;
  if (typeof r !== 'object' || r === null || r.url === undefined) return;
  const other = r.sentinel !== undefined ? 'redis.sentinel' : r.cluster !== undefined ? 'redis.cluster' : undefined;
  if (other) problems.push(`redis.url: set either a URL (redis.url or REDIS_URL) or ${other}, not both`);
}

function slackMode(config: Config, secrets: Secrets, problems: string[]): SlackMode {
  if (!secrets.slackBotToken) {
    if (secrets.slackAppToken || secrets.slackSigningSecret) {
      problems.push('env.SLACK_BOT_TOKEN: is required when SLACK_APP_TOKEN or SLACK_SIGNING_SECRET is set');
    }
    return 'demo';
  }
  const mode = config.slack.mode === 'auto' ? (secrets.slackAppToken ? 'socket' : 'http') : config.slack.mode;
  if (mode === 'socket' && !secrets.slackAppToken) {
    problems.push('env.SLACK_APP_TOKEN: Socket Mode needs an app-level token (xapp-…)');
  }
  if (mode === 'http' && !secrets.slackSigningSecret) {
    problems.push('env.SLACK_SIGNING_SECRET: HTTP mode needs the signing secret to verify requests');
  }
  return mode;
}

const ROLE_VARS: ReadonlyArray<[string, string]> = [['roles.admins', 'CI_BOT_ADMINS'], ['roles.operators', 'CI_BOT_OPERATORS'], ['roles.viewers', 'CI_BOT_VIEWERS']];

/** A problem in a role list that came from the environment names the variable, not only the config path. */
function fromEnvNote(problem: string, env: NodeJS.ProcessEnv): string {
  const hit = ROLE_VARS.find(([path, name]) => env[name] && problem.startsWith(`${path}.`));
  return hit ? `${problem} (from ${hit[1]})` : problem;
}

function passwordOf(url: string | undefined): string | undefined {
  try {
    return url ? decodeURIComponent(new URL(url).password) || undefined : undefined;
  } catch {
    return undefined;
  }
}

/** zod issues → "path: sentence" lines. */
export function describe(error: z.ZodError, root = ''): string[] {
  return error.issues.map((issue) => {
    const path = [root, ...issue.path.map(String)].filter(Boolean).join('.') || '(top level)';
    if (issue.code === 'unrecognized_keys') {
      return `${path}: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    }
    return `${path}: ${issue.message.replace(/^Invalid input: /, '')}`;
  });
}
