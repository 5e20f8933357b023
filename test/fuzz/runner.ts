/**
 * The long fuzz run (`npm run fuzz -- --docs 100000 [--seed N] [--workers 2] [--timeout-ms 10000]`),
 * bundled with test/fuzz/worker.ts by fuzz/run.mjs. It runs the issue reproducers and then
 * `--docs` generated documents (test/fuzz/mutate.ts) through the pipeline (test/fuzz/pipeline.ts)
 * in a pool of worker threads with a watchdog (test/fuzz/pool.ts), prints progress at most every
 * `--progress-ms`, and for each distinct failure (by signature) saves one reproducer — the smallest
 * failing document, minimised by deleting lines and then tokens while it still fails the same way
 * (budget: `--minimize-runs`, `--minimize-ms`) — as `test/fuzz-corpus/<kind>-<hash>.vmtopo` with a
 * `//!` header saying what failed. A signature already present in the corpus is not saved again.
 * Exit code: 0 when nothing failed, 1 otherwise, 2 for a usage error.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { FuzzPool, type Isolation } from './pool.js';
import { FAILURE_KINDS, type DocumentResult, type Failure, type FailureKind } from './pipeline.js';
import { ISSUE_REPRODUCERS, documentArbitrary, loadFuzzSources, tokenize, type GeneratedDocument } from './mutate.js';

export interface RunnerContext {
    /** Repository root. */
    repo: string;
    /** The bundled worker. */
    workerFile: string;
    argv: readonly string[];
    log?: (line: string) => void;
}

const USAGE = `usage: npm run fuzz -- [--docs N] [--seed N] [--workers N] [--timeout-ms MS] [--slow-ms MS] [--isolation thread|process]
                      [--max-mutations N] [--corpus DIR] [--no-save] [--no-minimize]
                      [--minimize-runs N] [--minimize-ms MS] [--minimize-total-ms MS]
                      [--max-reproducers N] [--progress-ms MS]`;

interface Options {
    docs: number; seed: number; workers: number; timeoutMs: number; slowMs: number; maxMutations: number;
    corpus: string; save: boolean; minimize: boolean; minimizeRuns: number; minimizeMs: number; minimizeTotalMs: number;
    maxReproducers: number; progressMs: number; isolation: Isolation;
}

function parseOptions(repo: string, argv: readonly string[]): Options {
    const o: Options = {
        docs: 10_000, seed: Date.now() % 2_147_483_647, workers: 2, timeoutMs: 10_000, slowMs: 5000, maxMutations: 8,
        corpus: path.join(repo, 'test', 'fuzz-corpus'), save: true, minimize: true, minimizeRuns: 400, minimizeMs: 20_000,
        minimizeTotalMs: 300_000, maxReproducers: 25, progressMs: 5000, isolation: 'thread'
    };
    const numeric: Record<string, keyof Options> = {
        '--docs': 'docs', '--seed': 'seed', '--workers': 'workers', '--timeout-ms': 'timeoutMs', '--slow-ms': 'slowMs',
        '--max-mutations': 'maxMutations', '--minimize-runs': 'minimizeRuns', '--minimize-ms': 'minimizeMs', '--minimize-total-ms': 'minimizeTotalMs',
        '--max-reproducers': 'maxReproducers', '--progress-ms': 'progressMs'
    };
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
        if (flag in numeric) {
            const raw = inline ?? argv[++i];
            const value = Number(raw);
            if (raw === undefined || !Number.isSafeInteger(value) || value < 0) throw new UsageError(`${flag} needs a whole number, not ${JSON.stringify(raw)}`);
            (o as unknown as Record<string, number>)[numeric[flag]] = value;
        } else if (flag === '--corpus') {
            const raw = inline ?? argv[++i];
            if (!raw) throw new UsageError('--corpus needs a folder');
            o.corpus = path.resolve(raw);
        } else if (flag === '--isolation') {
            const raw = inline ?? argv[++i];
            if (raw !== 'thread' && raw !== 'process') throw new UsageError(`--isolation is thread or process, not ${JSON.stringify(raw)}`);
            o.isolation = raw;
        } else if (flag === '--no-save') {
            o.save = false;
        } else if (flag === '--no-minimize') {
            o.minimize = false;
        } else if (flag === '--help' || flag === '-h') {
            throw new UsageError('');
        } else {
            throw new UsageError(`unknown option ${arg}`);
        }
    }
    if (o.workers < 1) throw new UsageError('--workers must be at least 1');
    if (o.timeoutMs < 1) throw new UsageError('--timeout-ms must be at least 1');
    return o;
}

class UsageError extends Error {}

interface Distinct {
    signature: string;
    kind: FailureKind;
    failure: Failure;
    text: string;
    origin: string;
    documents: number;
}

/** Runs the fuzzer; returns the process exit code. */
export async function main(context: RunnerContext): Promise<number> {
    const log = context.log ?? ((line: string) => console.log(line));
    let o: Options;
    try {
        o = parseOptions(context.repo, context.argv);
    } catch (err) {
        if (!(err instanceof UsageError)) throw err;
        if (!err.message) {
            log(USAGE);
            return 0;
        }
        console.error(`fuzz: ${err.message}`);
        console.error(USAGE);
        return 2;
    }

    const sources = loadFuzzSources(context.repo);
    const arbitrary = documentArbitrary(sources, { maxMutations: o.maxMutations });
    const pool = new FuzzPool({
        workerFile: context.workerFile, workers: o.workers, timeoutMs: o.timeoutMs, pipeline: { slowMs: o.slowMs }, isolation: o.isolation
    });
    log(`vmtopo fuzz: seed ${o.seed}, ${o.docs} generated documents + ${ISSUE_REPRODUCERS.length} issue reproducers, ` +
        `${o.workers} workers (${o.isolation === 'thread' ? 'worker threads' : 'child processes'}), hang after ${o.timeoutMs} ms, slow after ${o.slowMs} ms`);

    const started = performance.now();
    const times: number[] = [];
    const perKind = new Map<FailureKind, number>(FAILURE_KINDS.map(k => [k, 0]));
    const distinct = new Map<string, Distinct>();
    let done = 0;
    let lastProgress = performance.now();
    const total = ISSUE_REPRODUCERS.length + o.docs;

    const record = (doc: GeneratedDocument, result: DocumentResult) => {
        done++;
        times.push(result.ms);
        for (const kind of new Set(result.failures.map(f => f.kind))) perKind.set(kind, perKind.get(kind)! + 1);
        for (const failure of result.failures) {
            const known = distinct.get(failure.signature);
            if (!known) {
                distinct.set(failure.signature, { signature: failure.signature, kind: failure.kind, failure, text: doc.text, origin: doc.origin, documents: 1 });
            } else {
                known.documents++;
                if (doc.text.length < known.text.length) Object.assign(known, { failure, text: doc.text, origin: doc.origin });
            }
        }
        const now = performance.now();
        if (now - lastProgress >= o.progressMs) {
            lastProgress = now;
            const failing = [...perKind].filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ') || 'none';
            const rate = done / ((now - started) / 1000);
            log(`[fuzz] ${done}/${total} documents, ${rate.toFixed(0)}/s, failures: ${failing}, distinct ${distinct.size}, worker heap ${pool.heapMiB.map(h => h.toFixed(0)).join('/')} MiB`);
        }
    };

    // Issue reproducers first, then the generated documents, `inFlight` at a time.
    const inputs = (function* (): Generator<GeneratedDocument> {
        for (const r of ISSUE_REPRODUCERS) yield { text: r.text, origin: `issue reproducer "${r.name}"` };
        const chunk = 250;
        for (let c = 0; c * chunk < o.docs; c++) {
            const n = Math.min(chunk, o.docs - c * chunk);
            const docs = fc.sample(arbitrary, { seed: (o.seed + c * 7919) | 0, numRuns: n });
            for (let k = 0; k < docs.length; k++) {
                yield { text: docs[k].text, origin: `document ${c * chunk + k}: ${docs[k].origin}` };
            }
        }
    })();
    const inFlight = o.workers * 2;
    await Promise.all(Array.from({ length: inFlight }, async () => {
        for (let next = inputs.next(); !next.done; next = inputs.next()) {
            const doc = next.value;
            record(doc, await pool.run(doc.text));
        }
    }));
    const fuzzSeconds = (performance.now() - started) / 1000;

    // One reproducer per distinct failure.
    const saved: string[] = [];
    const inCorpus = o.save ? corpusSignatures(o.corpus) : new Map<string, string>();
    const ordered = [...distinct.values()].sort((a, b) => b.documents - a.documents);
    const minimizeUntil = performance.now() + o.minimizeTotalMs;
    for (const d of ordered.slice(0, o.maxReproducers)) {
        const existing = inCorpus.get(d.signature);
        if (existing) {
            saved.push(`${d.signature}  (${d.documents} documents) — already in the corpus: ${path.relative(context.repo, existing)}`);
            continue;
        }
        let text = wellFormed(d.text);
        let note = text === d.text ? '' : '; lone surrogates replaced by U+FFFD';
        if (o.minimize && performance.now() < minimizeUntil) {
            const result = await minimize(text, d.signature, pool, { runs: o.minimizeRuns, ms: Math.min(o.minimizeMs, minimizeUntil - performance.now()) });
            note = `${result.reproduced ? `minimised ${d.text.length} → ${result.text.length} characters in ${result.runs} runs` : 'did not fail again on a re-run (flaky?), saved as found'}${note}`;
            text = result.text;
        }
        if (!o.save) {
            saved.push(`${d.signature}  (${d.documents} documents; ${note || 'not minimised'})`);
            continue;
        }
        const file = saveReproducer(o.corpus, d, text, note, o.seed);
        inCorpus.set(d.signature, file);
        saved.push(`${d.signature}  (${d.documents} documents) → ${path.relative(context.repo, file)} (${note || 'not minimised'})`);
    }
    await pool.close();

    const sorted = [...times].sort((a, b) => a - b);
    const median = sorted.length === 0 ? 0 : sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    const failed = [...perKind.values()].some(n => n > 0);
    const row = (label: string, value: string | number) => log(`${label.padEnd(24)}${value}`);
    log('');
    row('documents run:', `${done} (${ISSUE_REPRODUCERS.length} issue reproducers + ${done - ISSUE_REPRODUCERS.length} generated, seed ${o.seed})`);
    row('exceptions:', perKind.get('exception')!);
    row('hangs:', `${perKind.get('hang')!} (no result within ${o.timeoutMs} ms)`);
    row('malformed outputs:', perKind.get('malformed')!);
    row('NCCL-limit violations:', perKind.get('nccl-limit')!);
    row('error-adding fixes:', perKind.get('error-adding-fix')!);
    row('slow documents:', `${perKind.get('slow')!} (over ${o.slowMs} ms)`);
    row('parser left broken:', perKind.get('parser-state')!);
    row('time per document:', `max ${sorted.at(-1)?.toFixed(0) ?? 0} ms, median ${median.toFixed(1)} ms`);
    row('wall time:', `${fuzzSeconds.toFixed(1)} s fuzzing, ${((performance.now() - started) / 1000).toFixed(1)} s in all`);
    row('distinct failures:', distinct.size);
    for (const line of saved) log(`  ${line}`);
    if (ordered.length > o.maxReproducers) log(`  … and ${ordered.length - o.maxReproducers} more (raise --max-reproducers)`);
    log(failed ? 'fuzz: FAILED' : 'fuzz: no failures');
    return failed ? 1 : 0;
}

/**
 * Deletes lines, then tokens, while the text still fails with `signature` (ddmin-style: chunks of
 * half the units, then a quarter, … down to single units), within the budget.
 */
export async function minimize(text: string, signature: string, pool: FuzzPool, budget: { runs: number; ms: number }):
    Promise<{ text: string; runs: number; reproduced: boolean }> {
    const deadline = performance.now() + budget.ms;
    let runs = 0;
    const fails = async (candidate: string) => {
        runs++;
        const result = await pool.run(candidate);
        return result.failures.some(f => f.signature === signature);
    };
    const exhausted = () => runs >= budget.runs || performance.now() > deadline;
    if (!(await fails(text))) return { text, runs, reproduced: false };
    let best = text;
    const splits: ((t: string) => string[])[] = [
        t => t.split(/(?<=\n)/),
        t => {
            // Each token with the whitespace before it.
            const units: string[] = [];
            let pending = '';
            for (const token of tokenize(t)) {
                if (token.kind === 'ws') pending += token.text;
                else {
                    units.push(pending + token.text);
                    pending = '';
                }
            }
            if (pending) units.push(pending);
            return units;
        }
    ];
    for (const split of splits) {
        let units = split(best);
        let chunk = Math.max(1, Math.ceil(units.length / 2));
        for (;;) {
            let changed = false;
            for (let i = 0; i < units.length && !exhausted();) {
                const candidate = [...units.slice(0, i), ...units.slice(i + chunk)];
                if (await fails(candidate.join(''))) {
                    units = candidate;
                    changed = true;
                } else {
                    i += chunk;
                }
            }
            best = units.join('');
            if (exhausted() || (chunk === 1 && !changed)) break;
            chunk = Math.max(1, Math.floor(chunk / 2));
        }
        if (exhausted()) break;
    }
    return { text: best, runs, reproduced: true };
}

/** Signatures named by the `//! signature:` header lines of the corpus files → file. */
function corpusSignatures(dir: string): Map<string, string> {
    const found = new Map<string, string>();
    if (!fs.existsSync(dir)) return found;
    for (const name of fs.readdirSync(dir).filter(n => n.endsWith('.vmtopo'))) {
        const file = path.join(dir, name);
        for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
            if (!line.startsWith('//!')) break;
            const m = /^\/\/! signature: (.*)$/.exec(line);
            if (m) found.set(m[1], file);
        }
    }
    return found;
}

function saveReproducer(dir: string, d: Distinct, text: string, note: string, seed: number): string {
    fs.mkdirSync(dir, { recursive: true });
    const hash = crypto.createHash('sha256').update(text).digest('hex').slice(0, 8);
    const file = path.join(dir, `${d.kind}-${hash}.vmtopo`);
    const oneLine = (s: string) => s.replace(/[\u0000-\u001f\u007f\u0085\u2028\u2029]/g, c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).slice(0, 400);
    if (fs.existsSync(file)) {
        // The same minimal input fails in another way too: one file, both signatures in its header.
        const lines = fs.readFileSync(file, 'utf8').split('\n');
        const end = lines.findIndex(l => !l.startsWith('//!'));
        lines.splice(end < 0 ? lines.length : end - 1, 0, `//! signature: ${d.signature}`, `//! failure: ${oneLine(d.failure.message.split('\n')[0])}`);
        fs.writeFileSync(file, lines.join('\n'));
        return file;
    }
    const header = [
        `//! vmtopo fuzz reproducer (npm run fuzz; replayed by test/fuzz/slice.test.ts): ${d.kind} in ${oneLine(d.failure.stage)}`,
        `//! signature: ${d.signature}`,
        `//! failure: ${oneLine(d.failure.message.split('\n')[0])}`,
        `//! found: npm run fuzz -- --seed ${seed}, ${oneLine(d.origin)}; ${d.documents} document(s) failed this way; ${note || 'not minimised'}`,
        '//! The lines starting with //! are not part of the input; everything below them is, byte for byte.'
    ];
    fs.writeFileSync(file, `${header.join('\n')}\n${text}`);
    return file;
}

/** The text with lone UTF-16 surrogates (which a UTF-8 file cannot hold) replaced by U+FFFD. */
function wellFormed(text: string): string {
    return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}
