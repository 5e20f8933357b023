/**
 * The topology webview as a browser runs it: the page of client/topology/html.ts (strict CSP with a
 * nonce) with the bundled script and stylesheet (out/webview/), loaded in headless Debian Chromium
 * driven by playwright-core (no browser download: `executablePath` /usr/bin/chromium). Only the host
 * bridge `acquireVsCodeApi` is stubbed, to capture what the page posts; the extension's messages
 * arrive as `window.postMessage`, as VS Code delivers them. With the HGX example's diagram (made by
 * the language's renderDiagram): node count, hover facts, click → `reveal` with the node's range,
 * VM selection, cursor highlight, hostile text, no CSP violation. A screenshot is saved to
 * out/test-artifacts/webview-topology.png.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { readRepoFile } from '../support/util.js';
import { ARTIFACTS, diagramOf, openWebviewPage, postedBy, runsInChromium, sendToPage, startWebviewBrowser, type WebviewBrowser } from '../support/webview.js';
import type { ToWebview } from '../../client/topology/messages.js';
import type { TopologyResult } from '../../language/src/protocol.js';

describe.skipIf(!runsInChromium('webview-topology'))('topology webview in headless Chromium', () => {
    let browser: WebviewBrowser;
    let page: Page;
    let hgx: TopologyResult;
    const consoleErrors: string[] = [];

    const posted = () => postedBy(page);
    const send = (message: ToWebview) => sendToPage(page, message);

    beforeAll(async () => {
        hgx = await diagramOf({ 'hgx-h200.vmtopo': readRepoFile('examples/hgx-h200.vmtopo') });
        browser = await startWebviewBrowser('vmtopo-webview-');
        page = await openWebviewPage(browser, consoleErrors);
        await send({ type: 'update', result: hgx, state: { uri: 'file:///ws/hgx-h200.vmtopo' } });
        await page.waitForSelector('#canvas svg [data-node="host:sprocket"]');
    }, 120_000);

    afterAll(async () => {
        await browser?.close();
    });

    it('says ready first, then draws every node of the diagram', async () => {
        // The drawing area goes with `ready` (the page is 1400 × 1000; the toolbar and the legend take their rows).
        expect((await posted())[0]).toEqual({ type: 'ready', viewport: { width: 1400, height: expect.any(Number) } });
        expect(await page.locator('#canvas svg g[data-node]').count()).toBe(hgx.nodes.length);
        expect(hgx.nodes.length).toBeGreaterThan(40);
        expect(await page.locator('#host option').allTextContents()).toEqual(['sprocket']);
        expect(await page.locator('#vm option').allTextContents()).toEqual(['all', ...hgx.vms]);
        expect(hgx.vms).toEqual(expect.arrayContaining(['train-a', 'infer-b', 'tenant-c', 'tenant-d']));
        expect(await page.locator('#status').textContent()).toMatch(new RegExp(`^${hgx.nodes.length} nodes · layout \\d+ ms$`));
    });

    it('shows the node facts on hover', async () => {
        await page.locator('[data-node="dev:sprocket/gpu0"]').hover();
        const tooltip = page.locator('#tooltip');
        await expect.poll(() => tooltip.isVisible()).toBe(true);
        const text = await tooltip.textContent();
        expect(text).toContain('gpu0 at 0000:19:00.0, NUMA node 0, behind PCIe switch sw0');
        expect(text).toContain('H200 SXM5 141GB (GPU)');
    });

    it('posts reveal with the node\'s source range on click', async () => {
        await page.locator('[data-node="dev:sprocket/gpu0"]').click();
        const reveal = (await posted()).filter(m => m.type === 'reveal');
        const gpu0 = hgx.nodes.find(n => n.id === 'dev:sprocket/gpu0')!;
        expect(reveal.at(-1)).toEqual({ type: 'reveal', node: 'dev:sprocket/gpu0', range: gpu0.range });
        expect(gpu0.range!.start.line).toBe(readRepoFile('examples/hgx-h200.vmtopo').split('\n').findIndex(l => l.includes('gpu gpu0 ')));
    });

    it('highlights a VM\'s slice and dims the rest when the VM is selected', async () => {
        await page.selectOption('#vm', 'tenant-c');
        expect((await posted()).at(-1)).toEqual({ type: 'selectVm', vm: 'tenant-c' });
        // Kept in the webview state, which the panel serializer gets back after a window reload.
        expect(await page.evaluate(() => (window as unknown as { __state: unknown }).__state)).toEqual({ uri: 'file:///ws/hgx-h200.vmtopo', vm: 'tenant-c' });
        expect(await page.locator('#canvas svg').getAttribute('class')).toContain('vm-selected');
        const selected = await page.locator('#canvas svg .node.selected').evaluateAll(els => els.map(e => e.getAttribute('data-node')));
        expect(selected.sort()).toEqual(['cores:sprocket/cpu1', 'mem:sprocket/cpu1', 'slice:sprocket/gpu6/tenant-c/0', 'vf:sprocket/mlx5_8/0', 'vm:tenant-c']);
        const edges = await page.locator('#canvas svg .edge.selected').count();
        expect(edges).toBe(4);
        const opacity = (id: string) => page.locator(`[data-node="${id}"] > rect.box`).evaluate(e => getComputedStyle(e).opacity);
        expect(await opacity('dev:sprocket/gpu0')).toBe('0.2');
        expect(await opacity('vm:tenant-c')).toBe('1');
        await page.mouse.move(1, 990);
        fs.mkdirSync(ARTIFACTS, { recursive: true });
        await page.screenshot({ path: path.join(ARTIFACTS, 'webview-topology.png') });
        expect(fs.statSync(path.join(ARTIFACTS, 'webview-topology.png')).size).toBeGreaterThan(10_000);
        await page.selectOption('#vm', '');
        expect(await page.locator('#canvas svg .node.selected').count()).toBe(0);
    });

    it('follows the VS Code theme through its colour variables', async () => {
        const fill = () => page.locator('[data-node="dev:sprocket/gpu7"] > text').first().evaluate(e => getComputedStyle(e).fill);
        const box = () => page.locator('[data-node="dev:sprocket/gpu7"] > rect.box').evaluate(e => getComputedStyle(e).fill);
        await page.evaluate(() => {
            document.body.classList.add('vscode-dark');
            document.documentElement.style.setProperty('--vscode-editor-foreground', 'rgb(204, 204, 204)');
            document.documentElement.style.setProperty('--vscode-editor-background', 'rgb(30, 30, 30)');
        });
        expect(await fill()).toBe('rgb(204, 204, 204)');
        expect(await box()).toBe('rgb(30, 30, 30)');
        await page.evaluate(() => {
            document.body.classList.remove('vscode-dark');
            document.documentElement.style.removeProperty('--vscode-editor-foreground');
            document.documentElement.style.removeProperty('--vscode-editor-background');
        });
        expect(await box()).toBe('rgb(255, 255, 255)');
    });

    it('outlines the node at the editor\'s cursor', async () => {
        await send({ type: 'highlight', nodes: ['dev:sprocket/gpu3'] });
        await expect.poll(() => page.locator('#canvas .cursor').evaluateAll(els => els.map(e => e.getAttribute('data-node')))).toEqual(['dev:sprocket/gpu3']);
    });

    it('keeps pan and zoom across a live update of the same view, and its status across an unchanged answer', async () => {
        await page.mouse.move(700, 500);
        await page.mouse.wheel(0, -400);
        const transform = () => page.locator('#canvas').evaluate(e => (e as HTMLElement).style.transform);
        await expect.poll(transform).not.toBe('');
        const before = await transform();
        await send({ type: 'update', result: hgx, state: { uri: 'file:///ws/hgx-h200.vmtopo' } });
        expect(await transform()).toBe(before);
        await send({ type: 'busy' });
        expect(await page.locator('#status').textContent()).toBe('updating…');
        await send({ type: 'unchanged' });
        expect(await page.locator('#status').textContent()).toMatch(/ nodes · layout \d+ ms$/);
    });

    it('asks for another host or the fleet, and shows a stale diagram as stale', async () => {
        await page.click('#fleet');
        expect((await posted()).at(-1)).toEqual({ type: 'showFleet' });
        await send({ type: 'update', result: { ...hgx, stale: true, message: 'layout took longer than 5000 ms; showing the previous diagram' }, state: { uri: 'file:///ws/hgx-h200.vmtopo' } });
        await expect.poll(() => page.locator('#status').getAttribute('class')).toBe('stale');
        expect(await page.locator('#status').textContent()).toBe('stale: layout took longer than 5000 ms; showing the previous diagram');
    });

    it('shows hostile names and doc comments as text, runs no injected script, and breaks no CSP rule', async () => {
        const hostile = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2"> & ]]> "q"';
        const result = await diagramOf({ 'h.vmtopo': `/** ${hostile} */\nhost h1 {\n    socket s0 { cores 0-7 memory 64 GiB }\n    /** ${hostile} */\n    gpu g0 "H100 SXM5 80GB" at 0000:19:00.0\n}\n` });
        await send({ type: 'update', result, state: { uri: 'file:///ws/h.vmtopo' } });
        await page.waitForSelector('#canvas svg [data-node="host:h1"]');
        await page.locator('[data-node="dev:h1/g0"]').hover();
        await expect.poll(() => page.locator('#tooltip').textContent()).toContain(hostile);
        expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
        expect(await page.locator('#canvas script, #canvas img').count()).toBe(0);
        expect(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)).toEqual([]);
        expect(consoleErrors).toEqual([]);
    });
});
