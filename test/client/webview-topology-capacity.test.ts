/**
 * The topology webview's Capacity toggle and NCCL path labels in headless Chromium (the page and
 * bundle of client/topology, as test/client/webview-topology.test.ts loads them). The diagram is the
 * language's answer for the HGX example plus a CPU-only VM on every free core of NUMA node 1 and one
 * request shape (a passthrough H200 with a PF under its switch): gpu7 stays free with no core beside
 * it. Asserted: the capacity box's numbers and causes, the stranded GPU's outline and hover, and for
 * a selected VM the path matrix and the connectors with NCCL's path types. A screenshot of both is
 * saved to out/test-artifacts/topology-capacity.png (docs/topology-capacity.png in the README).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { readRepoFile } from '../support/util.js';
import { ARTIFACTS, diagramOf, openWebviewPage, runsInChromium, sendToPage, startWebviewBrowser, type WebviewBrowser } from '../support/webview.js';
import type { TopologyResult } from '../../language/src/protocol.js';

const STRANDING = `/** Every free core of NUMA 1. */
vm batch on sprocket {
    vcpus 74 pin 67-71,96-127,195-199,224-255
    memory 64 GiB on numa 1
}

request one-gpu { gpu 1 "H200 SXM5 141GB" passthrough nic 1 per-gpu passthrough same-switch vcpus 8 memory 64 GiB }
`;

describe.skipIf(!runsInChromium('webview-topology-capacity'))('topology webview: capacity and NCCL paths in headless Chromium', () => {
    let browser: WebviewBrowser;
    let page: Page;
    let result: TopologyResult;
    const consoleErrors: string[] = [];

    beforeAll(async () => {
        result = await diagramOf({ 'hgx-h200.vmtopo': readRepoFile('examples/hgx-h200.vmtopo'), 'extra.vmtopo': STRANDING });
        browser = await startWebviewBrowser('vmtopo-webview-capacity-');
        page = await openWebviewPage(browser, consoleErrors);
        await sendToPage(page, { type: 'update', result, state: { uri: 'file:///ws/hgx-h200.vmtopo' } });
        await page.waitForSelector('#canvas svg [data-node="host:sprocket"]');
    }, 120_000);

    afterAll(async () => {
        await browser?.close();
    });

    const gpu7 = '[data-node="dev:sprocket/gpu7"]';

    it('shows the capacity box and outlines the stranded GPUs only while Capacity is on', async () => {
        expect(await page.locator('#capacity-box').isVisible()).toBe(false);
        expect(await page.locator(`${gpu7}.stranded`).count()).toBe(0);
        await page.click('#capacity');
        expect(await page.locator('#capacity').getAttribute('aria-pressed')).toBe('true');
        const box = page.locator('#capacity-box');
        expect(await box.isVisible()).toBe(true);
        expect(await box.locator('.box-title').textContent()).toBe('Capacity · sprocket');
        expect(await box.locator('.box-note').textContent()).toBe('stranded: what none of the 1 request shape can use');
        // By hand: free memory 248 GiB on NUMA 0 (1024 less train-a's 768 and fm-service's 8) and 576 on
        // NUMA 1 (less 256 + 64 + 64 + batch's 64); the one shape can use no GPU on either node, so
        // all of it is stranded, as are NUMA 0's 13 free cores (NUMA 1 has none).
        expect(await box.locator('tr[data-host="sprocket"] td').allTextContents()).toEqual(['sprocket', '1', '1.75', '13', '824', '1.75', '13', '824']);
        expect(await box.locator('.causes li').allTextContents()).toEqual(['1 GPU-eq: no free cores left on the GPU\'s NUMA node', '0.75 GPU-eq: MIG slots fragmented']);
        expect(await box.locator('.stranded-gpus li').allTextContents()).toEqual(['gpu6 · 0.75 GPU-eq · MIG slots fragmented', 'gpu7 · 1 GPU-eq · no free cores left on NUMA node 1']);
        // The drawing: exactly the stranded GPUs are outlined (dashed).
        const outlined = await page.locator('#canvas svg .node.stranded').evaluateAll(els => els.map(e => e.getAttribute('data-node')));
        expect(outlined).toEqual(['dev:sprocket/gpu6', 'dev:sprocket/gpu7']);
        expect(await page.locator(`${gpu7} > rect.box`).evaluate(e => getComputedStyle(e).strokeDasharray)).not.toBe('none');
        expect(await page.locator('[data-node="dev:sprocket/gpu0"] > rect.box').evaluate(e => getComputedStyle(e).strokeDasharray)).toBe('none');
        // Its hover says why.
        await page.locator(gpu7).hover();
        await expect.poll(() => page.locator('#tooltip .stranded-line').textContent()).toBe('stranded: 1 GPU-eq, no free cores left on NUMA node 1');
        await page.locator('[data-node="dev:sprocket/gpu0"]').hover();
        await expect.poll(() => page.locator('#tooltip .stranded-line').count()).toBe(0);
        // A click on a GPU of the box zooms to it.
        const before = await page.locator('#canvas').evaluate(e => (e as HTMLElement).style.transform);
        await box.locator('.gpu-link', { hasText: 'gpu7' }).click();
        await expect.poll(() => page.locator('#canvas').evaluate(e => (e as HTMLElement).style.transform)).not.toBe(before);
        await page.click('#fit');
    });

    it('labels each pair of the selected VM with the path NCCL computes in its guest', async () => {
        expect(await page.locator('#paths-box').isVisible()).toBe(false);
        await page.selectOption('#vm', 'train-a');
        const box = page.locator('#paths-box');
        expect(await box.isVisible()).toBe(true);
        expect(await box.locator('.box-title').textContent()).toBe('NCCL paths in train-a\'s guest');
        const header = await box.locator('table.paths tr').first().locator('th').allTextContents();
        expect(header).toEqual(['', 'gpu0', 'gpu1', 'gpu2', 'gpu3', 'mlx5_3', 'mlx5_5', 'mlx5_4', 'mlx5_2']);
        const row = async (gpu: string) => (await box.locator('table.paths tr').filter({ has: page.locator(`th:text-is("${gpu}")`) }).locator('td').allTextContents());
        // By hand: each GPU has its own NIC under its PCIe switch (PIX, GPUDirect RDMA); the others it
        // reaches through that NIC's GPU over NVLink (PXN); all four GPUs on the NVSwitch fabric (NV18).
        expect(await row('gpu0')).toEqual(['X', 'NV18', 'NV18', 'NV18', 'PIX GDR', 'PXN GDR', 'PXN GDR', 'PXN GDR']);
        expect(await row('gpu3')).toEqual(['NV18', 'NV18', 'NV18', 'X', 'PXN GDR', 'PXN GDR', 'PXN GDR', 'PIX GDR']);
        // …with the whole label (the relay GPU of PXN) in each cell's title, as the server sent it.
        const sent = result.ncclPaths!.find(p => p.vm === 'train-a')!.pairs;
        const titles = await box.locator('table.paths tr').filter({ has: page.locator('th:text-is("gpu0")') }).locator('td.path').evaluateAll(els => els.map(e => e.getAttribute('title')));
        expect(titles).toEqual(['gpu1', 'gpu2', 'gpu3', 'mlx5_3', 'mlx5_5', 'mlx5_4', 'mlx5_2'].map(b => `gpu0 ↔ ${b}: ${sent.find(p => p.aName === 'gpu0' && p.bName === b)!.label}`));
        expect(titles[4]).toBe('gpu0 ↔ mlx5_5: PXN via gpu1 · GDR');
        // In the drawing: one connector from each GPU to its nearest NIC, labelled.
        const labels = await page.locator('#canvas svg g.nccl-paths text.path-label').evaluateAll(els => els.map(e => [e.getAttribute('data-pair'), e.textContent]));
        expect(labels).toEqual([['gpu0 mlx5_3', 'PIX · GDR'], ['gpu1 mlx5_5', 'PIX · GDR'], ['gpu2 mlx5_4', 'PIX · GDR'], ['gpu3 mlx5_2', 'PIX · GDR']]);
        expect(await page.locator('#canvas svg g.nccl-paths line.path-line.gdr').count()).toBe(4);
        // Hovering a cell outlines both ends.
        await box.locator('td.path[title="gpu0 ↔ mlx5_5: PXN via gpu1 · GDR"]').hover();
        const ends = await page.locator('#canvas svg .path-end').evaluateAll(els => els.map(e => e.getAttribute('data-node')).sort());
        expect(ends).toEqual(['dev:sprocket/gpu0', 'dev:sprocket/mlx5_5']);
    });

    it('labels a MIG-backed vGPU and its VF, and clears the labels with the selection', async () => {
        await page.selectOption('#vm', 'tenant-d');
        const labels = await page.locator('#canvas svg g.nccl-paths text.path-label').evaluateAll(els => els.map(e => [e.getAttribute('data-pair'), e.textContent]));
        expect(labels).toEqual([['gpu6-vgpu mlx5_8-vf1', 'PIX · GDR']]);
        // A VM with GPUs but no NIC: its GPU pair only (infer-b: two GPUs on NVLink), no connector.
        await page.selectOption('#vm', 'infer-b');
        expect(await page.locator('#paths-box table.paths td.path').allTextContents()).toEqual(['NV18', 'NV18']);
        expect(await page.locator('#canvas svg g.nccl-paths text').count()).toBe(0);
        await page.selectOption('#vm', '');
        expect(await page.locator('#paths-box').isVisible()).toBe(false);
        expect(await page.locator('#canvas svg g.nccl-paths').count()).toBe(0);
    });

    it('saves a screenshot of both, and breaks no CSP rule', async () => {
        await page.selectOption('#vm', 'train-a');
        await page.click('#fit');
        await page.mouse.move(1, 990);
        fs.mkdirSync(ARTIFACTS, { recursive: true });
        const file = path.join(ARTIFACTS, 'topology-capacity.png');
        await page.screenshot({ path: file });
        expect(fs.statSync(file).size).toBeGreaterThan(10_000);
        // Off again: the box goes, the outlines go.
        await page.click('#capacity');
        expect(await page.locator('#capacity-box').isVisible()).toBe(false);
        expect(await page.locator('#canvas svg').getAttribute('class')).not.toContain('capacity');
        expect(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)).toEqual([]);
        expect(consoleErrors).toEqual([]);
    });

    it('lists every host and the fleet in the fleet overview', async () => {
        const fleet = await diagramOf({ 'bad.vmtopo': readRepoFile('examples/misconfigured.vmtopo') }, { fleet: true });
        await sendToPage(page, { type: 'update', result: fleet, state: { uri: 'file:///ws/bad.vmtopo', fleet: true } });
        await page.waitForSelector('#canvas svg [data-node="host:kvm01"]');
        await page.click('#capacity');
        const box = page.locator('#capacity-box');
        expect(await box.locator('.box-title').textContent()).toBe('Capacity · fleet');
        const hosts = fleet.capacity!.hosts;
        expect(await box.locator('tr[data-host]').evaluateAll(els => els.map(e => e.getAttribute('data-host')))).toEqual(hosts.map(h => h.host));
        expect(hosts.at(-1)!.host).toBe('fleet');
        expect(await box.locator('tr[data-host="fleet"] td').nth(1).textContent()).toBe(String(hosts.slice(0, -1).reduce((a, h) => a + h.freeGpus, 0)));
        // No GPU nodes in the overview: no list of stranded GPUs, no paths box.
        expect(await box.locator('.stranded-gpus').count()).toBe(0);
        expect(await page.locator('#paths-box').isVisible()).toBe(false);
    });
});
