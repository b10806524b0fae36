/**
 * ci-bot's entry point: `ci-bot all|serve|worker|watch|demo|config check`. The only place (with src/roles/)
 * that constructs things. Exit codes: 0 ok, 1 runtime failure, 2 configuration problem.
 */
import { ConfigError, loadConfig, type LoadedConfig } from './config/load.ts';
import { roleWarnings } from './config/role-warnings.ts';
import { EvictionPolicyError } from './queue/connection.ts';
import { createRuntime } from './roles/runtime.ts';
import { startServe } from './roles/serve.ts';
import { startWorker } from './roles/worker.ts';
import { startOpsEndpoints } from './roles/ops-routes.ts';
import { createOutboxClient } from './slack/app.ts';
import { WebApiNotifier } from './slack/notifier.ts';

const USAGE = 'usage: ci-bot all|serve|worker|watch|demo|config check';

async function main(argv: readonly string[]): Promise<number> {
  const [role = 'all', sub] = argv;
  if (role === 'config') return configCheck(sub);
  if (!['all', 'serve', 'worker', 'watch', 'demo'].includes(role)) {
    console.error(USAGE);
    return 2;
  }
  // `ci-bot demo` is the local demo; so is `ci-bot all` (npm start) with no SLACK_BOT_TOKEN. Only the demo may
  // fall back to the demo's open defaults (everyone an admin) when there is no config file.
  if (role === 'demo' || role === 'all') {
    const local = loadConfig({ demo: true });
    if (role === 'demo' || local.mode === 'demo') {
      const demo = await loadPlayground();
      if (!demo) {
        console.error('The local demo is not part of this build (the production image leaves src/playground out); run it from a source checkout: npm ci && npm start');
        return 2;
      }
      return demo.runDemo(local, argv.slice(1));
    }
  }
  return runRoles(loadConfig(), role);
}

/**
 * The playground (src/playground: Slack emulator, cluster simulator, local services), loaded only for the demo. The
 * specifier is not a literal on purpose: the production build (tsconfig.build.json) must not follow it.
 */
type RunDemo = (loaded: LoadedConfig, args: readonly string[]) => Promise<number>;

async function loadPlayground(): Promise<{ runDemo: RunDemo } | undefined> {
  const entry = ['.', 'playground', `demo${import.meta.url.endsWith('.js') ? '.js' : '.ts'}`].join('/');
  try {
    return (await import(entry)) as { runDemo: RunDemo };
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' && String((err as Error).message).includes('playground')) return undefined;
    throw err;
  }
}

/** Starts the requested role(s) and runs until SIGTERM/SIGINT, then drains within the grace period. */
export async function runRoles(loaded: LoadedConfig, role: string): Promise<number> {
  const roles = role === 'all' ? (['serve', 'worker', 'watch'] as const) : [role as 'serve' | 'worker' | 'watch'];
  const rt = await createRuntime(loaded, { roles });
  const closers: Array<() => Promise<void>> = [];
  if (role === 'serve' || role === 'all') {
    const served = await startServe(rt);
    closers.push(() => served.close());
  }
  if (role === 'worker' || role === 'all' || role === 'watch') {
    const token = loaded.secrets.slackBotToken;
    if (!token) throw new Error(`${role} needs SLACK_BOT_TOKEN to post to Slack`);
    const client = createOutboxClient({ botToken: token, apiUrl: loaded.config.slack.apiUrl, logger: rt.logger.child({ src: 'slack' }) });
    // `watch` delivers what the features' sources post and runs the sources; it runs no tasks.
    const working = await startWorker(rt, { notifier: new WebApiNotifier(client), tasks: role !== 'watch', sources: role !== 'worker' });
    // After the front door (closed first: no new commands while tasks drain), before Redis.
    closers.push(() => working.close({ graceMs: loaded.config.tasks.shutdownGraceMs }));
    // Without the front door's server, the endpoints get their own (metrics and readiness of this process).
    if (role !== 'all') {
      const ops = await startOpsEndpoints(rt, role);
      closers.push(() => ops.close());
    }
  }
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  rt.logger.info('shutting down');
  // Bounded even if something hangs (e.g. Redis gone mid-shutdown): the grace period plus a margin, then exit.
  const deadlineMs = loaded.config.tasks.shutdownGraceMs + 15_000;
  setTimeout(() => {
    rt.logger.error({ deadlineMs }, 'shutdown did not finish in time; exiting');
    process.exit(1);
  }, deadlineMs).unref();
  for (const close of closers) await close();
  await rt.close();
  return 0;
}

function configCheck(sub: string | undefined): number {
  if (sub !== 'check') {
    console.error(USAGE);
    return 2;
  }
  const loaded = loadConfig();
  const hosts = loaded.config.inventory.hosts.length;
  console.log(`config ok (${loaded.source}): mode ${loaded.mode}, ${hosts} inventory host${hosts === 1 ? '' : 's'}`);
  for (const warning of roleWarnings(loaded.config)) console.warn(`warning: ${warning}`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    if (err instanceof EvictionPolicyError) {
      console.error(`ci-bot refuses to start: ${err.message}`);
      process.exit(2);
    }
    console.error(`ci-bot failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
