/**
 * Laid-out diagram → SVG text. Pure and deterministic: the same layout gives the same bytes (no
 * ids from counters or clocks, numbers printed as they were rounded by the layout).
 *
 * Every piece of user text (names, doc comments, messages) goes through {@link escapeXml}, in
 * element content and in attribute values alike, so `<script>`, quotes, `&` and `]]>` show as text.
 * Each node is a `<g class="node …" data-node="ID" data-kind="KIND" data-vms="VM …">` with a
 * `<title>` holding its facts (hover in browsers and in the webview), nested as the model nests.
 * Colours are set in one `<style>` by class (the webview re-themes the classes with VS Code's theme
 * variables); the font stack renders the same in browsers and in rsvg-convert (librsvg).
 */
import type { DiagramDiagnostic, DiagramNode } from './graph.js';
import { BAR_HEIGHT, FONT_SIZE, LINE_HEIGHT, textWidth, type HostLayout, type PlacedNode } from './layout.js';

/** The diagram's font stack: DejaVu Sans (Debian's default, used by rsvg-convert), then common fallbacks. */
export const FONT_STACK = 'DejaVu Sans, Liberation Sans, Arial, sans-serif';

/**
 * VM colours (Tableau 10, a palette designed to stay distinguishable, https://www.tableau.com/blog/colors-upgrade-tableau-10-56782);
 * the i-th VM of a host gets colour i mod 10.
 */
export const VM_COLOURS = ['#4e79a7', '#f28e2b', '#59a14f', '#b07aa1', '#76b7b2', '#edc948', '#9c755f', '#ff9da7', '#e15759', '#bab0ac'] as const;

/** XML 1.0 excludes these characters (C0 controls other than tab, LF, CR; U+FFFE, U+FFFF; lone surrogates). */
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Escapes text for XML content and attribute values (`&`, `<`, `>`, `"`, `'`); characters XML cannot hold become U+FFFD. */
export function escapeXml(text: string): string {
    return text.replace(NOT_XML, '\ufffd').replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\'': '&apos;' })[c]!);
}

/** The diagram's stylesheet (plain colours; rsvg-convert and browsers both read it). */
export function styleSheet(): string {
    const vm = VM_COLOURS.map((c, i) =>
        `.c${i} .vmfill,.c${i}.vmfill{fill:${c}}` +
        `.held.c${i}>.box{fill:${c};fill-opacity:.2;stroke:${c};stroke-width:2}` +
        `.k-vm.c${i}>.box{fill:${c};fill-opacity:.25;stroke:${c};stroke-width:2}` +
        `.edge.c${i} path{stroke:${c}}`).join('');
    return [
        `svg{font-family:${FONT_STACK};font-size:${FONT_SIZE}px}`,
        'text{fill:#1f2328}',
        '.box{fill:#ffffff;stroke:#8c959f;stroke-width:1}',
        '.k-host>.box{fill:#f6f8fa;stroke:#57606a;stroke-width:1.5}',
        '.k-socket>.box{fill:#eef3f8;stroke:#6e7781}',
        '.k-switch>.box{fill:#f4f1fa;stroke:#8a7fb0;stroke-dasharray:4 2}',
        '.k-gpu>.box{stroke:#3d7a36;stroke-width:1.5}',
        '.k-nic>.box{stroke:#2f6fb0;stroke-width:1.5}',
        '.k-nvswitch>.box,.k-fabric>.box{fill:#fff8e6;stroke:#b08800}',
        '.k-cores>.box,.k-memory>.box{fill:#ffffff}',
        '.bar{fill:#d0d7de}',
        '.sub{fill:#57606a;font-size:11px}',
        '.head{font-weight:bold}',
        '.edge path{fill:none;stroke-width:1.5;stroke-opacity:.85}',
        '.e-nvlink path{stroke:#b08800;stroke-width:2}',
        '.edge.error path{stroke:#cf222e !important;stroke-width:2.5;stroke-dasharray:6 3}',
        '.edge.warning path{stroke:#bf8700 !important;stroke-width:2.5;stroke-dasharray:6 3}',
        '.elabel{font-size:10px;fill:#7d5a00}',
        '.badge circle{fill:#cf222e}.badge.warning circle{fill:#bf8700}.badge text{fill:#ffffff;font-size:10px;font-weight:bold}',
        '.legend .box{fill:#ffffff;stroke:#d0d7de}',
        vm
    ].join('\n');
}

const n = (v: number) => String(v);

function diagnosticLines(diagnostics: readonly DiagramDiagnostic[]): string[] {
    return diagnostics.map(d => `${severityWord(d.severity)}${d.code ? ` ${d.code}` : ''}: ${d.message}`);
}

function severityWord(severity: number): string {
    return severity === 1 ? 'error' : severity === 2 ? 'warning' : severity === 3 ? 'info' : 'hint';
}

/** `error`, `warning` or undefined: the worst diagnostic that draws a badge (infos and hints do not). */
export function worstSeverity(diagnostics: readonly DiagramDiagnostic[]): 'error' | 'warning' | undefined {
    if (diagnostics.some(d => d.severity === 1)) return 'error';
    if (diagnostics.some(d => d.severity === 2)) return 'warning';
    return undefined;
}

function renderNode(p: PlacedNode, colourOf: ReadonlyMap<string, number>, out: string[], indent: string): void {
    const node = p.node;
    const held = node.vms.length > 0 && node.kind !== 'vm' && node.kind !== 'cores' && node.kind !== 'memory';
    const colour = node.kind === 'vm' ? node.colour : held ? colourOf.get(node.vms[0]) : undefined;
    const worst = worstSeverity(node.diagnostics);
    const classes = ['node', `k-${node.kind}`, held ? 'held' : '', colour !== undefined ? `c${colour % VM_COLOURS.length}` : '', worst ? `has-${worst}` : ''].filter(Boolean).join(' ');
    out.push(`${indent}<g class="${classes}" data-node="${escapeXml(node.id)}" data-kind="${node.kind}"${node.vms.length ? ` data-vms="${escapeXml(node.vms.join(' '))}"` : ''}>`);
    const title = [...node.facts, ...diagnosticLines(node.diagnostics)].join('\n');
    out.push(`${indent}  <title>${escapeXml(title)}</title>`);
    out.push(`${indent}  <rect class="box" x="${n(p.x)}" y="${n(p.y)}" width="${n(p.width)}" height="${n(p.height)}" rx="4"/>`);
    const compound = p.children.length > 0 || node.kind === 'host' || node.kind === 'socket' || node.kind === 'switch';
    node.label.forEach((line, i) => {
        const cls = i === 0 ? (compound || node.kind === 'vm' ? 'label head' : 'label') : 'label sub';
        const size = node.kind === 'host' && i === 0 ? ` font-size="${FONT_SIZE + 2}"` : '';
        out.push(`${indent}  <text class="${cls}" x="${n(p.x + 8)}" y="${n(p.y + 15 + i * LINE_HEIGHT)}"${size}>${escapeXml(line)}</text>`);
    });
    if (node.segments) {
        const bx = p.x + 8;
        const by = p.y + node.label.length * LINE_HEIGHT + 8;
        const bw = p.width - 16;
        out.push(`${indent}  <rect class="bar" x="${n(bx)}" y="${n(by)}" width="${n(bw)}" height="${BAR_HEIGHT}"/>`);
        for (const s of node.segments) {
            const c = colourOf.get(s.vm);
            if (c === undefined) continue;
            const x0 = Math.round((bx + s.from * bw) * 2) / 2;
            const w = Math.max(1, Math.round((s.to - s.from) * bw * 2) / 2);
            out.push(`${indent}  <rect class="seg vmfill c${c % VM_COLOURS.length}" data-vm="${escapeXml(s.vm)}" x="${n(x0)}" y="${n(by)}" width="${n(w)}" height="${BAR_HEIGHT}"/>`);
        }
    }
    if (worst) {
        const cx = p.x + p.width - 9;
        const cy = p.y + 9;
        out.push(`${indent}  <g class="badge ${worst}"><circle cx="${n(cx)}" cy="${n(cy)}" r="7"/><text x="${n(cx - 2)}" y="${n(cy + 3.5)}">!</text></g>`);
    }
    for (const c of p.children) renderNode(c, colourOf, out, `${indent}  `);
    out.push(`${indent}</g>`);
}

/**
 * The SVG of a laid-out host: the nodes (nested), the edges on top, and a legend under the drawing
 * (VM colours with names; NVLink; error and warning badges).
 */
export function renderHostSvg(layout: HostLayout): string {
    const colourOf = new Map(layout.diagram.vms.map((vm, i) => [vm, i]));
    const body: string[] = [];
    renderNode(layout.root, colourOf, body, '  ');
    body.push('  <g class="edges">');
    for (const e of layout.edges) {
        if (e.points.length < 2) continue;
        const d = e.points.map((pt, i) => `${i === 0 ? 'M' : 'L'}${n(pt.x)} ${n(pt.y)}`).join(' ');
        const worst = worstSeverity(e.edge.diagnostics);
        const c = e.edge.vm !== undefined ? colourOf.get(e.edge.vm) : undefined;
        const classes = ['edge', `e-${e.edge.kind}`, c !== undefined ? `c${c % VM_COLOURS.length}` : '', worst ?? ''].filter(Boolean).join(' ');
        const title = [`${e.edge.kind === 'nvlink' ? 'NVLink' : `VM ${e.edge.vm}`}: ${e.edge.source} → ${e.edge.target}`, ...diagnosticLines(e.edge.diagnostics)].join('\n');
        body.push(`    <g class="${classes}" data-edge="${escapeXml(e.edge.id)}" data-source="${escapeXml(e.edge.source)}" data-target="${escapeXml(e.edge.target)}"${e.edge.vm !== undefined ? ` data-vms="${escapeXml(e.edge.vm)}"` : ''}>`);
        body.push(`      <title>${escapeXml(title)}</title>`);
        body.push(`      <path d="${d}"/>`);
        if (e.labelAt && e.edge.label) body.push(`      <text class="elabel" x="${n(e.labelAt.x)}" y="${n(e.labelAt.y)}">${escapeXml(e.edge.label)}</text>`);
        body.push('    </g>');
    }
    body.push('  </g>');
    const legend = renderLegend(layout.diagram.vms, 10, layout.height + 4);
    const width = Math.max(layout.width, legend.width + 20);
    const height = layout.height + 4 + legend.height + 10;
    return svgDocument(width, height, `vmtopo topology of host ${layout.diagram.host}`, [...body, ...legend.lines]);
}

function svgDocument(width: number, height: number, title: string, body: string[]): string {
    return [
        '<?xml version="1.0" encoding="UTF-8"?>',
        `<svg xmlns="http://www.w3.org/2000/svg" class="vmtopo-diagram" width="${n(width)}" height="${n(height)}" viewBox="0 0 ${n(width)} ${n(height)}" font-family="${FONT_STACK}" font-size="${FONT_SIZE}">`,
        `  <title>${escapeXml(title)}</title>`,
        `  <style>\n${styleSheet()}\n  </style>`,
        ...body,
        '</svg>',
        ''
    ].join('\n');
}

/** The legend: one swatch per VM, then NVLink and the badges; wraps at 900 px. */
function renderLegend(vms: readonly string[], x0: number, y0: number): { lines: string[]; width: number; height: number } {
    const items: { width: number; draw: (x: number, y: number) => string }[] = [];
    vms.forEach((vm, i) => {
        const c = i % VM_COLOURS.length;
        items.push({
            width: 22 + textWidth(vm) + 16,
            draw: (x, y) => `    <g class="legend-vm" data-vms="${escapeXml(vm)}"><rect class="vmfill c${c}" x="${n(x)}" y="${n(y - 10)}" width="14" height="12" rx="2"/><text x="${n(x + 20)}" y="${n(y)}">${escapeXml(vm)}</text></g>`
        });
    });
    const fixed: [string, (x: number, y: number) => string][] = [
        ['GPU / NIC held by a VM: its colour', () => ''],
        ['NVLink', (x, y) => `<path class="legend-nvlink" d="M${n(x)} ${n(y - 4)} L${n(x + 16)} ${n(y - 4)}" stroke="#b08800" stroke-width="2"/>`],
        ['error', (x, y) => `<g class="badge error"><circle cx="${n(x + 7)}" cy="${n(y - 4)}" r="7"/><text x="${n(x + 5)}" y="${n(y - 0.5)}">!</text></g>`],
        ['warning', (x, y) => `<g class="badge warning"><circle cx="${n(x + 7)}" cy="${n(y - 4)}" r="7"/><text x="${n(x + 5)}" y="${n(y - 0.5)}">!</text></g>`]
    ];
    for (const [text, symbol] of fixed.slice(1)) {
        items.push({ width: 22 + textWidth(text) + 16, draw: (x, y) => `    <g>${symbol(x, y)}<text x="${n(x + 20)}" y="${n(y)}">${escapeXml(text)}</text></g>` });
    }
    const maxWidth = 900;
    const lines: string[] = [];
    let x = x0 + 60;
    let y = y0 + 20;
    let widest = 0;
    const head = `    <text class="label head" x="${n(x0 + 6)}" y="${n(y)}">Legend</text>`;
    for (const item of items) {
        if (x + item.width > x0 + maxWidth && x > x0 + 60) {
            x = x0 + 60;
            y += 20;
        }
        lines.push(item.draw(x, y));
        x += item.width;
        widest = Math.max(widest, x - x0);
    }
    const height = y - y0 + 10;
    return {
        lines: ['  <g class="legend">', `    <rect class="box" x="${n(x0)}" y="${n(y0)}" width="${n(widest + 4)}" height="${n(height)}" rx="4"/>`, head, ...lines, '  </g>'],
        width: widest + 4,
        height
    };
}

/** A host card of the fleet overview: its place (absolute px) and what it shows. */
export interface FleetCard {
    readonly host: string;
    readonly x: number;
    readonly y: number;
    readonly width: number;
    readonly height: number;
    readonly lines: readonly string[];
    readonly facts: readonly string[];
    /** One cell per GPU: the colour index of the VM using it, or undefined when free. */
    readonly gpus: readonly { name: string; vm?: string; colour?: number }[];
    readonly errors: number;
    readonly warnings: number;
    readonly source?: DiagramNode['source'];
}

/** The fleet overview SVG: one card per host (GPU use per GPU, VMs, problems). */
export function renderFleetSvg(cards: readonly FleetCard[], width: number, height: number): string {
    const body: string[] = [];
    for (const card of cards) {
        const worst = card.errors > 0 ? 'error' : card.warnings > 0 ? 'warning' : undefined;
        body.push(`  <g class="node k-hostcard${worst ? ` has-${worst}` : ''}" data-node="host:${escapeXml(card.host)}" data-kind="hostcard" data-host="${escapeXml(card.host)}">`);
        body.push(`    <title>${escapeXml(card.facts.join('\n'))}</title>`);
        body.push(`    <rect class="box" x="${n(card.x)}" y="${n(card.y)}" width="${n(card.width)}" height="${n(card.height)}" rx="6"/>`);
        card.lines.forEach((line, i) => {
            body.push(`    <text class="${i === 0 ? 'label head' : 'label sub'}" x="${n(card.x + 10)}" y="${n(card.y + 18 + i * LINE_HEIGHT)}">${escapeXml(line)}</text>`);
        });
        const cy = card.y + 18 + card.lines.length * LINE_HEIGHT - 6;
        card.gpus.forEach((g, i) => {
            const cx = card.x + 10 + i * 16;
            const cls = g.colour !== undefined ? `gpucell vmfill c${g.colour % VM_COLOURS.length}` : 'gpucell bar';
            body.push(`    <rect class="${cls}" x="${n(cx)}" y="${n(cy)}" width="13" height="13" rx="2"><title>${escapeXml(`${g.name}: ${g.vm ?? 'free'}`)}</title></rect>`);
        });
        if (worst) {
            body.push(`    <g class="badge ${worst}"><circle cx="${n(card.x + card.width - 12)}" cy="${n(card.y + 12)}" r="7"/><text x="${n(card.x + card.width - 14)}" y="${n(card.y + 15.5)}">!</text></g>`);
        }
        body.push('  </g>');
    }
    return svgDocument(width, height, `vmtopo fleet overview: ${cards.length} hosts`, body);
}
