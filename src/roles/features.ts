/** The features every process builds, in order. Each lives in its own file under src/roles/. */
import type { FeatureFactory } from './feature.ts';

export const featureFactories: readonly FeatureFactory[] = [];
