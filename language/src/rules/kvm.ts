/**
 * KVM — what a KVM/QEMU domain needs for a GPU VM (libvirt, QEMU and NVIDIA's vGPU guide):
 *
 * - KVM001 (info): more than 255 vCPUs need `<ioapic driver='qemu'/>` and an IOMMU with interrupt
 *   remapping and EIM; the libvirt export writes them [LIBVIRT-DOM].
 * - KVM002 (error): `vgpu-delivery vfio` with a vGPU on a GPU the vendor-specific VFIO framework
 *   does not serve (no SR-IOV, or older than Ada/Hopper) [VGPU-UG-PT].
 * - KVM003 (info): `secure-boot` on a GPU VM: NVIDIA's out-of-tree kernel modules in the guest must
 *   be signed with an enrolled key [LIBVIRT-DOM].
 *
 * ESXi hosts are left out (their rules are MMIO and VGPU's vSphere gates).
 */
import type { RuleContext, RuleFamily, RuleInfo } from './engine/rule.js';
import { MAX_XAPIC_VCPUS } from '../syntax/limits.js';

export const KVM001: RuleInfo = {
    id: 'KVM001', severity: 'info', summary: 'KVM: more than 255 vCPUs need the split IOAPIC and an IOMMU with interrupt remapping and EIM',
    why: 'Above 255 vCPUs the guest needs x2APIC ids, which QEMU delivers only with `<ioapic driver=\'qemu\'/>` and an IOMMU with interrupt remapping and extended interrupt mode.',
    fix: 'The libvirt export writes `<ioapic driver=\'qemu\'/>` and `<iommu model=\'intel\'><driver intremap=\'on\' eim=\'on\'/></iommu>`; add them when writing the domain by hand.', quickFix: false, sources: ['LIBVIRT-DOM']
};
export const KVM002: RuleInfo = {
    id: 'KVM002', severity: 'error', summary: 'KVM: vendor-specific VFIO vGPU delivery on a GPU it does not serve',
    why: 'NVIDIA\'s vendor-specific VFIO framework (vGPU 17 and later) creates each vGPU on an SR-IOV virtual function of an Ada, Hopper or later GPU; other GPUs need mediated devices.',
    fix: 'Use `vgpu-delivery mdev` on this host, or GPUs of Ada/Hopper or later.', quickFix: false, sources: ['VGPU-UG-PT']
};
export const KVM003: RuleInfo = {
    id: 'KVM003', severity: 'info', summary: 'KVM: Secure Boot on a GPU VM (NVIDIA modules must be signed)',
    why: 'With Secure Boot the guest kernel loads only signed modules; NVIDIA\'s out-of-tree driver must be signed with a key enrolled in the guest (MOK).',
    fix: 'Sign the NVIDIA modules and enrol the key, or drop `secure-boot`.', quickFix: false, sources: ['LIBVIRT-DOM']
};

function checkKvm(ctx: RuleContext): void {
    for (const vm of ctx.topology.vms) {
        if (vm.host.platform === 'esxi') continue;
        if (vm.vcpus > MAX_XAPIC_VCPUS) {
            ctx.report({
                rule: KVM001, target: vm, property: 'vcpus',
                message: `${vm.name} has ${vm.vcpus} vCPUs (> ${MAX_XAPIC_VCPUS}): the domain needs <ioapic driver='qemu'/> and <iommu model='intel'> with intremap='on' eim='on' (the libvirt export writes them).`,
                data: { vm: vm.name }
            });
        }
        if (vm.host.vgpuDelivery === 'vfio') {
            for (const g of vm.gpus) {
                if (g.mode === 'passthrough') continue;
                if (g.gpu.spec.sriov && g.gpu.spec.sm >= 89) continue;
                ctx.report({
                    rule: KVM002, target: g,
                    message: `${vm.host.name} delivers vGPUs by NVIDIA's vendor-specific VFIO framework, which needs an SR-IOV GPU of Ada, Hopper or later; ${g.gpu.name} is ${g.gpu.spec.model}${g.gpu.spec.sriov ? '' : ' (no SR-IOV)'}. Use vgpu-delivery mdev.`,
                    data: { vm: vm.name, gpu: g.gpu.name }
                });
            }
        }
        if (vm.secureBoot && vm.gpus.length > 0) {
            ctx.report({
                rule: KVM003, target: vm, property: 'secureBoot',
                message: `${vm.name}: Secure Boot is on; NVIDIA's kernel modules in the guest must be signed with a key enrolled there (MOK) or they will not load.`,
                data: { vm: vm.name }
            });
        }
    }
}

export const KVM: RuleFamily = {
    rules: [KVM001, KVM002, KVM003],
    checks: [{ rules: [KVM001, KVM002, KVM003], run: checkKvm }]
};
