#!/usr/bin/env node
/**
 * vmtopo benchmark (`npm run bench`; never part of the tests).
 *
 * Workspaces are generated from the shape of examples/hgx-h200.vmtopo (each copy: one host with 2
 * sockets, 8 PCIe switches, 8 GPUs, 10 NICs, 4 NVSwitches, and 4 VMs on it; host and VM names made
 * unique). Parts (`--only sizes,fleet,lsp,cli`, default all):
 *
 * - sizes: about 1k, 10k and 50k lines (`--sizes`), in two layouts (`--layouts`):
 *     one-file: the whole workspace in one file;   split: files of about 1k lines (8 hosts each).
 *   For each, as the median of --runs runs (default 9): the full check (what `vmtopo check` runs,
 *   in-process: services, read, parse, link, validate) and its phases — parse (lexing + parsing
 *   every document), link (indexing, scopes, linking, reference index: up to IndexedReferences),
 *   validate (the rest) —, a separate parse-only run (fresh services, every document lexed and
 *   parsed with LangiumDocumentFactory.fromString, nothing else; run in turns with the checks, each
 *   after a forced GC), the heap used after the build (after a forced GC with --expose-gc) and,
 *   at ~10k lines, an in-process update after a one-character edit (TextDocuments.set +
 *   DocumentBuilder.update).
 * - fleet: `--fleet 64,640` hosts, in one file or one file per host (the host and its 4 VMs): the
 *   full check with its phases and heap, and the export of every VM to libvirt XML (exportFiles,
 *   fresh services, as `vmtopo export libvirt FILES -o DIR`) into a temp folder.
 * - lsp: keystroke → diagnostics over the BUNDLED language server (out/server/main.cjs --stdio),
 *   for a workspace of `--lsp-sizes 1000,10000` lines in one file (and, at 10k, split in files of
 *   ~1k lines, editing one of them): the document is opened, then `--edits 40` one-character
 *   didChange edits (alternately typing and deleting a letter in a comment in the middle of the
 *   file) are sent one after another, each timed until the next textDocument/publishDiagnostics
 *   for that document; `--warmup 5` edits before them are not counted. Prints p50 and p95. Also
 *   the same for a fleet of `--lsp-fleet 640` hosts (0: not; `--lsp-fleet-layouts`): in one file
 *   per host (without a target), and with the hosts in hosts files of `--lsp-hosts-per-file 16,64`
 *   hosts and each host's VMs in a file of their own that names its host there, editing a comment
 *   in a host block of the middle hosts file (the VM files of that file's hosts name it).
 * - cli: a cold start of the CLI as a process: `node -e 0`, `vmtopo --version` and `vmtopo check
 *   examples/hgx-h200.vmtopo` with the project's Node, in turns (medians of --cli-runs 15); targets:
 *   --version ≤ 2 × and check ≤ 4 × `node -e 0`.
 * - drift: `vmtopo drift` of a 64-host fleet (one file per host) against 64 bundles of untouched
 *   hosts (bench/harness.ts driftFleet: domains defined by libvirt's test driver, hugepage and sysfs
 *   tables), in-process: read and check the bundles, parse and link the files, compare, report.
 *   First run, then the median of --drift-runs 5; target ≤ 2 s, and no finding.
 * - diagram: the topology diagram's layout + render (what `vmtopo graph` runs) of one host, of the
 *   overview of a 64-host fleet and of one host of it (first run, then median of --diagram-runs 5).
 *
 * - placement: the placement planner against scheduling baselines on the openb GPU cluster trace
 *   (bench/placement.ts; the traces are read in place beside the repository): fleets of `--placement-sizes 16,64`
 *   hosts, trace order and `--placement-seeds 10` shuffled orders (mean ± standard error); only with
 *   `--only placement` (not part of the default run). `--placement-policies` picks policies.
 *
 * Before measuring, a 20-host workspace is checked 5 times and exported once (not counted), so
 * that the numbers are those of warm code, as in the language server. Then every target with its
 * value and PASS or FAIL. Ratios of the check use the document work (parse + link + validate; the
 * constant setup — services, grammar, parser — and reading the files are left out, which makes them
 * stricter); "check ÷ parse-only" divides it by the separate parse-only run (both medians, warm);
 * export ratios use the wall time.
 * `--markdown` prints the tables as Markdown (for the README).
 *
 * Options: --only PARTS  --sizes 1000,10000,50000  --layouts one-file,split  --runs 9
 *          --fleet 64,640  --fleet-runs 3  --lsp-sizes 1000,10000  --lsp-fleet 640  --edits 40  --warmup 5
 *          --lsp-hosts-per-file 16,64  --lsp-fleet-layouts per-host,hosts-files
 *          --server out/server/main.cjs  --server-node-args "--cpu-prof --cpu-prof-dir=DIR"
 *          --cli-runs 15  --drift-runs 5  --markdown
 * The language is bundled for the benchmark with esbuild from bench/harness.ts into a temp folder.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import { highsCommonJs } from '../scripts/highs-wasm.mjs';

const require = createRequire(import.meta.url);
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const EXAMPLE = path.join(REPO, 'examples', 'hgx-h200.vmtopo');
const SERVER = path.resolve(option('server', path.join(REPO, 'out', 'server', 'main.cjs')));
/** Node options for the language server process (e.g. `--cpu-prof --cpu-prof-dir=DIR` to profile it). */
const SERVER_NODE_ARGS = option('server-node-args', '').split(' ').filter(Boolean);

function option(name, fallback) {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}
const numbers = text => text.split(',').filter(Boolean).map(Number).filter(n => n > 0);
const ONLY = new Set(option('only', 'sizes,fleet,lsp,cli,diagram,template,drift').split(','));
const DIAGRAM_RUNS = Number(option('diagram-runs', '5'));
const DRIFT_RUNS = Number(option('drift-runs', '5'));
const SIZES = numbers(option('sizes', '1000,10000,50000'));
const RUNS = Number(option('runs', '9'));
const LAYOUTS = option('layouts', 'one-file,split').split(',');
const FLEET = numbers(option('fleet', '64,640'));
const FLEET_RUNS = Number(option('fleet-runs', '3'));
const LSP_SIZES = numbers(option('lsp-sizes', '1000,10000'));
const LSP_FLEET = Number(option('lsp-fleet', '640'));
const LSP_HOSTS_PER_FILE = numbers(option('lsp-hosts-per-file', '16,64'));
const LSP_FLEET_LAYOUTS = option('lsp-fleet-layouts', 'per-host,hosts-files').split(',');
const EDITS = Number(option('edits', '40'));
const WARMUP = Number(option('warmup', '5'));
const CLI_RUNS = Number(option('cli-runs', '15'));
const MARKDOWN = process.argv.includes('--markdown');
const INCREMENTAL_SIZE = 10000;
const HOSTS_PER_SPLIT_FILE = 8;
/** VMs per host copy: those of the example. */
const VMS_PER_HOST = (fs.readFileSync(EXAMPLE, 'utf8').match(/^vm /gm) ?? []).length;

const median = values => {
    const s = [...values].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
/** Nearest-rank percentile. */
const percentile = (values, p) => {
    const s = [...values].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};
const gc = () => { if (typeof globalThis.gc === 'function') { globalThis.gc(); globalThis.gc(); } };
const countLines = text => text.split('\n').length;
const ms = v => (v === undefined ? '—' : `${v.toFixed(0)} ms`);
const mib = v => `${v.toFixed(0)} MiB`;
const work = p => p.parse + p.link + p.validate;

/** The example with host `sprocket` renamed to `name` and its VMs prefixed with `name-`. */
function hostCopy(template, name) {
    return template
        .replace(/\bhost sprocket\b/g, `host ${name}`)
        .replace(/^vm (\S+) on sprocket\b/gm, `vm ${name}-$1 on ${name}`);
}

/**
 * Writes `copies` host copies into `dir`, `perFile` hosts (with their VMs) per file (Infinity: one
 * file); returns its files, line count and size.
 */
function generate(dir, copies, perFile) {
    const template = fs.readFileSync(EXAMPLE, 'utf8').trimEnd() + '\n\n';
    const names = Array.from({ length: copies }, (_, i) => `h${String(i).padStart(4, '0')}`);
    const groups = perFile === Infinity
        ? [names]
        : Array.from({ length: Math.ceil(copies / perFile) }, (_, i) => names.slice(i * perFile, (i + 1) * perFile));
    fs.mkdirSync(dir, { recursive: true });
    let lines = 0;
    const files = groups.map((group, i) => {
        const text = group.map(name => hostCopy(template, name)).join('');
        lines += countLines(text) - 1;
        const file = path.join(dir, `part${String(i).padStart(4, '0')}.vmtopo`);
        fs.writeFileSync(file, text);
        return file;
    });
    return { files, lines, hosts: copies, bytes: files.reduce((n, f) => n + fs.statSync(f).size, 0) };
}

/**
 * A fleet of `copies` hosts with the hosts and the VMs in separate files: the hosts (each with its
 * doc comment) in hosts files of `hostsPerFile` hosts, and each host's VMs in a file of their own,
 * which names its host in a hosts file. Returns the files, the hosts files and the line count.
 */
function generateHostsAndVms(dir, copies, hostsPerFile) {
    const template = fs.readFileSync(EXAMPLE, 'utf8').trimEnd() + '\n\n';
    const firstVm = template.search(/^vm /m);
    const split = template.lastIndexOf('/**', firstVm);
    const hostPart = template.slice(0, split);
    const vmPart = template.slice(split);
    const names = Array.from({ length: copies }, (_, i) => `h${String(i).padStart(4, '0')}`);
    fs.mkdirSync(dir, { recursive: true });
    let lines = 0;
    const write = (name, text) => {
        lines += countLines(text) - 1;
        const file = path.join(dir, name);
        fs.writeFileSync(file, text);
        return file;
    };
    const hostsFiles = Array.from({ length: Math.ceil(copies / hostsPerFile) }, (_, i) =>
        write(`hosts${String(i).padStart(3, '0')}.vmtopo`, names.slice(i * hostsPerFile, (i + 1) * hostsPerFile).map(name => hostCopy(hostPart, name)).join('')));
    const vmFiles = names.map(name => write(`vms-${name}.vmtopo`, hostCopy(vmPart, name)));
    const files = [...hostsFiles, ...vmFiles];
    return { files, hostsFiles, lines, hosts: copies, bytes: files.reduce((n, f) => n + fs.statSync(f).size, 0) };
}

/** A workspace of about `targetLines` lines (see the module comment). */
function generateSized(dir, targetLines, layout) {
    const perCopy = countLines(fs.readFileSync(EXAMPLE, 'utf8').trimEnd() + '\n\n') - 1;
    const copies = Math.max(1, Math.round(targetLines / perCopy));
    return generate(dir, copies, layout === 'one-file' ? Infinity : HOSTS_PER_SPLIT_FILE);
}

async function bundleHarness(tmp) {
    const outfile = path.join(tmp, 'harness.cjs');
    await esbuild.build({
        entryPoints: [path.join(REPO, 'bench', 'harness.ts')],
        outfile, bundle: true, platform: 'node', format: 'cjs', target: 'node22', logLevel: 'warning'
    });
    return require(outfile);
}

// ---- tables ----------------------------------------------------------------------------------

function printTable(title, cols, rows) {
    console.log(`\n${title}`);
    if (MARKDOWN) {
        console.log(`| ${cols.map(([h]) => h).join(' | ')} |`);
        console.log(`|${cols.map(() => '---').join('|')}|`);
        for (const r of rows) console.log(`| ${cols.map(([, , f]) => f(r)).join(' | ')} |`);
        return;
    }
    const widths = cols.map(([h, w, f]) => Math.max(w, h.length, ...rows.map(r => f(r).length)));
    console.log(cols.map(([h], i) => h.padEnd(widths[i])).join(' | '));
    console.log(widths.map(w => '-'.repeat(w)).join('-|-'));
    for (const r of rows) console.log(cols.map(([, , f], i) => f(r).padEnd(widths[i])).join(' | '));
}

const phaseCols = [
    ['parse', 7, r => ms(r.phases.parse)],
    ['link', 7, r => ms(r.phases.link)],
    ['validate', 8, r => ms(r.phases.validate)],
    ['parse-only run', 8, r => ms(r.parseOnly)],
    ['check ÷ parse-only', 6, r => (work(r.phases) / r.parseOnly).toFixed(2)]
];

// ---- in-process check ------------------------------------------------------------------------

/** Median of `runs` checks of `ws` (each phase its own median); heap after the last run. */
async function measureCheck(harness, ws, runs, afterLast) {
    const totals = [];
    const phases = { setup: [], read: [], parse: [], link: [], validate: [] };
    const parseOnly = [];
    let heapMiB = 0;
    let extra;
    for (let r = 0; r < runs; r++) {
        // The parse-only run first, then the check: each after a forced GC, in turns, so that
        // neither gets the other's garbage or the machine's better moments.
        gc();
        const parsed = harness.parseWorkspace(ws.files);
        if (parsed.errors > 0) throw new Error(`the generated workspace (${ws.lines} lines) has ${parsed.errors} parse errors`);
        parseOnly.push(parsed.ms);
        gc();
        const run = await harness.checkWorkspace(ws.files);
        if (run.errors > 0) {
            throw new Error(`the generated workspace (${ws.lines} lines) has ${run.errors} errors: ${JSON.stringify(run.results.flatMap(x => x.diagnostics).slice(0, 3))}`);
        }
        totals.push(run.ms);
        for (const k of Object.keys(phases)) phases[k].push(run.phases[k]);
        if (r === runs - 1) {
            gc();
            heapMiB = process.memoryUsage().heapUsed / 2 ** 20;
            if (afterLast) extra = await afterLast(run);
        }
    }
    return {
        check: median(totals), heapMiB, extra, parseOnly: median(parseOnly),
        phases: Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, median(v)]))
    };
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
    return median(times);
}

async function sizesPart(harness, tmp) {
    const rows = [];
    for (const size of SIZES) {
        for (const layout of LAYOUTS) {
            const ws = generateSized(path.join(tmp, `${size}-${layout}`), size, layout);
            const m = await measureCheck(harness, ws, RUNS, size === INCREMENTAL_SIZE ? run => measureUpdate(harness, run, ws) : undefined);
            rows.push({ size, lines: ws.lines, layout, files: ws.files.length, hosts: ws.hosts, kib: Math.round(ws.bytes / 1024), ...m, update: m.extra });
            process.stderr.write(`  sizes: ${ws.lines} lines ${layout} done\n`);
        }
    }
    printTable(`Workspaces by size (median of ${RUNS}; check ÷ parse-only = (parse + link + validate of the check) ÷ a separate parse-only run)`, [
        ['lines', 6, r => r.lines.toLocaleString('en-US')],
        ['layout', 8, r => r.layout],
        ['files', 5, r => String(r.files)],
        ['hosts/VMs', 9, r => `${r.hosts}/${r.hosts * VMS_PER_HOST}`],
        ['KiB', 5, r => String(r.kib)],
        ['full check', 10, r => ms(r.check)],
        ...phaseCols,
        ['heap used', 9, r => mib(r.heapMiB)],
        ['update after 1-char edit', 10, r => ms(r.update)]
    ], rows);
    return rows;
}

// ---- diagram ---------------------------------------------------------------------------------

/**
 * Topology diagram (layout + render, in-process as `vmtopo graph` runs it): one HGX host, the
 * overview of a 64-host fleet (one file per host), and one host of that fleet. The first run
 * (cold: elkjs loads and compiles) and the median of --diagram-runs after it.
 */
async function diagramPart(harness, tmp) {
    const rows = [];
    const one = generate(path.join(tmp, 'diagram-1'), 1, Infinity);
    const oneRun = await harness.checkWorkspace(one.files);
    const fleet = generate(path.join(tmp, 'diagram-64'), 64, 1);
    const fleetRun = await harness.checkWorkspace(fleet.files);
    const cases = [
        ['1 host (HGX example)', oneRun, { host: 'h0000' }],
        ['64-host fleet overview', fleetRun, { fleet: true }],
        ['1 host of the 64-host fleet', fleetRun, { host: 'h0031' }]
    ];
    for (const [what, run, options] of cases) {
        const t = await harness.diagramTimes(run, options, DIAGRAM_RUNS + 1);
        rows.push({ what, first: t.ms[0], median: median(t.ms.slice(1)), max: Math.max(...t.ms.slice(1)), nodes: t.nodes, kib: t.bytes / 1024 });
    }
    printTable(`Topology diagram: layout + render (first run, then median and max of ${DIAGRAM_RUNS})`, [
        ['diagram', 30, r => r.what], ['first', 8, r => ms(r.first)], ['median', 8, r => ms(r.median)],
        ['max', 8, r => ms(r.max)], ['nodes', 6, r => String(r.nodes)], ['SVG', 8, r => `${r.kib.toFixed(0)} KiB`]
    ], rows);
    return rows;
}

// ---- fleet -----------------------------------------------------------------------------------

async function fleetPart(harness, tmp) {
    const rows = [];
    for (const hosts of FLEET) {
        // Both layouts of one scale are measured in turns (check A, check B, export A, export B, …),
        // so that neither gets the disk's or the heap's better moments.
        const layouts = ['one-file', 'per-host'].map(layout => {
            const dir = path.join(tmp, `fleet-${hosts}-${layout}`);
            return { layout, dir, ws: generate(dir, hosts, layout === 'one-file' ? Infinity : 1), checks: [], exports: [] };
        });
        for (let r = 0; r < FLEET_RUNS; r++) {
            for (const l of layouts) l.checks.push(await measureCheck(harness, l.ws, 1));
            for (const l of layouts) {
                const out = path.join(l.dir, 'out');
                fs.rmSync(out, { recursive: true, force: true });
                gc();
                const e = await harness.exportWorkspace(l.ws.files, 'libvirt', out);
                if (!e.ok || e.written !== hosts * VMS_PER_HOST) {
                    throw new Error(`export of the ${hosts}-host fleet (${l.layout}) failed: ${e.written} written; ${e.problems.join('; ')}`);
                }
                l.exports.push(e.ms);
            }
        }
        for (const l of layouts) {
            const phases = Object.fromEntries(Object.keys(l.checks[0].phases).map(k => [k, median(l.checks.map(c => c.phases[k]))]));
            rows.push({
                hosts, layout: l.layout, lines: l.ws.lines, files: l.ws.files.length,
                check: median(l.checks.map(c => c.check)), phases, parseOnly: median(l.checks.map(c => c.parseOnly)), heapMiB: l.checks.at(-1).heapMiB, exportMs: median(l.exports)
            });
            fs.rmSync(l.dir, { recursive: true, force: true });
        }
        process.stderr.write(`  fleet: ${hosts} hosts done\n`);
    }
    printTable(`Fleet of HGX hosts (median of ${FLEET_RUNS}; export = libvirt XML of every VM into a temp folder)`, [
        ['hosts/VMs', 9, r => `${r.hosts}/${r.hosts * VMS_PER_HOST}`],
        ['layout', 8, r => r.layout],
        ['files', 5, r => String(r.files)],
        ['lines', 6, r => r.lines.toLocaleString('en-US')],
        ['full check', 10, r => ms(r.check)],
        ...phaseCols,
        ['heap used', 9, r => mib(r.heapMiB)],
        ['export', 8, r => ms(r.exportMs)]
    ], rows);
    return rows;
}

// ---- drift -----------------------------------------------------------------------------------

async function driftPart(harness, tmp) {
    const hosts = 64;
    const times = [];
    let last;
    for (let r = 0; r <= DRIFT_RUNS; r++) {
        const dir = path.join(tmp, `drift-${r}`);
        gc();
        last = await harness.driftFleet(dir, EXAMPLE, hosts);
        if (last.exit === 2) throw new Error('vmtopo drift refused the fleet');
        times.push(last.ms);
        fs.rmSync(dir, { recursive: true, force: true });
    }
    const first = times.shift();
    const result = { hosts, first, median: median(times), max: Math.max(...times), findings: last.findings, bundleKiB: last.bundleKiB / hosts };
    console.log(`\nDrift: ${hosts} hosts (${hosts} files, ${hosts} bundles of ${result.bundleKiB.toFixed(0)} KiB): first ${ms(first)}, median ${ms(result.median)}, max ${ms(result.max)} of ${DRIFT_RUNS}; ${result.findings} findings`);
    return result;
}

// ---- language server -------------------------------------------------------------------------

/** Keystroke → diagnostics over the bundled server for one workspace; returns the edit times. */
async function lspLatency(ws, edited) {
    const { createMessageConnection, StreamMessageReader, StreamMessageWriter } = require('vscode-languageserver/node');
    const dir = path.dirname(edited);
    const child = spawn(process.execPath, [...SERVER_NODE_ARGS, SERVER, '--stdio'], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', chunk => { stderr += String(chunk); });
    const connection = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    const uri = pathToFileURL(edited).toString();
    let waiter;
    connection.onNotification('textDocument/publishDiagnostics', params => {
        if (params.uri === uri && waiter) { const w = waiter; waiter = undefined; w(params); }
    });
    connection.onRequest('workspace/configuration', params => params.items.map(() => null));
    connection.onRequest('client/registerCapability', () => null);
    connection.onNotification('window/logMessage', () => undefined);
    connection.listen();
    const next = (what, timeoutMs = 60_000) => new Promise((resolve, reject) => {
        const timer = setTimeout(() => { waiter = undefined; reject(new Error(`no diagnostics for ${what} within ${timeoutMs} ms; server stderr: ${stderr.slice(-500)}`)); }, timeoutMs);
        waiter = params => { clearTimeout(timer); resolve(params); };
    });
    try {
        const rootUri = pathToFileURL(dir).toString();
        await connection.sendRequest('initialize', {
            processId: process.pid, rootUri, workspaceFolders: [{ uri: rootUri, name: 'bench' }],
            capabilities: { workspace: { workspaceFolders: true, configuration: false } }
        });
        await connection.sendNotification('initialized', {});
        let text = fs.readFileSync(edited, 'utf8');
        const opened = next('didOpen');
        await connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'vmtopo', version: 1, text } });
        await opened;
        // Let the workspace build settle: until no diagnostics come for the document for 1 s.
        for (;;) {
            try {
                await next('settling', 1000);
            } catch {
                break;
            }
        }
        const marker = '// NUMA 1';
        const offset = text.indexOf(marker, Math.floor(text.length / 2)) >= 0 ? text.indexOf(marker, Math.floor(text.length / 2)) : text.indexOf(marker);
        const before = text.slice(0, offset + marker.length);
        const line = countLines(before) - 1;
        const character = before.length - before.lastIndexOf('\n') - 1;
        const times = [];
        for (let i = 0; i < WARMUP + EDITS; i++) {
            const typing = i % 2 === 0;
            const change = typing
                ? { range: { start: { line, character }, end: { line, character } }, text: 'x' }
                : { range: { start: { line, character }, end: { line, character: character + 1 } }, text: '' };
            const published = next(`edit ${i + 1}`);
            const start = performance.now();
            await connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: i + 2 }, contentChanges: [change] });
            const params = await published;
            const elapsed = performance.now() - start;
            const errors = params.diagnostics.filter(d => (d.severity ?? 1) === 1);
            if (errors.length > 0) throw new Error(`edit ${i + 1} gave ${errors.length} errors: ${errors[0].message}`);
            if (i >= WARMUP) times.push(elapsed);
        }
        return times;
    } finally {
        // Shut the server down as a client does (so that a --cpu-prof profile is written), then make sure it is gone.
        const exited = new Promise(resolve => child.once('exit', resolve));
        try {
            await Promise.race([connection.sendRequest('shutdown').then(() => connection.sendNotification('exit')), new Promise(r => setTimeout(r, 5000))]);
        } catch { /* the server is gone already */ }
        await Promise.race([exited, new Promise(r => setTimeout(r, 10_000))]);
        connection.dispose();
        child.kill();
    }
}

async function lspPart(tmp) {
    if (!fs.existsSync(SERVER)) throw new Error('out/server/main.cjs is missing: run `npm run build` first');
    const rows = [];
    for (const size of LSP_SIZES) {
        for (const layout of size >= INCREMENTAL_SIZE ? ['one-file', 'split'] : ['one-file']) {
            if (!LAYOUTS.includes(layout)) continue;
            const ws = generateSized(path.join(tmp, `lsp-${size}-${layout}`), size, layout);
            const edited = ws.files[Math.floor(ws.files.length / 2)];
            const times = await lspLatency(ws, edited);
            rows.push({ size, lines: ws.lines, layout, files: ws.files.length, editedLines: countLines(fs.readFileSync(edited, 'utf8')) - 1, p50: percentile(times, 50), p95: percentile(times, 95), max: Math.max(...times) });
            process.stderr.write(`  lsp: ${ws.lines} lines ${layout} done\n`);
        }
    }
    if (LSP_FLEET > 0 && LSP_FLEET_LAYOUTS.includes('per-host')) {
        const ws = generate(path.join(tmp, `lsp-fleet-${LSP_FLEET}`), LSP_FLEET, 1);
        const edited = ws.files[Math.floor(ws.files.length / 2)];
        const times = await lspLatency(ws, edited);
        rows.push({ size: ws.lines, lines: ws.lines, layout: 'per-host', files: ws.files.length, editedLines: countLines(fs.readFileSync(edited, 'utf8')) - 1, p50: percentile(times, 50), p95: percentile(times, 95), max: Math.max(...times), fleet: true });
        process.stderr.write(`  lsp: fleet of ${LSP_FLEET} hosts done\n`);
    }
    for (const perFile of LSP_FLEET > 0 && LSP_FLEET_LAYOUTS.includes('hosts-files') ? LSP_HOSTS_PER_FILE : []) {
        // The same fleet with its hosts in hosts files and each host's VMs in a file that names its
        // host there: a keystroke in a hosts file, whose hosts the VM files of other files name.
        const hv = generateHostsAndVms(path.join(tmp, `lsp-fleet-${LSP_FLEET}-hosts-${perFile}`), LSP_FLEET, perFile);
        const hostsFile = hv.hostsFiles[Math.floor(hv.hostsFiles.length / 2)];
        const hvTimes = await lspLatency(hv, hostsFile);
        rows.push({
            size: hv.lines, lines: hv.lines, layout: 'hosts-files', files: hv.files.length, editedLines: countLines(fs.readFileSync(hostsFile, 'utf8')) - 1,
            p50: percentile(hvTimes, 50), p95: percentile(hvTimes, 95), max: Math.max(...hvTimes), fleet: true, hostsFile: true, perFile
        });
        process.stderr.write(`  lsp: fleet of ${LSP_FLEET} hosts, hosts files of ${perFile} done\n`);
    }
    printTable(`Keystroke → diagnostics over the bundled language server (${EDITS} edits after ${WARMUP} warm-up edits)`, [
        ['lines', 6, r => r.lines.toLocaleString('en-US')],
        ['layout', 8, r => r.hostsFile ? `fleet, hosts files of ${r.perFile} hosts + a VM file per host; edit in a hosts file` : r.fleet ? 'fleet, one file per host' : r.layout],
        ['files', 5, r => String(r.files)],
        ['edited file', 11, r => `${r.editedLines.toLocaleString('en-US')} lines`],
        ['p50', 6, r => ms(r.p50)],
        ['p95', 6, r => ms(r.p95)],
        ['max', 6, r => ms(r.max)]
    ], rows);
    return rows;
}

// ---- process ---------------------------------------------------------------------------------

/**
 * The CLI as a process, cold start each time (a new Node), against Node's own start: `node -e 0`,
 * `vmtopo --version` and `vmtopo check examples/hgx-h200.vmtopo`, each run --cli-runs times in turns
 * (so that a busy moment hits all three alike) after one run each not counted (it fills Node's
 * module compile cache, as any earlier run of the CLI does). All with the project's Node
 * (node_modules/.bin/node, the Node of the npm scripts). Medians of the wall times, in ms.
 */
function timeCli() {
    const main = path.join(REPO, 'out', 'cli', 'main.mjs');
    if (!fs.existsSync(main)) throw new Error('out/cli/main.mjs is missing: run `npm run build` first');
    const projectNode = path.join(REPO, 'node_modules', '.bin', 'node');
    const node = fs.existsSync(projectNode) ? projectNode : process.execPath;
    const commands = {
        node: ['-e', '0'],
        version: [path.join(REPO, 'bin', 'vmtopo.js'), '--version'],
        check: [path.join(REPO, 'bin', 'vmtopo.js'), 'check', 'examples/hgx-h200.vmtopo']
    };
    const run = (name) => {
        const start = performance.now();
        const r = spawnSync(node, commands[name], { cwd: REPO, encoding: 'utf8' });
        const ms = performance.now() - start;
        if (r.status !== 0) throw new Error(`${name} failed (${r.status}): ${r.stdout}${r.stderr}`);
        return ms;
    };
    const times = { node: [], version: [], check: [] };
    for (const name of Object.keys(commands)) run(name);
    for (let i = 0; i < CLI_RUNS; i++) for (const name of Object.keys(commands)) times[name].push(run(name));
    const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
    return { node: median(times.node), version: median(times.version), check: median(times.check), nodeVersion: version };
}

// ---- targets ---------------------------------------------------------------------------------

function targets(sizes, fleet, lsp, cli, drift) {
    const out = [];
    const add = (what, value, limit) => out.push({ what, value, limit, pass: value <= limit });
    // Drift (issue 16): a 64-host fleet's bundles in ≤ 2 s, and an untouched fleet has no finding.
    if (drift) {
        add(`drift: ${drift.hosts}-host fleet against ${drift.hosts} bundles, median (ms)`, drift.median, 2000);
        add(`drift: findings on ${drift.hosts} untouched hosts`, drift.findings, 0);
    }
    // Fleet: the split layout costs at most 1.2 × the one file, for the check and for the export.
    for (const hosts of FLEET) {
        const one = fleet.find(r => r.hosts === hosts && r.layout === 'one-file');
        const split = fleet.find(r => r.hosts === hosts && r.layout === 'per-host');
        if (!one || !split) continue;
        add(`fleet ${hosts} hosts: check, ${split.files} files ÷ one file`, work(split.phases) / work(one.phases), 1.2);
        add(`fleet ${hosts} hosts: export, ${split.files} files ÷ one file`, split.exportMs / one.exportMs, 1.2);
    }
    // Linear growth: 10 × the lines costs at most 11 × the time.
    const pairs = (rows, key, layouts, label, value) => {
        for (const layout of layouts) {
            for (const small of rows.filter(r => r.layout === layout)) {
                const big = rows.find(r => r.layout === layout && r[key] === small[key] * 10);
                if (big) add(`linear: ${label(big)} ÷ ${label(small)} (${layout}), ${big.lines.toLocaleString('en-US')} ÷ ${small.lines.toLocaleString('en-US')} lines`, value(big) / value(small), 11);
            }
        }
    };
    pairs(sizes, 'size', LAYOUTS, r => `check ${r.size}`, r => work(r.phases));
    pairs(fleet, 'hosts', ['one-file', 'per-host'], r => `check ${r.hosts} hosts`, r => work(r.phases));
    pairs(fleet, 'hosts', ['one-file', 'per-host'], r => `export ${r.hosts} hosts`, r => r.exportMs);
    // Full check (parse + link + validate) at most 2 × a separate parse-only run (lexing and
    // parsing every document with the same services, nothing else), both medians, at 10k and 50k lines.
    for (const r of sizes.filter(r => r.size >= 10000)) {
        add(`check ÷ parse-only run, ${r.lines.toLocaleString('en-US')} lines ${r.layout}`, work(r.phases) / r.parseOnly, 2);
    }
    // Keystroke → diagnostics p95.
    for (const r of lsp.filter(r => !r.fleet)) {
        const limit = r.size <= 1000 ? 50 : r.size <= 10000 ? 100 : undefined;
        if (limit !== undefined) add(`keystroke → diagnostics p95, ${r.lines.toLocaleString('en-US')} lines ${r.layout} (ms)`, r.p95, limit);
    }
    for (const r of lsp.filter(r => r.hostsFile)) {
        add(`keystroke → diagnostics p95, ${LSP_FLEET}-host fleet, in a hosts file that ${r.perFile} VM files name (ms)`, r.p95, 50);
    }
    // CLI start (issue 14): a cold `vmtopo --version` ≤ 2 × `node -e 0`, `vmtopo check` of the example ≤ 4 ×.
    if (cli) {
        add('CLI: vmtopo --version ÷ node -e 0', cli.version / cli.node, 2);
        add('CLI: vmtopo check examples/hgx-h200.vmtopo ÷ node -e 0', cli.check / cli.node, 4);
    }
    if (out.length === 0) return;
    const shown = t => (t.what.endsWith('(ms)') ? t.value.toFixed(0) : t.value.toFixed(2));
    if (MARKDOWN) {
        printTable('Targets', [
            ['Target', 40, t => t.what], ['Measured', 8, shown], ['Target value', 8, t => `≤ ${t.limit}`], ['', 4, t => (t.pass ? 'PASS' : 'FAIL')]
        ], out);
        return;
    }
    console.log('\nTargets');
    for (const t of out) console.log(`${t.pass ? 'PASS' : 'FAIL'}  ${t.what}: ${shown(t)} (target ≤ ${t.limit})`);
}

async function placementPart(tmp) {
    const reference = path.resolve(REPO, '..', 'shared', 'reference', 'placement');
    if (!fs.existsSync(reference)) {
        console.log('\nPlacement: skipped (the openb traces are not beside the repository)');
        return;
    }
    const outfile = path.join(tmp, 'placement.cjs');
    await esbuild.build({ entryPoints: [path.join(REPO, 'bench', 'placement.ts')], outfile, bundle: true, platform: 'node', format: 'cjs', target: 'node22', logLevel: 'error', preserveSymlinks: true, plugins: [highsCommonJs] });
    const pb = require(outfile);
    const sizes = numbers(option('placement-sizes', '16,64'));
    const seeds = Number(option('placement-seeds', '10'));
    const policies = option('placement-policies', '') ? option('placement-policies', '').split(',') : undefined;
    console.log(`\nPlacement (openb trace, H100 hosts; ${sizes.join(' and ')} hosts; trace order and ${seeds} shuffled orders)`);
    const r = await pb.placementBench({ reference, sizes, seeds, policies, log: line => console.error(line) });
    const pct = x => (x * 100).toFixed(1);
    const share = (p, k) => { const total = Object.values(p).reduce((a, b) => a + b, 0); return total ? pct((p[k] ?? 0) / total) : '-'; };
    for (const n of sizes) {
        const rows = r.trace.filter(x => x.hosts === n).map(x => {
            const sh = r.shuffled.find(y => y.hosts === n && y.policy === x.policy);
            const alloc = sh && sh.runs.length ? `${pct(pb.mean(sh.runs.map(y => y.allocated)))} ± ${pct(pb.stderr(sh.runs.map(y => y.allocated)))}` : '-';
            const strand = sh && sh.runs.length ? `${pct(pb.mean(sh.runs.map(y => y.stranded)))} ± ${pct(pb.stderr(sh.runs.map(y => y.stranded)))}` : '-';
            const crossSh = sh && sh.runs.length ? `${sh.runs.reduce((a, y) => a + y.avoidableCrossSocket, 0)}/${sh.runs.reduce((a, y) => a + y.multiGpu, 0)}` : '-';
            return { ...x, alloc, strand, crossSh };
        });
        printTable(`Placement, ${n} hosts (${rows[0]?.capacity ?? 0} GPUs): % of GPU capacity`, [
            ['policy', 26, x => x.policy],
            ['alloc. at 1st failure', 6, x => pct(x.allocatedAtFirstFailure)],
            ['alloc. at saturation', 6, x => pct(x.allocated)],
            ['stranded', 6, x => pct(x.stranded)],
            ['stranded by cause (GPU-eq)', 10, x => Object.entries(x.causes).map(([k, v]) => `${k} ${v.toFixed(2)}`).join('; ') || '-'],
            ['avoidable cross-socket / multi-GPU VMs', 6, x => `${x.avoidableCrossSocket}/${x.multiGpu}`],
            ['GPU↔NIC PIX %', 6, x => share(x.pathShares, 'PIX')],
            ['ms/request', 6, x => x.msPerRequest.toFixed(2)],
            ['shuffled: alloc. (mean ± s.e.)', 8, x => x.alloc],
            ['shuffled: stranded', 8, x => x.strand],
            ['shuffled: avoidable cross-socket', 6, x => x.crossSh]
        ], rows);
    }
    for (const b of r.batch) console.log(`\nBatch re-plan, ${b.hosts} hosts: the ${b.offered} VMs the online planner placed (trace order), re-planned as one batch on the empty fleet: ${b.placed} placed, ${pct(b.allocated)} % of GPU capacity allocated, stranded ${pct(b.stranded)} % (the planner's stranded measure over these shapes)`);
    for (const h of await pb.hgxFromScratch(REPO)) console.log(`\nOne HGX host from scratch (the example's four VMs as requests), ${h.method}: ${h.ms.toFixed(1)} ms, ${h.placed}/4 placed (target ≤ 100 ms)`);
    const small = await pb.smallInstances(reference, numbers(option('placement-prefixes', '16,32,64')));
    printTable('Placement, small instances: VMs placed on one host from a prefix of the trace (exact MILP = optimum)', [
        ['requests', 4, x => String(x.requests)],
        ['exact MILP', 4, x => String(x.milp)],
        ['planner online', 4, x => String(x.online)],
        ['planner batch heuristic', 4, x => String(x.batch)],
        ['MILP ms', 4, x => x.ms.toFixed(0)]
    ], small);
}

async function main() {
    if (typeof globalThis.gc !== 'function') {
        console.error('note: run with node --expose-gc (as `npm run bench` does) for steadier heap numbers');
    }
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vmtopo-bench-'));
    try {
        if (ONLY.size === 1 && ONLY.has('placement')) {
            await placementPart(tmp);
            return;
        }
        const harness = await bundleHarness(tmp);
        // Warm-up (not counted): checks of a 20-host workspace and one export, so that the first
        // measured rows do not pay for loading the code and for the JIT compiling it.
        const warm = generate(path.join(tmp, 'warm-up'), 20, 4);
        for (let i = 0; i < 5; i++) await harness.checkWorkspace(warm.files);
        await harness.exportWorkspace(warm.files, 'libvirt', path.join(tmp, 'warm-up', 'out'));
        const sizes = ONLY.has('sizes') ? await sizesPart(harness, tmp) : [];
        const fleet = ONLY.has('fleet') ? await fleetPart(harness, tmp) : [];
        const lsp = ONLY.has('lsp') ? await lspPart(tmp) : [];
        if (ONLY.has('diagram')) await diagramPart(harness, tmp);
        if (ONLY.has('template')) {
            // A 64-host fleet written with one host template (bench/harness.ts templateFleet).
            const t = await harness.templateFleet(path.join(tmp, 'template-fleet'), 64);
            console.log(`\nTemplate fleet: ${t.hosts} hosts from one host-template, ${t.vms} VMs, ${t.lines} lines: check ${t.check.ms.toFixed(0)} ms, ${t.check.errors} errors`);
        }
        let drift;
        if (ONLY.has('drift')) drift = await driftPart(harness, tmp);
        let cli;
        if (ONLY.has('cli')) {
            cli = timeCli();
            console.log(`\nCLI start (${cli.nodeVersion}, process wall time, median of ${CLI_RUNS} in turns): node -e 0 ${cli.node.toFixed(0)} ms, `
                + `vmtopo --version ${cli.version.toFixed(0)} ms, vmtopo check examples/hgx-h200.vmtopo ${cli.check.toFixed(0)} ms`);
        }
        targets(sizes, fleet, lsp, cli, drift);
        console.log(`\nnode ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB`);
    } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
    }
}

main().catch(err => {
    console.error(`bench failed: ${err instanceof Error ? err.stack : err}`);
    process.exitCode = 1;
});
