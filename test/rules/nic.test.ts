/**
 * NIC — GPU↔NIC affinity for GPUDirect RDMA: the checks and their quick-fixes. Host `h`
 * (test/support/fixtures.ts): nic0 is PIX to gpu0/gpu1 (sw0), nic1 PIX to gpu2/gpu3 (sw1), nic2 sits on
 * socket 0 outside the switches (NODE to gpu0/gpu1, SYS to gpu2/gpu3).
 */
import { describe, it, expect } from 'vitest';
import { build, withCode } from '../support/util.js';
import { HOST, Severity, at, pinnedVm } from '../support/fixtures.js';
import { expectFix, codeActionTester } from '../support/quick-fixes.js';

const vm = pinnedVm;

const fix = codeActionTester();

describe('NIC001: NIC under the same PCIe switch as a GPU of the VM', () => {
    it('warns for a NODE NIC and suggests the free NIC on the GPU switch', async () => {
        const text = HOST + `
vm a on h {
    vcpus 2 pin 0,16
    memory 64 GiB on numa 0
    gpu gpu0 passthrough
    nic nic2 passthrough
}
`;
        const found = withCode((await build(text)).diagnostics(), 'NIC001');
        expect(found).toHaveLength(1);
        expect(found[0].severity).toBe(Severity.warning);
        expect(found[0].range.start).toEqual(at(text, 'nic2 passthrough'));
        expect(found[0].message).toBe('nic2 is NODE from gpu0, the nearest GPU of a; for GPUDirect RDMA give each GPU the NIC on its PCIe switch (nic0 is free and PIX to gpu0).');
        expect(found[0].data).toMatchObject({ nic: 'nic2', gpu: 'gpu0', type: 'NODE', best: 'nic0' });
    });

    it('is an error across sockets (SYS), also for a VF, and says when no NIC on the switch is free', async () => {
        const text = HOST + `
vm a on h {
    vcpus 2 pin 0,16
    memory 64 GiB on numa 0
    gpu gpu0 passthrough
    nic nic1 vf 0
}
vm b on h {
    vcpus 2 pin 1,17
    memory 64 GiB on numa 0
    gpu gpu1 passthrough
    nic nic0 passthrough
}
`;
        const found = withCode((await build(text)).diagnostics(), 'NIC001');
        expect(found).toHaveLength(1);
        expect(found[0].severity).toBe(Severity.error);
        expect(found[0].range.start).toEqual(at(text, 'nic1 vf 0'));
        expect(found[0].message).toBe('VF 0 of nic1 is SYS from gpu0, the nearest GPU of a; for GPUDirect RDMA give each GPU the NIC on its PCIe switch (no free NIC shares a switch with the GPUs of a).');
    });

    it('does not fire for NICs PIX to one of the GPUs, or for a VM without GPUs', async () => {
        const text = HOST + `
vm a on h {
    vcpus 4 pin 0-1,16-17
    memory 64 GiB on numa 0-1
    gpu gpu0, gpu2 passthrough
    nic nic0, nic1 passthrough
}
vm storage on h {
    vcpus 2 pin 2,18
    memory 8 GiB on numa 0
    nic nic2 passthrough
}
`;
        expect(withCode((await build(text)).diagnostics(), 'NIC001')).toEqual([]);
    });
});

describe('NIC002/NIC003: one NIC per GPU', () => {
    it('NIC002: fewer NICs than GPUs, naming the free NICs on the GPUs\' switches', async () => {
        const text = HOST + vm('a', '    gpu gpu0, gpu2 passthrough\n    nic nic0 passthrough', '0,16,8,24', '32 GiB on numa 0-1');
        const found = withCode((await build(text)).diagnostics(), 'NIC002');
        expect(found).toHaveLength(1);
        expect(found[0].severity).toBe(Severity.warning);
        expect(found[0].range.start).toEqual(at(text, 'nic0 passthrough'));
        expect(found[0].message).toBe("a: 2 GPUs but 1 RDMA NIC; NVIDIA's reference is one NIC per GPU. Free NICs on the GPUs' switches: nic1.");
        expect(found[0].relatedInformation?.map(r => r.message)).toEqual(['gpu0', 'gpu2']);
    });

    it('NIC003: two GPUs closest to one NIC while the second\'s own NIC is free', async () => {
        const text = HOST + vm('a', '    gpu gpu0, gpu2 passthrough\n    nic nic0, nic2 passthrough', '0,16,8,24', '32 GiB on numa 0-1');
        const found = withCode((await build(text)).diagnostics(), 'NIC003');
        expect(found).toHaveLength(1);
        expect(found[0].range.start).toEqual(at(text, 'nic0, nic2'));
        expect(found[0].message).toBe('gpu0 and gpu2 of a share nic0; gpu2 has its own NIC nic1 (PIX), which is free.');
    });

    it('neither fires for one PIX NIC per GPU, a VM without NICs, or when the second GPU\'s NIC is taken', async () => {
        for (const text of [
            HOST + vm('a', '    gpu gpu0, gpu2 passthrough\n    nic nic0, nic1 passthrough', '0,16,8,24', '32 GiB on numa 0-1'),
            HOST + vm('a', '    gpu gpu0, gpu1 passthrough'),
            HOST + vm('a', '    gpu gpu0, gpu2 passthrough\n    nic nic0, nic2 passthrough', '0,16,8,24', '32 GiB on numa 0-1') + vm('b', '    nic nic1 vf 0', '9,25', '8 GiB on numa 1')
        ]) {
            const ds = (await build(text)).diagnostics();
            expect([...withCode(ds, 'NIC002'), ...withCode(ds, 'NIC003')]).toEqual([]);
        }
    });
});

describe('NIC004: the management NIC stays outside the GPU switches', () => {
    it('warns on the management flag of a NIC behind a GPU\'s switch', async () => {
        const text = HOST.replace('at 0000:93:00.0 vfs 4', 'at 0000:93:00.0 vfs 4 management');
        const found = withCode((await build(text)).diagnostics(), 'NIC004');
        expect(found).toHaveLength(1);
        expect(found[0].range.start).toEqual(at(text, 'management'));
        expect(found[0].message).toBe('nic1 sits behind the PCIe switch of gpu2 (PIX); keep hypervisor boot/management on NICs outside the GPU switches.');
    });

    it('does not fire for a management NIC on the socket', async () => {
        const text = HOST.replace('at 0000:20:00.0 on cpu0', 'at 0000:20:00.0 on cpu0 management');
        expect(withCode((await build(text)).diagnostics(), 'NIC004')).toEqual([]);
    });
});

describe('NIC001: use the NIC on the GPU switch', () => {
    it('replaces nic2 (NODE from gpu0) by nic0, which is PIX to gpu0 and free', async () => {
        const before = HOST + `
vm a on h {
    vcpus 2 pin 0,16
    memory 64 GiB on numa 0
    gpu gpu0 passthrough
    nic nic2 passthrough
}
`;
        const result = await fix(before, 'NIC001', before.replace('nic nic2 passthrough', 'nic nic0 passthrough'));
        expect(result.action?.title).toBe('Use nic0 (on the PCIe switch of gpu0)');
    });

    it('offers nothing when no NIC on the switch is free', async () => {
        const before = HOST + `
vm a on h {
    vcpus 2 pin 0,16
    memory 64 GiB on numa 0
    gpu gpu0 passthrough
    nic nic2 passthrough
}
vm b on h {
    vcpus 2 pin 1,17
    memory 64 GiB on numa 0
    gpu gpu1 passthrough
    nic nic0 passthrough
}
`;
        await fix(before, 'NIC001', undefined);
    });
});

describe('NIC quick-fixes', () => {
    const vm = (body: string, pin = '0-1,16-17', memory = '32 GiB on numa 0') => `
vm a on h {
    vcpus 4 pin ${pin}
    memory ${memory}
${body}
}
`;
    it('NIC002: adds the free NIC on the other GPU\'s switch', async () => {
        const before = HOST + vm('    gpu gpu0, gpu2 passthrough\n    nic nic0 passthrough', '0,16,8,24', '32 GiB on numa 0-1');
        await expectFix(before, 'NIC002', 'Add nic1 to a (one NIC per GPU)', before.replace('nic nic0 passthrough', 'nic nic0, nic1 passthrough'));
    });

    it('NIC003: adds the second GPU\'s own NIC', async () => {
        const before = HOST + vm('    gpu gpu0, gpu2 passthrough\n    nic nic0, nic2 passthrough', '0,16,8,24', '32 GiB on numa 0-1');
        await expectFix(before, 'NIC003', 'Add nic1 to a (one NIC per GPU)', before.replace('nic nic0, nic2 passthrough', 'nic nic0, nic2, nic1 passthrough'));
    });
});
