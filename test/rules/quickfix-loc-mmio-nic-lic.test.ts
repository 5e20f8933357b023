/**
 * Quick-fixes: each turns the misconfigured text into text without a diagnostic of its rule
 * (`testCodeAction` from langium/test checks: one diagnostic with the code, one action, the text
 * after the edit, and that the diagnostic is gone when the new text is validated).
 */
import { afterEach, describe, it, expect } from 'vitest';
import { testCodeAction } from 'langium/test';
import { createVmtopoServices } from '../../language/src/vmtopo-module.js';
import { planGuestAddresses } from '../../language/src/model/guest-plan.js';
import { ESXI_HOST, HOST } from '../support/fixtures.js';
import { build } from '../support/util.js';

const services = createVmtopoServices().vmtopo;
const fix = testCodeAction(services);
let dispose: (() => Promise<void>) | undefined;
afterEach(async () => {
    await dispose?.();
    dispose = undefined;
});

describe('LOC001/LOC002/LOC003: re-pin to the NUMA node of the GPUs', () => {
    it("LOC001: moves a's vCPUs to free SMT pairs of NUMA 0 (not b's CPUs, not a's emulator CPU) and its memory to NUMA 0", async () => {
        const before = HOST + `
vm b on h {
    vcpus 4 pin 0-1,16-17
    memory 64 GiB on numa 0
    gpu gpu1 passthrough
}
vm a on h {
    vcpus 4 pin 8-9,24-25
    emulator pin 2
    memory 64 GiB on numa 1
    gpu gpu0 passthrough
}
`;
        const after = before.replace('vcpus 4 pin 8-9,24-25', 'vcpus 4 pin 3-4,19-20').replace('64 GiB on numa 1', '64 GiB on numa 0');
        const result = await fix(before, 'LOC001', after);
        dispose = () => result.dispose();
        expect(result.action).toMatchObject({ title: 'Re-pin a to NUMA 0', kind: 'quickfix', isPreferred: true });
    });

    it('LOC001: writes whole cores first, then a single thread whose sibling runs no other VM, in the order vCPUs take them', async () => {
        // b leaves NUMA 0's cores 0/16 and 5/21 whole and CPU 2 free (its sibling 18 is b's)
        const before = HOST + `
vm b on h {
    vcpus 11 pin 1,3-4,6-7,17-20,22-23
    memory 16 GiB on numa 0
}
vm a on h {
    vcpus 3 pin 8-9,24
    memory 16 GiB on numa 0
    gpu gpu0 passthrough
}
`;
        // read back by the pinning rule: vCPU 0 → 0, 1 → 16 (its sibling), 2 → 5 (not 2: that would split a core with b)
        const after = before.replace('vcpus 3 pin 8-9,24', 'vcpus 3 pin 0,16,5');
        const result = await fix(before, 'LOC001', after);
        dispose = () => result.dispose();
        expect(result.action?.title).toBe('Re-pin a to NUMA 0');
        const fixed = (await build(after)).resolved().topology.vms.find(v => v.name === 'a')!;
        expect(planGuestAddresses(fixed).vcpuPins).toEqual([0, 16, 5]);
    });

    it('LOC002: adds a pin list after the vCPU count and binds the memory', async () => {
        const before = HOST + `
vm a on h {
    vcpus 4
    memory 64 GiB
    gpu gpu2 passthrough
}
`;
        const after = before.replace('vcpus 4\n', 'vcpus 4 pin 8-9,24-25\n').replace('memory 64 GiB\n', 'memory 64 GiB on numa 1\n');
        const result = await fix(before, 'LOC002', after);
        dispose = () => result.dispose();
        expect(result.action?.title).toBe('Re-pin a to NUMA 1');
    });

    it('LOC003: with good pins, only the memory binding changes', async () => {
        const before = HOST + `
vm a on h {
    vcpus 2 pin 8,24
    memory 64 GiB on numa 0
    gpu gpu2 passthrough
}
`;
        const after = before.replace('on numa 0', 'on numa 1');
        const result = await fix(before, 'LOC003', after);
        dispose = () => result.dispose();
        expect(result.action?.title).toBe('Bind memory of a to NUMA 1');
    });
});

describe('MMIO001/MMIO002/MMIO005: raise the MMIO window to the required size', () => {
    it('MMIO005 (KVM): replaces 512 GiB by 1024 GiB for two H200s', async () => {
        const before = HOST + `
vm a on h {
    vcpus 2 pin 0,16
    memory 64 GiB on numa 0
    gpu gpu0, gpu1 passthrough
    mmio 512 GiB
}
`;
        const result = await fix(before, 'MMIO005', before.replace('mmio 512 GiB', 'mmio 1024 GiB'));
        dispose = () => result.dispose();
        expect(result.action).toMatchObject({ title: 'Raise MMIO window to 1024 GiB', kind: 'quickfix', isPreferred: true });
    });

    it('MMIO001 (ESXi): inserts the missing mmio clause before the closing brace', async () => {
        const before = ESXI_HOST + `
vm t on e {
    vcpus 2 pin 0,16
    memory 64 GiB on numa 0
    vgpu gpu0 "H200X-1-18C"
    license nvaie
}
`;
        const result = await fix(before, 'MMIO001', before.replace('license nvaie\n}', 'license nvaie\n    mmio 512 GiB\n}'));
        dispose = () => result.dispose();
        expect(result.action?.title).toBe('Raise MMIO window to 512 GiB');
    });

    it('MMIO002 (ESXi): two H200s get the next power of two of 2 × 512 GiB', async () => {
        const before = ESXI_HOST + `
vm a on e {
    vcpus 2 pin 8,24
    memory 128 GiB on numa 1
    gpu gpu2, gpu3 passthrough
    mmio 768 GiB
}
`;
        const result = await fix(before, 'MMIO002', before.replace('mmio 768 GiB', 'mmio 1024 GiB'));
        dispose = () => result.dispose();
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
        dispose = () => result.dispose();
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
        const result = await fix(before, 'NIC001', undefined);
        dispose = () => result.dispose();
    });
});

describe('LIC001: add the licence', () => {
    it('inserts license nvaie into a one-line VM', async () => {
        const before = HOST + `vm t on h { vcpus 2 pin 8,24 memory 16 GiB on numa 1 mig gpu2 "1g.18gb" }\n`;
        const result = await fix(before, 'LIC001', before.replace('"1g.18gb" }', '"1g.18gb" license nvaie }'));
        dispose = () => result.dispose();
        expect(result.action?.title).toBe('Add license nvaie to t');
    });
});
