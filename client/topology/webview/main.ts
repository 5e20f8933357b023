/// <reference lib="dom" />
/**
 * The topology webview's script (bundled by esbuild to `out/webview/topology.js`, an IIFE for the
 * browser). It never lays out anything: it shows the SVG the language server made, and turns the
 * user's gestures into messages ({@link FromWebview}):
 *
 * - `ready` once listening, with the drawing area's size (the extension then sends the diagram,
 *   laid out for that shape), and `resize` when the panel changes size;
 * - pan and zoom with @panzoom/panzoom (drag, wheel); *Fit* centres the whole drawing (the host
 *   box) and scales it to fill the panel's width or height;
 * - semantic zoom: no label is drawn smaller than {@link MIN_LABEL_PX} on screen. A little zoomed
 *   out, labels are drawn larger (and shortened with "…" to stay in their box); further out
 *   (overview), each node shows its summary instead (`TopologyNodeInfo.summary`) and a PCIe switch
 *   collapses to its summary ("sw0 · 1 GPU · 1 NIC", "train-a"). Zooming in expands it again, and
 *   a click on a collapsed switch zooms to it;
 * - hover shows the node's facts (the editor hover's text) and its diagnostics;
 * - click posts `reveal` with the node's source range; a host card of the fleet overview posts
 *   `selectHost`;
 * - the VM picker (or a click on a VM card or legend entry) highlights the VM's slice, dims the
 *   rest and zooms to what the VM holds;
 * - *Errors only* dims everything without an error or a warning and zooms to what has one;
 * - *Capacity* shows the stranded-capacity report of the host (of every host in the fleet view) in a
 *   box beside the drawing — free and stranded GPUs, GPU-equivalents, cores and GiB, the causes —
 *   and outlines each stranded GPU, whose hover says why; a click on a GPU of the box zooms to it;
 * - a selected VM's NCCL paths (host view): a matrix of its GPU↔GPU and GPU↔NIC pairs as NCCL
 *   computes them in the guest (PIX, PXB, PHB, SYS, PXN, NV18; GDR where GPUDirect RDMA is used),
 *   and a labelled connector from each GPU to its nearest NIC(s) in the drawing;
 * - `highlight` from the extension (the editor's cursor) outlines the node at the cursor.
 *
 * The SVG is parsed with DOMParser as XML (no HTML parsing of user text; every label is escaped by
 * the server) and its <style> gets this page's nonce, so the strict CSP admits it.
 */
import Panzoom, { type PanzoomObject } from '@panzoom/panzoom';
// The view's stylesheet: esbuild writes it beside the script (out/webview/topology.css).
import './topology.css';
import type { FromWebview, ToWebview, TopologyHostCapacity, TopologyNodeInfo, TopologyPathPair, TopologyResult, TopologyViewState } from '../messages.js';

interface VsCodeApi {
    postMessage(message: FromWebview): void;
    getState(): TopologyViewState | undefined;
    setState(state: TopologyViewState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const nonce = (document.currentScript as HTMLScriptElement | null)?.nonce ?? '';
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const canvas = $<HTMLDivElement>('canvas');
const viewport = $<HTMLDivElement>('viewport');
const hostPicker = $<HTMLSelectElement>('host');
const vmPicker = $<HTMLSelectElement>('vm');
const fleetButton = $<HTMLButtonElement>('fleet');
const fitButton = $<HTMLButtonElement>('fit');
const errorsButton = $<HTMLButtonElement>('errors');
const capacityButton = $<HTMLButtonElement>('capacity');
const capacityBox = $<HTMLElement>('capacity-box');
const pathsBox = $<HTMLElement>('paths-box');
const legend = $<HTMLDivElement>('legend');
const status = $<HTMLSpanElement>('status');
const tooltip = $<HTMLDivElement>('tooltip');

let state: TopologyViewState | undefined = vscode.getState();
let nodes = new Map<string, TopologyNodeInfo>();
let panzoom: PanzoomObject | undefined;
let svg: SVGSVGElement | undefined;
let result: TopologyResult | undefined;
/** The status line of the diagram shown (restored after "updating…"). */
let statusText = '';

/**
 * The smallest label on screen, in CSS px: the size of the diagram's own fine print (its edge
 * labels, 10 px at 100 %) less a tenth — below it a label is not read at a glance.
 */
const MIN_LABEL_PX = 9;
/** The tallest a label may grow (in drawing px) while every line of a node still fits its line slot (16 px). */
const MAX_LINE_PX = 15;
/** Average advance of the diagram's font per character, in em: regular (as the layout estimates it) and bold. */
const EM_PER_CHAR = 0.62;
const EM_PER_BOLD_CHAR = 0.68;
/** Margin kept around the drawing by Fit and the zooms, in CSS px. */
const FIT_MARGIN = 8;

/** A box of the drawing, in its own px. */
interface Box { x: number; y: number; w: number; h: number }
/** One label of the drawing, with what semantic zoom needs to redraw it. */
interface Label { el: SVGTextElement; text: string; base: number; box: Box; x: number; badge: boolean; em: number }
/** The labels and summaries of the diagram shown. */
let labels: Label[] = [];
/** Edge labels and badge marks: drawn larger when zoomed out, never shortened. */
let marks: { el: SVGTextElement; base: number }[] = [];
let summaries: { el: SVGTextElement; lines: string[]; lineEls: SVGTSpanElement[]; box: Box; leaf: boolean; badge: boolean }[] = [];
/** Switches the user opened by a click while zoomed out. */
const expanded = new Set<string>();
/** True while the view shows what Fit showed (a resize or a new layout fits again). */
let fitted = true;
let errorsOnly = false;
let capacityOn = false;
/** Stranded GPUs of the drawn host: node id → line of the hover. */
let stranded = new Map<string, string>();

function post(message: FromWebview): void {
    vscode.postMessage(message);
}

function saveState(patch: Partial<TopologyViewState>): void {
    if (!state) return;
    state = { ...state, ...patch };
    vscode.setState(state);
}

function option(select: HTMLSelectElement, value: string, text: string): void {
    const o = document.createElement('option');
    o.value = value;
    o.textContent = text;
    select.appendChild(o);
}

function render(next: TopologyResult, nextState: TopologyViewState): void {
    // The same view again (a live update while typing): keep where the user panned and zoomed,
    // unless the view was fitted (then the new drawing is fitted too).
    const keep = panzoom && result && !fitted && result.view === next.view && result.host === next.host
        ? { ...panzoom.getPan(), scale: panzoom.getScale() } : undefined;
    if (result?.host !== next.host || result?.view !== next.view) expanded.clear();
    result = next;
    state = nextState;
    vscode.setState(state);
    nodes = new Map(next.nodes.map(n => [n.id, n]));
    // Host picker and VM picker.
    hostPicker.replaceChildren();
    for (const h of next.hosts) option(hostPicker, h, h);
    hostPicker.value = next.host ?? '';
    fleetButton.classList.toggle('active', next.view === 'fleet');
    vmPicker.replaceChildren();
    option(vmPicker, '', 'all');
    for (const vm of next.vms) option(vmPicker, vm, vm);
    vmPicker.disabled = next.vms.length === 0;
    const counts = `${next.nodes.length} nodes · layout ${Math.round(next.layoutMs)} ms`;
    statusText = next.stale ? `stale: ${next.message ?? 'out of date'}` : next.message ?? counts;
    status.textContent = statusText;
    status.classList.toggle('stale', next.stale);
    renderLegend(next);
    stranded = new Map(next.capacity?.hosts.flatMap(h => h.gpus.map(g => [g.node, `stranded: ${fmt(g.gpuEquivalents)} GPU-eq, ${g.cause}`] as const)) ?? []);
    renderCapacity(next);
    pathsBox.hidden = true;
    // The diagram.
    panzoom?.destroy();
    panzoom = undefined;
    canvas.replaceChildren();
    svg = undefined;
    if (!next.svg) return;
    // The diagram's stylesheet is taken out before parsing (a parsed <style> without this page's
    // nonce is a CSP violation even in DOMParser's inert document) and put back below with the nonce.
    const styleMatch = /<style>([\s\S]*?)<\/style>/.exec(next.svg);
    const css = styleMatch?.[1] ?? '';
    const parsed = new DOMParser().parseFromString(styleMatch ? next.svg.replace(styleMatch[0], '') : next.svg, 'image/svg+xml');
    const root = parsed.documentElement;
    if (root.nodeName !== 'svg' || parsed.getElementsByTagName('parsererror').length > 0) {
        status.textContent = 'the diagram could not be read';
        return;
    }
    svg = document.importNode(root, true) as unknown as SVGSVGElement;
    // The stylesheet, made in this document with this page's nonce (set through the IDL attribute,
    // which the CSP check reads), so that the policy admits it.
    if (css) {
        const own = document.createElementNS('http://www.w3.org/2000/svg', 'style');
        own.nonce = nonce;
        own.textContent = css;
        svg.insertBefore(own, svg.firstChild);
    }
    canvas.appendChild(svg);
    prepareLabels(svg);
    panzoom = Panzoom(canvas, {
        maxScale: 8, minScale: 0.05, canvas: true, cursor: 'grab', origin: '0 0',
        ...(keep ? { startScale: keep.scale, startX: keep.x, startY: keep.y } : {})
    });
    if (!keep) fit(); else applyZoom();
    selectVm(state.vm && next.vms.includes(state.vm) ? state.vm : undefined);
    setErrorsOnly(errorsOnly, false);
    setCapacity(capacityOn);
}

/** The box of a node's `rect.box`, in drawing px. */
function boxOf(g: Element): Box | undefined {
    const r = g.querySelector(':scope > rect.box');
    if (!r) return undefined;
    const n = (a: string) => Number(r.getAttribute(a)) || 0;
    return { x: n('x'), y: n('y'), w: n('width'), h: n('height') };
}

/** The drawing: the host box (the fleet overview: the whole SVG). */
function drawingBox(): Box | undefined {
    if (!svg) return undefined;
    const host = svg.querySelector('.k-host');
    const box = host && boxOf(host);
    if (box) return box;
    return { x: 0, y: 0, w: Number(svg.getAttribute('width')) || 1, h: Number(svg.getAttribute('height')) || 1 };
}

/** The smallest box holding `boxes`. */
function union(boxes: readonly Box[]): Box | undefined {
    if (boxes.length === 0) return undefined;
    const x0 = Math.min(...boxes.map(b => b.x));
    const y0 = Math.min(...boxes.map(b => b.y));
    const x1 = Math.max(...boxes.map(b => b.x + b.w));
    const y1 = Math.max(...boxes.map(b => b.y + b.h));
    return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

/**
 * Zooms and pans so that `box` (drawing px) is centred in the panel at the largest scale that shows
 * all of it (`maxScale` at most). Panzoom's transform is `scale(s) translate(x, y)` with origin 0 0,
 * so a drawing point p lands at s · (p + t) in the panel.
 */
function zoomTo(box: Box, maxScale = 8): void {
    if (!panzoom) return;
    const vw = Math.max(1, viewport.clientWidth - 2 * FIT_MARGIN);
    const vh = Math.max(1, viewport.clientHeight - 2 * FIT_MARGIN);
    const scale = Math.max(0.05, Math.min(maxScale, vw / Math.max(1, box.w), vh / Math.max(1, box.h)));
    const x = viewport.clientWidth / scale / 2 - (box.x + box.w / 2);
    const y = viewport.clientHeight / scale / 2 - (box.y + box.h / 2);
    panzoom.zoom(scale, { animate: false });
    panzoom.pan(x, y, { animate: false, force: true });
    applyZoom();
}

/** Fit: the whole drawing, centred, filling the panel's width or height. */
function fit(): void {
    const box = drawingBox();
    if (!box) return;
    zoomTo(box);
    fitted = true;
}

/** Remembers every label's text, size and box, and adds the (hidden) summary of every node. */
function prepareLabels(root: SVGSVGElement): void {
    labels = [];
    summaries = [];
    marks = Array.from(root.querySelectorAll<SVGTextElement>('.elabel, .node > .badge text'))
        .map(el => ({ el, base: Number(el.getAttribute('font-size')) || 10 }));
    for (const g of Array.from(root.querySelectorAll('g[data-node]'))) {
        const box = boxOf(g);
        if (!box) continue;
        const badge = !!g.querySelector(':scope > .badge');
        for (const t of Array.from(g.querySelectorAll<SVGTextElement>(':scope > text.label'))) {
            const base = Number(t.getAttribute('font-size')) || (t.classList.contains('sub') ? 11 : 12);
            const em = t.classList.contains('head') ? EM_PER_BOLD_CHAR : EM_PER_CHAR;
            labels.push({ el: t, text: t.textContent ?? '', base, box, x: Number(t.getAttribute('x')) || box.x, badge, em });
        }
        const info = nodes.get(g.getAttribute('data-node') ?? '');
        if (!info?.summary?.length) continue;
        const el = document.createElementNS('http://www.w3.org/2000/svg', 'text');
        el.setAttribute('class', 'summary');
        const lineEls = info.summary.map(() => {
            const span = document.createElementNS('http://www.w3.org/2000/svg', 'tspan');
            el.appendChild(span);
            return span;
        });
        // Centred in a leaf box, over its cores / memory bar (with a halo); at the top of a container.
        const leaf = !['host', 'socket', 'switch'].includes(info.kind) && !g.querySelector(':scope > g[data-node]');
        if (leaf) g.appendChild(el); else g.querySelector(':scope > rect.box')!.after(el);
        summaries.push({ el, lines: info.summary, lineEls, box, leaf, badge });
    }
}

/** `text` cut to `chars` characters, the last one "…" when cut. */
function elide(text: string, chars: number): string {
    const all = [...text];
    if (all.length <= chars) return text;
    return chars <= 1 ? '' : `${all.slice(0, chars - 1).join('')}…`;
}

/** The current scale of the drawing on screen. */
function currentScale(): number {
    return panzoom?.getScale() ?? 1;
}

/**
 * Semantic zoom for the current scale: labels never below {@link MIN_LABEL_PX} on screen.
 * - Detail (labels fit their line slots at that size): each label is drawn at
 *   max(its size, MIN_LABEL_PX ÷ scale), shortened with "…" to stay inside its box.
 * - Overview (further out): labels and edge labels give way to one summary per node, and every
 *   PCIe switch not opened by a click is collapsed (its devices hidden, its summary shown).
 */
function applyZoom(): void {
    if (!svg) return;
    const scale = currentScale();
    // A fiftieth above the minimum, so that rounding never takes a label under it.
    const min = MIN_LABEL_PX / scale * 1.02;
    const overview = min > MAX_LINE_PX;
    svg.classList.toggle('overview', overview);
    for (const g of Array.from(svg.querySelectorAll('.k-switch'))) {
        g.classList.toggle('collapsed', overview && !expanded.has(g.getAttribute('data-node') ?? ''));
    }
    for (const m of marks) {
        if (min > m.base) m.el.style.fontSize = `${min}px`; else m.el.style.removeProperty('font-size');
    }
    if (!overview) {
        for (const l of labels) {
            if (min <= l.base) {
                // At its own size a label fits its box (the layout sized the box for it).
                l.el.style.removeProperty('font-size');
                l.el.textContent = l.text;
                continue;
            }
            l.el.style.fontSize = `${min}px`;
            const room = l.box.x + l.box.w - l.x - (l.badge ? 20 : 4);
            l.el.textContent = elide(l.text, Math.floor(room / (min * l.em)));
        }
        return;
    }
    // Summaries a little larger than the minimum: they are what the overview is read by.
    const size = min * 1.1;
    for (const s of summaries) {
        const room = s.box.w - 12 - (s.badge ? 18 : 0);
        const chars = Math.floor(room / (size * EM_PER_BOLD_CHAR));
        const lines = s.box.h >= (s.lines.length + 0.6) * size * 1.15 ? s.lines : s.lines.slice(0, 1);
        const fits = chars >= 3 && s.box.h >= size * 1.3;
        s.el.style.display = fits ? '' : 'none';
        if (!fits) continue;
        s.el.style.fontSize = `${size}px`;
        s.el.style.strokeWidth = `${size * 0.15}px`;
        const top = s.leaf ? s.box.y + Math.max(size, (s.box.h - lines.length * size * 1.15) / 2 + size * 0.85) : s.box.y + size * 1.05;
        s.lineEls.forEach((span, i) => {
            span.textContent = i < lines.length ? elide(s.lines[i], chars) : '';
            span.setAttribute('x', String(s.box.x + 6));
            span.setAttribute('y', String(top + i * size * 1.15));
        });
    }
}

/** The VM legend under the drawing (HTML, so it stays readable at any zoom): a click selects the VM. */
function renderLegend(next: TopologyResult): void {
    legend.replaceChildren();
    legend.hidden = next.vms.length === 0;
    next.vms.forEach((vm, i) => {
        const item = document.createElement('button');
        item.type = 'button';
        item.className = `legend-item c${i % 10}`;
        item.dataset.vm = vm;
        const swatch = document.createElement('span');
        swatch.className = 'swatch';
        item.append(swatch, document.createTextNode(vm));
        item.addEventListener('click', () => {
            const chosen = vmPicker.value === vm ? undefined : vm;
            selectVm(chosen, true);
            post({ type: 'selectVm', vm: chosen });
        });
        legend.appendChild(item);
    });
}

/** Errors only: everything without an error or a warning dimmed; the view zooms to what has one. */
function setErrorsOnly(on: boolean, zoom: boolean): void {
    errorsOnly = on;
    errorsButton.setAttribute('aria-pressed', String(on));
    errorsButton.classList.toggle('active', on);
    if (!svg) return;
    svg.classList.toggle('errors-only', on);
    const problems = Array.from(svg.querySelectorAll('.node.has-error, .node.has-warning'));
    if (on) {
        const errors = result?.nodes.filter(n => n.diagnostics.some(d => d.severity === 1)).length ?? 0;
        const warnings = result?.nodes.filter(n => !n.diagnostics.some(d => d.severity === 1) && n.diagnostics.some(d => d.severity === 2)).length ?? 0;
        status.textContent = problems.length ? `${errors} with errors · ${warnings} with warnings` : 'no errors or warnings';
    } else {
        status.textContent = statusText;
    }
    if (!zoom) return;
    const box = on ? union(problems.filter(p => !p.classList.contains('k-host')).map(boxOf).filter((b): b is Box => !!b)) : undefined;
    if (box) {
        zoomTo(box, 2);
        fitted = false;
    } else {
        fit();
    }
}

/** A number as the report writes it: at most two decimals. */
function fmt(x: number): string {
    return String(Math.round(x * 100) / 100);
}

function element<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string): HTMLElementTagNameMap[K] {
    const el = document.createElement(tag);
    if (text !== undefined) el.textContent = text;
    if (className) el.className = className;
    return el;
}

/**
 * The capacity box: the workload it is measured against, one table row per host (and the fleet),
 * the causes of what is stranded, and each stranded GPU (a click zooms to it).
 */
function renderCapacity(next: TopologyResult): void {
    capacityBox.replaceChildren();
    const c = next.capacity;
    if (!c) return;
    const head = element('div', next.view === 'fleet' ? 'Capacity · fleet' : `Capacity · ${next.host ?? ''}`, 'box-title');
    const workload = c.from === 'requests'
        ? `stranded: what none of the ${c.shapes} request shape${c.shapes === 1 ? '' : 's'} can use`
        : `stranded: what no shape of the ${c.shapes} VM${c.shapes === 1 ? '' : 's'} can use (no request blocks)`;
    const table = element('table', undefined, 'capacity');
    const groups = element('tr');
    for (const [h, span] of [['', 1], ['free', 4], ['stranded', 3]] as const) {
        const th = element('th', h, h ? 'group' : undefined);
        th.colSpan = span;
        groups.appendChild(th);
    }
    const header = element('tr');
    for (const h of ['host', 'GPUs', 'GPU-eq', 'cores', 'GiB', 'GPU-eq', 'cores', 'GiB']) header.appendChild(element('th', h));
    table.append(groups, header);
    const row = (r: TopologyHostCapacity) => {
        const tr = element('tr', undefined, r.strandedGpuEquivalents > 0 ? 'has-stranded' : undefined);
        tr.dataset.host = r.host;
        for (const v of [r.host, String(r.freeGpus), fmt(r.freeGpuEquivalents), String(r.freeCores), fmt(r.freeMemoryGiB), fmt(r.strandedGpuEquivalents), String(r.strandedCores), fmt(r.strandedMemoryGiB)]) tr.appendChild(element('td', v));
        return tr;
    };
    for (const r of c.hosts) table.appendChild(row(r));
    capacityBox.append(head, element('div', workload, 'box-note'), table);
    const total = c.hosts.find(h => h.host === 'fleet') ?? c.hosts[0];
    if (total && total.causes.length > 0) {
        const causes = element('ul', undefined, 'causes');
        for (const x of total.causes) causes.appendChild(element('li', `${fmt(x.gpuEquivalents)} GPU-eq: ${x.cause}`));
        capacityBox.append(element('div', 'why', 'box-sub'), causes);
    }
    const gpus = c.hosts.flatMap(h => h.gpus);
    if (next.view === 'host' && gpus.length > 0) {
        const list = element('ul', undefined, 'stranded-gpus');
        for (const g of gpus) {
            const item = element('li');
            const button = element('button', g.gpu, 'gpu-link');
            button.type = 'button';
            button.dataset.gpu = g.node;
            button.addEventListener('click', () => {
                const el = svg?.querySelector(`[data-node="${CSS.escape(g.node)}"]`);
                const box = el && boxOf(el);
                if (box) { zoomTo(box, 2); fitted = false; }
            });
            item.append(button, document.createTextNode(` · ${fmt(g.gpuEquivalents)} GPU-eq · ${g.cause}`));
            list.appendChild(item);
        }
        capacityBox.append(element('div', 'stranded GPUs', 'box-sub'), list);
    }
}

/** Capacity on or off: the box, and the outline of each stranded GPU in the drawing. */
function setCapacity(on: boolean): void {
    capacityOn = on;
    capacityButton.setAttribute('aria-pressed', String(on));
    capacityButton.classList.toggle('active', on);
    capacityBox.hidden = !on || !result?.capacity;
    if (!svg) return;
    svg.classList.toggle('capacity', on);
    for (const el of Array.from(svg.querySelectorAll('g[data-node]'))) el.classList.toggle('stranded', on && stranded.has(el.getAttribute('data-node') ?? ''));
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Where the line from the centre of `a` towards the centre of `b` leaves `a`. */
function edgePoint(a: Box, b: Box): { x: number; y: number } {
    const cx = a.x + a.w / 2;
    const cy = a.y + a.h / 2;
    const dx = b.x + b.w / 2 - cx;
    const dy = b.y + b.h / 2 - cy;
    const t = Math.min(dx ? a.w / 2 / Math.abs(dx) : Infinity, dy ? a.h / 2 / Math.abs(dy) : Infinity, 1);
    return { x: cx + dx * t, y: cy + dy * t };
}

/** NCCL's path types, closest first (NCCL_PATH_TYPES of the language; the client may not import it). */
const PATH_ORDER = ['LOC', 'NVL', 'NVB', 'C2C', 'PIX', 'PXB', 'P2C', 'PXN', 'PHB', 'SYS', 'NET', 'DIS'];

/**
 * The selected VM's NCCL paths (host view; undefined: none): the matrix in the side box, and in the
 * drawing a labelled connector from each GPU to its nearest NIC(s).
 */
function renderPaths(vm: string | undefined): void {
    svg?.querySelector(':scope > g.nccl-paths')?.remove();
    marks = marks.filter(m => m.el.isConnected);
    pathsBox.replaceChildren();
    const paths = vm !== undefined && result?.view === 'host' ? result.ncclPaths?.find(p => p.vm === vm) : undefined;
    pathsBox.hidden = !paths;
    if (!paths) return;
    pathsBox.appendChild(element('div', `NCCL paths in ${vm}'s guest`, 'box-title'));
    if (paths.message || paths.pairs.length === 0) {
        pathsBox.appendChild(element('div', paths.message ?? 'one GPU and no NIC: no pair', 'box-note'));
        return;
    }
    const gpus = [...new Set(paths.pairs.flatMap(p => p.kind === 'gpu-gpu' ? [p.aName, p.bName] : [p.aName]))];
    const nics = [...new Set(paths.pairs.filter(p => p.kind === 'gpu-nic').map(p => p.bName))];
    const pairOf = (a: string, b: string) => paths.pairs.find(p => (p.aName === a && p.bName === b) || (p.kind === 'gpu-gpu' && p.aName === b && p.bName === a));
    const table = element('table', undefined, 'paths');
    const header = element('tr');
    header.appendChild(element('th'));
    for (const col of [...gpus, ...nics]) header.appendChild(element('th', col));
    table.appendChild(header);
    for (const g of gpus) {
        const tr = element('tr');
        tr.appendChild(element('th', g));
        for (const col of [...gpus, ...nics]) {
            const p = col === g ? undefined : pairOf(g, col);
            // The cell: the type and GDR (`nvidia-smi topo -m` style); the relay of PXN in its title.
            const td = element('td', col === g ? 'X' : p ? (p.kind === 'gpu-gpu' ? p.label : `${p.type}${p.gdr ? ' GDR' : ''}`) : '');
            if (p) {
                td.className = `path t-${p.type}${p.gdr ? ' gdr' : ''}`;
                td.dataset.a = p.a;
                td.dataset.b = p.b;
                td.title = `${p.aName} ↔ ${p.bName}: ${p.label}`;
            }
            tr.appendChild(td);
        }
        table.appendChild(tr);
    }
    table.addEventListener('mouseover', e => {
        const td = e.target instanceof Element ? e.target.closest<HTMLElement>('td.path') : null;
        for (const el of Array.from(canvas.querySelectorAll('.path-end'))) el.classList.remove('path-end');
        for (const id of td ? [td.dataset.a, td.dataset.b] : []) canvas.querySelector(`[data-node="${CSS.escape(id ?? '')}"]`)?.classList.add('path-end');
    });
    table.addEventListener('mouseleave', () => { for (const el of Array.from(canvas.querySelectorAll('.path-end'))) el.classList.remove('path-end'); });
    pathsBox.append(table, element('div', 'as NCCL computes them in the guest (src/graph/paths.cc): PIX one PCIe switch, PXB several, PHB through the CPU, SYS across sockets, PXN through an NVLink peer, NV# NVLinks; GDR: GPUDirect RDMA', 'box-note'));
    if (!svg) return;
    // The drawing: each GPU to its nearest NIC(s), labelled with the path type.
    const layer = document.createElementNS(SVG_NS, 'g');
    layer.setAttribute('class', 'nccl-paths');
    const nearest: TopologyPathPair[] = [];
    for (const g of gpus) {
        const mine = paths.pairs.filter(p => p.kind === 'gpu-nic' && p.aName === g);
        const best = Math.min(...mine.map(p => PATH_ORDER.indexOf(p.type)));
        nearest.push(...mine.filter(p => PATH_ORDER.indexOf(p.type) === best));
    }
    for (const p of nearest) {
        const ea = svg.querySelector(`[data-node="${CSS.escape(p.a)}"]`);
        const eb = svg.querySelector(`[data-node="${CSS.escape(p.b)}"]`);
        const a = ea && boxOf(ea);
        const b = eb && boxOf(eb);
        if (!a || !b) continue;
        const from = edgePoint(a, b);
        const to = edgePoint(b, a);
        const line = document.createElementNS(SVG_NS, 'line');
        line.setAttribute('class', `path-line${p.gdr ? ' gdr' : ''}`);
        for (const [k, v] of [['x1', from.x], ['y1', from.y], ['x2', to.x], ['y2', to.y]] as const) line.setAttribute(k, String(v));
        const text = document.createElementNS(SVG_NS, 'text');
        text.setAttribute('class', 'path-label');
        text.setAttribute('x', String((from.x + to.x) / 2));
        text.setAttribute('y', String((from.y + to.y) / 2 + 3));
        text.setAttribute('font-size', '10');
        text.setAttribute('text-anchor', 'middle');
        text.dataset.pair = `${p.aName} ${p.bName}`;
        text.textContent = p.label;
        layer.append(line, text);
        marks.push({ el: text, base: 10 });
    }
    svg.appendChild(layer);
    applyZoom();
}

/**
 * Highlights the VM's nodes and edges and dims the rest (undefined: no selection); with `zoom`, the
 * view zooms to the VM's card and everything it holds (back to Fit when cleared).
 */
function selectVm(vm: string | undefined, zoom = false): void {
    vmPicker.value = vm ?? '';
    for (const item of Array.from(legend.querySelectorAll<HTMLElement>('.legend-item'))) item.classList.toggle('selected', item.dataset.vm === vm);
    if (!svg) return;
    svg.classList.toggle('vm-selected', vm !== undefined);
    const held: Box[] = [];
    for (const el of Array.from(svg.querySelectorAll<SVGElement>('[data-vms]'))) {
        const vms = (el.getAttribute('data-vms') ?? '').split(' ');
        const selected = vm !== undefined && vms.includes(vm);
        el.classList.toggle('selected', selected);
        const box = selected && el.matches('g[data-node]') ? boxOf(el) : undefined;
        if (box) held.push(box);
    }
    saveState({ vm });
    renderPaths(vm);
    if (!zoom) return;
    const box = union(held);
    if (vm !== undefined && box) {
        zoomTo(box, 2);
        fitted = false;
    } else {
        fit();
    }
}

function nodeElement(target: EventTarget | null): SVGGElement | undefined {
    const el = target instanceof Element ? target.closest('[data-node]') : null;
    return el ? (el as SVGGElement) : undefined;
}

function showTooltip(info: TopologyNodeInfo, x: number, y: number): void {
    tooltip.replaceChildren();
    const facts = document.createElement('div');
    facts.textContent = info.facts.join('\n');
    tooltip.appendChild(facts);
    const strandedLine = capacityOn ? stranded.get(info.id) : undefined;
    if (strandedLine) {
        const line = document.createElement('div');
        line.className = 'stranded-line';
        line.textContent = strandedLine;
        tooltip.appendChild(line);
    }
    for (const d of info.diagnostics) {
        const line = document.createElement('div');
        line.className = d.severity === 1 ? 'diag-error' : 'diag-warning';
        line.textContent = `${d.severity === 1 ? 'error' : d.severity === 2 ? 'warning' : 'info'}${d.code ? ` ${d.code}` : ''}: ${d.message}`;
        tooltip.appendChild(line);
    }
    tooltip.hidden = false;
    tooltip.style.left = `${Math.min(x + 14, window.innerWidth - 300)}px`;
    tooltip.style.top = `${y + 14}px`;
}

canvas.addEventListener('mousemove', e => {
    const el = nodeElement(e.target);
    const info = el && nodes.get(el.getAttribute('data-node') ?? '');
    for (const h of Array.from(canvas.querySelectorAll('.hovered'))) if (h !== el) h.classList.remove('hovered');
    if (!el || !info) {
        tooltip.hidden = true;
        return;
    }
    el.classList.add('hovered');
    showTooltip(info, e.clientX, e.clientY);
});
canvas.addEventListener('mouseleave', () => { tooltip.hidden = true; });

let down: { x: number; y: number } | undefined;
canvas.addEventListener('pointerdown', e => { down = { x: e.clientX, y: e.clientY }; });
canvas.addEventListener('click', e => {
    // A drag (pan) is not a click.
    if (down && Math.hypot(e.clientX - down.x, e.clientY - down.y) > 4) return;
    const entry = e.target instanceof Element ? e.target.closest('.legend-vm') : null;
    if (entry) {
        const vm = entry.getAttribute('data-vms') ?? undefined;
        selectVm(vm === vmPicker.value ? undefined : vm, true);
        post({ type: 'selectVm', vm: vmPicker.value || undefined });
        return;
    }
    const el = nodeElement(e.target);
    if (!el) return;
    const id = el.getAttribute('data-node') ?? '';
    const info = nodes.get(id);
    // A collapsed switch opens: the view zooms to it (and it stays open while zoomed out).
    if (el.classList.contains('collapsed')) {
        expanded.add(id);
        const box = boxOf(el);
        if (box) zoomTo(box, 2);
        fitted = false;
    }
    if (result?.view === 'fleet' && info?.kind === 'hostcard') {
        post({ type: 'selectHost', host: id.slice('host:'.length) });
        return;
    }
    if (info?.kind === 'vm') {
        const vm = info.vms[0];
        selectVm(vm, true);
        post({ type: 'selectVm', vm });
    }
    if (info?.range) post({ type: 'reveal', node: id, range: info.range });
});
viewport.addEventListener('wheel', e => {
    if (!panzoom) return;
    e.preventDefault();
    panzoom.zoomWithWheel(e);
    fitted = false;
}, { passive: false });
// Any pan or zoom (wheel, drag, Fit, the zooms above): labels redrawn for the new scale, once a frame.
let zoomFrame = 0;
canvas.addEventListener('panzoomchange', () => {
    if (zoomFrame) return;
    zoomFrame = requestAnimationFrame(() => { zoomFrame = 0; applyZoom(); });
});
canvas.addEventListener('panzoompan', e => { if ((e as CustomEvent<{ originalEvent?: Event }>).detail?.originalEvent) fitted = false; });

hostPicker.addEventListener('change', () => post({ type: 'selectHost', host: hostPicker.value }));
fleetButton.addEventListener('click', () => post({ type: 'showFleet' }));
fitButton.addEventListener('click', fit);
errorsButton.addEventListener('click', () => setErrorsOnly(!errorsOnly, true));
capacityButton.addEventListener('click', () => setCapacity(!capacityOn));
vmPicker.addEventListener('change', () => {
    const vm = vmPicker.value || undefined;
    selectVm(vm, true);
    post({ type: 'selectVm', vm });
});

window.addEventListener('message', (event: MessageEvent<ToWebview>) => {
    const m = event.data;
    switch (m?.type) {
        case 'update':
            render(m.result, m.state);
            break;
        case 'highlight':
            for (const el of Array.from(canvas.querySelectorAll('.cursor'))) el.classList.remove('cursor');
            for (const id of m.nodes) canvas.querySelector(`[data-node="${CSS.escape(id)}"]`)?.classList.add('cursor');
            break;
        case 'busy':
            if (!status.classList.contains('stale')) status.textContent = 'updating…';
            break;
        case 'unchanged':
            status.textContent = statusText;
            break;
        case 'error':
            status.textContent = m.message;
            break;
    }
});

/** The drawing area in whole CSS px. */
function viewportSize(): { width: number; height: number } {
    return { width: Math.round(viewport.clientWidth), height: Math.round(viewport.clientHeight) };
}

// A new panel size: fitted views fit again at once; the extension is told (debounced) so that the
// server lays the diagram out for the new shape.
let reported = viewportSize();
let resizeTimer: ReturnType<typeof setTimeout> | undefined;
new ResizeObserver(() => {
    if (fitted) fit();
    if (resizeTimer) clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
        const size = viewportSize();
        if (size.width === reported.width && size.height === reported.height) return;
        reported = size;
        post({ type: 'resize', viewport: size });
    }, 200);
}).observe(viewport);

post({ type: 'ready', viewport: reported });
