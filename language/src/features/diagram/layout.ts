/**
 * Diagram graph → ELK graph → positions, with elkjs (the Eclipse Layout Kernel compiled to
 * JavaScript, https://eclipse.dev/elk/; its bundled build `elk.bundled.js` runs in the calling
 * thread, no worker).
 *
 * One host is laid out with ELK's `layered` algorithm over the whole hierarchy
 * (`elk.hierarchyHandling: INCLUDE_CHILDREN`, so VM edges that cross socket and switch boxes are
 * routed too), left to right in columns fixed by `elk.partitioning`: VM cards | cores, memory, GPUs,
 * NVSwitches | NICs | the NVLink fabric. The fleet overview lays out host cards with ELK's `box`
 * algorithm. Node sizes come from the label text ({@link textWidth}); ELK's own layout is
 * deterministic (fixed `elk.randomSeed`), and every coordinate is rounded to 0.5 px, so the same
 * graph gives the same positions.
 */
import ElkBundled from 'elkjs/lib/elk.bundled.js';
import type { ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api.js';

type ElkConstructor = new () => LayoutEngine;
/** The ELK class, whichever way the CommonJS module was imported (Node's ESM loader or a bundler). */
const ELK: ElkConstructor = ((ElkBundled as unknown as { default?: ElkConstructor }).default ?? ElkBundled) as unknown as ElkConstructor;
import { allNodes, type DiagramEdge, type DiagramNode, type HostDiagram, type NodeKind } from './graph.js';

/** Font size of node labels, in px. */
export const FONT_SIZE = 12;
/** Line height of node labels, in px. */
export const LINE_HEIGHT = 16;
/** Height of a cores / memory bar, in px. */
export const BAR_HEIGHT = 10;

/**
 * Width in px of `text` at `size` px in the diagram's font stack (DejaVu Sans first): an estimate of
 * 0.62 em per character, DejaVu Sans's average advance for this mix of letters, digits and
 * punctuation, so that labels fit in browsers and in rsvg-convert alike.
 */
export function textWidth(text: string, size: number = FONT_SIZE): number {
    return Math.ceil([...text].length * size * 0.62);
}

/** A node with its position (absolute, in px, from the top-left of the drawing) and size. */
export interface PlacedNode {
    readonly node: DiagramNode;
    readonly x: number;
    readonly y: number;
    readonly width: number;
    readonly height: number;
    readonly children: PlacedNode[];
}

/** An edge with its route (absolute points) and its label position. */
export interface PlacedEdge {
    readonly edge: DiagramEdge;
    readonly points: readonly { x: number; y: number }[];
    readonly labelAt?: { x: number; y: number };
}

export interface HostLayout {
    readonly diagram: HostDiagram;
    readonly root: PlacedNode;
    readonly edges: PlacedEdge[];
    readonly width: number;
    readonly height: number;
}

/** The layout engine: elkjs's `layout` (bundled, in this thread) unless a caller gives another (a worker). */
export interface LayoutEngine {
    layout(graph: ElkNode): Promise<ElkNode>;
}

let inProcess: LayoutEngine | undefined;
/** elkjs's bundled build, created once. */
export function inProcessEngine(): LayoutEngine {
    inProcess ??= new ELK();
    return inProcess;
}

const PAD = 10;
const COMPOUND_KINDS = new Set<NodeKind>(['host', 'socket', 'switch']);

/** Column of a node kind (ELK partition): VMs, then CPU/memory/GPUs, NICs, fabric. */
const PARTITION: Partial<Record<NodeKind, number>> = { vm: 0, cores: 1, memory: 1, gpu: 1, nvswitch: 1, slice: 1, nic: 2, vf: 2, fabric: 3 };

function leafSize(n: DiagramNode): { width: number; height: number } {
    const lines = n.label.length;
    const textW = Math.max(...n.label.map(l => textWidth(l)));
    switch (n.kind) {
        case 'cores': return { width: Math.max(220, textW + 2 * PAD), height: lines * LINE_HEIGHT + BAR_HEIGHT + 14 };
        case 'memory': return { width: Math.max(220, textW + 2 * PAD), height: lines * LINE_HEIGHT + BAR_HEIGHT + 14 };
        default: return { width: Math.max(n.kind === 'vf' || n.kind === 'slice' ? 120 : 160, textW + 2 * PAD), height: lines * LINE_HEIGHT + 10 };
    }
}

/** The ELK graph of a host diagram (exported for tests and for a worker engine). */
export function toElkGraph(diagram: HostDiagram): ElkNode {
    const toElk = (n: DiagramNode): ElkNode => {
        const compound = n.children.length > 0 || COMPOUND_KINDS.has(n.kind);
        const partition = PARTITION[n.kind];
        const layoutOptions: Record<string, string> = {};
        if (partition !== undefined && n.children.length === 0) layoutOptions['elk.partitioning.partition'] = String(partition);
        if (!compound) return { id: n.id, ...leafSize(n), layoutOptions };
        const header = n.label.length * LINE_HEIGHT + 8;
        const minWidth = Math.max(...n.label.map(l => textWidth(l, n.kind === 'host' ? FONT_SIZE + 2 : FONT_SIZE))) + 2 * PAD + (n.diagnostics.length ? 24 : 0);
        layoutOptions['elk.padding'] = `[top=${header + PAD},left=${PAD},bottom=${PAD},right=${PAD}]`;
        layoutOptions['elk.nodeSize.constraints'] = 'MINIMUM_SIZE';
        layoutOptions['elk.partitioning.activate'] = 'true';
        layoutOptions['elk.nodeSize.minimum'] = `(${minWidth},${header + 2 * PAD})`;
        if (partition !== undefined) layoutOptions['elk.partitioning.partition'] = String(partition);
        return { id: n.id, layoutOptions, children: n.children.map(toElk) };
    };
    const edges: ElkExtendedEdge[] = diagram.edges.map(e => ({
        id: e.id, sources: [e.source], targets: [e.target],
        labels: e.label ? [{ text: e.label, width: textWidth(e.label, FONT_SIZE - 2), height: LINE_HEIGHT - 2 }] : undefined
    }));
    // Layout-only edges (not drawn): in each switch, GPU → NIC, so that the NICs of a switch stand
    // in the column right of its GPUs (the PIX pairs side by side) instead of under them.
    for (const n of allNodes(diagram.root)) {
        if (n.kind !== 'switch') continue;
        const gpus = n.children.filter(c => c.kind === 'gpu');
        const nics = n.children.filter(c => c.kind === 'nic');
        for (const g of gpus.slice(0, 1)) for (const nic of nics) edges.push({ id: `layout:${g.id}>${nic.id}`, sources: [g.id], targets: [nic.id] });
    }
    return {
        id: 'root',
        layoutOptions: {
            'elk.algorithm': 'layered',
            'elk.direction': 'RIGHT',
            'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
            'elk.partitioning.activate': 'true',
            'elk.edgeRouting': 'ORTHOGONAL',
            'elk.randomSeed': '1',
            'elk.spacing.nodeNode': '14',
            'elk.layered.spacing.nodeNodeBetweenLayers': '40',
            'elk.spacing.edgeNode': '10',
            'elk.spacing.edgeEdge': '6',
            'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
            'elk.layered.crossingMinimization.forceNodeModelOrder': 'false',
            'elk.edgeLabels.placement': 'CENTER',
            'elk.padding': '[top=10,left=10,bottom=10,right=10]'
        },
        children: [toElk(diagram.root)],
        edges
    };
}

const round = (v: number | undefined) => Math.round((v ?? 0) * 2) / 2;

/**
 * Lays out a host diagram. Positions are absolute (ELK gives them relative to the parent, and edge
 * points relative to the edge's `container`).
 */
export async function layoutHost(diagram: HostDiagram, engine: LayoutEngine = inProcessEngine()): Promise<HostLayout> {
    const laid = await engine.layout(toElkGraph(diagram));
    return placeHost(diagram, laid);
}

/** Turns ELK's answer for {@link toElkGraph} into absolute positions. */
export function placeHost(diagram: HostDiagram, laid: ElkNode): HostLayout {
    const byId = new Map(allNodes(diagram.root).map(n => [n.id, n]));
    const offsets = new Map<string, { x: number; y: number }>([['root', { x: 0, y: 0 }]]);
    const place = (e: ElkNode, ox: number, oy: number): PlacedNode => {
        const x = ox + (e.x ?? 0);
        const y = oy + (e.y ?? 0);
        offsets.set(e.id, { x, y });
        const node = byId.get(e.id);
        if (!node) throw new Error(`layout returned an unknown node ${e.id}`);
        return { node, x: round(x), y: round(y), width: round(e.width), height: round(e.height), children: (e.children ?? []).map(c => place(c, x, y)) };
    };
    const root = place(laid.children![0], laid.x ?? 0, laid.y ?? 0);
    const edgeById = new Map(diagram.edges.map(e => [e.id, e]));
    const collectEdges = (e: ElkNode, out: ElkExtendedEdge[]) => {
        out.push(...(e.edges ?? []));
        for (const c of e.children ?? []) collectEdges(c, out);
        return out;
    };
    const edges: PlacedEdge[] = [];
    const laidEdges = new Map(collectEdges(laid, []).map(e => [e.id, e]));
    for (const edge of diagram.edges) {
        const e = laidEdges.get(edge.id);
        if (!e) continue;
        const container = (e as { container?: string }).container ?? 'root';
        const o = offsets.get(container) ?? { x: 0, y: 0 };
        const points: { x: number; y: number }[] = [];
        for (const s of e.sections ?? []) {
            points.push({ x: round(o.x + s.startPoint.x), y: round(o.y + s.startPoint.y) });
            for (const b of s.bendPoints ?? []) points.push({ x: round(o.x + b.x), y: round(o.y + b.y) });
            points.push({ x: round(o.x + s.endPoint.x), y: round(o.y + s.endPoint.y) });
        }
        const label = e.labels?.[0];
        edges.push({
            edge: edgeById.get(edge.id)!, points,
            labelAt: label ? { x: round(o.x + (label.x ?? 0)), y: round(o.y + (label.y ?? 0) + (label.height ?? 0) - 3) } : undefined
        });
    }
    return { diagram, root, edges, width: round(laid.width), height: round(laid.height) };
}

/**
 * A layout engine that remembers its last `size` answers by the ELK graph's JSON: an edit that
 * leaves the drawing's structure and labels as they were (a comment, a hover fact, a diagnostic's
 * text) is laid out again in no time. ELK's layout is a function of its input, so the answer is
 * the one the inner engine would give.
 */
export class CachedLayoutEngine implements LayoutEngine {
    private readonly cache = new Map<string, ElkNode>();

    constructor(private readonly inner: LayoutEngine, private readonly size: number = 16) {}

    async layout(graph: ElkNode): Promise<ElkNode> {
        const key = JSON.stringify(graph);
        const hit = this.cache.get(key);
        if (hit) {
            this.cache.delete(key);
            this.cache.set(key, hit); // most recently used last
            return hit;
        }
        const laid = await this.inner.layout(graph);
        this.cache.set(key, laid);
        while (this.cache.size > this.size) this.cache.delete(this.cache.keys().next().value!);
        return laid;
    }
}
