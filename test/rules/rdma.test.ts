/**
 * RDMA — GPUDirect RDMA paths: RDMA001 (ATS on the NIC), RDMA002 (direct translated P2P on the path
 * switch), RDMA003 (ACS disabled under devices of different owners), RDMA004 (ESXi hides the
 * switches from NCCL), with their quick-fixes. Hosts are the shared fixture (sw0: gpu0, gpu1, nic0;
 * sw1: gpu2, gpu3, nic1; nic2 on socket 0) with the clauses each test needs added.
 */
import { describe, it, expect } from 'vitest';
import { at, ESXI_HOST, HOST, Severity, vmOnNode } from '../support/fixtures.js';
import { build, withCode } from '../support/util.js';
import { expectFix } from '../support/quick-fixes.js';

const vm = vmOnNode;

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

describe('RDMA004 (ESXi): the guest does not see the host\'s switches', () => {
    const esx = (body: string) => `${ESXI_HOST}
vm a on e {
    vcpus 4 pin 0-1,16-17
    memory 64 GiB on numa 0
${body}
    mmio 512 GiB
    reserve all
}
`;
    it('RDMA004 (info) for a GPU and a NIC on one switch', async () => {
        const text = esx('    gpu gpu0, gpu1 passthrough\n    nic nic0 passthrough\n    gpudirect-rdma');
        const ds = (await build(text)).diagnostics();
        const rdma = withCode(ds, 'RDMA004');
        expect(rdma).toHaveLength(1);
        expect(rdma[0].severity).toBe(Severity.info);
        expect(rdma[0].message).toBe("NCCL in a will not see gpu0–nic0 (PIX), gpu1–nic0 (PIX) locality: ESXi shows passthrough devices without the host's PCIe switches; give NCCL a topology file (NCCL_TOPO_FILE).");
    });

    it('does not fire on KVM (the export mirrors the switches), without NCCL intent, or for devices on different switches', async () => {
        for (const text of [
            HOST + vm('a', '    gpu gpu0, gpu1 passthrough\n    nic nic0 passthrough\n    gpudirect-rdma\n    nic nic0 passthrough'.replace('\n    nic nic0 passthrough', '')),
            esx('    gpu gpu0, gpu1 passthrough\n    nic nic0 passthrough'),
            esx('    gpu gpu0, gpu2 passthrough\n    p2p')
        ]) {
            const ds = (await build(text)).diagnostics();
            expect(withCode(ds, 'RDMA004')).toEqual([]);
        }
    });
});

describe('RDMA quick-fixes', () => {
    const vm = (body: string) => `
vm a on h {
    vcpus 4 pin 0-1,16-17
    memory 32 GiB on numa 0
${body}
}
`;
    it('RDMA001: declares ATS enabled on the NIC (inserted, or replacing `ats disabled`)', async () => {
        const rdma = vm('    gpu gpu0 passthrough\n    nic nic0 passthrough\n    gpudirect-rdma');
        const base = HOST.replace('sw0 at 0000:10:00.0 on cpu0', 'sw0 at 0000:10:00.0 on cpu0 acs direct-translated');
        await expectFix(base + rdma, 'RDMA001', 'Declare ATS enabled on nic0', base.replace('at 0000:13:00.0 vfs 4', 'at 0000:13:00.0 vfs 4 ats enabled') + rdma);
        const off = base.replace('at 0000:13:00.0 vfs 4', 'at 0000:13:00.0 vfs 4 ats disabled');
        await expectFix(off + rdma, 'RDMA001', 'Declare ATS enabled on nic0', off.replace('ats disabled', 'ats enabled') + rdma);
    });

    it('RDMA002: declares direct translated P2P on the path switch only', async () => {
        const before = HOST.replace('at 0000:13:00.0 vfs 4', 'at 0000:13:00.0 vfs 4 ats enabled') + vm('    gpu gpu0 passthrough\n    nic nic0 passthrough\n    gpudirect-rdma');
        const after = before.replace('sw0 at 0000:10:00.0 on cpu0 {', 'sw0 at 0000:10:00.0 on cpu0 acs direct-translated {');
        await expectFix(before, 'RDMA002', 'Allow direct translated P2P on sw0 (acs direct-translated)', after);
    });

    it('RDMA003: re-enables ACS with direct translated P2P', async () => {
        const before = HOST.replace('sw1 at 0000:90:00.0 on cpu1', 'sw1 at 0000:90:00.0 on cpu1 acs disabled') + `
vm b on h {
    vcpus 2 pin 8,24
    memory 16 GiB on numa 1
    gpu gpu2 passthrough
}
`;
        await expectFix(before, 'RDMA003', 'Allow direct translated P2P on sw1 (acs direct-translated)', before.replace('acs disabled', 'acs direct-translated'));
    });
});
