/**
 * NIC001 — a VM's NICs share a PCIe switch with its GPUs (GPUDirect RDMA). Host `h`
 * (test/support/fixtures.ts): nic0 is PIX to gpu0/gpu1 (sw0), nic1 PIX to gpu2/gpu3 (sw1), nic2 sits on
 * socket 0 outside the switches (NODE to gpu0/gpu1, SYS to gpu2/gpu3).
 */
import { describe, it, expect } from 'vitest';
import { build, withCode } from '../support/util.js';
import { HOST, Severity, at } from '../support/fixtures.js';

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
