/**
 * MMIO — the guest's 64-bit MMIO window. H200 needs 512 GiB [NVAIE-MMIO]; several GPUs need the
 * next power of two of the sum. KVM (`h`): MMIO005 only when `mmio` is declared. ESXi (`e`):
 * MMIO001 / MMIO002 for VMs with 32 GiB of memory or more.
 */
import { describe, it, expect } from 'vitest';
import { build, withCode } from '../support/util.js';
import { ESXI_HOST, HOST, Severity, at } from '../support/fixtures.js';

describe('MMIO005 (KVM): declared window ≥ what the passthrough GPUs need', () => {
    it('fires for 512 GiB with two H200s (1024 GiB needed)', async () => {
        const text = HOST + `
vm a on h {
    vcpus 2 pin 0,16
    memory 64 GiB on numa 0
    gpu gpu0, gpu1 passthrough
    mmio 512 GiB
}
`;
        const found = withCode((await build(text)).diagnostics(), 'MMIO005');
        expect(found).toHaveLength(1);
        expect(found[0].severity).toBe(Severity.error);
        expect(found[0].range.start).toEqual(at(text, '512 GiB\n'));
        expect(found[0].message).toBe('a: 64-bit MMIO window 512 GiB < 1024 GiB needed by gpu0, gpu1 (2 × H200 SXM5 141GB, 512 GiB each).');
        expect(found[0].data).toMatchObject({ need: 1024 });
    });

    it('does not fire for a large enough window, or when none is declared (the exporter sizes it)', async () => {
        const text = HOST + `
vm a on h {
    vcpus 2 pin 0,16
    memory 64 GiB on numa 0
    gpu gpu0, gpu1 passthrough
    mmio 1 TiB
}
vm b on h {
    vcpus 2 pin 8,24
    memory 64 GiB on numa 1
    gpu gpu2, gpu3 passthrough
}
`;
        expect((await build(text)).diagnostics()).toEqual([]);
    });
});

describe('MMIO001 (ESXi): one large-BAR GPU in a VM with ≥ 32 GiB', () => {
    it('fires on the VM name when a vGPU VM of 64 GiB has no mmio', async () => {
        const text = ESXI_HOST + `
vm t on e {
    vcpus 2 pin 0,16
    memory 64 GiB on numa 0
    vgpu gpu0 "H200X-1-18C"
    license nvaie
}
`;
        const found = withCode((await build(text)).diagnostics(), 'MMIO001');
        expect(found).toHaveLength(1);
        expect(found[0].severity).toBe(Severity.error);
        expect(found[0].range.start).toEqual(at(text, 't on e'));
        expect(found[0].message).toBe('t: gpu0 (H200 SXM5 141GB) needs 512 GiB of 64-bit MMIO but no mmio is set; set mmio 512 GiB (pciPassthru.use64bitMMIO=TRUE, pciPassthru.64bitMMIOSizeGB ≥ 512).');
    });

    it('does not fire with mmio 512 GiB, nor for a VM under 32 GiB', async () => {
        const text = ESXI_HOST + `
vm t on e {
    vcpus 2 pin 0,16
    memory 64 GiB on numa 0
    vgpu gpu0 "H200X-1-18C"
    license nvaie
    mmio 512 GiB
}
vm small on e {
    vcpus 2 pin 1,17
    memory 16 GiB on numa 0
    vgpu gpu1 "H200X-1-18C"
    license nvaie
}
`;
        expect((await build(text)).diagnostics()).toEqual([]);
    });
});

describe('MMIO002 (ESXi): several large-BAR GPUs need the next power of two of the sum', () => {
    it('fires for two H200s with mmio 512 GiB', async () => {
        const text = ESXI_HOST + `
vm a on e {
    vcpus 2 pin 8,24
    memory 128 GiB on numa 1
    gpu gpu2, gpu3 passthrough
    mmio 512 GiB
}
`;
        const found = withCode((await build(text)).diagnostics(), 'MMIO002');
        expect(found).toHaveLength(1);
        expect(found[0].severity).toBe(Severity.error);
        expect(found[0].range.start).toEqual(at(text, '512 GiB\n'));
        expect(found[0].message).toBe('a: 2 GPUs need 1024 GiB of 64-bit MMIO (gpu2, gpu3 (2 × H200 SXM5 141GB, 512 GiB each)) but mmio is 512 GiB; set mmio 1024 GiB (pciPassthru.64bitMMIOSizeGB = 1024).');
        expect(withCode((await build(text)).diagnostics(), 'MMIO001')).toEqual([]);
    });

    it('does not fire with mmio 1024 GiB', async () => {
        const text = ESXI_HOST + `
vm a on e {
    vcpus 2 pin 8,24
    memory 128 GiB on numa 1
    gpu gpu2, gpu3 passthrough
    mmio 1024 GiB
    reserve all
}
`;
        expect((await build(text)).diagnostics()).toEqual([]);
    });
});
