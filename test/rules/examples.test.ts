/**
 * The two examples: the HGX H200 host is clean, and the misconfigured one shows each rule firing.
 */
import { describe, it, expect } from 'vitest';
import type { Diagnostic } from 'vscode-languageserver-types';
import { messageText } from '../../language/src/kernel/diagnostics.js';
import { build, readRepoFile } from '../support/util.js';

describe('examples/hgx-h200.vmtopo', () => {
    it('has no diagnostics at all (any severity)', async () => {
        const text = readRepoFile('examples/hgx-h200.vmtopo');
        const ws = await build(text);
        expect(ws.diagnostics()).toEqual([]);
        // …and the rules did see it: four VMs with their GPUs
        expect(ws.resolved().topology.vms.map(vm => `${vm.name}:${vm.gpus.length}`)).toEqual(['train-a:4', 'fm-service:0', 'infer-b:2', 'tenant-c:1', 'tenant-d:1']);
    });
});

describe('examples/misconfigured.vmtopo', () => {
    it('gives the same diagnostics on every build with fresh services (no state leaks between builds)', async () => {
        const text = readRepoFile('examples/misconfigured.vmtopo');
        const key = (d: Diagnostic) => `${d.range.start.line}:${d.range.start.character} ${String(d.code)} ${messageText(d)} [${d.relatedInformation?.length ?? 0} related]`;
        const runs = [];
        for (let i = 0; i < 3; i++) runs.push((await build(text)).diagnostics().map(key));
        expect(runs[0].length).toBeGreaterThan(70);
        expect(runs[1]).toEqual(runs[0]);
        expect(runs[2]).toEqual(runs[0]);
    });

    it('produces exactly the rules its comments announce, each at least once', async () => {
        const text = readRepoFile('examples/misconfigured.vmtopo');
        const announced = new Set([...text.matchAll(/\/\/ ([A-Z]+\d{3}):/g)].map(m => m[1]));
        const ws = await build(text);
        const fired = new Set(ws.diagnostics().map(d => String(d.code)));
        expect([...fired].sort()).toEqual([...announced].sort());
        expect([...announced].sort()).toEqual([
            'GEN001', 'GEN002', 'GEN003', 'HOST001', 'HOST002', 'HOST003', 'HOST004', 'HOST005', 'HOST006', 'LIC001', 'LOC001', 'LOC002', 'LOC003', 'LOC004', 'LOC007', 'LOC008',
            'LOC013', 'LOC014', 'LOC015', 'LOC016', 'MIG001', 'MIG002', 'MMIO001', 'MMIO002', 'MMIO005', 'NIC001', 'SRIOV001', 'SRIOV002', 'SRIOV003', 'SRIOV004', 'VGPU001',
            // issue 7 (MIG/vGPU/MMIO/LIC/KVM)
            'KVM001', 'KVM002', 'KVM003', 'LIC002', 'LIC003', 'MIG003', 'MIG005', 'MMIO003', 'MMIO004', 'VGPU002', 'VGPU003', 'VGPU014', 'VGPU016',
            // issue 7 (FM/IOMMU/RDMA/PCIE/LOC/NIC/SRIOV)
            'FM001', 'FM002', 'FM003', 'FM004', 'FM005', 'FM006', 'FM007', 'IOMMU001', 'IOMMU002', 'IOMMU003', 'LOC005', 'LOC006', 'LOC010', 'LOC011',
            'LOC012', 'NIC002', 'NIC003', 'NIC004', 'PCIE001', 'PCIE004', 'RDMA001', 'RDMA002', 'RDMA003', 'RDMA004', 'SRIOV005'
        ].sort());
    });

    it('reports each mistake on the line of its comment', async () => {
        const text = readRepoFile('examples/misconfigured.vmtopo');
        const lines = text.split('\n');
        const ws = await build(text);
        for (const d of ws.diagnostics()) {
            expect(lines[d.range.start.line], `${String(d.code)} ${messageText(d)}`).toContain(`// ${d.code}:`);
        }
    });
});
