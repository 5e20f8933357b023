/**
 * Property (fast-check, a small fixed number of runs): any VM that checks clean exports to files its
 * platform's own schema accepts — on the KVM fixture host, cloud-hypervisor's `VmConfig` (OpenAPI,
 * unknown keys refused too) and Proxmox's VM configuration schema; on the same board under ESXi, a
 * `.vmx` fragment whose every line is a known key with a value of its type. VMs vary in vCPU count and
 * pinning (one node or both, with or without SMT siblings), NUMA binding, hugepages, GPUs (passthrough
 * or vGPU), NICs (PF or VF) and `mmio`. Runs: VMTOPO_PROPERTY_RUNS (default 12); a failure prints the seed.
 */
import { it, expect } from 'vitest';
import fc from 'fast-check';
import { exportVm, vmxKey, vmxValueFits } from '../../../language/src/features/export/index.js';
import { checkPveConfig } from '../../../scripts/check-pve-conf.mjs';
import { ESXI_HOST, HOST } from '../../support/fixtures.js';
import { ajvErrors, chvValidators, pveProperties } from '../../support/platform-schemas.js';
import { build, describeWithReference } from '../../support/util.js';

const RUNS = Number(process.env.VMTOPO_PROPERTY_RUNS ?? 12);

interface VmShape {
    readonly cpus: 'none' | 'node0' | 'node1' | 'both' | 'single-threads';
    readonly bind: boolean;
    readonly hugepages: boolean;
    readonly gpus: readonly ('passthrough' | 'vgpu')[];
    readonly nic: 'none' | 'pf' | 'vf';
    readonly mmio: boolean;
}

const shapeArb: fc.Arbitrary<VmShape> = fc.record({
    cpus: fc.constantFrom('none' as const, 'node0' as const, 'node1' as const, 'both' as const, 'single-threads' as const),
    bind: fc.boolean(),
    hugepages: fc.boolean(),
    gpus: fc.array(fc.constantFrom('passthrough' as const, 'vgpu' as const), { maxLength: 2 }),
    nic: fc.constantFrom('none' as const, 'pf' as const, 'vf' as const),
    mmio: fc.boolean()
});

/** The VM text of a shape on host `host` (`h` or `e`); GPUs from the node its CPUs are on. */
function vmText(shape: VmShape, host: 'h' | 'e'): string {
    const node = shape.cpus === 'node1' ? 1 : 0;
    const pin = { none: '', node0: ' pin 0-1,16-17', node1: ' pin 8-9,24-25', both: ' pin 0,16,8,24', 'single-threads': ' pin 2,3,4,5' }[shape.cpus];
    const nodes = shape.cpus === 'both' ? '0,1' : String(node);
    const gpuNames = node === 0 ? ['gpu0', 'gpu1'] : ['gpu2', 'gpu3'];
    const lines = [`vcpus 4${pin}`, `memory 32 GiB${shape.bind ? ` on numa ${nodes}` : ''}${shape.hugepages ? ' hugepages 1 GiB' : ''}`];
    shape.gpus.forEach((mode, i) => lines.push(mode === 'passthrough' ? `gpu ${gpuNames[i]} passthrough` : `vgpu ${gpuNames[i]} "H200X-1-18C"`));
    const nic = node === 0 ? 'nic0' : 'nic1';
    if (shape.nic === 'pf') lines.push(`nic ${nic} passthrough`);
    if (shape.nic === 'vf') lines.push(`nic ${nic} vf 1`);
    if (shape.mmio) lines.push(`mmio ${shape.gpus.length > 0 ? 1024 : 64} GiB`);
    if (shape.gpus.includes('vgpu')) lines.push('license nvaie');
    if (host === 'e') lines.push('reserve all');
    return `vm v on ${host} {\n${lines.map(l => `    ${l}`).join('\n')}\n}\n`;
}

describeWithReference('any VM that checks clean exports to schema-valid files', () => {
    it('KVM: cloud-hypervisor VmConfig and Proxmox configuration', async () => {
        let clean = 0;
        await fc.assert(fc.asyncProperty(shapeArb, async shape => {
            const ws = await build(`${HOST}\n${vmText(shape, 'h')}`);
            if (ws.diagnostics().some(d => d.severity === 1)) return;
            clean++;
            const vm = ws.resolved().topology.vms[0];
            const v = chvValidators()!;
            const config = JSON.parse(exportVm(vm, 'cloud-hypervisor'));
            expect(v.vmConfigClosed(config), ajvErrors(v.vmConfigClosed).join('\n')).toBe(true);
            expect(checkPveConfig(exportVm(vm, 'proxmox'), pveProperties()!)).toEqual([]);
        }), { numRuns: RUNS, seed: 15 });
        expect(clean, 'some generated VMs check clean').toBeGreaterThan(0);
    }, 120_000);

    it('ESXi: every line of the .vmx fragment is a known key with a value of its type', async () => {
        let clean = 0;
        await fc.assert(fc.asyncProperty(shapeArb, async shape => {
            const ws = await build(`${ESXI_HOST}\n${vmText(shape, 'e')}`);
            if (ws.diagnostics().some(d => d.severity === 1)) return;
            clean++;
            for (const line of exportVm(ws.resolved().topology.vms[0], 'vmx').split('\n').filter(l => l && !l.startsWith('#'))) {
                const m = /^([A-Za-z][A-Za-z0-9_.]*) = "([^"]*)"$/.exec(line);
                expect(m, line).not.toBeNull();
                const known = vmxKey(m![1]);
                expect(known && vmxValueFits(known.type, m![2]), line).toBe(true);
            }
        }), { numRuns: RUNS, seed: 15 });
        expect(clean, 'some generated VMs check clean').toBeGreaterThan(0);
    }, 120_000);
});
