/**
 * Hover on a VM (language/src/editor/vm-summary.ts through hover.ts): a summary of what the VM holds
 * and what is wrong with it — vCPUs and memory per NUMA node, GPUs and slices, NICs and VFs with
 * their path to each GPU (PIX/PXB/NODE/SYS), the MMIO window against the need, the licence, and the
 * diagnostics of its declaration.
 */
import { describe, expect, it } from 'vitest';
import { findGpu, requiredMmioGiB } from '../../language/src/catalog/index.js';
import { at } from '../support/fixtures.js';
import { EDITOR_HGX } from '../support/editor-fixture.js';
import { buildWorkspace } from '../support/util.js';

/** Hover markdown on the name of VM `vm` in `text`. */
async function hoverVm(text: string, vm: string): Promise<string> {
    const ws = await buildWorkspace({ 'main.vmtopo': text });
    const doc = ws.documents[0];
    const position = at(text, `vm ${vm} on`);
    const result = await ws.services.vmtopo.lsp.HoverProvider!.getHoverContent(doc, {
        textDocument: { uri: doc.uri.toString() }, position: { line: position.line, character: position.character + 4 }
    });
    const contents = result?.contents;
    expect(contents && typeof contents === 'object' && 'value' in contents, `a hover on ${vm}`).toBe(true);
    return (contents as { value: string }).value;
}

/** What two H200 passed through need (the catalog's per-GPU BAR, summed, next power of two). */
const TWO_H200 = requiredMmioGiB([findGpu('H200 SXM5 141GB')!, findGpu('H200 SXM5 141GB')!]);

describe('hover on a VM', () => {
    it('summarises a passthrough VM: NUMA placement, GPUs, NICs with their path to each GPU, MMIO, licence, no problems', async () => {
        // train-a: 32 vCPUs pinned on NUMA 0 (CPUs 8-23,136-151), 256 GiB bound to NUMA 0,
        // gpu0 + mlx5_3 on sw0 and gpu1 + mlx5_5 on sw1, both switches on the root of cpu0.
        const md = await hoverVm(EDITOR_HGX, 'train-a');
        expect(md).toContain('**VM `train-a`** on host `sprocket` (kvm): 32 vCPUs, 256 GiB memory, hugepages 1 GiB');
        expect(md).toContain('| NUMA node | vCPUs | memory |');
        expect(md).toContain('| 0 | 32 | 256 GiB |');
        expect(md).toContain('GPUs (2):');
        expect(md).toMatch(/- `gpu0` — passthrough, H200 SXM5 141GB; NUMA 0, switch `sw0`, `0000:19:00\.0`/);
        // NIC on gpu0's switch: PIX to gpu0; gpu1 hangs off another switch of the same node: NODE.
        expect(md).toContain('- `mlx5_3` — passthrough, ConnectX-7, NUMA 0; gpu0 PIX, gpu1 PHB');
        expect(md).toContain('- `mlx5_5` — passthrough, ConnectX-7, NUMA 0; gpu0 PHB, gpu1 PIX');
        expect(TWO_H200).toBeLessThanOrEqual(1024);
        expect(md).toContain(`MMIO window: 1024 GiB written; passthrough GPUs need ${TWO_H200} GiB — enough`);
        expect(md).toContain('Licence: none');
        expect(md).toContain('Problems: none');
    });

    it('a vGPU tenant: its slice, its VF with the path to the GPU, the licence', async () => {
        const md = await hoverVm(EDITOR_HGX, 'tenant-c');
        expect(md).toMatch(/- `gpu6` — vGPU H200X-1-18C, H200 SXM5 141GB; NUMA 1, switch `sw6`/);
        expect(md).toMatch(/- `mlx5_8` VF 0 \(`0000:cc:00\.\d`\), ConnectX-7, NUMA 1; gpu6 PIX/);
        expect(md).toContain('| 1 | 8 | 64 GiB |');
        expect(md).toContain('Licence: nvaie');
    });

    it('lists the VM\'s own problems, errors first, and the MMIO window that is too small', async () => {
        // train-a pinned across the sockets (LOC001 warning) with a 256 GiB window, too small for two H200 (MMIO005 error).
        const text = EDITOR_HGX.replace('vcpus 32 pin 8-23,136-151', 'vcpus 32 pin 64-79,192-207').replace('mmio 1024 GiB', 'mmio 256 GiB');
        const md = await hoverVm(text, 'train-a');
        expect(md).toContain('| 1 | 32 |');
        expect(md).toContain(`MMIO window: 256 GiB written; passthrough GPUs need ${TWO_H200} GiB — **too small** (MMIO005)`);
        expect(md).toMatch(/Problems: \d+ errors?, \d+ warnings?/);
        const problems = md.slice(md.indexOf('Problems:')).split('\n').slice(1);
        expect(problems[0]).toMatch(new RegExp(`^- error MMIO005 \\(line \\d+\\): train-a: 64-bit MMIO window 256 GiB < ${TWO_H200} GiB`));
        expect(problems.some(l => /^- warning LOC001 /.test(l))).toBe(true);
        // tenant-c's hover does not list train-a's problems
        expect(await hoverVm(text, 'tenant-c')).toContain('Problems: none');
    });
});
