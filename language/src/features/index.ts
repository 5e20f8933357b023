/**
 * The features whose server side `createVmtopoServices` registers (features/feature.ts): export
 * (`vmtopo.export`), import (`vmtopo/importHost`) and diagram (`vmtopo/topology`). A new feature adds
 * its descriptor here.
 */
import type { Feature } from './feature.js';
import { exportFeature } from './export/feature.js';
import { importFeature } from './import/feature.js';
import { diagramFeature } from './diagram/feature.js';
import { planFeature } from './plan/feature.js';

export const FEATURES: readonly Feature[] = [exportFeature, importFeature, diagramFeature, planFeature];
