/**
 * MMIO001 (the ESXi passthrough correction, VMware KB 2142307), MMIO003, MMIO004, LIC002, LIC003 and
 * the KVM family (KVM001 >255 vCPUs, KVM002 vendor-specific VFIO delivery, KVM003 Secure Boot).
 */
import { describe, it, expect } from 'vitest';
import { build, withCode } from '../support/util.js';
import { ESXI_HOST, HOST, Severity, at } from '../support/fixtures.js';

const diagnostics = async (text: string) => (await build(text)).diagnostics();

describe('MMIO001 correction: ESXi passthrough needs 64-bit MMIO whatever the VM memory', () => {
    it('fires for a 16 GiB ESXi VM with a passed-through H100', async () => {
        const text = ESXI_HOST.replace('gpu gpu0 "H200 SXM5 141GB"', 'gpu gpu0 "H100 SXM5 80GB"') + `
vm small on e {
    vcpus 2 pin 0,16
    memory 16 GiB on numa 0
    gpu gpu0 passthrough
    reserve all
}
`;
        const found = withCode(await diagnostics(text), 'MMIO001');
        expect(found).toHaveLength(1);
        expect(found[0].severity).toBe(Severity.error);
        expect(found[0].message).toBe('small: gpu0 (H100 SXM5 80GB) needs 256 GiB of 64-bit MMIO but no mmio is set; set mmio 256 GiB (pciPassthru.use64bitMMIO=TRUE, pciPassthru.64bitMMIOSizeGB ≥ 256).');
    });
    it('still needs ≥ 32 GiB for a vGPU VM (NVIDIA\'s condition is vGPU only)', async () => {
        const text = ESXI_HOST + `
vm small on e {
    vcpus 2 pin 0,16
    memory 16 GiB on numa 0
    vgpu gpu0 "H200X-1-18C"
    license nvaie
}
`;
        expect(withCode(await diagnostics(text), 'MMIO001')).toEqual([]);
    });
    it('says "derived" for the L40S figure', async () => {
        const text = ESXI_HOST.replace('gpu gpu0 "H200 SXM5 141GB"', 'gpu gpu0 "L40S"') + `
vm s on e {
    vcpus 2 pin 0,16
    memory 16 GiB on numa 0
    gpu gpu0 passthrough
    reserve all
}
`;
        const found = withCode(await diagnostics(text), 'MMIO001');
        expect(found[0].message).toContain('needs 128 GiB of 64-bit MMIO (L40S: figure derived, not published)');
    });
});

describe('MMIO003: EFI for large-BAR GPUs on ESXi', () => {
    const text = (fw: string) => ESXI_HOST + `
vm a on e {
    vcpus 2 pin 0,16
    memory 64 GiB on numa 0
    vgpu gpu0 "H200X-141C"
    license nvaie
    mmio 512 GiB
    firmware ${fw}
}
`;
    it('fires on firmware bios', async () => {
        const t = text('bios');
        const found = withCode(await diagnostics(t), 'MMIO003');
        expect(found).toHaveLength(1);
        expect(found[0].range.start).toEqual(at(t, 'bios'));
        expect(found[0].message).toBe('a: gpu0 (H200 SXM5 141GB, 512 GiB of MMIO) needs EFI firmware and a 64-bit guest; firmware is bios.');
    });
    it('does not fire on firmware efi', async () => {
        expect(await diagnostics(text('efi'))).toEqual([]);
    });
});

describe('MMIO004: ESXi passthrough needs all memory reserved', () => {
    const text = (reserve: string) => ESXI_HOST + `
vm a on e {
    vcpus 2 pin 0,16
    memory 64 GiB on numa 0
    gpu gpu0 passthrough
    nic nic0 vf 1
    mmio 512 GiB
${reserve}}
`;
    it('fires without a reservation, naming the devices and sizes', async () => {
        const found = withCode(await diagnostics(text('')), 'MMIO004');
        expect(found.map(d => [d.severity, d.message])).toEqual([[Severity.error, 'a: passthrough (DirectPath I/O) of gpu0, VF 1 of nic0 needs all guest memory reserved: 64 GiB, reserved 0 GiB.']]);
    });
    it('fires for a partial reservation, on the reservation', async () => {
        const t = text('    reserve 32 GiB\n');
        const found = withCode(await diagnostics(t), 'MMIO004');
        expect(found[0].range.start).toEqual(at(t, '32 GiB'));
        expect(found[0].message).toContain('64 GiB, reserved 32 GiB');
    });
    it('does not fire with reserve all or reserve 64 GiB, nor on KVM', async () => {
        expect(await diagnostics(text('    reserve all\n'))).toEqual([]);
        expect(await diagnostics(text('    reserve 64 GiB\n'))).toEqual([]);
        expect(withCode(await diagnostics(HOST + 'vm a on h { vcpus 2 pin 0,16 memory 16 GiB on numa 0 gpu gpu0 passthrough }'), 'MMIO004')).toEqual([]);
    });
});

describe('LIC002 / LIC003: licence editions', () => {
    const text = (lic: string, slice = 'vgpu gpu0 "H200X-141C"') => HOST + `
vm a on h {
    vcpus 2 pin 0,16
    memory 16 GiB on numa 0
    ${slice}
    license ${lic}
}
`;
    it('LIC002 fires for a C-series vGPU under RTX vWS', async () => {
        const t = text('vws');
        const found = withCode(await diagnostics(t), 'LIC002');
        expect(found).toHaveLength(1);
        expect(found[0].range.start).toEqual(at(t, 'vws'));
        expect(found[0].message).toBe('H200X-141C (C-series, a) needs NVIDIA AI Enterprise; NVIDIA RTX vWS (license vws) does not cover it.');
    });
    it('LIC002 does not fire for nvaie or vcs', async () => {
        expect(await diagnostics(text('nvaie'))).toEqual([]);
        expect(await diagnostics(text('vcs'))).toEqual([]);
    });
    it('LIC003 is info for a passthrough-only VM with a licence', async () => {
        const found = withCode(await diagnostics(text('nvaie', 'gpu gpu0 passthrough')), 'LIC003');
        expect(found.map(d => [d.severity, d.message])).toEqual([[Severity.info, 'a: passthrough of gpu0 (DirectPath/VFIO) needs no vGPU license; an NVIDIA AI Enterprise subscription only covers software/support.']]);
        expect(withCode(await diagnostics(HOST + 'vm a on h { vcpus 2 pin 0,16 memory 16 GiB on numa 0 gpu gpu0 passthrough }'), 'LIC003')).toEqual([]);
    });
});

describe('KVM001 / KVM002 / KVM003', () => {
    it('KVM001 is info above 255 vCPUs, not at 255', async () => {
        const found = withCode(await diagnostics(HOST + 'vm big on h { vcpus 256 memory 16 GiB }'), 'KVM001');
        expect(found.map(d => [d.severity, d.message])).toEqual([[Severity.info, "big has 256 vCPUs (> 255): the domain needs <ioapic driver='qemu'/> and <iommu model='intel'> with intremap='on' eim='on' (the libvirt export writes them)."]]);
        expect(withCode(await diagnostics(HOST + 'vm big on h { vcpus 255 memory 16 GiB }'), 'KVM001')).toEqual([]);
    });
    it('KVM002 fires for vendor-specific VFIO on an A100 (Ampere), not on an H200', async () => {
        const host = HOST.replace('platform kvm', 'platform kvm\n    vgpu-delivery vfio').replace('gpu gpu1 "H200 SXM5 141GB"', 'gpu gpu1 "A100 SXM4 80GB"');
        const text = host + 'vm a on h { vcpus 2 pin 0,16 memory 16 GiB on numa 0 license nvaie vgpu gpu1 "A100DX-80C" vgpu gpu0 "H200X-141C" }';
        const found = withCode(await diagnostics(text), 'KVM002');
        expect(found.map(d => d.message)).toEqual(["h delivers vGPUs by NVIDIA's vendor-specific VFIO framework, which needs an SR-IOV GPU of Ada, Hopper or later; gpu1 is A100 SXM4 80GB. Use vgpu-delivery mdev."]);
    });
    it('KVM003 is info for secure-boot on a GPU VM', async () => {
        const text = HOST + 'vm a on h { vcpus 2 pin 0,16 memory 16 GiB on numa 0 gpu gpu0 passthrough secure-boot }';
        const found = withCode(await diagnostics(text), 'KVM003');
        expect(found).toHaveLength(1);
        expect(found[0].severity).toBe(Severity.info);
        expect(found[0].range.start).toEqual(at(text, 'secure-boot'));
        expect(withCode(await diagnostics(text.replace(' secure-boot', '')), 'KVM003')).toEqual([]);
    });
});
