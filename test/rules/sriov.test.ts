/**
 * SRIOV — virtual functions: the checks and their quick-fixes. Host `h` (test/support/fixtures.ts):
 * nic0 and nic1 enable 4 VFs each, nic2 none; `ALIASES` gives one VF's address a second name.
 */
import { describe, it, expect } from 'vitest';
import { ruleDocUrl } from '../../language/src/rules/engine/links.js';
import { ruleById } from '../../language/src/rules/index.js';
import { build, buildWorkspace, withCode } from '../support/util.js';
import { ALIASES, HOST, Severity, at, pinnedVm, vmOnCpu } from '../support/fixtures.js';
import { expectFix } from '../support/quick-fixes.js';

const vm = pinnedVm;

describe('SRIOV001: at most 127 VFs per ConnectX PF', () => {
    it('fires on the vfs count of nic2', async () => {
        const text = HOST.replace('at 0000:20:00.0 on cpu0', 'at 0000:20:00.0 on cpu0 vfs 200');
        const found = withCode((await build(text)).diagnostics(), 'SRIOV001');
        expect(found).toHaveLength(1);
        expect(found[0].severity).toBe(Severity.error);
        const vfs = at(text, 'vfs 200');
        expect(found[0].range.start).toEqual({ line: vfs.line, character: vfs.character + 'vfs '.length });
        expect(found[0].message).toBe('nic2: 200 VFs; ConnectX-7 supports at most 127 VFs per PF.');
    });

    it('does not fire for 127 VFs', async () => {
        const text = HOST.replace('at 0000:20:00.0 on cpu0', 'at 0000:20:00.0 on cpu0 vfs 127');
        expect((await build(text)).diagnostics()).toEqual([]);
    });
});

describe('SRIOV002: a VM uses only VFs its PF enables', () => {
    it('fires for VF 4 of a PF with 4 VFs and for a VF of a PF with none', async () => {
        const text = HOST + `
vm a on h {
    vcpus 2 pin 0,16
    memory 8 GiB on numa 0
    nic nic0 vf 4
    nic nic2 vf 0
}
`;
        const found = withCode((await build(text)).diagnostics(), 'SRIOV002');
        expect(found).toHaveLength(2);
        expect(found.every(d => d.severity === Severity.error)).toBe(true);
        expect(found[0].range.start).toEqual(at(text, 'nic0 vf 4'));
        expect(found[0].message).toBe('a uses VF 4 of nic0, but nic0 has only 4 VFs enabled (vfs 4: VF 0-3).');
        expect(found[1].range.start).toEqual(at(text, 'nic2 vf 0'));
        expect(found[1].message).toBe('a uses VF 0 of nic2, but nic2 has no VFs enabled.');
    });

    it('does not fire for VF 3 of nic0', async () => {
        const text = HOST + `
vm a on h {
    vcpus 2 pin 0,16
    memory 8 GiB on numa 0
    nic nic0 vf 3
}
`;
        expect((await build(text)).diagnostics()).toEqual([]);
    });
});

describe("SRIOV004: a PF passed through keeps its VFs out of other VMs", () => {
    it('warns on the PF passthrough, naming the VFs and their VMs', async () => {
        const text = HOST + `
vm a on h {
    vcpus 2 pin 8,24
    memory 16 GiB on numa 1
    gpu gpu2 passthrough
    nic nic1 passthrough
}
vm b on h {
    vcpus 2 pin 0,16
    memory 8 GiB on numa 0
    nic nic1 vf 0
}
vm c on h {
    vcpus 2 pin 1,17
    memory 8 GiB on numa 0
    nic nic1 vf 1
}
`;
        const found = withCode((await build(text)).diagnostics(), 'SRIOV004');
        expect(found).toHaveLength(1);
        expect(found[0].severity).toBe(Severity.warning);
        expect(found[0].range.start).toEqual(at(text, 'nic1 passthrough'));
        expect(found[0].message).toBe('nic1 is passed through to a; its VFs 0-1 (given to b, c) depend on the host PF driver.');
    });

    it("does not fire when the VFs come from another PF", async () => {
        const text = HOST + `
vm a on h {
    vcpus 2 pin 8,24
    memory 16 GiB on numa 1
    gpu gpu2 passthrough
    nic nic1 passthrough
}
vm b on h {
    vcpus 2 pin 0,16
    memory 8 GiB on numa 0
    nic nic0 vf 0
}
`;
        expect((await build(text)).diagnostics()).toEqual([]);
    });
});

describe('SRIOV003: ownership by PCI address, not by name', () => {
    it('SRIOV003: a VF that is another NIC\'s PF address, in either order (the PF first: SRIOV003; the VF first: GEN001)', async () => {
        const pfFirst = vmOnCpu('a', 0, '    nic nic3 passthrough\n') + vmOnCpu('b', 1, '    nic nic0 vf 1\n');
        const ws = await buildWorkspace({ 'hosts.vmtopo': ALIASES, 'vms.vmtopo': pfFirst });
        const found = withCode(ws.diagnostics('vms.vmtopo'), 'SRIOV003');
        expect(found.map(d => d.message)).toEqual([
            'VF 1 of nic0 is assigned to b, but its address 0000:13:00.2 is also nic3, assigned to a; a VFIO device belongs to one VM at a time.'
        ]);
        expect(found[0].severity).toBe(Severity.error);
        expect(found[0].range.start).toEqual(at(pfFirst, 'nic0 vf 1'));
        expect(found[0].codeDescription?.href).toBe(ruleDocUrl(ruleById(String(found[0].code))!));

        const vfFirst = vmOnCpu('a', 0, '    nic nic0 vf 1\n') + vmOnCpu('b', 1, '    nic nic3 passthrough\n');
        const ws2 = await buildWorkspace({ 'hosts.vmtopo': ALIASES, 'vms.vmtopo': vfFirst });
        expect(withCode(ws2.diagnostics('vms.vmtopo'), 'GEN001').map(d => d.message)).toEqual([
            'nic3 is assigned to b, but its address 0000:13:00.2 is also VF 1 of nic0, assigned to a; a VFIO device belongs to one VM at a time.'
        ]);
    });

    it('SRIOV003: a VF of one NIC that is a VF of another NIC, given to two VMs', async () => {
        const host = HOST.replace('nic nic2 "ConnectX-7" at 0000:20:00.0 on cpu0',
            'nic nic2 "ConnectX-7" at 0000:20:00.0 on cpu0 vfs 4 vf-offset 3\n    nic nic3 "ConnectX-7" at 0000:20:00.1 on cpu0 vfs 4');
        const vms = vmOnCpu('a', 0, '    nic nic2 vf 0\n') + vmOnCpu('b', 1, '    nic nic3 vf 1\n');
        const ws = await buildWorkspace({ 'hosts.vmtopo': host, 'vms.vmtopo': vms });
        expect(withCode(ws.diagnostics('vms.vmtopo'), 'SRIOV003').map(d => d.message)).toEqual([
            'VF 1 of nic3 is assigned to b, but its address 0000:20:00.3 is also VF 0 of nic2, assigned to a; a VFIO device belongs to one VM at a time.'
        ]);
    });

    it('does not fire for two VFs of one PF, or a PF and a VF at different addresses', async () => {
        const vms = vmOnCpu('a', 0, '    nic nic0 vf 0\n') + vmOnCpu('b', 1, '    nic nic0 vf 2\n') + vmOnCpu('c', 2, '    nic nic3 passthrough\n');
        const ws = await buildWorkspace({ 'hosts.vmtopo': ALIASES.replace('at 0000:13:00.2 on cpu0', 'at 0000:13:00.6 on cpu0'), 'vms.vmtopo': vms });
        expect(ws.diagnostics('vms.vmtopo').filter(d => d.code === 'GEN001' || d.code === 'SRIOV003')).toEqual([]);
    });
});

describe('SRIOV004: relatedInformation', () => {
    it('SRIOV004 points at the VF users', async () => {
        const text = HOST.replace('at 0000:12:00.0', 'at 0000:11:00.0') + vm('a', '    gpu gpu2 passthrough\n    nic nic1 passthrough', '8-9,24-25', '300 GiB on numa 1')
            + vm('b', '    vgpu gpu2 "H200X-141C"\n    nic nic1 vf 0\n    license nvaie', '10-11,26-27', '8 GiB on numa 1');
        const ds = (await build(text)).diagnostics();
        expect(withCode(ds, 'SRIOV004')[0].relatedInformation?.map(r => r.message)).toEqual(['b uses VF 0 of nic1']);
    });
});

describe('SRIOV005: a VF sits where its PF sits', () => {
    it('warns for a VF of a PF across the sockets when a PF on the GPU\'s switch has a free VF (next to NIC001)', async () => {
        const text = HOST + vm('a', '    gpu gpu2 passthrough\n    nic nic0 vf 1', '8-9,24-25', '32 GiB on numa 1') + vm('b', '    nic nic1 vf 0', '10,26', '8 GiB on numa 1');
        const ds = (await build(text)).diagnostics();
        const found = withCode(ds, 'SRIOV005');
        expect(found).toHaveLength(1);
        expect(found[0].severity).toBe(Severity.warning);
        expect(found[0].range.start).toEqual(at(text, 'nic0 vf 1'));
        expect(found[0].message).toBe('VF 1 of nic0 sits where nic0 sits, SYS from the GPUs of a; VF 1 of nic1 on the PCIe switch of gpu2 is free.');
        expect(withCode(ds, 'NIC001')).toHaveLength(1);
    });

    it('does not fire for a VF of the GPU\'s own PF, or when the near PF has no free VF', async () => {
        for (const text of [
            HOST + vm('a', '    gpu gpu2 passthrough\n    nic nic1 vf 1', '8-9,24-25', '32 GiB on numa 1'),
            HOST.replace('at 0000:93:00.0 vfs 4', 'at 0000:93:00.0 vfs 1') + vm('a', '    gpu gpu2 passthrough\n    nic nic0 vf 1', '8-9,24-25', '32 GiB on numa 1')
                + vm('b', '    nic nic1 vf 0', '10,26', '8 GiB on numa 1')
        ]) expect(withCode((await build(text)).diagnostics(), 'SRIOV005')).toEqual([]);
    });
});

describe('SRIOV quick-fixes', () => {
    const vm = (body: string, pin = '0-1,16-17', memory = '32 GiB on numa 0') => `
vm a on h {
    vcpus 4 pin ${pin}
    memory ${memory}
${body}
}
`;
    it('SRIOV005: takes the free VF of the PF on the GPU\'s switch', async () => {
        const before = HOST + vm('    gpu gpu2 passthrough\n    nic nic0 vf 1', '8-9,24-25', '32 GiB on numa 1');
        await expectFix(before, 'SRIOV005', 'Use VF 0 of nic1', before.replace('nic nic0 vf 1', 'nic nic1 vf 0'));
    });
});
