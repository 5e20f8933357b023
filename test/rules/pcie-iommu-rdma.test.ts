/**
 * IOMMU001–IOMMU003, RDMA001–RDMA004, PCIE001/PCIE004, and the NIC link layer in the NCCL export.
 * Hosts are the shared fixture (sw0: gpu0, gpu1, nic0; sw1: gpu2, gpu3, nic1; nic2 on socket 0) with
 * the clauses each test needs added.
 */
import { describe, it, expect } from 'vitest';
import { exportVm } from '../../language/src/features/export/index.js';
import { at, ESXI_HOST, HOST, Severity } from '../support/fixtures.js';
import { build, withCode } from '../support/util.js';

/** HOST with a second function of nic0's card (nic0b, 0000:13:00.1; nic0 without VFs) under sw0. */
const MULTI = HOST.replace('        nic nic0 "ConnectX-7" at 0000:13:00.0 vfs 4\n',
    '        nic nic0 "ConnectX-7" at 0000:13:00.0\n        nic nic0b "ConnectX-7" at 0000:13:00.1\n');

const vm = (name: string, body: string, pin = '0-1,16-17', numa = 0) => `
vm ${name} on h {
    vcpus 4 pin ${pin}
    memory 32 GiB on numa ${numa}
${body}
}
`;

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

describe('RDMA001/RDMA002: ATS on the NIC and direct translated P2P on the path bridges', () => {
    const RDMA = (nic = '', sw = '') => HOST.replace('at 0000:13:00.0 vfs 4', `at 0000:13:00.0 vfs 4${nic}`).replace('sw0 at 0000:10:00.0 on cpu0', `sw0 at 0000:10:00.0 on cpu0${sw}`)
        + vm('a', '    gpu gpu0 passthrough\n    nic nic0 passthrough\n    gpudirect-rdma');
    it('RDMA001: ATS not declared enabled, with the mlxconfig command and the NIC\'s address', async () => {
        const text = RDMA('', ' acs direct-translated');
        const found = withCode((await build(text)).diagnostics(), 'RDMA001');
        expect(found).toHaveLength(1);
        expect(found[0].severity).toBe(Severity.error);
        expect(found[0].range.start).toEqual(at(text, 'nic0 passthrough'));
        expect(found[0].message).toBe("nic0: ATS is not declared enabled for GPUDirect RDMA in a; set 'mlxconfig -d 0000:13:00.0 set ATS_ENABLED=true' and reboot the host (a VM reboot is not enough), then declare 'ats enabled'.");
        const off = withCode((await build(RDMA(' ats disabled', ' acs direct-translated'))).diagnostics(), 'RDMA001');
        expect(off[0].message).toMatch(/^nic0: ATS is off for GPUDirect RDMA in a;/);
    });

    it('RDMA002: the shared switch with the kernel default ACS, once per switch, related to the VM\'s NIC', async () => {
        const text = RDMA(' ats enabled');
        const found = withCode((await build(text)).diagnostics(), 'RDMA002');
        expect(found).toHaveLength(1);
        expect(found[0].range.start).toEqual(at(text, 'sw0 at'));
        expect(found[0].message).toBe("ACS on sw0 (the kernel default) blocks translated P2P between gpu0 and nic0 of a; GPUDirect RDMA will go through the root complex. Allow direct translated P2P on this bridge ('acs direct-translated').");
        expect(found[0].relatedInformation?.map(r => r.message)).toEqual(['nic0 ↔ gpu0 in a']);
        expect(withCode((await build(RDMA(' ats enabled', ' acs enabled'))).diagnostics(), 'RDMA002')[0].message).toContain('ACS on sw0 (enabled)');
    });

    it('neither fires with ATS on and direct translated P2P, without gpudirect-rdma, for a NIC off the GPU\'s switch, or on ESXi', async () => {
        const plain = HOST + vm('a', '    gpu gpu0 passthrough\n    nic nic0 passthrough');
        const offSwitch = HOST + vm('a', '    gpu gpu0 passthrough\n    nic nic2 passthrough\n    gpudirect-rdma');
        for (const text of [RDMA(' ats enabled', ' acs direct-translated'), plain]) {
            const ds = (await build(text)).diagnostics();
            expect([...withCode(ds, 'RDMA001'), ...withCode(ds, 'RDMA002')]).toEqual([]);
        }
        expect(withCode((await build(offSwitch)).diagnostics(), 'RDMA002')).toEqual([]);
    });
});

describe('RDMA003: ACS disabled on a switch whose devices go to different owners', () => {
    it('fires on the switch\'s acs clause, naming the VMs and the host', async () => {
        const text = HOST.replace('sw1 at 0000:90:00.0 on cpu1', 'sw1 at 0000:90:00.0 on cpu1 acs disabled')
            + vm('a', '    gpu gpu2 passthrough', '8-9,24-25', 1) + vm('b', '    gpu gpu3 passthrough', '10-11,26-27', 1);
        const found = withCode((await build(text)).diagnostics(), 'RDMA003');
        expect(found).toHaveLength(1);
        expect(found[0].range.start).toEqual(at(text, 'disabled'));
        expect(found[0].message).toBe('ACS is disabled on sw1; its devices form one IOMMU group and cannot be split across a, b, the host.');
    });

    it('does not fire when one VM holds everything below the switch, or with pcie-acs-override (IOMMU003)', async () => {
        const off = HOST.replace('sw1 at 0000:90:00.0 on cpu1', 'sw1 at 0000:90:00.0 on cpu1 acs disabled');
        expect(withCode((await build(off + vm('a', '    gpu gpu2, gpu3 passthrough\n    nic nic1 passthrough', '8-9,24-25', 1))).diagnostics(), 'RDMA003')).toEqual([]);
        const override = off.replace('platform kvm', 'platform kvm\n    pcie-acs-override') + vm('a', '    gpu gpu2 passthrough', '8-9,24-25', 1);
        expect(withCode((await build(override)).diagnostics(), 'RDMA003')).toEqual([]);
    });
});

describe('RDMA004 and PCIE001 (ESXi): the guest does not see the host\'s switches', () => {
    const esx = (body: string) => `${ESXI_HOST}
vm a on e {
    vcpus 4 pin 0-1,16-17
    memory 64 GiB on numa 0
${body}
    mmio 512 GiB
    reserve all
}
`;
    it('RDMA004 (info) for a GPU and a NIC on one switch; PCIE001 (warning) for two GPUs on one switch', async () => {
        const text = esx('    gpu gpu0, gpu1 passthrough\n    nic nic0 passthrough\n    gpudirect-rdma');
        const ds = (await build(text)).diagnostics();
        const rdma = withCode(ds, 'RDMA004');
        expect(rdma).toHaveLength(1);
        expect(rdma[0].severity).toBe(Severity.info);
        expect(rdma[0].message).toBe("NCCL in a will not see gpu0–nic0 (PIX), gpu1–nic0 (PIX) locality: ESXi shows passthrough devices without the host's PCIe switches; give NCCL a topology file (NCCL_TOPO_FILE).");
        const pcie = withCode(ds, 'PCIE001');
        expect(pcie).toHaveLength(1);
        expect(pcie[0].severity).toBe(Severity.warning);
        expect(pcie[0].range.start).toEqual(at(text, 'gpu0, gpu1'));
        expect(pcie[0].message).toBe('Guest topology of a hides that gpu0 and gpu1 share a PCIe switch (PIX): ESXi places passthrough devices on separate virtual root ports; give NCCL a topology file (NCCL_TOPO_FILE).');
    });

    it('neither fires on KVM (the export mirrors the switches), without NCCL intent, or for devices on different switches', async () => {
        for (const text of [
            HOST + vm('a', '    gpu gpu0, gpu1 passthrough\n    nic nic0 passthrough\n    gpudirect-rdma\n    nic nic0 passthrough'.replace('\n    nic nic0 passthrough', '')),
            esx('    gpu gpu0, gpu1 passthrough\n    nic nic0 passthrough'),
            esx('    gpu gpu0, gpu2 passthrough\n    p2p')
        ]) {
            const ds = (await build(text)).diagnostics();
            expect([...withCode(ds, 'RDMA004'), ...withCode(ds, 'PCIE001')]).toEqual([]);
        }
    });
});

describe('PCIE004: a NIC on a host node without the VM\'s vCPUs', () => {
    it('warns on the NIC: the guest sees it on a cell of another node', async () => {
        const text = HOST + vm('a', '    nic nic1 passthrough');
        const found = withCode((await build(text)).diagnostics(), 'PCIE004');
        expect(found).toHaveLength(1);
        expect(found[0].range.start).toEqual(at(text, 'nic1 passthrough'));
        expect(found[0].message).toBe('nic1 is on host NUMA 1, but a has no vCPUs there (they are pinned to NUMA 0); the guest sees it on cell 0. Pin vCPUs on NUMA 1 or use a NIC of NUMA 0.');
    });

    it('does not fire for a NIC on the vCPUs\' node, an unpinned VM (LOC002\'s), or vCPUs on both nodes', async () => {
        for (const text of [
            HOST + vm('a', '    nic nic0 passthrough'),
            HOST + '\nvm a on h {\n    vcpus 2\n    memory 8 GiB\n    nic nic1 passthrough\n}\n',
            HOST + vm('a', '    nic nic1 passthrough', '0,8,16,24', 0)
        ]) expect(withCode((await build(text)).diagnostics(), 'PCIE004')).toEqual([]);
    });
});

describe('NIC link layer: the PCI class the NCCL export writes', () => {
    const nccl = async (layer: string) => {
        const text = HOST.replace('at 0000:13:00.0 vfs 4', `at 0000:13:00.0 vfs 4${layer}`) + vm('a', '    gpu gpu0 passthrough\n    nic nic0 passthrough');
        const ws = await build(text);
        expect(ws.diagnostics().filter(d => d.severity === Severity.error)).toEqual([]);
        return exportVm(ws.resolved().topology.vms[0], 'nccl');
    };
    it('Ethernet (RoCE) is 0x020000, InfiniBand 0x020700, and the catalog\'s class without a declared link layer', async () => {
        expect(await nccl(' link-layer ethernet')).toMatch(/<pci busid="[0-9a-f:.]+" class="0x020000"/);
        expect(await nccl(' link-layer ethernet')).not.toContain('0x020700');
        expect(await nccl(' link-layer infiniband')).toMatch(/<pci busid="[0-9a-f:.]+" class="0x020700"/);
        expect(await nccl('')).toContain('class="0x020700"');
    });
});
