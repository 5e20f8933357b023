#!/usr/bin/env node
/**
 * vmtopo benchmark (`npm run bench`; never part of the tests).
 *
 * Generates synthetic workspaces of about 1k, 10k and 50k lines from the shape of
 * examples/hgx-h200.vmtopo (each copy: one host with 2 sockets, 8 PCIe switches, 8 GPUs, 10 NICs,
 * 4 NVSwitches, and 4 VMs on it; host and VM names made unique), in two layouts:
 *   - one-file: the whole workspace in one file;
 *   - split:    files of about 1k lines (8 hosts with their VMs each).
 * For each it measures, as the median of --runs runs (default 3):
 *   - full check: read + parse + link + validate every file, in-process, the code `vmtopo check` runs;
 *   - heap used after the build (after a forced GC when node runs with --expose-gc);
 *   - for the ~10k case: an incremental update after a one-character edit (TextDocuments.set +
 *     DocumentBuilder.update), which is what a keystroke costs the language server.
 * Finally it times `vmtopo check examples/hgx-h200.vmtopo` as a process (wall time, median of 5).
 *
 * Options: --sizes 1000,10000,50000  --runs 3  --layouts one-file,split  --cli-runs 5
 * The language is bundled for the benchmark with esbuild from bench/harness.ts into a temp folder.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const EXAMPLE = path.join(REPO, 'examples', 'hgx-h200.vmtopo');

function option(name, fallback) {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}
const SIZES = option('sizes', '1000,10000,50000').split(',').map(Number);
const RUNS = Number(option('runs', '3'));
const LAYOUTS = option('layouts', 'one-file,split').split(',');
const CLI_RUNS = Number(option('cli-runs', '5'));
const INCREMENTAL_SIZE = 10000;
const HOSTS_PER_SPLIT_FILE = 8;

const median = values => {
    const s = [...values].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const gc = () => { if (typeof globalThis.gc === 'function') { globalThis.gc(); globalThis.gc(); } };
const countLines = text => text.split('\n').length;

/** The example with host `sprocket` renamed to `name` and its VMs prefixed with `name-`. */
function hostCopy(template, name) {
    return template
        .replace(/\bhost sprocket\b/g, `host ${name}`)
        .replace(/^vm (\S+) on sprocket\b/gm, `vm ${name}-$1 on ${name}`);
}

/** Writes a workspace of about `targetLines` lines into `dir`; returns its files and line count. */
function generate(dir, targetLines, layout) {
    const template = fs.readFileSync(EXAMPLE, 'utf8').trimEnd() + '\n\n';
    const perCopy = countLines(template) - 1;
    const copies = Math.max(1, Math.round(targetLines / perCopy));
    const names = Array.from({ length: copies }, (_, i) => `h${String(i).padStart(4, '0')}`);
    const groups = layout === 'one-file'
        ? [names]
        : Array.from({ length: Math.ceil(copies / HOSTS_PER_SPLIT_FILE) }, (_, i) => names.slice(i * HOSTS_PER_SPLIT_FILE, (i + 1) * HOSTS_PER_SPLIT_FILE));
    fs.mkdirSync(dir, { recursive: true });
    let lines = 0;
    const files = groups.map((group, i) => {
        const text = group.map(name => hostCopy(template, name)).join('');
        lines += countLines(text) - 1;
        const file = path.join(dir, `part${String(i).padStart(3, '0')}.vmtopo`);
        fs.writeFileSync(file, text);
        return file;
    });
    return { files, lines, hosts: copies, bytes: files.reduce((n, f) => n + fs.statSync(f).size, 0) };
}

async function bundleHarness(tmp) {
    const outfile = path.join(tmp, 'harness.cjs');
    await esbuild.build({
        entryPoints: [path.join(REPO, 'bench', 'harness.ts')],
        outfile, bundle: true, platform: 'node', format: 'cjs', target: 'node22', logLevel: 'warning'
    });
    return createRequire(import.meta.url)(outfile);
}

async function main() {
    if (typeof globalThis.gc !== 'function') {
        console.error('note: run with node --expose-gc (as `npm run bench` does) for steadier heap numbers');
    }
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vmtopo-bench-'));
    const harness = await bundleHarness(tmp);
    const rows = [];
    try {
        for (const size of SIZES) {
            for (const layout of LAYOUTS) {
                const ws = generate(path.join(tmp, `${size}-${layout}`), size, layout);
                const times = [];
                let heapMiB = 0;
                let update = '';
                for (let r = 0; r < RUNS; r++) {
                    gc();
                    const run = await harness.checkWorkspace(ws.files);
                    if (run.errors > 0) {
                        throw new Error(`the generated ${size}-line workspace has ${run.errors} errors: ${JSON.stringify(run.results.flatMap(x => x.diagnostics).slice(0, 3))}`);
                    }
                    times.push(run.ms);
                    if (r === RUNS - 1) {
                        gc();
                        heapMiB = process.memoryUsage().heapUsed / 2 ** 20;
                        if (size === INCREMENTAL_SIZE) update = await measureUpdate(harness, run, ws);
                    }
                }
                rows.push({
                    lines: ws.lines, layout, files: ws.files.length, hosts: ws.hosts, vms: ws.hosts * 4,
                    kib: Math.round(ws.bytes / 1024), check: median(times), heapMiB, update
                });
                printRow(rows.at(-1), rows.length === 1);
            }
        }
        const cli = timeCli();
        console.log(`\nvmtopo check examples/hgx-h200.vmtopo (process wall time, median of ${CLI_RUNS}): ${cli.toFixed(0)} ms`);
        console.log(`node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}`);
    } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
    }
}

/** Median time of `RUNS` one-character edits in a comment of the middle file (alternating a/b). */
async function measureUpdate(harness, run, ws) {
    const file = ws.files[Math.floor(ws.files.length / 2)];
    const original = fs.readFileSync(file, 'utf8');
    const at = original.indexOf('// NUMA 1') + '// NUMA 1'.length;
    const times = [];
    for (let i = 0; i < RUNS; i++) {
        const text = original.slice(0, at) + (i % 2 ? 'b' : 'a') + original.slice(at);
        const r = await harness.editAndUpdate(run, file, text, i + 2);
        if (r.errors > 0) throw new Error(`the edit introduced ${r.errors} errors`);
        times.push(r.ms);
    }
    return `${median(times).toFixed(0)} ms`;
}

function timeCli() {
    const bundle = path.join(REPO, 'out', 'cli', 'main.cjs');
    if (!fs.existsSync(bundle)) throw new Error('out/cli/main.cjs is missing: run `npm run build` first');
    const times = [];
    for (let i = 0; i < CLI_RUNS; i++) {
        const start = performance.now();
        const r = spawnSync(process.execPath, [path.join(REPO, 'bin', 'vmtopo.js'), 'check', 'examples/hgx-h200.vmtopo'], { cwd: REPO, encoding: 'utf8' });
        times.push(performance.now() - start);
        if (r.status !== 0) throw new Error(`vmtopo check failed (${r.status}): ${r.stdout}${r.stderr}`);
    }
    return median(times);
}

function printRow(row, header) {
    const cols = [
        ['lines', 8, r => String(r.lines)],
        ['layout', 9, r => r.layout],
        ['files', 6, r => String(r.files)],
        ['hosts/VMs', 10, r => `${r.hosts}/${r.vms}`],
        ['KiB', 6, r => String(r.kib)],
        [`full check (median of ${RUNS})`, 24, r => `${r.check.toFixed(0)} ms`],
        ['heapUsed', 10, r => `${r.heapMiB.toFixed(0)} MiB`],
        ['update after 1-char edit', 24, r => r.update || '—']
    ];
    if (header) {
        console.log(cols.map(([h, w]) => h.padEnd(w)).join(' | '));
        console.log(cols.map(([, w]) => '-'.repeat(w)).join('-|-'));
    }
    console.log(cols.map(([, w, f]) => f(row).padEnd(w)).join(' | '));
}

main().catch(err => {
    console.error(`bench failed: ${err instanceof Error ? err.stack : err}`);
    process.exitCode = 1;
});
