/**
 * The topology view at the panel sizes people use — a narrow split (500 × 900), half a screen
 * (960 × 1000) and a full screen (1900 × 1000) — with the HGX H200 example, in headless Debian
 * Chromium (playwright-core, /usr/bin/chromium) running the page of client/topology/html.ts and the
 * bundled script, as test/client/webview-topology.test.ts does. The page reports its drawing area
 * in `ready`; the test answers as the language server does: renderDiagram laid out for that area.
 *
 * At each size, after Fit: the host box lies inside the drawing area and fills at least 90 % of its
 * width or height; no visible label is under 9 px on screen; NUMA 0 is drawn before NUMA 1 (left of
 * it when wide, above it when narrow). Zoomed out, a PCIe switch collapses to its summary and opens
 * on a click or on zooming in; the VM filter zooms to the VM's devices; "Errors only" dims what has
 * no problem. Screenshots after Fit: out/test-artifacts/topology-{narrow,half,full}.png.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { readRepoFile } from '../support/util.js';
import { ARTIFACTS, diagramOf, openWebviewPage, postedBy, runsInChromium, sendToPage, startWebviewBrowser, type WebviewBrowser } from '../support/webview.js';
import type { FromWebview, ToWebview } from '../../client/topology/messages.js';

/** The smallest label on screen the view promises (client/topology/webview/main.ts MIN_LABEL_PX). */
const MIN_LABEL_PX = 9;

interface Rect { x: number; y: number; width: number; height: number }

/** What the page shows, measured in the browser: rectangles in CSS px of the page. */
interface Measure {
    viewport: Rect;
    host: Rect;
    sockets: Record<string, Rect>;
    /** Visible labels with their size on screen. */
    labels: { text: string; px: number }[];
    overview: boolean;
    collapsed: string[];
}

function measure(page: Page): Promise<Measure> {
    return page.evaluate(() => {
        const rect = (e: Element) => { const r = e.getBoundingClientRect(); return { x: r.x, y: r.y, width: r.width, height: r.height }; };
        const svg = document.querySelector('#canvas svg')!;
        const scale = svg.getBoundingClientRect().width / Number(svg.getAttribute('width'));
        const sockets: Record<string, Rect> = {};
        for (const g of Array.from(svg.querySelectorAll('.k-socket'))) sockets[g.getAttribute('data-node')!] = rect(g.querySelector(':scope > rect.box')!);
        const labels: { text: string; px: number }[] = [];
        for (const t of Array.from(svg.querySelectorAll('text, tspan'))) {
            if (t.tagName === 'text' && t.querySelector('tspan')) continue;
            const text = (t.textContent ?? '').trim();
            // Rendered (Chromium's checkVisibility() misses SVG content under a display: none group).
            const r = t.getBoundingClientRect();
            if (!text || r.width === 0 || r.height === 0) continue;
            labels.push({ text, px: parseFloat(getComputedStyle(t).fontSize) * scale });
        }
        return {
            viewport: rect(document.getElementById('viewport')!),
            host: rect(svg.querySelector('.k-host > rect.box')!),
            sockets, labels,
            overview: svg.classList.contains('overview'),
            collapsed: Array.from(svg.querySelectorAll('.k-switch.collapsed')).map(g => g.getAttribute('data-node')!)
        };
    });
}

const inside = (inner: Rect, outer: Rect, slack = 1) =>
    inner.x >= outer.x - slack && inner.y >= outer.y - slack && inner.x + inner.width <= outer.x + outer.width + slack && inner.y + inner.height <= outer.y + outer.height + slack;

const SIZES = [
    { name: 'narrow', width: 500, height: 900 },
    { name: 'half', width: 960, height: 1000 },
    { name: 'full', width: 1900, height: 1000 }
] as const;

describe.skipIf(!runsInChromium('webview-topology-sizes'))('topology view at three panel sizes in headless Chromium', () => {
    let browser: WebviewBrowser;
    const HGX = { 'hgx-h200.vmtopo': readRepoFile('examples/hgx-h200.vmtopo') };
    const screens = process.env.VMTOPO_SCREENS;

    beforeAll(async () => {
        browser = await startWebviewBrowser('vmtopo-webview-sizes-');
        fs.mkdirSync(ARTIFACTS, { recursive: true });
    }, 120_000);

    afterAll(async () => {
        await browser?.close();
    });

    /** A fresh page of `width` × `height` showing `files` as the server lays them out for the reported area. */
    async function open(width: number, height: number, files: Record<string, string> = HGX, host?: string) {
        const errors: string[] = [];
        const page = await openWebviewPage(browser, errors, { fresh: true, viewport: { width, height } });
        const posted = () => postedBy(page);
        const ready = (await posted()).find(m => m.type === 'ready') as Extract<FromWebview, { type: 'ready' }>;
        const result = await diagramOf(files, { viewport: ready.viewport, host });
        const send = (message: ToWebview) => sendToPage(page, message);
        await send({ type: 'update', result, state: { uri: 'file:///ws/x.vmtopo' } });
        await page.waitForSelector('#canvas svg .k-host');
        // Labels are redrawn for the scale on the next animation frame.
        await page.evaluate(() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r))));
        return { page, ready, result, posted, send, errors };
    }

    for (const size of SIZES) {
        it(`${size.name} (${size.width} × ${size.height}): after Fit the whole host fills the panel, labels are at least ${MIN_LABEL_PX} px, NUMA 0 comes first`, async () => {
            const { page, ready, errors } = await open(size.width, size.height);
            // The drawing area (below the toolbar, above the legend) is what the server lays out for.
            expect(ready.viewport.width).toBe(size.width);
            expect(ready.viewport.height).toBeGreaterThan(size.height - 120);
            expect(ready.viewport.height).toBeLessThan(size.height);
            await page.click('#fit');
            const m = await measure(page);
            expect(inside(m.host, m.viewport), JSON.stringify(m)).toBe(true);
            expect(Math.max(m.host.width / m.viewport.width, m.host.height / m.viewport.height)).toBeGreaterThanOrEqual(0.9);
            expect(m.labels.length).toBeGreaterThan(10);
            const small = m.labels.filter(l => l.px < MIN_LABEL_PX);
            expect(small, JSON.stringify(small.slice(0, 5))).toEqual([]);
            const [numa0, numa1] = [m.sockets['socket:sprocket/cpu0'], m.sockets['socket:sprocket/cpu1']];
            const leftOf = numa0.x + numa0.width <= numa1.x;
            const above = numa0.y + numa0.height <= numa1.y;
            if (size.name === 'full') expect(leftOf, 'side by side in a wide panel').toBe(true);
            if (size.name === 'narrow') expect(above, 'one above the other in a narrow panel').toBe(true);
            expect(leftOf || above).toBe(true);
            const file = path.join(ARTIFACTS, `topology-${size.name}.png`);
            await page.mouse.move(0, size.height - 1);
            await page.screenshot({ path: file });
            expect(fs.statSync(file).size).toBeGreaterThan(10_000);
            if (screens) {
                fs.mkdirSync(screens, { recursive: true });
                fs.copyFileSync(file, path.join(screens, path.basename(file)));
            }
            expect(errors).toEqual([]);
            await page.close();
        });
    }

    it('collapses PCIe switches to their summaries when zoomed out, and opens one on a click or when zoomed in', async () => {
        const { page, result } = await open(500, 900);
        let m = await measure(page);
        expect(m.overview).toBe(true);
        const switches = result.nodes.filter(n => n.kind === 'switch').map(n => n.id);
        expect(m.collapsed.sort()).toEqual([...switches].sort());
        const visible = (id: string) => page.locator(`[data-node="${id}"] > rect.box`).evaluate(e => e.getBoundingClientRect().width > 0);
        expect(await visible('dev:sprocket/gpu0')).toBe(false);
        const summary = await page.locator('[data-node="dev:sprocket/sw0"] > text.summary').evaluate(e => Array.from(e.querySelectorAll('tspan')).map(t => t.textContent));
        expect(summary.join(' / ')).toMatch(/^sw0 · 1 GPU · 1 NIC.* \/ train-a$/);
        expect(result.nodes.find(n => n.id === 'dev:sprocket/sw3')!.summary).toEqual(['sw3 · 1 GPU · 3 NICs', 'train-a']);
        // A click on the collapsed switch zooms to it: its GPU and NIC are shown, inside the panel.
        await page.locator('[data-node="dev:sprocket/sw0"] > rect.box').click();
        await page.evaluate(() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r))));
        expect(await visible('dev:sprocket/gpu0')).toBe(true);
        m = await measure(page);
        expect(m.collapsed).not.toContain('dev:sprocket/sw0');
        const gpu0 = await page.locator('[data-node="dev:sprocket/gpu0"] > rect.box').boundingBox();
        expect(inside(gpu0!, m.viewport)).toBe(true);
        expect(m.labels.filter(l => l.px < MIN_LABEL_PX)).toEqual([]);
        // Back to Fit: the others collapse again; zooming in with the wheel opens every switch.
        await page.click('#fit');
        await page.evaluate(() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r))));
        m = await measure(page);
        expect(m.collapsed).toHaveLength(switches.length - 1);
        await page.mouse.move(250, 300);
        for (let i = 0; i < 20 && (await measure(page)).overview; i++) {
            await page.mouse.wheel(0, -200);
            await page.evaluate(() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r))));
        }
        m = await measure(page);
        expect(m.overview).toBe(false);
        expect(m.collapsed).toEqual([]);
        expect(m.labels.filter(l => l.px < MIN_LABEL_PX)).toEqual([]);
        await page.close();
    });

    it('zooms to the devices of the VM chosen in the VM filter, and back to Fit when cleared', async () => {
        const { page, posted } = await open(960, 1000);
        const fitHost = (await measure(page)).host;
        await page.selectOption('#vm', 'infer-b');
        expect((await posted()).at(-1)).toEqual({ type: 'selectVm', vm: 'infer-b' });
        await page.evaluate(() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r))));
        const m = await measure(page);
        const held = await page.locator('#canvas svg g.node.selected > rect.box').evaluateAll(els => els.map(e => {
            const r = e.getBoundingClientRect();
            return { id: e.parentElement!.getAttribute('data-node'), x: r.x, y: r.y, width: r.width, height: r.height };
        }));
        expect(held.map(h => h.id).sort()).toEqual(['cores:sprocket/cpu1', 'dev:sprocket/gpu4', 'dev:sprocket/gpu5', 'mem:sprocket/cpu1', 'vm:infer-b']);
        for (const h of held) expect(inside(h, m.viewport), h.id!).toBe(true);
        // Zoomed in: the host is drawn larger than at Fit, the labels in full.
        expect(m.host.width).toBeGreaterThan(fitHost.width * 1.3);
        expect(m.overview).toBe(false);
        expect(m.labels.filter(l => l.px < MIN_LABEL_PX)).toEqual([]);
        expect(await page.locator('[data-node="dev:sprocket/gpu4"] > text.label').allTextContents()).toEqual(['gpu4 · H200 SXM5 141GB', '0000:9b:00.0 · module 1']);
        await page.selectOption('#vm', '');
        // Fit is applied on the view's next frames (a zoom the library may animate): wait until the
        // host box stops changing size (a hang watchdog only), then compare it with the first Fit.
        await page.waitForFunction(() => {
            const w = document.querySelector('#canvas svg .k-host > rect.box')!.getBoundingClientRect().width;
            const state = window as unknown as { __lastHostWidth?: number; __stableFrames?: number };
            state.__stableFrames = state.__lastHostWidth !== undefined && Math.abs(state.__lastHostWidth - w) < 0.01 ? (state.__stableFrames ?? 0) + 1 : 0;
            state.__lastHostWidth = w;
            return state.__stableFrames >= 5;
        }, undefined, { polling: 'raf' });
        const back = await measure(page);
        expect(back.host.width).toBeCloseTo(fitHost.width, 0);
        await page.close();
    });

    it('dims everything without an error or a warning under "Errors only", and zooms to what has one', async () => {
        const files = { 'bad.vmtopo': readRepoFile('examples/misconfigured.vmtopo') };
        const { page, result } = await open(960, 1000, files, 'kvm01');
        const opacity = (id: string) => page.locator(`[data-node="${id}"] > rect.box`).evaluate(e => getComputedStyle(e).opacity);
        const problems = result.nodes.filter(n => n.diagnostics.some(d => d.severity <= 2) && n.kind !== 'host');
        const clean = result.nodes.find(n => n.diagnostics.length === 0 && (n.kind === 'gpu' || n.kind === 'nic' || n.kind === 'vm'));
        expect(problems.length).toBeGreaterThan(0);
        expect(clean).toBeDefined();
        await page.click('#errors');
        expect(await page.locator('#errors').getAttribute('aria-pressed')).toBe('true');
        expect(await opacity(clean!.id)).toBe('0.15');
        for (const p of problems) expect(await opacity(p.id), p.id).toBe('1');
        expect(await page.locator('#status').textContent()).toMatch(/^\d+ with errors · \d+ with warnings$/);
        const m = await measure(page);
        for (const p of problems) {
            const box = await page.locator(`[data-node="${p.id}"] > rect.box`).boundingBox();
            expect(inside(box!, m.viewport), p.id).toBe(true);
        }
        await page.click('#errors');
        expect(await opacity(clean!.id)).toBe('1');
        expect(await page.locator('#status').textContent()).toMatch(/ nodes · layout \d+ ms$/);
        await page.close();
    });

    it('reports a new drawing area when the panel is resized, and fits the drawing to it at once', async () => {
        const { page, posted } = await open(1900, 1000);
        await page.setViewportSize({ width: 700, height: 1000 });
        await expect.poll(async () => (await posted()).filter(m => m.type === 'resize').at(-1)).toEqual({ type: 'resize', viewport: { width: 700, height: expect.any(Number) } });
        const m = await measure(page);
        expect(inside(m.host, m.viewport)).toBe(true);
        expect(Math.max(m.host.width / m.viewport.width, m.host.height / m.viewport.height)).toBeGreaterThanOrEqual(0.9);
        await page.close();
    });
});
