/// <reference lib="dom" />
/**
 * The topology webview's script (bundled by esbuild to `out/webview/topology.js`, an IIFE for the
 * browser). It never lays out anything: it shows the SVG the language server made, and turns the
 * user's gestures into messages ({@link FromWebview}):
 *
 * - `ready` once listening (the extension then sends the diagram);
 * - pan and zoom with @panzoom/panzoom (drag, wheel; "Fit" resets);
 * - hover shows the node's facts (the editor hover's text) and its diagnostics;
 * - click posts `reveal` with the node's source range; a host card of the fleet overview posts
 *   `selectHost`;
 * - the VM picker (or a click on a VM card or legend entry) highlights the VM's slice and dims the
 *   rest;
 * - `highlight` from the extension (the editor's cursor) outlines the node at the cursor.
 *
 * The SVG is parsed with DOMParser as XML (no HTML parsing of user text; every label is escaped by
 * the server) and its <style> gets this page's nonce, so the strict CSP admits it.
 */
import Panzoom, { type PanzoomObject } from '@panzoom/panzoom';
// The view's stylesheet: esbuild writes it beside the script (out/webview/topology.css).
import './topology.css';
import type { FromWebview, ToWebview, TopologyNodeInfo, TopologyResult, TopologyViewState } from '../messages.js';

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
const status = $<HTMLSpanElement>('status');
const tooltip = $<HTMLDivElement>('tooltip');

let state: TopologyViewState | undefined = vscode.getState();
let nodes = new Map<string, TopologyNodeInfo>();
let panzoom: PanzoomObject | undefined;
let svg: SVGSVGElement | undefined;
let result: TopologyResult | undefined;
/** The status line of the diagram shown (restored after "updating…"). */
let statusText = '';

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
    // The same view again (a live update while typing): keep where the user panned and zoomed.
    const keep = panzoom && result && result.view === next.view && result.host === next.host
        ? { ...panzoom.getPan(), scale: panzoom.getScale() } : undefined;
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
    panzoom = Panzoom(canvas, {
        maxScale: 8, minScale: 0.05, canvas: true, cursor: 'grab', origin: '0 0',
        ...(keep ? { startScale: keep.scale, startX: keep.x, startY: keep.y } : {})
    });
    if (!keep) fit();
    selectVm(state.vm && next.vms.includes(state.vm) ? state.vm : undefined);
}

function fit(): void {
    if (!panzoom || !svg) return;
    const w = Number(svg.getAttribute('width')) || 1;
    const h = Number(svg.getAttribute('height')) || 1;
    const scale = Math.min(1, viewport.clientWidth / w, viewport.clientHeight / h) || 1;
    panzoom.zoom(scale, { animate: false });
    panzoom.pan(0, 0, { animate: false, force: true });
}

/** Highlights the VM's nodes and edges and dims the rest (undefined: no selection). */
function selectVm(vm: string | undefined): void {
    vmPicker.value = vm ?? '';
    if (!svg) return;
    svg.classList.toggle('vm-selected', vm !== undefined);
    for (const el of Array.from(svg.querySelectorAll<SVGElement>('[data-vms]'))) {
        const vms = (el.getAttribute('data-vms') ?? '').split(' ');
        el.classList.toggle('selected', vm !== undefined && vms.includes(vm));
    }
    saveState({ vm });
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
    const legend = e.target instanceof Element ? e.target.closest('.legend-vm') : null;
    if (legend) {
        const vm = legend.getAttribute('data-vms') ?? undefined;
        selectVm(vm === vmPicker.value ? undefined : vm);
        post({ type: 'selectVm', vm: vmPicker.value || undefined });
        return;
    }
    const el = nodeElement(e.target);
    if (!el) return;
    const id = el.getAttribute('data-node') ?? '';
    const info = nodes.get(id);
    if (result?.view === 'fleet' && info?.kind === 'hostcard') {
        post({ type: 'selectHost', host: id.slice('host:'.length) });
        return;
    }
    if (info?.kind === 'vm') {
        const vm = info.vms[0];
        selectVm(vm);
        post({ type: 'selectVm', vm });
    }
    if (info?.range) post({ type: 'reveal', node: id, range: info.range });
});
viewport.addEventListener('wheel', e => {
    if (!panzoom) return;
    e.preventDefault();
    panzoom.zoomWithWheel(e);
}, { passive: false });

hostPicker.addEventListener('change', () => post({ type: 'selectHost', host: hostPicker.value }));
fleetButton.addEventListener('click', () => post({ type: 'showFleet' }));
fitButton.addEventListener('click', fit);
vmPicker.addEventListener('change', () => {
    const vm = vmPicker.value || undefined;
    selectVm(vm);
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

post({ type: 'ready' });
