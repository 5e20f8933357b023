/**
 * `vmtopo graph` (the bundled CLI, bin/vmtopo.js → out/cli/main.mjs): the SVG of one host, of
 * `--host`, of `--fleet`, to stdout or `-o FILE`; the same bytes the in-process diagram (the
 * language server's view) gives; rendered by rsvg-convert (librsvg), the README screenshot's tool.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorkspace, readRepoFile, REPO } from '../support/util.js';
import { vmtopo as runVmtopo } from '../support/cli.js';
import { ensureBundle } from '../support/lsp-server.js';
import { documentDiagnostics, renderDiagram, sourceInfo } from '../../language/src/features/diagram/index.js';

const EXAMPLE = 'examples/hgx-h200.vmtopo';

/** `vmtopo ARGS` in `cwd`, with a 2-minute watchdog (a fleet layout is the slowest command). */
const vmtopo = (args: string[], cwd: string = REPO) => runVmtopo(args, cwd, {}, 120_000);

const rsvg = spawnSync('rsvg-convert', ['--version']).status === 0;
let tmp: string;
beforeAll(() => {
    ensureBundle();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vmtopo-graph-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('vmtopo graph', () => {
    it('writes the SVG of the first host to stdout, the same bytes as the in-process diagram', async () => {
        const r = vmtopo(['graph', EXAMPLE]);
        expect(r.stderr).toBe('');
        expect(r.status).toBe(0);
        expect(r.stdout.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
        const ws = await buildWorkspace({ 'hgx-h200.vmtopo': readRepoFile(EXAMPLE) });
        const resolved = ws.resolved();
        const docs = ws.services.vmtopo.documentation.DocumentationProvider;
        const inProcess = await renderDiagram(resolved.topology, sourceInfo(resolved, n => docs.getDocumentation(n)),
            documentDiagnostics(ws.services.shared.workspace.LangiumDocuments.all));
        expect(r.stdout).toBe(inProcess.svg);
    }, 120_000);

    it('writes -o FILE (and names it on stdout); --host picks the host; --fleet draws the cards', () => {
        const out = path.join(tmp, 'kvm01.svg');
        const r = vmtopo(['graph', 'examples/misconfigured.vmtopo', '--host', 'kvm01', '-o', out]);
        expect(r.status).toBe(0);
        expect(r.stdout).toBe(`${out}\n`);
        const svg = fs.readFileSync(out, 'utf8');
        expect(svg).toContain('data-node="host:kvm01"');
        expect(svg).toContain('class="badge error"');
        const fleet = vmtopo(['graph', 'examples/misconfigured.vmtopo', '--fleet']);
        expect(fleet.status).toBe(0);
        expect(fleet.stdout.match(/data-kind="hostcard"/g)?.length).toBeGreaterThan(1);
    }, 120_000);

    it('exits 2 with one line for an unknown host, listing the hosts', () => {
        const r = vmtopo(['graph', EXAMPLE, '--host', 'nope']);
        expect(r.status).toBe(2);
        expect(r.stdout).toBe('');
        expect(r.stderr).toBe("vmtopo: no host named 'nope'; hosts: sprocket\n");
    }, 120_000);

    it('lays the host out for --size: wider than tall by default, taller than wide for a narrow 500x900; a bad size is a usage error', () => {
        const size = (svg: string) => /width="([\d.]+)" height="([\d.]+)"/.exec(svg)!.slice(1).map(Number);
        const [w, h] = size(vmtopo(['graph', EXAMPLE]).stdout);
        expect(w).toBeGreaterThan(h);
        const narrow = vmtopo(['graph', EXAMPLE, '--size', '500x900']);
        expect(narrow.status).toBe(0);
        const [nw, nh] = size(narrow.stdout);
        expect(nh).toBeGreaterThan(nw);
        const bad = vmtopo(['graph', EXAMPLE, '--size', 'wide']);
        expect(bad.status).toBe(2);
        expect(bad.stdout).toBe('');
        expect(bad.stderr).toBe("vmtopo: option '--size <WxH>' argument 'wide' is invalid. Expected WIDTHxHEIGHT in px, each 50 to 20000, e.g. 500x900.\n");
    }, 120_000);

    it.skipIf(!rsvg && !process.env.CI)('renders with rsvg-convert (the README screenshot tool)', () => {
        if (!rsvg) throw new Error('rsvg-convert (Debian librsvg2-bin) is missing');
        const svg = path.join(tmp, 'hgx.svg');
        expect(vmtopo(['graph', EXAMPLE, '-o', svg]).status).toBe(0);
        const png = path.join(tmp, 'hgx.png');
        const r = spawnSync('rsvg-convert', [svg, '-o', png], { encoding: 'utf8' });
        expect(r.stderr).toBe('');
        expect(r.status).toBe(0);
        const bytes = fs.readFileSync(png);
        expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
        // Width and height from the IHDR chunk: the SVG's own size.
        const width = bytes.readUInt32BE(16);
        expect(`width="${width}"`).toBe(/width="(\d+)"/.exec(fs.readFileSync(svg, 'utf8'))![0]);
    }, 120_000);
});

if (!rsvg && !process.env.CI) console.warn('diagram-cli: rsvg-convert not installed (Debian librsvg2-bin): its test is skipped');
