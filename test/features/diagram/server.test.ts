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
import { currentCapacity, planWorkspace, requestsOf } from '../../../language/src/features/plan/index.js';
import { predictVmNcclPaths } from '../../../language/src/model/nccl-paths.js';
import { isModel } from '../../../language/src/generated/ast.js';

const HGX = readRepoFile('examples/hgx-h200.vmtopo');
/**
 * Beside the HGX example: a CPU-only VM on every free core of NUMA node 1 (gpu7 stays free with no
 * core beside it), and one request shape: a passthrough H200 with a PF under its switch.
 */
const STRANDING = `/** Every free core of NUMA 1. */
vm batch on sprocket {
    vcpus 74 pin 67-71,96-127,195-199,224-255
    memory 64 GiB on numa 1
}

request one-gpu { gpu 1 "H200 SXM5 141GB" passthrough nic 1 per-gpu passthrough same-switch vcpus 8 memory 64 GiB }
`;
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
        // The capacity report and the NCCL paths travel with the diagram, as computed in-process.
        expect(result.capacity).toEqual(local.capacity);
        expect(result.capacity!.hosts.map(h => h.host)).toEqual(['sprocket']);
        expect(result.ncclPaths).toEqual(local.ncclPaths);
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

describe('capacity and NCCL paths of the topology answer', () => {
    const service = (ws: Awaited<ReturnType<typeof buildWorkspace>>) => new TopologyService(ws.services.shared, ws.services.vmtopo, { engine: inProcessEngine() });

    it('reports a free GPU whose NUMA node has no core left as stranded, with that cause, measured against the request blocks', async () => {
        const ws = await buildWorkspace({ 'hgx.vmtopo': HGX, 'extra.vmtopo': STRANDING });
        expect(ws.documents.flatMap(d => d.diagnostics ?? []).filter(d => d.severity === 1)).toEqual([]);
        const result = await service(ws).request({ uri: ws.documents[1].uri.toString() });
        const capacity = result.capacity!;
        expect(capacity).toMatchObject({ from: 'requests', shapes: 1 });
        const [row] = capacity.hosts;
        // By hand: gpu7 is the only free GPU; gpu6 keeps 6 of its 8 MIG memory slices free (two 1g.18gb
        // slices). NUMA 0 keeps 13 free cores (64 less train-a's 48, the emulator's 0-1 and fm-service's 2),
        // NUMA 1 none; no GPU shape can use NUMA 0 (no free GPU there), so its cores are stranded.
        expect(row).toMatchObject({ host: 'sprocket', freeGpus: 1, freeGpuEquivalents: 1.75, freeCores: 13, strandedCores: 13 });
        expect(row.gpus).toEqual([
            { node: 'dev:sprocket/gpu6', gpu: 'gpu6', gpuEquivalents: 0.75, cause: 'MIG slots fragmented' },
            { node: 'dev:sprocket/gpu7', gpu: 'gpu7', gpuEquivalents: 1, cause: 'no free cores left on NUMA node 1' }
        ]);
        expect(row.strandedGpuEquivalents).toBeCloseTo(row.freeGpuEquivalents, 10);
        // One computation: the numbers are those of the report `vmtopo plan --report` prints.
        const requests = requestsOf(ws.documents.map(d => d.parseResult.value).filter(isModel));
        const [report] = currentCapacity(ws.resolved().topology, requests).rows;
        expect(row).toMatchObject({
            freeGpus: report.freeGpus, freeGpuEquivalents: report.freeGpuEquivalents, freeCores: report.freeCores, freeMemoryGiB: report.freeMemoryGiB,
            strandedGpuEquivalents: report.strandedGpuEquivalents, strandedCores: report.strandedCores, strandedMemoryGiB: report.strandedMemoryGiB
        });
        expect(row.causes.map(c => c.gpuEquivalents)).toEqual(report.causes.map(c => c.gpuEquivalents));
        // Without the batch VM gpu7 has cores again: nothing of it is stranded.
        const roomy = await buildWorkspace({ 'hgx.vmtopo': HGX, 'extra.vmtopo': STRANDING.replace(/vm batch[\s\S]*?\n}\n/, '') });
        const free = await service(roomy).request({ uri: roomy.documents[0].uri.toString() });
        expect(free.capacity!.hosts[0].gpus.map(g => g.gpu)).toEqual(['gpu6']);
    }, 120_000);

    it('measures against the VMs\' shapes when the files have no request blocks, as plan --report does', async () => {
        const ws = await buildWorkspace({ 'hgx.vmtopo': HGX });
        const result = await service(ws).request({ uri: ws.documents[0].uri.toString() });
        // train-a, infer-b, tenant-c, tenant-d (the Fabric Manager service VM is no workload shape).
        expect(result.capacity).toMatchObject({ from: 'vms', shapes: 4 });
        const topology = ws.resolved().topology;
        const plan = await planWorkspace(topology, []);
        expect(plan.report.map(r => r.strandedGpuEquivalents)).toEqual(currentCapacity(topology, []).rows.map(r => r.strandedGpuEquivalents));
        expect(result.capacity!.hosts[0].strandedGpuEquivalents).toBe(plan.report[0].strandedGpuEquivalents);
        // The fleet view: one row per host, then the fleet.
        const bad = await buildWorkspace({ 'bad.vmtopo': BAD });
        const fleet = await service(bad).request({ uri: bad.documents[0].uri.toString(), fleet: true });
        expect(fleet.capacity!.hosts.map(h => h.host)).toEqual([...bad.resolved().topology.hosts.map(h => h.name), 'fleet']);
        expect(fleet.capacity!.hosts.at(-1)!.freeGpus).toBe(fleet.capacity!.hosts.slice(0, -1).reduce((a, h) => a + h.freeGpus, 0));
    }, 120_000);

    it('labels each GPU↔NIC and GPU↔GPU pair of a VM with the path NCCL computes in its guest', async () => {
        const ws = await buildWorkspace({ 'hgx.vmtopo': HGX });
        const result = await service(ws).request({ uri: ws.documents[0].uri.toString() });
        const topology = ws.resolved().topology;
        const trainA = topology.vms.find(v => v.name === 'train-a')!;
        const paths = result.ncclPaths!.find(p => p.vm === 'train-a')!;
        const predicted = predictVmNcclPaths(trainA);
        // Every pair of the prediction, once: 4 × 4 GPU↔NIC and 6 GPU↔GPU.
        expect(paths.pairs.filter(p => p.kind === 'gpu-nic')).toHaveLength(16);
        expect(paths.pairs.filter(p => p.kind === 'gpu-gpu')).toHaveLength(6);
        for (const x of predicted.gpuNic) {
            const pair = paths.pairs.find(p => p.aName === x.gpu && p.bName === x.nic)!;
            expect(pair).toMatchObject({ a: `dev:sprocket/${x.gpu}`, b: `dev:sprocket/${x.nic}`, type: x.type, gdr: x.gdr });
            // By hand: a GPU and a NIC under one PCIe switch are PIX, and NCCL uses GPUDirect RDMA there.
            const gpu = trainA.gpus.find(g => g.gpu.name === x.gpu)!.gpu;
            const nic = trainA.nics.find(n => n.nic.name === x.nic)!.nic;
            if (gpu.parentSwitch === nic.parentSwitch) expect(pair.label).toBe('PIX · GDR');
        }
        expect(paths.pairs.find(p => p.aName === 'gpu0' && p.bName === 'mlx5_3')!.label).toBe('PIX · GDR');
        // gpu0 reaches gpu1's NIC through gpu1 over NVLink (PXN), as NCCL does on HGX boards.
        expect(paths.pairs.find(p => p.aName === 'gpu0' && p.bName === 'mlx5_5')!.label).toBe('PXN via gpu1 · GDR');
        // H200 SXM5: 18 NVLinks per GPU, all on the NVSwitch fabric (nvidia-smi topo -m: NV18).
        expect(paths.pairs.filter(p => p.kind === 'gpu-gpu').map(p => p.label)).toEqual(Array(6).fill('NV18'));
        // A MIG-backed vGPU and a VF: the slice and VF nodes of the drawing.
        expect(result.ncclPaths!.find(p => p.vm === 'tenant-d')!.pairs).toEqual([{
            kind: 'gpu-nic', a: 'slice:sprocket/gpu6/tenant-d/0', b: 'vf:sprocket/mlx5_8/1', aName: 'gpu6-vgpu', bName: 'mlx5_8-vf1', type: 'PIX', label: 'PIX · GDR', gdr: true
        }]);
        for (const p of result.ncclPaths!.flatMap(v => v.pairs)) {
            expect(result.nodes.some(n => n.id === p.a), p.a).toBe(true);
            expect(result.nodes.some(n => n.id === p.b), p.b).toBe(true);
        }
        // VMs without GPUs have no entry; an ESXi guest says why it has none.
        expect(result.ncclPaths!.map(p => p.vm)).toEqual(['train-a', 'infer-b', 'tenant-c', 'tenant-d']);
        const esxi = await buildWorkspace({ 'esxi.vmtopo': readRepoFile('examples/hgx-h200-esxi.vmtopo') });
        const onEsxi = await service(esxi).request({ uri: esxi.documents[0].uri.toString() });
        expect(onEsxi.ncclPaths!.every(p => p.pairs.length === 0 && /ESXi/.test(p.message ?? ''))).toBe(true);
    }, 120_000);
});
