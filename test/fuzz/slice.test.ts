/**
 * Issue #5, "Survive any input": the bounded, seeded slice of the fuzzer that `npm test` runs.
 *
 * Every input goes through test/fuzz/pipeline.ts — parse, link, validate, the resolved model, the
 * libvirt and NCCL export of every VM, hover / completion / definition / references / symbols,
 * the quick-fixes applied and re-validated, and a `host h { }` built afterwards with the same
 * services — in worker processes with a watchdog (test/fuzz/pool.ts), so a hang or a crash is
 * reported as the input's failure instead of stopping the suite. The properties: no exception
 * (nor a validation-crash diagnostic, nor console.error output), a result within the time bound,
 * well-formed XML, NCCL files within NCCL's parser limits, no quick-fix that adds an error, a
 * parser that still works afterwards.
 *
 * Inputs: SLICE_RUNS generated documents (fast-check, fixed seeds, two streams in parallel), the raw
 * reproducers of the issue, a few big inputs, and every reproducer saved in test/fuzz-corpus/ by
 * `npm run fuzz` (see its README). The long run is `npm run fuzz -- --docs 100000`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as esbuild from 'esbuild';
import fc from 'fast-check';
import { REPO } from '../support/util.js';
import { FuzzPool } from './pool.js';
import { ncclLimitProblems, type DocumentResult } from './pipeline.js';
import {
    BOUNDARY_NUMBERS, ISSUE_REPRODUCERS, MAX_DOCUMENT_BYTES, bigInputs, documentArbitrary, grammarKeywords,
    loadFuzzSources, splitFiles, stripReproducerHeader, tokenize
} from './mutate.js';

/**
 * Generated documents per `npm test` (two streams of half each): about 35 s alone on a 2-core
 * machine. VMTOPO_FUZZ_RUNS=N changes it (e.g. more in a nightly job).
 */
const SLICE_RUNS = 2 * Math.max(1, Math.round(Number(process.env.VMTOPO_FUZZ_RUNS ?? 2400) / 2));
const SLICE_SEEDS = [20_250_905, 5];
const CORPUS = path.join(REPO, 'test', 'fuzz-corpus');
const HANG_MS = 10_000;

const sources = loadFuzzSources(REPO);
let pool: FuzzPool;
let tmp: string;

beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vmtopo-fuzz-test-'));
    await esbuild.build({
        entryPoints: { worker: path.join(REPO, 'test', 'fuzz', 'worker.ts') },
        outdir: tmp, outExtension: { '.js': '.cjs' },
        bundle: true, platform: 'node', format: 'cjs', target: 'node22', sourcemap: true, logLevel: 'warning'
    });
    // The slice asks for quick-fixes on at most 3 fixable diagnostics per document (each is verified
    // with a scratch build by the provider) and runs the language services at 2 random offsets plus
    // the start and the end; `npm run fuzz` does all of them. Child processes rather than worker
    // threads: a fatal V8 error (which aborts a whole process) then fails one input, not the suite.
    pool = new FuzzPool({
        workerFile: path.join(tmp, 'worker.cjs'), workers: 2, timeoutMs: HANG_MS, isolation: 'process',
        pipeline: { slowMs: 5000, lspOffsets: 2, maxFixableDiagnostics: 3 }
    });
}, 60_000);

afterAll(async () => {
    await pool?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

/** The failures of one input, for a person: each failure, then the input (cut at 2000 characters). */
function describeFailures(name: string, text: string, result: DocumentResult): string {
    const failures = result.failures.map(f => `  [${f.kind}] ${f.stage}: ${f.message.replace(/\n/g, '\n      ')}`).join('\n');
    const shown = text.length > 2000 ? `${text.slice(0, 2000)}\n… (${text.length} characters in all)` : text;
    return `${name}: ${result.failures.length} failure(s), ${Math.round(result.ms)} ms\n${failures}\n--- input ---\n${shown}\n--- end of input ---`;
}

async function expectSurvives(name: string, text: string): Promise<DocumentResult> {
    const result = await pool.run(text);
    if (result.failures.length > 0) throw new Error(describeFailures(name, text, result));
    return result;
}

describe('the fuzz harness itself', () => {
    it('takes every keyword of the grammar into the dictionary', () => {
        expect(sources.keywords).toEqual(expect.arrayContaining(['host', 'vm', 'pcie-switch', 'vf-offset', 'GT/s', 'Gb/s', 'passthrough', 'hugepages', '{', '}', ',']));
        expect(grammarKeywords("terminal ID: /'x'/;\nA: 'a' 'b-c'; // 'no'\n")).toEqual(['a', 'b-c']);
    });

    it('generates the same documents for the same seed, none over the size bound', () => {
        const arbitrary = documentArbitrary(sources);
        const a = fc.sample(arbitrary, { seed: 42, numRuns: 200 }).map(d => d.text);
        const b = fc.sample(arbitrary, { seed: 42, numRuns: 200 }).map(d => d.text);
        expect(a).toEqual(b);
        expect(Math.max(...a.map(t => t.length))).toBeLessThanOrEqual(MAX_DOCUMENT_BYTES);
        expect(new Set(a).size).toBeGreaterThan(150);
    });

    it('tokenizes losslessly, splits workspaces at //# file: lines and strips reproducer headers', () => {
        for (const seed of sources.seeds) expect(tokenize(seed.text).map(t => t.text).join('')).toBe(seed.text);
        expect(tokenize('cores 0-7,16 at 0000:18:00.0 x "s" 1.5').map(t => t.kind).filter(k => k !== 'ws'))
            .toEqual(['word', 'cpulist', 'word', 'bdf', 'word', 'string', 'number']);
        expect(splitFiles('host h { }\n//# file: b.vmtopo\nvm v on h { }')).toEqual([
            { name: 'main.vmtopo', text: 'host h { }' }, { name: 'b.vmtopo', text: 'vm v on h { }' }
        ]);
        expect(stripReproducerHeader('//! kind: x\n//! signature: y\nhost h{gpu')).toBe('host h{gpu');
        expect(BOUNDARY_NUMBERS).toContain('9'.repeat(400));
    });

    it('knows NCCL\'s parser limits (253-character values, 16 attributes, 256 elements, one element per line)', () => {
        expect(ncclLimitProblems(`<system version="1">\n  <cpu affinity="${'f'.repeat(253)}"/>\n</system>\n`)).toEqual([]);
        const long = ncclLimitProblems(`<system version="1">\n  <cpu affinity="${'f'.repeat(254)}"/>\n</system>\n`);
        expect(long.map(p => p.signature)).toEqual(['<cpu affinity> value too long']);
        const attrs = Array.from({ length: 17 }, (_, i) => `a${String.fromCharCode(97 + i)}="1"`).join(' ');
        expect(ncclLimitProblems(`<system ${attrs}/>\n`).map(p => p.signature)).toEqual(['<system> too many attributes']);
        const many = `<system version="1">\n${'  <pci busid="0000:00:00.0"/>\n'.repeat(256)}</system>\n`;
        expect(ncclLimitProblems(many).map(p => p.signature)).toEqual(['too many elements']);
        expect(ncclLimitProblems('<?xml version="1.0"?>\n<system version="1"><cpu/></system>\n').map(p => p.signature))
            .toEqual(['XML declaration', 'line is not one element', 'line is not one element']);
        expect(ncclLimitProblems("<system version='1'>\n</system>\n").map(p => p.signature)).toEqual(['<system version> single quotes']);
    });

    it.each(['thread', 'process'] as const)('reports a hang as a failure of its input and goes on with the next one (%s)', async isolation => {
        const hangPool = new FuzzPool({ workerFile: path.join(tmp, 'worker.cjs'), workers: 1, timeoutMs: 1, isolation });
        try {
            const hang = await hangPool.run('host h { }');
            expect(hang.failures.map(f => f.kind)).toEqual(['hang']);
        } finally {
            await hangPool.close();
        }
        expect((await pool.run('host h { }')).failures).toEqual([]);
    });
});

describe('issue #5 reproducers', () => {
    it.each(ISSUE_REPRODUCERS.map(r => [r.name, r.text] as const))('%s', async (name, text) => {
        await expectSurvives(name, text);
    }, 2 * HANG_MS + 10_000);
});

describe('big inputs', () => {
    it.each(bigInputs(sources).map(r => [r.name, r.text] as const))('%s', async (name, text) => {
        await expectSurvives(name, text);
    }, 2 * HANG_MS + 10_000);
});

describe(`generated documents (${SLICE_RUNS}, seeds ${SLICE_SEEDS.join(' and ')})`, () => {
    it('survive the whole pipeline', async () => {
        const arbitrary = documentArbitrary(sources);
        const times: number[] = [];
        const started = performance.now();
        const property = fc.asyncProperty(arbitrary, async doc => {
            const result = await pool.run(doc.text);
            times.push(result.ms);
            if (result.failures.length > 0) throw new Error(describeFailures(doc.origin, doc.text, result));
        });
        // Two streams with their own seeds keep both workers busy; each shrinks its own failure
        // (interrupted after 150 s in all, keeping the smallest failing document found by then).
        const outcomes = await Promise.allSettled(SLICE_SEEDS.map(seed => fc.assert(property, {
            seed, numRuns: SLICE_RUNS / SLICE_SEEDS.length, interruptAfterTimeLimit: 150_000, includeErrorInReport: true
        })));
        const sorted = [...times].sort((a, b) => a - b);
        console.log(`fuzz slice: ${times.length} documents in ${((performance.now() - started) / 1000).toFixed(1)} s; ` +
            `per document median ${sorted[Math.floor(sorted.length / 2)]?.toFixed(1)} ms, max ${sorted.at(-1)?.toFixed(0)} ms`);
        const failed = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
        if (failed.length > 0) throw new Error(failed.map(o => (o.reason instanceof Error ? o.reason.message : String(o.reason))).join('\n\n'));
        expect(times.length).toBeGreaterThanOrEqual(SLICE_RUNS);
    }, 200_000);
});

describe('corpus replay (test/fuzz-corpus/)', () => {
    it('every saved reproducer passes the same properties', async () => {
        const files = fs.existsSync(CORPUS) ? fs.readdirSync(CORPUS).filter(n => n.endsWith('.vmtopo')).sort() : [];
        const reports = await Promise.all(files.map(async name => {
            const text = fs.readFileSync(path.join(CORPUS, name), 'utf8');
            const result = await pool.run(text);
            return result.failures.length > 0 ? describeFailures(`test/fuzz-corpus/${name}`, stripReproducerHeader(text), result) : undefined;
        }));
        const failing = reports.filter((r): r is string => r !== undefined);
        console.log(`corpus replay: ${files.length} reproducer(s) from test/fuzz-corpus/, ${failing.length} failing`);
        if (failing.length > 0) throw new Error(`${failing.length} of ${files.length} corpus reproducers fail:\n\n${failing.join('\n\n')}`);
    }, 300_000);
});
