/**
 * KVM — libvirt/QEMU specifics: KVM001 (more than 255 vCPUs need the QEMU I/O APIC and an IOMMU with
 * interrupt remapping), KVM002 (vendor-specific VFIO delivery of vGPUs needs an SR-IOV GPU), KVM003
 * (Secure Boot on a GPU VM).
 */
import { describe, it, expect } from 'vitest';
import { build, withCode } from '../support/util.js';
import { HOST, Severity, at } from '../support/fixtures.js';

const diagnostics = async (text: string) => (await build(text)).diagnostics();

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
