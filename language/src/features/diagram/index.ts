/**
 * The topology diagram: resolved model → diagram graph ({@link buildHostGraph}) → ELK layout
 * ({@link layoutHost}) → SVG ({@link renderHostSvg}); and the fleet overview ({@link fleetCards},
 * {@link layoutFleet}). The language server's `vmtopo/topology` request, the editor's "Export
 * Topology as SVG" and `vmtopo graph` all call {@link renderDiagram}, so they give the same SVG.
 *
 * {@link sourceInfo} connects the pure diagram to the documents: node → source range (from the
 * resolver's trace), doc comments (Langium's documentation provider) and the catalog facts of the
 * editor hover.
 */
import { GrammarUtils, type AstNode, type CstNode } from 'langium';
import type { ResolvedTopology } from '../../model/resolve.js';
import { vmsOnHost, type HostModel, type Topology, type VmModel } from '../../model/topology.js';
import { specFacts } from '../../catalog/facts.js';
import type { TopologyNodeInfo, TopologyResult } from '../../protocol.js';
import type { Diagnostic } from 'vscode-languageserver-types';
import { diagnosticCode, messageText } from '../../kernel/diagnostics.js';
import { nodeForProperty, uriOf } from '../../kernel/cst.js';
import { allNodes, buildHostGraph, rangeContains, summaryOf, type DiagramDiagnostic, type SourceInfo, type SourceRange } from './graph.js';
import { layoutHost, type LayoutEngine, type Viewport } from './layout.js';
import { renderHostSvg } from './svg.js';
import { fleetCards, layoutFleet } from './fleet.js';
import { diagramCapacity, diagramNcclPaths } from './capacity.js';
import type { Request } from '../../generated/ast.js';

export { buildHostGraph, allNodes, summaryOf, deviceId, vmId, type DiagramNode, type DiagramEdge, type HostDiagram, type DiagramDiagnostic, type SourceInfo, type SourceRange } from './graph.js';
export { layoutHost, toElkGraph, inProcessEngine, textWidth, arrange, vmHomes, DEFAULT_VIEWPORT, type LayoutEngine, type HostLayout, type Viewport, type Arrangement } from './layout.js';
export { renderHostSvg, escapeXml, FONT_STACK, VM_COLOURS } from './svg.js';
export { fleetCards, layoutFleet } from './fleet.js';
export { diagramCapacity, diagramNcclPaths, causeText } from './capacity.js';

/** Markdown of the hover → plain text: `**b**` → b, `` `c` `` → c, `[text](url)` → text. */
export function plainText(markdown: string): string {
    return markdown.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/\*\*/g, '').replace(/`/g, '').replace(/ {2}\n/g, '\n').trim();
}

function rangeOfCst(uri: string, cst: CstNode | undefined): SourceRange | undefined {
    if (!cst) return undefined;
    const { start, end } = cst.range;
    return { uri, start: { line: start.line, character: start.character }, end: { line: end.line, character: end.character } };
}

/**
 * Source ranges, doc comments and hover facts for the diagram, from a resolution's trace. `doc` is
 * the language's documentation provider (`services.documentation.DocumentationProvider`), whose
 * markdown is turned into plain text.
 */
export function sourceInfo(resolved: ResolvedTopology, doc?: (node: AstNode) => string | undefined): SourceInfo {
    return {
        rangeOf(obj) {
            const t = resolved.trace.get(obj);
            const uri = t && uriOf(t.node);
            if (!t || !uri || !t.node.$cstNode) return undefined;
            if (t.property === undefined) return rangeOfCst(uri, t.node.$cstNode);
            const nodes = GrammarUtils.findNodesForProperty(t.node.$cstNode, t.property);
            return rangeOfCst(uri, nodes[t.index ?? 0] ?? t.node.$cstNode);
        },
        propertyRangeOf(vm: VmModel, property) {
            const t = resolved.trace.get(vm);
            const uri = t && uriOf(t.node);
            if (!t || !uri || !t.node.$cstNode) return undefined;
            return rangeOfCst(uri, nodeForProperty(t.node.$cstNode, property));
        },
        docOf(obj) {
            const t = resolved.trace.get(obj);
            if (!t || !doc || t.property !== undefined) return undefined;
            const text = doc(t.node);
            return text ? plainText(text) : undefined;
        },
        specFacts: spec => specFacts(spec).map(plainText)
    };
}

export interface DiagramRequest {
    /** Host to draw (default: the first host). */
    host?: string;
    /** Draw the fleet overview instead of one host. */
    fleet?: boolean;
    /** Layout engine (default: elkjs in this thread). */
    engine?: LayoutEngine;
    /** The panel's drawing area in CSS px, whose shape the layout follows (default {@link DEFAULT_VIEWPORT}). */
    viewport?: Viewport;
    /** The workspace's request blocks: the workload of the capacity report (none: the VMs' shapes). */
    requests?: readonly Request[];
}

/**
 * The diagram of one host (or the fleet overview) with the node facts and source ranges: the
 * answer of the `vmtopo/topology` request, less `stale`. With no host in the topology (or an
 * unknown `host`), the SVG is empty and `message` says why.
 */
export async function renderDiagram(topology: Topology, sources: SourceInfo, diagnostics: readonly DiagramDiagnostic[], request: DiagramRequest = {}): Promise<TopologyResult> {
    const start = performance.now();
    const hosts = topology.hosts.map(h => h.name);
    if (request.fleet) {
        const cards = fleetCards(topology, sources, diagnostics);
        const { svg } = await layoutFleet(cards, request.engine);
        const nodes: TopologyNodeInfo[] = cards.map(c => ({
            id: `host:${c.host.name}`, kind: 'hostcard', label: c.lines, facts: c.facts,
            vms: vmsOnHost(topology, c.host).map(v => v.name), range: c.source, diagnostics: [],
            // Zoomed out: the host's name and its problems (or "no problems").
            summary: [c.lines[0], c.lines[3]]
        }));
        const capacity = diagramCapacity(topology, request.requests ?? [], topology.hosts);
        return { svg, view: 'fleet', hosts, vms: [], nodes, stale: false, layoutMs: performance.now() - start, capacity };
    }
    const host: HostModel | undefined = request.host !== undefined ? topology.hosts.find(h => h.name === request.host) : topology.hosts[0];
    if (!host) {
        const message = request.host !== undefined ? `no host named '${request.host}'${hosts.length ? `; hosts: ${hosts.join(', ')}` : ''}` : 'no host in the files';
        return { svg: '', view: 'host', hosts, vms: [], nodes: [], stale: false, layoutMs: 0, message };
    }
    const graph = buildHostGraph(topology, host, sources, diagnostics);
    const layout = await layoutHost(graph, request.engine, request.viewport);
    const svg = renderHostSvg(layout);
    const nodes: TopologyNodeInfo[] = allNodes(graph.root).map(n => ({
        id: n.id, kind: n.kind, label: [...n.label], facts: [...n.facts], vms: [...n.vms],
        range: n.source,
        diagnostics: n.diagnostics.map(d => ({ severity: d.severity, code: d.code, message: d.message })),
        summary: summaryOf(n, graph.vms)
    }));
    const capacity = diagramCapacity(topology, request.requests ?? [], [host]);
    const ncclPaths = diagramNcclPaths(vmsOnHost(topology, host));
    return { svg, view: 'host', host: host.name, hosts, vms: [...graph.vms], nodes, stale: false, layoutMs: performance.now() - start, capacity, ncclPaths };
}

/**
 * The host to show for a cursor: the host (or VM's host) whose declaration contains `position` in
 * `uri`; else the first host declared in `uri`; else undefined.
 */
export function hostAt(resolved: ResolvedTopology, uri: string, position?: { line: number; character: number }): string | undefined {
    const info = sourceInfo(resolved);
    const inside = (r: SourceRange | undefined) => !!position && rangeContains(r, uri, position);
    for (const host of resolved.topology.hosts) if (inside(info.rangeOf!(host))) return host.name;
    for (const vm of resolved.topology.vms) if (inside(info.rangeOf!(vm))) return vm.host.name;
    const first = resolved.topology.hosts.find(h => info.rangeOf!(h)?.uri === uri)
        ?? resolved.topology.vms.find(v => info.rangeOf!(v)?.uri === uri)?.host;
    return first?.name;
}

/** The diagnostics of documents as the diagram attaches them (message as plain text, code as a string). */
export function documentDiagnostics(documents: Iterable<{ readonly uri: { toString(): string }; readonly diagnostics?: readonly Diagnostic[] }>): DiagramDiagnostic[] {
    const out: DiagramDiagnostic[] = [];
    for (const doc of documents) {
        const uri = doc.uri.toString();
        for (const d of doc.diagnostics ?? []) {
            out.push({
                uri, range: d.range, severity: d.severity ?? 1,
                code: diagnosticCode(d),
                message: messageText(d)
            });
        }
    }
    return out;
}
