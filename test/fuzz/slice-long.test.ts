/**
 * The long layer of the fuzz slice (`npm run test:slow`, a named step of .ci/run; not in `npm test`):
 * the big inputs (megabytes of comments, 200 000-character names, 2000 VMs on one GPU…) and 2,400
 * generated documents from the seeds of test/fuzz/slice.test.ts (whose 120 documents are the first
 * ones of these streams). Same pipeline, same properties, same hang watchdog and no time bound
 * (test/fuzz/slice-setup.ts). VMTOPO_FUZZ_RUNS=N changes the count (e.g. more in a nightly job).
 */
import { describe, it } from 'vitest';
import { REPO } from '../support/util.js';
import { SLICE_SEEDS, expectGeneratedDocumentsSurvive, expectSurvives, testTimeout, useFuzzPool } from './slice-setup.js';
import { bigInputs, documentArbitrary, loadFuzzSources } from './mutate.js';

/** Generated documents (two streams of half each). */
const LONG_RUNS = 2 * Math.max(1, Math.round(Number(process.env.VMTOPO_FUZZ_RUNS ?? 2400) / 2));

const sources = loadFuzzSources(REPO);
const slice = useFuzzPool();

describe('big inputs', () => {
    it.each(bigInputs(sources).map(r => [r.name, r.text] as const))('%s', async (name, text) => {
        await expectSurvives(slice.pool, name, text);
    }, testTimeout());
});

describe(`generated documents (${LONG_RUNS}, seeds ${SLICE_SEEDS.join(' and ')})`, () => {
    it('survive the whole pipeline', async () => {
        await expectGeneratedDocumentsSurvive(slice.pool, documentArbitrary(sources), LONG_RUNS);
    }, testTimeout('batch'));
});
