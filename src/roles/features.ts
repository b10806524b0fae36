/** The features every process builds, in order. Each lives in its own file under src/roles/. */
import type { FeatureFactory } from './feature.ts';
import { statusFeature } from './status-feature.ts';
import { provisioningFeature } from './provisioning-feature.ts';

export const featureFactories: readonly FeatureFactory[] = [provisioningFeature, statusFeature];
