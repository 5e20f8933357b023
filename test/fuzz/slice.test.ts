/**
 * Issue #5, "Survive any input": the small, seeded slice of the fuzzer that `npm test` runs.
 *
 * Every input goes through test/fuzz/pipeline.ts — parse, link, validate, the resolved model, the
 * libvirt and NCCL export of every VM, hover / completion / definition / references / symbols,
 * the quick-fixes applied and re-validated, and a `host h { }` built afterwards with the same
 * services — in worker processes with a watchdog (test/fuzz/pool.ts, test/fuzz/slice-setup.ts), so
 * a hang or a crash is reported as the input's failure instead of stopping the suite. The
 * properties: no exception (nor a validation-crash diagnostic, nor console.error output), no hang,
 * well-formed XML, NCCL files within NCCL's parser limits, no quick-fix that adds an error, a parser
 * that still works afterwards. No input fails for being slow: the only time bound is the hang
 * watchdog (`npm run bench` and `npm run fuzz` measure speed).
 *
 * Inputs: a fixed count of generated documents ({@link SLICE_RUNS}, fast-check, fixed seeds, two
 * streams in parallel), the raw reproducers of the issue, and every reproducer saved in
 * test/fuzz-corpus/ by `npm run fuzz` (see its README). The same seeds go on for 2,400 documents,
 * with the big inputs, in test/fuzz/slice-long.test.ts (`npm run test:slow`); the long run is
 * `npm run fuzz -- --docs 100000`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { REPO } from '../support/util.js';
import { FuzzPool } from './pool.js';
import { ncclLimitProblems } from './pipeline.js';
import { SLICE_SEEDS, describeFailures, expectSurvives, expectGeneratedDocumentsSurvive, testTimeout, useFuzzPool } from './slice-setup.js';
import {
    BOUNDARY_NUMBERS, ISSUE_REPRODUCERS, MAX_DOCUMENT_BYTES, documentArbitrary, grammarKeywords,
    loadFuzzSources, splitFiles, stripReproducerHeader, tokenize
} from './mutate.js';

/** Generated documents in `npm test` (two streams of half each, seeds {@link SLICE_SEEDS}): a fixed count. */
const SLICE_RUNS = 120;
const CORPUS = path.join(REPO, 'test', 'fuzz-corpus');

const sources = loadFuzzSources(REPO);
const slice = useFuzzPool();

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
        // A 1 ms watchdog: no input gets through the whole pipeline that fast, so this one "hangs".
        const hangPool = new FuzzPool({ workerFile: slice.workerFile, workers: 1, timeoutMs: 1, isolation });
        try {
            const hang = await hangPool.run('host h { }');
            expect(hang.failures.map(f => f.kind)).toEqual(['hang']);
        } finally {
            await hangPool.close();
        }
        expect((await slice.pool.run('host h { }')).failures).toEqual([]);
    }, testTimeout());
});

describe('issue #5 reproducers', () => {
    it.each(ISSUE_REPRODUCERS.map(r => [r.name, r.text] as const))('%s', async (name, text) => {
        await expectSurvives(slice.pool, name, text);
    }, testTimeout());
});

describe(`generated documents (${SLICE_RUNS}, seeds ${SLICE_SEEDS.join(' and ')})`, () => {
    it('survive the whole pipeline', async () => {
        await expectGeneratedDocumentsSurvive(slice.pool, documentArbitrary(sources), SLICE_RUNS);
    }, testTimeout('batch'));
});

describe('corpus replay (test/fuzz-corpus/)', () => {
    it('every saved reproducer passes the same properties', async () => {
        const files = fs.existsSync(CORPUS) ? fs.readdirSync(CORPUS).filter(n => n.endsWith('.vmtopo')).sort() : [];
        const reports = await Promise.all(files.map(async name => {
            const text = fs.readFileSync(path.join(CORPUS, name), 'utf8');
            const result = await slice.pool.run(text);
            return result.failures.length > 0 ? describeFailures(`test/fuzz-corpus/${name}`, stripReproducerHeader(text), result) : undefined;
        }));
        const failing = reports.filter((r): r is string => r !== undefined);
        console.log(`corpus replay: ${files.length} reproducer(s) from test/fuzz-corpus/, ${failing.length} failing`);
        if (failing.length > 0) throw new Error(`${failing.length} of ${files.length} corpus reproducers fail:\n\n${failing.join('\n\n')}`);
        expect(files.length).toBeGreaterThan(0);
    }, testTimeout('batch'));
});
