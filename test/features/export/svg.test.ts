/**
 * The `svg` export (features/export/topology-svg.ts through `exportFiles`): one `<host>.topology.svg`
 * per host — the same bytes as the diagram of the topology view and `vmtopo graph --host`
 * (features/diagram `renderDiagram`), matched against a golden file — written for files with errors
 * (drawn as badges), for the host of a VM file whose host lies in another file, and refused for an
 * unknown host.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NodeFileSystem } from 'langium/node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exportFiles } from '../../../language/src/features/export/export-files.js';
import { EXPORT_FORMATS } from '../../../language/src/features/export/formats.js';
import { documentDiagnostics, renderDiagram, sourceInfo } from '../../../language/src/features/diagram/index.js';
import { createVmtopoServices } from '../../../language/src/vmtopo-module.js';
import { expectGolden } from '../../support/golden.js';
import { buildWorkspace, readRepoFile } from '../../support/util.js';

let dir: string;
beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmtopo-svg-')); });
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const services = () => createVmtopoServices(NodeFileSystem);

function write(name: string, text: string): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
}

describe('export svg', () => {
    it('writes <host>.topology.svg: the diagram of the topology view, byte for byte, and its golden file', async () => {
        const file = write('hgx-h200.vmtopo', readRepoFile('examples/hgx-h200.vmtopo'));
        const result = await exportFiles(services(), { files: [file], format: 'svg' });
        expect(result).toEqual({ ok: true, written: [path.join(dir, 'out', 'sprocket.topology.svg')], problems: [] });
        const svg = fs.readFileSync(result.written[0], 'utf8');

        const ws = await buildWorkspace({ 'hgx-h200.vmtopo': readRepoFile('examples/hgx-h200.vmtopo') });
        const resolved = ws.resolved();
        const docs = ws.services.vmtopo.documentation.DocumentationProvider;
        const view = await renderDiagram(resolved.topology, sourceInfo(resolved, n => docs.getDocumentation(n)),
            documentDiagnostics(ws.services.shared.workspace.LangiumDocuments.all), { host: 'sprocket' });
        expect(svg).toBe(view.svg);
        expectGolden('sprocket.topology.svg', svg);
    }, 60_000);

    it('draws a file with errors instead of refusing it', async () => {
        const file = write('misconfigured.vmtopo', readRepoFile('examples/misconfigured.vmtopo'));
        const result = await exportFiles(services(), { files: [file], format: 'svg', outDir: path.join(dir, 'svg') });
        expect(result.ok).toBe(true);
        expect(result.written.length).toBeGreaterThan(0);
        expect(result.written.some(f => fs.readFileSync(f, 'utf8').includes('class="badge error"'))).toBe(true);
    }, 60_000);

    it('exports the host of a VM file whose host lies in another file of the workspace; --host picks one, an unknown one is refused', async () => {
        const text = readRepoFile('examples/hgx-h200.vmtopo');
        const cut = text.search(/^\/\*\*\n \* 4-GPU training VM/m);
        const hosts = write('hosts.vmtopo', text.slice(0, cut));
        const vms = write('vms.vmtopo', text.slice(cut));
        // Alone, the VM file names a host nobody declared: nothing to draw.
        const alone = await exportFiles(services(), { files: [vms], format: 'svg', outDir: path.join(dir, 'a') });
        expect(alone).toEqual({ ok: false, written: [], problems: [`${vms} declares no host and no VM`] });
        const both = await exportFiles(services(), { files: [hosts, vms], format: 'svg', outDir: path.join(dir, 'b'), vm: 'train-a' });
        expect(both).toEqual({ ok: true, written: [path.join(dir, 'b', 'sprocket.topology.svg')], problems: [] });
        const named = await exportFiles(services(), { files: [hosts, vms], format: 'svg', outDir: path.join(dir, 'c'), host: 'sprocket' });
        expect(named.written).toEqual([path.join(dir, 'c', 'sprocket.topology.svg')]);
        const unknown = await exportFiles(services(), { files: [hosts, vms], format: 'svg', outDir: path.join(dir, 'd'), host: 'nope' });
        expect(unknown.ok).toBe(false);
        expect(unknown.problems).toEqual([`no host named 'nope' in ${hosts}, ${vms}; hosts: sprocket`]);
        expect(fs.existsSync(path.join(dir, 'd'))).toBe(false);
    }, 60_000);

    it('refuses a format that is not in the registry, naming the formats', async () => {
        const file = write('hgx-h200.vmtopo', readRepoFile('examples/hgx-h200.vmtopo'));
        const result = await exportFiles(services(), { files: [file], format: 'pdf' });
        expect(result).toEqual({ ok: false, written: [], problems: [`unknown export format 'pdf'; formats: ${EXPORT_FORMATS.map(f => f.id).join(', ')}`] });
    });
});
