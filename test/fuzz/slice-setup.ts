/**
 * What the two fuzz slices share (test/fuzz/slice.test.ts in `npm test`, test/fuzz/slice-long.test.ts
 * in `npm run test:slow`): the bundled worker, a pool of two worker processes with a hang watchdog,
 * and the report of a failing input.
 *
 * No bound on time but the watchdog: an input without a result after {@link HANG_MS} is a hang (a
 * failure); a slow input is not. Slowness is measured by `npm run bench` and `npm run fuzz`, which
 * reports inputs slower than its `--slow-ms`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import fc from 'fast-check';
import * as esbuild from 'esbuild';
import { REPO } from '../support/util.js';
import { FuzzPool } from './pool.js';
import type { DocumentResult } from './pipeline.js';
import type { GeneratedDocument } from './mutate.js';

/**
 * Watchdog per input, ms: generous, so that a machine under full load never turns a slow input
 * into a "hang" (the slowest input of the slices, 2000 VMs on one GPU, takes about 6 s on a busy
 * 2-core machine).
 */
export const HANG_MS = 120_000;

/**
 * Vitest's own timeout, a backstop behind the watchdog that only a deadlock of the harness reaches:
 * for a test of one input (which may wait behind another in the pool), or of a batch of inputs.
 */
export const testTimeout = (kind: 'input' | 'batch' = 'input') => (kind === 'input' ? 2 * HANG_MS + 60_000 : 30 * 60_000);

/** The seeds of the generated documents: two streams, one per worker. */
export const SLICE_SEEDS = [20_250_905, 5] as const;

export interface FuzzSlice {
    /** The pool (two worker processes). */
    readonly pool: FuzzPool;
    /** The bundled worker file (for a pool of one's own). */
    readonly workerFile: string;
}

/**
 * Bundles test/fuzz/worker.ts into a temp folder and starts the pool before the file's tests;
 * closes it and removes the folder after them. The returned object is filled in `beforeAll`.
 */
export function useFuzzPool(): FuzzSlice {
    const slice = {} as { pool: FuzzPool; workerFile: string };
    let tmp: string | undefined;
    beforeAll(async () => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vmtopo-fuzz-test-'));
        await esbuild.build({
            entryPoints: { worker: path.join(REPO, 'test', 'fuzz', 'worker.ts') },
            outdir: tmp, outExtension: { '.js': '.cjs' },
            bundle: true, platform: 'node', format: 'cjs', target: 'node22', sourcemap: true, logLevel: 'warning'
        });
        slice.workerFile = path.join(tmp, 'worker.cjs');
        // The slices ask for quick-fixes on at most 3 fixable diagnostics per document (each is verified
        // with a scratch build by the provider) and run the language services at 2 random offsets plus
        // the start and the end; `npm run fuzz` does all of them. Child processes rather than worker
        // threads: a fatal V8 error (which aborts a whole process) then fails one input, not the suite.
        // slowMs 0: no input fails for its time, only for a hang.
        slice.pool = new FuzzPool({
            workerFile: slice.workerFile, workers: 2, timeoutMs: HANG_MS, isolation: 'process',
            pipeline: { slowMs: 0, lspOffsets: 2, maxFixableDiagnostics: 3 }
        });
    }, testTimeout());
    afterAll(async () => {
        await slice.pool?.close();
        if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    });
    return slice;
}

/** The failures of one input, for a person: each failure, then the input (cut at 2000 characters). */
export function describeFailures(name: string, text: string, result: DocumentResult): string {
    const failures = result.failures.map(f => `  [${f.kind}] ${f.stage}: ${f.message.replace(/\n/g, '\n      ')}`).join('\n');
    const shown = text.length > 2000 ? `${text.slice(0, 2000)}\n… (${text.length} characters in all)` : text;
    return `${name}: ${result.failures.length} failure(s), ${Math.round(result.ms)} ms\n${failures}\n--- input ---\n${shown}\n--- end of input ---`;
}

/** Runs one input through the pool; throws with {@link describeFailures} when it fails. */
export async function expectSurvives(pool: FuzzPool, name: string, text: string): Promise<DocumentResult> {
    const result = await pool.run(text);
    if (result.failures.length > 0) throw new Error(describeFailures(name, text, result));
    return result;
}

/**
 * Runs `runs` generated documents (half from each of {@link SLICE_SEEDS}, in parallel, so both
 * workers are busy) through the pool; each stream shrinks its own failure to the smallest failing
 * document. Fails with every stream's report; passes only when all `runs` documents ran. Prints the
 * count and the per-document median and maximum (for a person; nothing is asserted on time).
 */
export async function expectGeneratedDocumentsSurvive(pool: FuzzPool, arbitrary: fc.Arbitrary<GeneratedDocument>, runs: number): Promise<void> {
    const times: number[] = [];
    const property = fc.asyncProperty(arbitrary, async doc => {
        const result = await pool.run(doc.text);
        times.push(result.ms);
        if (result.failures.length > 0) throw new Error(describeFailures(doc.origin, doc.text, result));
    });
    const outcomes = await Promise.allSettled(SLICE_SEEDS.map(seed => fc.assert(property, {
        seed, numRuns: Math.ceil(runs / SLICE_SEEDS.length), includeErrorInReport: true
    })));
    const sorted = [...times].sort((a, b) => a - b);
    console.log(`fuzz slice: ${times.length} documents; per document median ${sorted[Math.floor(sorted.length / 2)]?.toFixed(1)} ms, ` +
        `max ${sorted.at(-1)?.toFixed(0)} ms`);
    const failed = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed.length > 0) throw new Error(failed.map(o => (o.reason instanceof Error ? o.reason.message : String(o.reason))).join('\n\n'));
    expect(times.length).toBe(SLICE_SEEDS.length * Math.ceil(runs / SLICE_SEEDS.length));
}
