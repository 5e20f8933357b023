/**
 * Diagram graph → ELK graph → positions, with elkjs (the Eclipse Layout Kernel compiled to
 * JavaScript, https://eclipse.dev/elk/; its bundled build `elk.bundled.js` runs in the calling
 * thread, no worker).
 *
 * One host is laid out with ELK's `layered` algorithm over the whole hierarchy
 * (`elk.hierarchyHandling: INCLUDE_CHILDREN`, so VM edges that cross socket and switch boxes are
 * routed too), left to right:
 *
 * - each socket is drawn in a group with the cards of the VMs that mostly use it ({@link vmHomes}),
 *   their column left of the socket;
 * - the groups stand side by side, `columns` to a row, in declaration order (NUMA 0 first, then
 *   left to right and top to bottom), top-aligned, with the NVLink fabric right of them. The groups
 *   are the root graph's children (the host box is the root graph), because `elk.partitioning`
 *   (https://eclipse.dev/elk/reference/options/org-eclipse-elk-partitioning-partition.html) and the
 *   model order (`elk.layered.considerModelOrder.strategy`,
 *   `elk.layered.crossingMinimization.forceNodeModelOrder`) are honoured at the root of a
 *   hierarchical run only.
 *
 * {@link arrange} picks `columns` for the panel's size: the number whose estimated drawing
 * ({@link estimateArrangement}) fits the panel at the largest scale — side by side in a wide panel,
 * one above the other in a narrow one. The fleet overview lays out host cards with ELK's `box`
 * algorithm. Node sizes come from the label text ({@link textWidth}); ELK's own layout is
 * deterministic (fixed `elk.randomSeed`), and every coordinate is rounded to 0.5 px, so the same
 * graph and panel size give the same positions.
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

/** A panel's drawing area, in CSS px. */
export interface Viewport {
    readonly width: number;
    readonly height: number;
}

/**
 * The drawing area the diagram is laid out for when no panel gives one (`vmtopo graph`, the `svg`
 * export): a 16:10 screen, 1600 × 1000 px.
 */
export const DEFAULT_VIEWPORT: Viewport = { width: 1600, height: 1000 };

/** Where the sockets of a host go (see the module comment). */
export interface Arrangement {
    /** Socket groups per row, 1 … number of sockets. */
    readonly columns: number;
    /** VM name → index of the socket (in drawing order) whose group holds the VM's card. */
    readonly home: ReadonlyMap<string, number>;
}

/** The sockets of a host diagram, in declaration order (NUMA 0 first when declared first). */
function socketsOf(diagram: HostDiagram): DiagramNode[] {
    return diagram.root.children.filter(c => c.kind === 'socket');
}

/**
 * The socket each VM mostly uses: the one holding most of the targets of its edges (GPUs, slices,
 * NICs, VFs, NVSwitches, pinned cores, bound memory); a tie goes to the first of them, and a VM
 * with no edge into any socket to the first socket. Empty when the host has no socket.
 */
export function vmHomes(diagram: HostDiagram): Map<string, number> {
    const sockets = socketsOf(diagram);
    const home = new Map<string, number>();
    if (sockets.length === 0) return home;
    const socketOf = new Map<string, number>();
    sockets.forEach((s, i) => { for (const n of allNodes(s)) socketOf.set(n.id, i); });
    for (const vm of diagram.vms) {
        const counts = sockets.map(() => 0);
        for (const e of diagram.edges) {
            const i = e.vm === vm ? socketOf.get(e.target) : undefined;
            if (i !== undefined) counts[i]++;
        }
        home.set(vm, counts.indexOf(Math.max(...counts)));
    }
    return home;
}

/** A width and height in px. */
export interface Size {
    readonly w: number;
    readonly h: number;
}
const NODE_GAP = 14;
const LAYER_GAP = 40;
/** Room for one edge running between two columns, in px (edge spacing plus its share of the bends). */
const EDGE_ROOM = 6;

/** Items one above the other. */
function stacked(items: readonly Size[]): Size {
    if (items.length === 0) return { w: 0, h: 0 };
    return { w: Math.max(...items.map(i => i.w)), h: items.reduce((a, i) => a + i.h, 0) + NODE_GAP * (items.length - 1) };
}

/** Columns side by side (empty ones left out). */
function sideBySide(columns: readonly Size[], gap = LAYER_GAP): Size {
    const cols = columns.filter(c => c.w > 0);
    if (cols.length === 0) return { w: 0, h: 0 };
    return { w: cols.reduce((a, c) => a + c.w, 0) + gap * (cols.length - 1), h: Math.max(...cols.map(c => c.h)) };
}

function headerOf(n: DiagramNode): number {
    return n.label.length * LINE_HEIGHT + 8;
}

function compoundMinWidth(n: DiagramNode): number {
    return Math.max(...n.label.map(l => textWidth(l, n.kind === 'host' ? FONT_SIZE + 2 : FONT_SIZE))) + 2 * PAD + (n.diagnostics.length ? 24 : 0);
}

/** A compound node's box around `inner`. */
function boxAround(n: DiagramNode, inner: Size): Size {
    return { w: Math.max(compoundMinWidth(n), inner.w + 2 * PAD), h: headerOf(n) + 2 * PAD + Math.max(inner.h, PAD) };
}

/**
 * Estimated size of a node as ELK draws it (for {@link arrange}; ELK gives the real one): a
 * compound's NICs in a column right of its other children, everything else one above the other.
 */
function estimateNode(n: DiagramNode): Size {
    const compound = n.children.length > 0 || COMPOUND_KINDS.has(n.kind);
    if (!compound) {
        const s = leafSize(n);
        return { w: s.width, h: s.height };
    }
    const nics = n.children.filter(c => n.kind !== 'socket' && PARTITION[c.kind] === 2);
    const rest = n.children.filter(c => !nics.includes(c));
    return boxAround(n, sideBySide([stacked(rest.map(estimateNode)), stacked(nics.map(estimateNode))]));
}

/**
 * The estimated size of the drawing of `diagram` with `columns` socket groups per row (the host
 * box, legend left out), in px.
 */
export function estimateArrangement(diagram: HostDiagram, columns: number): Size {
    const home = vmHomes(diagram);
    const sockets = socketsOf(diagram);
    const groups = sockets.map((s, i) => {
        const vms = diagram.root.children.filter(c => c.kind === 'vm' && home.get(c.vms[0]) === i);
        const edges = diagram.edges.filter(e => e.vm !== undefined && home.get(e.vm) === i).length;
        return sideBySide([stacked(vms.map(estimateNode)), estimateNode(s)], LAYER_GAP + EDGE_ROOM * edges);
    });
    const rest = diagram.root.children.filter(c => c.kind !== 'socket' && !(c.kind === 'vm' && sockets.length > 0));
    const rows: Size[] = [];
    for (let r = 0; r < groups.length; r += columns) rows.push(sideBySide(groups.slice(r, r + columns)));
    // Grid columns: the widest group of each column; the fabric (and devices outside any socket) right of them.
    const colWidths = Array.from({ length: Math.min(columns, groups.length) }, (_, c) => Math.max(...groups.filter((_, i) => i % columns === c).map(g => g.w)));
    const grid: Size = { w: colWidths.reduce((a, w) => a + w, 0) + LAYER_GAP * Math.max(0, colWidths.length - 1), h: stacked(rows).h };
    const nvlinks = diagram.edges.filter(e => e.kind === 'nvlink').length;
    return boxAround(diagram.root, sideBySide([grid, stacked(rest.map(estimateNode))], LAYER_GAP + EDGE_ROOM * nvlinks));
}

/**
 * The arrangement of a host for a panel of `viewport` (CSS px): the number of socket groups per row
 * (1 … sockets) whose estimated drawing fits the panel at the largest scale — side by side in a
 * wide panel, one above the other in a narrow one; on a tie, fewer per row.
 */
export function arrange(diagram: HostDiagram, viewport: Viewport = DEFAULT_VIEWPORT): Arrangement {
    const sockets = socketsOf(diagram);
    let best: { columns: number; scale: number } | undefined;
    for (let columns = 1; columns <= Math.max(1, sockets.length); columns++) {
        const size = estimateArrangement(diagram, columns);
        const scale = Math.min(viewport.width / size.w, viewport.height / size.h);
        if (!best || scale > best.scale + 1e-9) best = { columns, scale };
    }
    return { columns: best!.columns, home: vmHomes(diagram) };
}

/** Id prefix of the layout-only group of a socket and its VM cards (not a diagram node). */
const GROUP = 'group:';
/** Space around the host box, in px. */
const MARGIN = 10;

/**
 * The ELK graph of a host diagram in an arrangement (exported for tests and for a worker engine).
 * The host box is the root graph (its padding leaves room for the host's header), so that
 * partitioning and model order — root-level options of ELK's hierarchical run — place the socket
 * groups; the host node itself is placed by {@link placeHost}.
 */
export function toElkGraph(diagram: HostDiagram, arrangement: Arrangement = arrange(diagram)): ElkNode {
    const toElk = (n: DiagramNode, partition?: number): ElkNode => {
        const compound = n.children.length > 0 || COMPOUND_KINDS.has(n.kind);
        partition ??= PARTITION[n.kind];
        const layoutOptions: Record<string, string> = {};
        if (partition !== undefined) layoutOptions['elk.partitioning.partition'] = String(partition);
        if (!compound) return { id: n.id, ...leafSize(n), layoutOptions };
        const header = headerOf(n);
        layoutOptions['elk.padding'] = `[top=${header + PAD},left=${PAD},bottom=${PAD},right=${PAD}]`;
        layoutOptions['elk.nodeSize.constraints'] = 'MINIMUM_SIZE';
        layoutOptions['elk.partitioning.activate'] = 'true';
        layoutOptions['elk.nodeSize.minimum'] = `(${compoundMinWidth(n)},${header + 2 * PAD})`;
        return { id: n.id, layoutOptions, children: n.children.map(c => toElk(c)) };
    };
    const sockets = socketsOf(diagram);
    const columns = Math.max(1, Math.min(arrangement.columns, sockets.length));
    let children: ElkNode[];
    if (sockets.length === 0) {
        children = diagram.root.children.map(c => toElk(c));
    } else {
        // One group per socket with the cards of the VMs at home there (their column left of it).
        const groups: ElkNode[] = sockets.map((s, i) => ({
            id: `${GROUP}${s.id}`,
            layoutOptions: { 'elk.partitioning.partition': String(i % columns), 'elk.padding': '[top=0,left=0,bottom=0,right=0]' },
            children: [
                ...diagram.root.children.filter(c => c.kind === 'vm' && (arrangement.home.get(c.vms[0]) ?? 0) === i).map(c => toElk(c, 0)),
                toElk(s, 1)
            ]
        }));
        const rest = diagram.root.children.filter(c => c.kind !== 'socket' && c.kind !== 'vm').map(c => toElk(c, columns));
        children = [...groups, ...rest];
    }
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
    const header = headerOf(diagram.root);
    return {
        id: 'root',
        layoutOptions: {
            'elk.algorithm': 'layered',
            'elk.direction': 'RIGHT',
            'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
            'elk.partitioning.activate': 'true',
            'elk.edgeRouting': 'ORTHOGONAL',
            'elk.randomSeed': '1',
            'elk.spacing.nodeNode': String(NODE_GAP),
            'elk.layered.spacing.nodeNodeBetweenLayers': String(LAYER_GAP),
            'elk.spacing.edgeNode': '10',
            'elk.spacing.edgeEdge': '6',
            // Model order is a root option of the hierarchical run (elkjs 0.12 fails when a nested graph sets both).
            'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
            'elk.layered.crossingMinimization.forceNodeModelOrder': 'true',
            // Socket groups top-aligned in their columns, in model order (no node positions are given).
            'elk.layered.nodePlacement.strategy': 'INTERACTIVE',
            'elk.edgeLabels.placement': 'CENTER',
            'elk.padding': `[top=${MARGIN + header + PAD},left=${MARGIN + PAD},bottom=${MARGIN + PAD},right=${MARGIN + PAD}]`
        },
        children,
        edges
    };
}

const round = (v: number | undefined) => Math.round((v ?? 0) * 2) / 2;

/**
 * Lays out a host diagram. Positions are absolute (ELK gives them relative to the parent, and edge
 * points relative to the edge's `container`).
 */
export async function layoutHost(diagram: HostDiagram, engine: LayoutEngine = inProcessEngine(), viewport: Viewport = DEFAULT_VIEWPORT): Promise<HostLayout> {
    const laid = await engine.layout(toElkGraph(diagram, arrange(diagram, viewport)));
    return placeHost(diagram, laid);
}

/** Turns ELK's answer for {@link toElkGraph} into absolute positions. */
export function placeHost(diagram: HostDiagram, laid: ElkNode): HostLayout {
    const byId = new Map(allNodes(diagram.root).map(n => [n.id, n]));
    const offsets = new Map<string, { x: number; y: number }>([['root', { x: 0, y: 0 }]]);
    // A layout-only group is no node of the diagram: its children go to the group's parent.
    const place = (e: ElkNode, ox: number, oy: number): PlacedNode[] => {
        const x = ox + (e.x ?? 0);
        const y = oy + (e.y ?? 0);
        offsets.set(e.id, { x, y });
        const children = (e.children ?? []).flatMap(c => place(c, x, y));
        if (e.id.startsWith(GROUP)) return children;
        const node = byId.get(e.id);
        if (!node) throw new Error(`layout returned an unknown node ${e.id}`);
        return [{ node, x: round(x), y: round(y), width: round(e.width), height: round(e.height), children }];
    };
    // The host box is the root graph, less the margin; at least as wide as its header.
    const width = Math.max(round(laid.width), compoundMinWidth(diagram.root) + 2 * MARGIN);
    const height = round(laid.height);
    const root: PlacedNode = {
        node: diagram.root, x: MARGIN, y: MARGIN, width: width - 2 * MARGIN, height: height - 2 * MARGIN,
        children: (laid.children ?? []).flatMap(c => place(c, laid.x ?? 0, laid.y ?? 0))
    };
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
    return { diagram, root, edges, width, height };
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
