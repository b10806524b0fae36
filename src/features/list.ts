/**
 * The feature list: every capability of ci-bot, in the order `/ci help` lists their commands. A new feature is one
 * folder under src/features/ and one line here.
 */
import type { AnyFeature } from './define-feature.ts';
import { appHomeFeature } from './app-home/index.ts';
import { failoverFeature } from './failover/index.ts';
import { jenkinsFeature } from './jenkins/index.ts';
import { provisioningFeature } from './provisioning/index.ts';
import { selftestFeature } from './selftest/index.ts';
import { statusFeature } from './status/index.ts';
import { tasksFeature } from './tasks/index.ts';

export const features: readonly AnyFeature[] = [
  tasksFeature, statusFeature, provisioningFeature, selftestFeature, failoverFeature, jenkinsFeature, appHomeFeature,
];
