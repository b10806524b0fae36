/**
 * App Home: when a user opens the app's Home tab (`app_home_opened`, front door), they get the cluster status,
 * the open incidents and the running tasks (`views.publish`); the watcher re-reads them every
 * {@link REFRESH_MS} and republishes to the users who opened it when what they would see changed, rate-aware
 * (see publisher.ts). The Slack app needs the Home tab and the `app_home_opened` event (slack-app-manifest.yaml).
 */
import { takeSnapshot } from '../../cluster/snapshot.ts';
import { interruptibleSleep } from '../../core/sleep.ts';
import { defineFeature, on, type FeatureDeps } from '../define-feature.ts';
import { HomePublisher } from './publisher.ts';
import { homeBody } from './render.ts';

/** How often the watcher looks for a change. */
const REFRESH_MS = 10_000;
/** Incidents older than this are not listed as open (a lost resolve must not stay on the Home tab for ever). */
const OPEN_WINDOW_MS = 7 * 24 * 3600_000;

interface Ctx {
  publisher: HomePublisher;
  log: FeatureDeps['log'];
}

export const appHomeFeature = defineFeature({
  name: 'app-home',
  roles: ['serve', 'watch'],
  setup: (deps: FeatureDeps): Ctx => ({
    log: deps.log,
    publisher: new HomePublisher({
      home: deps.home, state: deps.state, log: deps.log,
      body: async () => {
        const [snapshot, incidents, jobs] = await Promise.all([
          takeSnapshot(deps.cluster, { jenkinsLabel: deps.config.jenkins.label }),
          deps.alerts.log.since(Date.now() - OPEN_WINDOW_MS, 200).then((l) => l.filter((r) => r.state === 'open')).catch(() => []),
          deps.tasks.listJobs().catch(() => undefined),
        ]);
        return homeBody({ snapshot, incidents, jobs }, { agentSize: { cpus: deps.config.jenkins.agentCpus, memMb: deps.config.jenkins.agentMemMb } });
      },
    }),
  }),
  events: [
    on('app_home_opened', (ctx: Ctx) => async (e) => {
      if (e.tab === 'home' && e.user) await ctx.publisher.opened(e.user);
    }),
  ],
  sources: [
    (ctx: Ctx) => ({
      name: 'app-home-refresh',
      async run(signal) {
        while (!signal.aborted) {
          // A failed read (Redis, the cluster) is logged; the next round tries again.
          await ctx.publisher.refresh(signal).catch((err: unknown) => ctx.log.warn({ err, src: 'app-home' }, 'could not refresh the Home tab'));
          // Not a bare setTimeout + abort listener: on this signal (alive as long as the watcher) every round's
          // listener, with its timer and promise, would stay for good (P5's soak: +360 of each an hour).
          await interruptibleSleep(REFRESH_MS, signal);
        }
      },
    }),
  ],
});
