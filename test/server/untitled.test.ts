/**
 * Unsaved documents over the BUNDLED language server (`out/server/main.cjs`): an `untitled:` buffer
 * (a new file, the result of "vmtopo: Import Host…") is checked, hovered, completed and exported
 * like a saved file — its diagnostics are published, the topology view draws it, a VM in it links to a host in a file of the
 * workspace, and `vmtopo.export` writes its VMs from the editor's text into a folder the user chose.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
    CompletionRequest, DidOpenTextDocumentNotification, ExecuteCommandRequest, HoverRequest, PublishDiagnosticsNotification,
    type Diagnostic
} from 'vscode-languageserver/node';
import { startServer, type RunningServer } from '../support/lsp-server.js';
import { HOST } from '../support/fixtures.js';

/** The URI VS Code gives a new untitled buffer (no file name, no extension: the language comes from `languageId`). */
const UNTITLED = 'untitled:Untitled-1';

/** Two VMs on host `h` of hosts.vmtopo (on disk): `ok` is clean; `bad` pins a CPU the host lacks (LOC013). */
const VMS = `vm ok on h {
    vcpus 2 pin 0,16
    memory 8 GiB on numa 0
    gpu gpu0 passthrough
    mmio 512 GiB
}
vm bad on h {
    vcpus 2 pin 1,999
    memory 8 GiB on numa 0
}
`;

describe('an unsaved (untitled:) document over the language server', () => {
    let server: RunningServer;
    let workspace: string;
    let diagnostics: Diagnostic[];

    beforeAll(async () => {
        workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'vmtopo-untitled-'));
        fs.writeFileSync(path.join(workspace, 'hosts.vmtopo'), HOST);
        server = await startServer(workspace);
        const published = new Promise<Diagnostic[]>(resolve => {
            server.connection.onNotification(PublishDiagnosticsNotification.type, p => { if (p.uri === UNTITLED) resolve(p.diagnostics); });
        });
        await server.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: UNTITLED, languageId: 'vmtopo', version: 1, text: VMS } });
        diagnostics = await published;
    }, 120_000);
    afterAll(() => {
        server?.process.kill();
        fs.rmSync(workspace, { recursive: true, force: true });
    });

    it('publishes its diagnostics, with the host linked from a saved file of the workspace', () => {
        expect(diagnostics.map(d => d.code)).toContain('LOC013');
        // `on h` resolved to hosts.vmtopo: no linking error
        expect(diagnostics.filter(d => /Could not resolve reference/.test(typeof d.message === 'string' ? d.message : d.message.value))).toEqual([]);
        const loc013 = diagnostics.find(d => d.code === 'LOC013')!;
        expect(loc013.range.start.line).toBe(7);
    });

    it('hovers a VM with its summary', async () => {
        const hover = await server.connection.sendRequest(HoverRequest.type, { textDocument: { uri: UNTITLED }, position: { line: 0, character: 4 } });
        const contents = hover?.contents;
        const value = contents && typeof contents === 'object' && 'value' in contents && typeof contents.value === 'string' ? contents.value : '';
        expect(value).toContain('**VM `ok`** on host `h` (kvm): 2 vCPUs, 8 GiB memory');
        expect(value).toContain('`gpu0` — passthrough, H200 SXM5 141GB');
    });

    it('completes the host\'s devices inside a VM', async () => {
        const list = await server.connection.sendRequest(CompletionRequest.type, { textDocument: { uri: UNTITLED }, position: { line: 3, character: 8 } });
        const items = Array.isArray(list) ? list : list?.items ?? [];
        expect(items.map(i => i.label)).toEqual(expect.arrayContaining(['gpu0', 'gpu1', 'gpu2', 'gpu3']));
    });

    it('is drawn by the topology view (vmtopo/topology): its VMs on the host of the saved file', async () => {
        const result = await server.connection.sendRequest<{ svg: string; host?: string; vms: string[] }>('vmtopo/topology', { uri: UNTITLED });
        expect(result.host).toBe('h');
        expect(result.vms).toEqual(expect.arrayContaining(['ok', 'bad']));
        expect(result.svg).toMatch(/<svg[\s>]/);
    });

    it('exports its VMs from the editor\'s text into the chosen folder: ok written, bad refused with its error', async () => {
        const outDir = path.join(workspace, 'chosen');
        const result = await server.connection.sendRequest(ExecuteCommandRequest.type, {
            command: 'vmtopo.export', arguments: [{ file: UNTITLED, format: 'libvirt', outDir, outDirChosenByUser: true }]
        }) as { ok: boolean; written: string[]; problems: string[]; refused?: { name: string }[] };
        expect(result.written).toEqual([path.join(outDir, 'ok.domain.xml')]);
        expect(result.ok).toBe(false);
        expect(result.refused?.map(r => r.name)).toEqual(['bad']);
        expect(result.problems[0]).toMatch(/^VM bad: 1 error \(first: untitled:Untitled-1:8:\d+ error LOC013 /);
        expect(fs.readFileSync(path.join(outDir, 'ok.domain.xml'), 'utf8')).toMatch(/<name>ok<\/name>/);
        // Without a folder the user chose, an unsaved document has nowhere to go.
        const refused = await server.connection.sendRequest(ExecuteCommandRequest.type, {
            command: 'vmtopo.export', arguments: [{ file: UNTITLED, format: 'libvirt' }]
        }) as { ok: boolean; written: string[]; problems: string[] };
        expect(refused).toEqual({ ok: false, written: [], problems: [expect.stringMatching(/untitled:Untitled-1 is not saved to a file/)] });
    });
});
