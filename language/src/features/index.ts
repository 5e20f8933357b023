/**
 * The features whose server side `createVmtopoServices` registers (features/feature.ts): export
 * (`vmtopo.export`), import (`vmtopo/importHost`), diagram (`vmtopo/topology`) and drift
 * (`vmtopo.drift`, and the drift findings as diagnostics). A new feature adds
 * its descriptor here.
 */
import type { Feature } from './feature.js';
import { exportFeature } from './export/feature.js';
import { importFeature } from './import/feature.js';
import { diagramFeature } from './diagram/feature.js';
import { driftFeature } from './drift/feature.js';
import { planFeature } from './plan/feature.js';

export const FEATURES: readonly Feature[] = [exportFeature, importFeature, diagramFeature, driftFeature, planFeature];
