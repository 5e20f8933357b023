/**
 * The topology layout for a panel size (language/src/features/diagram/layout.ts): a pure function
 * of the diagram and the drawing area. Wide: the sockets side by side, NUMA 0 left; narrow: one
 * above the other, NUMA 0 on top; four sockets in a square panel: a 2 × 2 grid in reading order.
 * Each VM's card stands in the column left of the socket it mostly uses. And the panel size
 * travels with the `vmtopo/topology` request (TopologyService).
 */
import { describe, expect, it } from 'vitest';
import { buildWorkspace, readRepoFile } from '../../support/util.js';
import { allNodes, arrange, buildHostGraph, documentDiagnostics, layoutHost, renderDiagram, sourceInfo, summaryOf, vmHomes, type HostLayout } from '../../../language/src/features/diagram/index.js';
import { estimateArrangement, type Viewport } from '../../../language/src/features/diagram/layout.js';
import { TopologyService, usableViewport } from '../../../language/src/features/diagram/server.js';
import type { PlacedNode } from '../../../language/src/features/diagram/layout.js';

const HGX = readRepoFile('examples/hgx-h200.vmtopo');
const WIDE: Viewport = { width: 1900, height: 965 };
const NARROW: Viewport = { width: 500, height: 860 };

async function hostGraph(text: string) {
    const ws = await buildWorkspace({ 'x.vmtopo': text });
    const resolved = ws.resolved();
    return buildHostGraph(resolved.topology, resolved.topology.hosts[0], sourceInfo(resolved));
}

/** Every placed node by id. */
function placed(layout: HostLayout): Map<string, PlacedNode> {
    const out = new Map<string, PlacedNode>();
    const walk = (p: PlacedNode) => { out.set(p.node.id, p); p.children.forEach(walk); };
    walk(layout.root);
    return out;
}

const rightOf = (a: PlacedNode, b: PlacedNode) => a.x >= b.x + b.width;
const below = (a: PlacedNode, b: PlacedNode) => a.y >= b.y + b.height;
const overlapsVertically = (a: PlacedNode, b: PlacedNode) => a.y < b.y + b.height && b.y < a.y + a.height;
const inside = (a: PlacedNode, b: PlacedNode) => a.x >= b.x && a.y >= b.y && a.x + a.width <= b.x + b.width && a.y + a.height <= b.y + b.height;

describe('layout of the HGX H200 example for a panel size', async () => {
    const graph = await hostGraph(HGX);

    it('gives each VM the socket it mostly uses: train-a and fm-service NUMA 0, the others NUMA 1', () => {
        expect(Object.fromEntries(vmHomes(graph))).toEqual({ 'train-a': 0, 'fm-service': 0, 'infer-b': 1, 'tenant-c': 1, 'tenant-d': 1 });
    });

    it('puts the sockets side by side in a wide panel: NUMA 0 left, tops aligned, each VM column left of its socket', async () => {
        expect(arrange(graph, WIDE).columns).toBe(2);
        const layout = await layoutHost(graph, undefined, WIDE);
        const p = placed(layout);
        const [numa0, numa1] = [p.get('socket:sprocket/cpu0')!, p.get('socket:sprocket/cpu1')!];
        expect(rightOf(numa1, numa0)).toBe(true);
        expect(numa1.y).toBe(numa0.y);
        for (const vm of ['train-a', 'fm-service']) expect(rightOf(numa0, p.get(`vm:${vm}`)!), vm).toBe(true);
        for (const vm of ['infer-b', 'tenant-c', 'tenant-d']) {
            const card = p.get(`vm:${vm}`)!;
            expect(rightOf(card, numa0) && rightOf(numa1, card), vm).toBe(true);
        }
        // Wider than tall, like the panel.
        expect(layout.width).toBeGreaterThan(layout.height);
    });

    it('stacks the sockets in a narrow panel: NUMA 0 on top, each VM card beside its socket', async () => {
        expect(arrange(graph, NARROW).columns).toBe(1);
        const layout = await layoutHost(graph, undefined, NARROW);
        const p = placed(layout);
        const [numa0, numa1] = [p.get('socket:sprocket/cpu0')!, p.get('socket:sprocket/cpu1')!];
        expect(below(numa1, numa0)).toBe(true);
        for (const vm of ['train-a', 'fm-service']) expect(overlapsVertically(p.get(`vm:${vm}`)!, numa0) && rightOf(numa0, p.get(`vm:${vm}`)!), vm).toBe(true);
        for (const vm of ['infer-b', 'tenant-c', 'tenant-d']) expect(overlapsVertically(p.get(`vm:${vm}`)!, numa1) && rightOf(numa1, p.get(`vm:${vm}`)!), vm).toBe(true);
        expect(layout.height).toBeGreaterThan(layout.width);
    });

    it('keeps every node inside the host box, and gives the same positions for the same panel', async () => {
        for (const viewport of [WIDE, NARROW]) {
            const layout = await layoutHost(graph, undefined, viewport);
            for (const [id, n] of placed(layout)) if (id !== layout.root.node.id) expect(inside(n, layout.root), id).toBe(true);
            expect(inside(layout.root, { x: 0, y: 0, width: layout.width, height: layout.height } as PlacedNode)).toBe(true);
            expect(JSON.stringify((await layoutHost(graph, undefined, viewport)).root)).toBe(JSON.stringify(layout.root));
        }
    });

    it('estimates the drawing it chooses by within a third of what ELK draws', async () => {
        for (const [viewport, columns] of [[WIDE, 2], [NARROW, 1]] as const) {
            const estimate = estimateArrangement(graph, columns);
            const layout = await layoutHost(graph, undefined, viewport);
            expect(estimate.w / layout.root.width, `width, ${columns} per row`).toBeGreaterThan(0.67);
            expect(estimate.w / layout.root.width, `width, ${columns} per row`).toBeLessThan(1.5);
            expect(estimate.h / layout.root.height, `height, ${columns} per row`).toBeGreaterThan(0.67);
            expect(estimate.h / layout.root.height, `height, ${columns} per row`).toBeLessThan(1.5);
        }
    });
});

describe('node summaries (what the view shows zoomed out)', async () => {
    const graph = await hostGraph(HGX);
    const byId = new Map(allNodes(graph.root).map(n => [n.id, n]));
    const summary = (id: string) => summaryOf(byId.get(id)!, graph.vms);

    it('sums up a PCIe switch by what is behind it and who holds it', () => {
        expect(summary('dev:sprocket/sw0')).toEqual(['sw0 · 1 GPU · 1 NIC', 'train-a']);
        expect(summary('dev:sprocket/sw3')).toEqual(['sw3 · 1 GPU · 3 NICs', 'train-a']);
        expect(summary('dev:sprocket/sw6')).toEqual(['sw6 · 1 GPU · 1 NIC', 'tenant-c, tenant-d']);
        expect(summary('dev:sprocket/sw7')).toEqual(['sw7 · 1 GPU · 1 NIC', 'free']);
    });

    it('names devices and VMs, counts cores, sizes memory', () => {
        expect(summary('dev:sprocket/gpu0')).toEqual(['gpu0']);
        expect(summary('dev:sprocket/nvs0')).toEqual(['nvs0']);
        expect(summary('vm:train-a')).toEqual(['train-a']);
        expect(summary('cores:sprocket/cpu0')).toEqual(['128 CPUs']);
        expect(summary('mem:sprocket/cpu0')).toEqual(['mem 1 TiB']);
        expect(summary('socket:sprocket/cpu1')).toEqual(['cpu1 · NUMA 1']);
    });

    it('goes with every node of the answer, and with the host cards of the fleet overview', async () => {
        const ws = await buildWorkspace({ 'hgx.vmtopo': HGX, 'bad.vmtopo': readRepoFile('examples/misconfigured.vmtopo') });
        const resolved = ws.resolved();
        const diagnostics = documentDiagnostics(ws.services.shared.workspace.LangiumDocuments.all);
        const host = await renderDiagram(resolved.topology, sourceInfo(resolved), diagnostics, { host: 'sprocket' });
        for (const n of host.nodes) expect(n.summary?.length, n.id).toBeGreaterThan(0);
        const fleet = await renderDiagram(resolved.topology, sourceInfo(resolved), diagnostics, { fleet: true });
        expect(fleet.nodes.find(n => n.id === 'host:sprocket')!.summary![0]).toBe('sprocket');
        expect(fleet.nodes.find(n => n.id === 'host:kvm01')!.summary).toEqual(['kvm01', expect.stringMatching(/^\d+ errors?, \d+ warnings?$/)]);
    });
});

describe('a four-socket host', async () => {
    const sockets = [0, 1, 2, 3].map(i => `    socket s${i} { numa ${i} cores ${i * 16}-${i * 16 + 15} memory 256 GiB }`);
    const switches = [0, 1, 2, 3].map(i => {
        const bus = (0x10 + i * 0x20).toString(16);
        const dev = (0x13 + i * 0x20).toString(16);
        return `    pcie-switch sw${i} at 0000:${bus}:00.0 on s${i} { gpu g${i} "H100 SXM5 80GB" at 0000:${dev}:00.0 }`;
    });
    const vms = [0, 1, 2, 3].map(i => `vm v${i} on quad { vcpus 4 pin ${i * 16}-${i * 16 + 3} memory 16 GiB on numa ${i} gpu g${i} passthrough }`);
    const graph = await hostGraph(`host quad {\n    platform kvm\n${sockets.join('\n')}\n${switches.join('\n')}\n}\n${vms.join('\n')}\n`);

    it('lays the sockets out in a row when very wide, and in a 2 × 2 grid in reading order when square', async () => {
        expect(arrange(graph, { width: 4000, height: 600 }).columns).toBe(4);
        const row = placed(await layoutHost(graph, undefined, { width: 4000, height: 600 }));
        for (let i = 1; i < 4; i++) expect(rightOf(row.get(`socket:quad/s${i}`)!, row.get(`socket:quad/s${i - 1}`)!), `s${i}`).toBe(true);
        expect(arrange(graph, { width: 1000, height: 900 }).columns).toBe(2);
        const grid = placed(await layoutHost(graph, undefined, { width: 1000, height: 900 }));
        const s = [0, 1, 2, 3].map(i => grid.get(`socket:quad/s${i}`)!);
        expect(rightOf(s[1], s[0]) && rightOf(s[3], s[2])).toBe(true);
        expect(below(s[2], s[0]) && below(s[3], s[1])).toBe(true);
        for (let i = 0; i < 4; i++) expect(rightOf(s[i], grid.get(`vm:v${i}`)!) && overlapsVertically(s[i], grid.get(`vm:v${i}`)!), `v${i}`).toBe(true);
    });
});

describe('the panel size in the vmtopo/topology request', () => {
    it('takes a usable size and ignores a hidden panel\'s zeros, NaN and absurd sizes', () => {
        expect(usableViewport({ width: 960, height: 900 })).toEqual({ width: 960, height: 900 });
        expect(usableViewport(undefined)).toBeUndefined();
        expect(usableViewport({ width: 0, height: 0 })).toBeUndefined();
        expect(usableViewport({ width: Number.NaN, height: 900 })).toBeUndefined();
        expect(usableViewport({ width: 960, height: 1e9 })).toBeUndefined();
    });

    it('lays the diagram out for the size the view sends', async () => {
        const ws = await buildWorkspace({ 'hgx.vmtopo': HGX });
        const service = new TopologyService(ws.services.shared, ws.services.vmtopo, { cacheSize: 0 });
        const uri = ws.documents[0].uri.toString();
        const size = (svg: string) => /width="([\d.]+)" height="([\d.]+)"/.exec(svg)!.slice(1).map(Number);
        const [ww, wh] = size((await service.request({ uri, viewport: { width: 1900, height: 965 } })).svg);
        const [nw, nh] = size((await service.request({ uri, viewport: { width: 500, height: 860 } })).svg);
        expect(ww).toBeGreaterThan(wh);
        expect(nh).toBeGreaterThan(nw);
        // No size (or an unusable one): the default drawing area, 1600 × 1000, which is wide.
        expect((await service.request({ uri })).svg).toBe((await service.request({ uri, viewport: { width: 0, height: 0 } })).svg);
    });
});
