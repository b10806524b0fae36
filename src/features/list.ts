/** The features every process builds, in order. Each lives in its own file under src/roles/. */
import type { FeatureFactory } from './define-feature.ts';
import { statusFeature } from './status/index.ts';
import { provisioningFeature } from './provisioning/index.ts';

export const featureFactories: readonly FeatureFactory[] = [provisioningFeature, statusFeature];
