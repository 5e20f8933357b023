/**
 * The fleet overview: one card per host (platform, CPU, GPUs in use, VMs, problems) laid out by
 * ELK's `box` algorithm (cards packed in rows, https://eclipse.dev/elk/reference/algorithms/org-eclipse-elk-box.html).
 * Pure: a function of the resolved model and the diagnostics; no per-host layered layout is run, so
 * a 64-host fleet costs one small box layout.
 */
import type { ElkNode } from 'elkjs/lib/elk-api.js';
import { vmsOnHost, type HostModel, type Topology } from '../../model/topology.js';
import { rangeContains, type DiagramDiagnostic, type SourceInfo, type SourceRange } from './graph.js';
import { inProcessEngine, LINE_HEIGHT, textWidth, type LayoutEngine } from './layout.js';
import { renderFleetSvg, type FleetCard } from './svg.js';
import { severityName } from '../../kernel/diagnostics.js';

const contains = (r: SourceRange | undefined, d: DiagramDiagnostic) => rangeContains(r, d.uri, d.range.start);

/** What a host card shows, before layout. */
export interface CardContent {
    readonly host: HostModel;
    readonly lines: string[];
    readonly facts: string[];
    readonly gpus: { name: string; vm?: string; colour?: number }[];
    readonly errors: number;
    readonly warnings: number;
    readonly source?: SourceRange;
}

/** The content of every host card, in workspace order. Diagnostics count for the host whose declaration or VM contains them. */
export function fleetCards(topology: Topology, sources: SourceInfo = {}, diagnostics: readonly DiagramDiagnostic[] = []): CardContent[] {
    return topology.hosts.map(host => {
        const vms = vmsOnHost(topology, host);
        const users = new Map<string, string>();
        vms.forEach(vm => vm.gpus.forEach(g => { if (!users.has(g.gpu.name)) users.set(g.gpu.name, vm.name); }));
        const colourOf = new Map(vms.map((v, i) => [v.name, i]));
        const gpus = host.devices.filter(d => d.kind === 'gpu').map(g => {
            const vm = users.get(g.name);
            return { name: g.name, vm, colour: vm !== undefined ? colourOf.get(vm) : undefined };
        });
        const ranges = [sources.rangeOf?.(host), ...vms.map(v => sources.rangeOf?.(v))];
        const mine = diagnostics.filter(d => ranges.some(r => contains(r, d)));
        const errors = mine.filter(d => d.severity === 1).length;
        const warnings = mine.filter(d => d.severity === 2).length;
        const used = gpus.filter(g => g.vm !== undefined).length;
        const lines = [
            host.name,
            `${host.platform}${host.cpu ? ` · ${host.cpu.model}` : ''} · ${host.numaNodes.length} NUMA`,
            `GPUs ${used}/${gpus.length} in use · ${vms.length} VM${vms.length === 1 ? '' : 's'}`,
            errors + warnings > 0 ? `${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}` : 'no problems'
        ];
        const facts = [
            `Host ${host.name} (${host.platform}${host.cpu ? `, ${host.cpu.model}` : ''})`,
            `GPUs in use: ${used} of ${gpus.length}${gpus.length ? ` (${gpus.map(g => `${g.name}: ${g.vm ?? 'free'}`).join(', ')})` : ''}`,
            `VMs: ${vms.map(v => v.name).join(', ') || 'none'}`,
            ...mine.map(d => `${severityName(d)}${d.code ? ` ${d.code}` : ''}: ${d.message}`)
        ];
        return { host, lines, facts, gpus, errors, warnings, source: sources.rangeOf?.(host) };
    });
}

/** Lays out the cards (ELK `box`, all cards one size) and renders the overview SVG. */
export async function layoutFleet(cards: readonly CardContent[], engine: LayoutEngine = inProcessEngine()): Promise<{ svg: string; cards: FleetCard[] }> {
    const width = Math.max(240, ...cards.map(c => Math.max(...c.lines.map(l => textWidth(l)), c.gpus.length * 16) + 24));
    const height = 18 + 4 * LINE_HEIGHT + 16;
    const graph: ElkNode = {
        id: 'fleet',
        layoutOptions: {
            'elk.algorithm': 'box',
            'elk.aspectRatio': '1.6',
            'elk.spacing.nodeNode': '14',
            'elk.padding': '[top=10,left=10,bottom=10,right=10]',
            'elk.box.packingMode': 'SIMPLE'
        },
        children: cards.map((c, i) => ({ id: `card${i}`, width, height }))
    };
    const laid = await engine.layout(graph);
    const placed: FleetCard[] = cards.map((c, i) => {
        const e = laid.children![i];
        return {
            host: c.host.name, x: Math.round(e.x ?? 0), y: Math.round(e.y ?? 0), width, height,
            lines: c.lines, facts: c.facts, gpus: c.gpus, errors: c.errors, warnings: c.warnings, source: c.source
        };
    });
    const w = Math.max(width + 20, Math.round(laid.width ?? 0));
    const h = Math.max(height + 20, Math.round(laid.height ?? 0));
    return { svg: renderFleetSvg(placed, w, h), cards: placed };
}
