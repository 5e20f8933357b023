#!/usr/bin/env node
/**
 * vmtopo fuzzer (`npm run fuzz -- --docs 100000 [--seed N] [--workers 2] [--timeout-ms 10000]`;
 * never part of `npm test`, which runs a bounded, seeded slice: test/fuzz/slice.test.ts).
 *
 * Bundles test/fuzz/runner.ts and test/fuzz/worker.ts with esbuild into a temp folder (as
 * bench/run.mjs does with its harness) and runs the fuzzer: generated documents go through the whole
 * pipeline (parse, link, validate, model, libvirt and NCCL export, hover, completion, definition,
 * references, symbols, every quick-fix re-validated) in worker threads with a watchdog; each distinct
 * failure is saved, minimised, as test/fuzz-corpus/<kind>-<hash>.vmtopo. `--help` lists the options.
 *
 * The runner runs in a child process of this script, so that a fatal V8 error in a worker thread
 * (which aborts the whole process, unlike an exception, a hang or a heap overflow) is still
 * explained; `--isolation process` confines such an error to one worker and reports its input.
 * Exit code 0: no failure; 1: failures (see the summary); 2: usage or internal error.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { copyHighsWasm, highsCommonJs } from '../scripts/highs-wasm.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const MAIN = `
const [runnerFile, workerFile, repo, ...argv] = process.argv.slice(1);
require(runnerFile).main({ repo, workerFile, argv }).then(
    code => { process.exitCode = code; },
    err => { console.error('fuzz failed: ' + (err && err.stack || err)); process.exitCode = 2; });
`;

async function main() {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vmtopo-fuzz-'));
    try {
        await esbuild.build({
            entryPoints: {
                runner: path.join(REPO, 'test', 'fuzz', 'runner.ts'),
                worker: path.join(REPO, 'test', 'fuzz', 'worker.ts')
            },
            outdir: tmp, outExtension: { '.js': '.cjs' },
            bundle: true, platform: 'node', format: 'cjs', target: 'node22', sourcemap: true, logLevel: 'warning',
            // the planner's HiGHS, bundled as the language server bundles it (its quick-fixes re-plan VMs)
            plugins: [highsCommonJs]
        });
        copyHighsWasm(tmp);
        const run = spawnSync(process.execPath, ['-e', MAIN, path.join(tmp, 'runner.cjs'), path.join(tmp, 'worker.cjs'), REPO, ...process.argv.slice(2)], {
            stdio: 'inherit'
        });
        if (run.signal) {
            console.error(`fuzz: the run was killed by ${run.signal}. A fatal V8 error in a worker thread (e.g. "FATAL ERROR: invalid table size")` +
                ' ends the whole process; run again with --isolation process, which confines it to one worker and saves the input that caused it.');
            process.exitCode = 1;
        } else {
            process.exitCode = run.status ?? 2;
        }
    } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
    }
}

main().catch(err => {
    console.error(`fuzz failed: ${err instanceof Error ? err.stack : err}`);
    process.exitCode = 2;
});
