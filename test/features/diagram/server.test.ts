/**
 * The `vmtopo/topology` request: over the BUNDLED language server (layout in its worker thread,
 * out/server/diagram-worker.cjs), and the server-side service's policies in-process: one layout
 * in flight per document (waiting requests get the newest answer), and the time budget (past it, the
 * previous diagram is answered with `stale: true`; the real worker is stopped).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DidOpenTextDocumentNotification, HoverRequest, type Hover, type MarkupContent } from 'vscode-languageserver/node';
import type { ElkNode } from 'elkjs/lib/elk-api.js';
import { buildWorkspace, readRepoFile, REPO } from '../../support/util.js';
import { startServer, uriOf, type RunningServer } from '../../support/lsp-server.js';
import { TOPOLOGY_REQUEST, type TopologyParams, type TopologyResult } from '../../../language/src/protocol.js';
import { TopologyService, WorkerLayoutEngine } from '../../../language/src/features/diagram/server.js';
import { inProcessEngine, type LayoutEngine } from '../../../language/src/features/diagram/layout.js';

const HGX = readRepoFile('examples/hgx-h200.vmtopo');
const BAD = readRepoFile('examples/misconfigured.vmtopo');
const WORKER = path.join(REPO, 'out/server/diagram-worker.cjs');

describe('vmtopo/topology over the bundled language server', () => {
    let dir: string;
    let server: RunningServer;
    beforeAll(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmtopo-topology-lsp-'));
        fs.writeFileSync(path.join(dir, 'hgx.vmtopo'), HGX);
        server = await startServer(dir);
        await open('hgx.vmtopo', HGX);
    }, 120_000);
    afterAll(() => {
        server?.connection.dispose();
        server?.process.kill();
        fs.rmSync(dir, { recursive: true, force: true });
    });
    /** Opens a document in the editor (the misconfigured one only from the second test on). */
    const open = (name: string, text: string) => server.connection.sendNotification(DidOpenTextDocumentNotification.type, {
        textDocument: { uri: uriOf(path.join(dir, name)), languageId: 'vmtopo', version: 1, text }
    });
    const request = (params: TopologyParams) => server.connection.sendRequest<TopologyResult>(TOPOLOGY_REQUEST, params);

    it('answers the SVG, the node facts and their source ranges; the SVG is the in-process one', async () => {
        const uri = uriOf(path.join(dir, 'hgx.vmtopo'));
        const result = await request({ uri });
        expect(result.stale).toBe(false);
        expect(result.view).toBe('host');
        expect(result.host).toBe('sprocket');
        const gpu0 = result.nodes.find(n => n.id === 'dev:sprocket/gpu0')!;
        const line = HGX.split('\n').findIndex(l => l.includes('gpu gpu0 '));
        expect(gpu0.range).toEqual({ uri, start: { line, character: 8 }, end: { line, character: HGX.split('\n')[line].trimEnd().length } });
        expect(gpu0.facts.join('\n')).toContain('H200 SXM5 141GB (GPU)');
        const ws = await buildWorkspace({ 'hgx.vmtopo': HGX });
        const { documentDiagnostics, renderDiagram, sourceInfo } = await import('../../../language/src/features/diagram/index.js');
        const resolved = ws.resolved();
        const docs = ws.services.vmtopo.documentation.DocumentationProvider;
        const local = await renderDiagram(resolved.topology, sourceInfo(resolved, n => docs.getDocumentation(n)), documentDiagnostics(ws.services.shared.workspace.LangiumDocuments.all), { host: 'sprocket' });
        expect(result.svg).toBe(local.svg);
    }, 120_000);

    it('gives a device the facts of the editor hover on it', async () => {
        const uri = uriOf(path.join(dir, 'hgx.vmtopo'));
        const result = await request({ uri });
        const { plainText } = await import('../../../language/src/features/diagram/index.js');
        const lines = HGX.split('\n');
        for (const name of ['gpu0', 'mlx5_8', 'nvs0']) {
            const line = lines.findIndex(l => new RegExp(`^\\s*(gpu|nic|nvswitch) ${name} `).test(l));
            const hover: Hover | null = await server.connection.sendRequest(HoverRequest.type, {
                textDocument: { uri }, position: { line, character: lines[line].indexOf(name) + 1 }
            });
            const hoverLines = plainText((hover!.contents as MarkupContent).value).split('\n').map(l => l.trim()).filter(l => l && l !== '---');
            const facts = result.nodes.find(n => n.id === `dev:sprocket/${name}`)!.facts;
            expect(facts, name).toEqual(hoverLines);
        }
    }, 120_000);

    it('draws the host at the cursor by default, and the fleet overview on request', async () => {
        await open('bad.vmtopo', BAD);
        const uri = uriOf(path.join(dir, 'bad.vmtopo'));
        const line = BAD.split('\n').findIndex(l => /^host hgx02\b/.test(l));
        const atHgx02 = await request({ uri, position: { line: line + 2, character: 4 } });
        expect(atHgx02.host).toBe('hgx02');
        const first = await request({ uri });
        expect(first.host).toBe('kvm01');
        const fleet = await request({ uri, fleet: true });
        expect(fleet.view).toBe('fleet');
        // Both files' hosts: the workspace is one fleet.
        expect(fleet.nodes.map(n => n.id)).toEqual(expect.arrayContaining(['host:sprocket', 'host:kvm01', 'host:hgx02']));
    }, 120_000);

    it('serves concurrent requests for one document one at a time, answering all of them', async () => {
        const uri = uriOf(path.join(dir, 'hgx.vmtopo'));
        const answers = await Promise.all([request({ uri }), request({ uri }), request({ uri })]);
        for (const a of answers) {
            expect(a.stale).toBe(false);
            expect(a.svg).toBe(answers[0].svg);
        }
        expect(server.stderr()).not.toMatch(/internal error|Error:/);
    }, 120_000);
});

describe('TopologyService (in-process)', () => {
    it('keeps the previous diagram, marked stale, when a layout runs past the time budget (the worker is stopped)', async () => {
        if (!fs.existsSync(WORKER)) throw new Error(`${WORKER} is missing: run node esbuild.mjs`);
        const ws = await buildWorkspace({ 'hgx.vmtopo': HGX });
        // First layouts in this thread; then through the real worker with a 1 ms budget.
        const tight = new WorkerLayoutEngine(WORKER, 1);
        let slow = false;
        const engine: LayoutEngine = { layout: (g: ElkNode) => (slow ? tight : inProcessEngine()).layout(g) };
        const service = new TopologyService(ws.services.shared, ws.services.vmtopo, { engine, cacheSize: 0 });
        const uri = ws.documents[0].uri.toString();
        const good = await service.request({ uri });
        expect(good.stale).toBe(false);
        slow = true;
        const stale = await service.request({ uri });
        expect(stale.stale).toBe(true);
        expect(stale.message).toBe('layout took longer than 1 ms; showing the previous diagram');
        expect(stale.svg).toBe(good.svg);
        // No previous diagram of that view (the fleet): no SVG, and why.
        const none = await service.request({ uri, fleet: true });
        expect(none).toMatchObject({ svg: '', stale: true, message: 'layout took longer than 1 ms' });
        tight.stop();
    }, 120_000);

    it('lays out in the worker within a normal budget, with the same result as in this thread', async () => {
        const ws = await buildWorkspace({ 'hgx.vmtopo': HGX });
        const worker = new WorkerLayoutEngine(WORKER, 60_000);
        const uri = ws.documents[0].uri.toString();
        const viaWorker = await new TopologyService(ws.services.shared, ws.services.vmtopo, { engine: worker }).request({ uri });
        const local = await new TopologyService(ws.services.shared, ws.services.vmtopo, { engine: inProcessEngine() }).request({ uri });
        worker.stop();
        expect(viaWorker.stale).toBe(false);
        expect(viaWorker.svg).toBe(local.svg);
    }, 120_000);

    it('falls back to this thread when the worker cannot run', async () => {
        const ws = await buildWorkspace({ 'hgx.vmtopo': HGX });
        const missing = new WorkerLayoutEngine(path.join(os.tmpdir(), 'no-such-diagram-worker.cjs'), 60_000);
        const service = new TopologyService(ws.services.shared, ws.services.vmtopo, { engine: missing, cacheSize: 0 });
        const uri = ws.documents[0].uri.toString();
        const first = await service.request({ uri });
        expect(first.svg).toBe('');
        expect(first.message).toMatch(/^layout failed: /);
        const second = await service.request({ uri });
        expect(second.stale).toBe(false);
        expect(second.svg).toContain('data-node="host:sprocket"');
    }, 120_000);

    it('computes one layout at a time per document: waiting requests share the newest one', async () => {
        const ws = await buildWorkspace({ 'hgx.vmtopo': HGX });
        let running = 0;
        let most = 0;
        let calls = 0;
        const engine: LayoutEngine = {
            async layout(g: ElkNode) {
                calls++;
                running++;
                most = Math.max(most, running);
                try {
                    return await inProcessEngine().layout(g);
                } finally {
                    running--;
                }
            }
        };
        const service = new TopologyService(ws.services.shared, ws.services.vmtopo, { engine });
        const uri = ws.documents[0].uri.toString();
        const answers = await Promise.all([service.request({ uri }), service.request({ uri }), service.request({ uri }), service.request({ uri, fleet: true })]);
        expect(most).toBe(1);
        // The first runs at once; the other three wait and only the newest (the fleet) is computed.
        expect(calls).toBe(2);
        expect(answers.map(a => a.view)).toEqual(['host', 'fleet', 'fleet', 'fleet']);
        // The same drawing again: taken from the layout cache, the same SVG, no layout run.
        const again = await service.request({ uri });
        expect(calls).toBe(2);
        expect(again.svg).toBe(answers[0].svg);
    }, 120_000);
});
