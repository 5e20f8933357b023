/**
 * IOMMU — IOMMU groups and the IOMMU itself: IOMMU001 (a group goes to one VM as a whole, with its
 * quick-fix), IOMMU002 (device assignment needs the IOMMU), IOMMU003 (pcie_acs_override). Hosts are
 * the shared fixture (sw0: gpu0, gpu1, nic0; sw1: gpu2, gpu3, nic1; nic2 on socket 0) with the
 * clauses each test needs added.
 */
import { describe, it, expect } from 'vitest';
import { at, HOST, Severity, vmOnNode } from '../support/fixtures.js';
import { build, withCode } from '../support/util.js';
import { expectFix } from '../support/quick-fixes.js';

/** HOST with a second function of nic0's card (nic0b, 0000:13:00.1; nic0 without VFs) under sw0. */
const MULTI = HOST.replace('        nic nic0 "ConnectX-7" at 0000:13:00.0 vfs 4\n',
    '        nic nic0 "ConnectX-7" at 0000:13:00.0\n        nic nic0b "ConnectX-7" at 0000:13:00.1\n');

const vm = vmOnNode;

describe('IOMMU001: an IOMMU group goes to one VM as a whole', () => {
    it('fires when one function of a multi-function card without ACS goes to a VM and the other stays with the host', async () => {
        const text = MULTI + vm('a', '    gpu gpu0 passthrough\n    nic nic0b passthrough');
        const found = withCode((await build(text)).diagnostics(), 'IOMMU001');
        expect(found).toHaveLength(1);
        expect(found[0].severity).toBe(Severity.error);
        expect(found[0].range.start).toEqual(at(text, 'nic0b passthrough'));
        expect(found[0].message).toBe('The IOMMU group of 0000:13:00 (functions of one device without ACS) (nic0 0000:13:00.0, nic0b 0000:13:00.1) '
            + "must be assigned as a whole to one VM; nic0b goes to a but nic0 stays with the host. The group is VFIO's unit of ownership: a will not start.");
        expect(found[0].relatedInformation?.map(r => r.message)).toEqual(['nic0: in the same IOMMU group']);
        expect(found[0].relatedInformation?.[0].location.range.start).toEqual(at(text, 'nic nic0 "'));
    });

    it('fires on both VMs for a written group split between two VMs', async () => {
        const text = HOST.replace('at 0000:11:00.0', 'at 0000:11:00.0 iommu-group 7').replace('at 0000:91:00.0', 'at 0000:91:00.0 iommu-group 7')
            + vm('a', '    gpu gpu0 passthrough') + vm('b', '    gpu gpu2 passthrough', '8-9,24-25', 1);
        const found = withCode((await build(text)).diagnostics(), 'IOMMU001');
        expect(found.map(d => d.message)).toEqual([
            "IOMMU group 7 (gpu0 0000:11:00.0, gpu2 0000:91:00.0) must be assigned as a whole to one VM; gpu0 goes to a but gpu2 goes to b. The group is VFIO's unit of ownership: a will not start.",
            "IOMMU group 7 (gpu0 0000:11:00.0, gpu2 0000:91:00.0) must be assigned as a whole to one VM; gpu2 goes to b but gpu0 goes to a. The group is VFIO's unit of ownership: b will not start."
        ]);
    });

    it('does not fire for the whole group in one VM, a card that declares ACS, pcie-acs-override, or ESXi', async () => {
        for (const text of [
            MULTI + vm('a', '    gpu gpu0 passthrough\n    nic nic0, nic0b passthrough'),
            MULTI.replace('at 0000:13:00.1', 'at 0000:13:00.1 acs enabled') + vm('a', '    gpu gpu0 passthrough\n    nic nic0b passthrough'),
            MULTI.replace('platform kvm', 'platform kvm\n    pcie-acs-override') + vm('a', '    gpu gpu0 passthrough\n    nic nic0b passthrough'),
            MULTI.replace('platform kvm', 'platform esxi') + vm('a', '    gpu gpu0 passthrough\n    nic nic0b passthrough\n    mmio 256 GiB\n    reserve all')
        ]) expect(withCode((await build(text)).diagnostics(), 'IOMMU001')).toEqual([]);
    });
});

describe('IOMMU002: device assignment needs the IOMMU', () => {
    it('fires on the host\'s iommu clause when a VM passes a device through', async () => {
        const text = HOST.replace('platform kvm', 'platform kvm\n    iommu disabled') + vm('a', '    gpu gpu0 passthrough') + vm('b', '    nic nic1 vf 0', '8-9,24-25', 1);
        const found = withCode((await build(text)).diagnostics(), 'IOMMU002');
        expect(found).toHaveLength(1);
        expect(found[0].range.start).toEqual(at(text, 'disabled'));
        expect(found[0].message).toBe('h: IOMMU is off; device assignment needs it (a, b assign devices by passthrough or SR-IOV).');
        expect(found[0].relatedInformation).toHaveLength(2);
    });

    it('does not fire with the IOMMU enabled or not written, or with vGPUs only', async () => {
        for (const text of [
            HOST.replace('platform kvm', 'platform kvm\n    iommu enabled') + vm('a', '    gpu gpu0 passthrough'),
            HOST + vm('a', '    gpu gpu0 passthrough'),
            HOST.replace('platform kvm', 'platform kvm\n    iommu disabled') + vm('a', '    vgpu gpu0 "H200X-141C"\n    license nvaie')
        ]) expect(withCode((await build(text)).diagnostics(), 'IOMMU002')).toEqual([]);
    });
});

describe('IOMMU003: pcie_acs_override with devices of one switch in different VMs', () => {
    const OVERRIDE = HOST.replace('platform kvm', 'platform kvm\n    pcie-acs-override');
    it('warns on the switch, naming the VMs', async () => {
        const text = OVERRIDE + vm('a', '    gpu gpu0 passthrough') + vm('b', '    gpu gpu1 passthrough', '2-3,18-19');
        const found = withCode((await build(text)).diagnostics(), 'IOMMU003');
        expect(found).toHaveLength(1);
        expect(found[0].severity).toBe(Severity.warning);
        expect(found[0].range.start).toEqual(at(text, 'sw0 at'));
        expect(found[0].message).toBe('Without real ACS, peer-to-peer DMA below sw0 can bypass the IOMMU; VMs a, b are not isolated (h uses pcie_acs_override).');
    });

    it('does not fire for one VM per switch, a switch with declared ACS, or without the override', async () => {
        for (const text of [
            OVERRIDE + vm('a', '    gpu gpu0, gpu1 passthrough'),
            OVERRIDE.replace('sw0 at 0000:10:00.0 on cpu0', 'sw0 at 0000:10:00.0 on cpu0 acs enabled') + vm('a', '    gpu gpu0 passthrough') + vm('b', '    gpu gpu1 passthrough', '2-3,18-19'),
            HOST + vm('a', '    gpu gpu0 passthrough') + vm('b', '    gpu gpu1 passthrough', '2-3,18-19')
        ]) expect(withCode((await build(text)).diagnostics(), 'IOMMU003')).toEqual([]);
    });
});

describe('IOMMU quick-fixes', () => {
    const vm = (body: string) => `
vm a on h {
    vcpus 4 pin 0-1,16-17
    memory 32 GiB on numa 0
${body}
}
`;
    it('IOMMU001: assigns the rest of the group to the VM', async () => {
        const before = MULTI + vm('    gpu gpu0 passthrough\n    nic nic0b passthrough');
        await expectFix(before, 'IOMMU001', 'Assign nic0 to a too (whole IOMMU group)', before.replace('nic nic0b passthrough', 'nic nic0b, nic0 passthrough'));
    });
});
