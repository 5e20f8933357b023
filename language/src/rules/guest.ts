/**
 * Guest settings a GPU VM needs: ESXi firmware and memory reservation (rules.md Part B, "MMIO"),
 * licence editions ("LIC"), and KVM domain requirements (vmtopo's own KVM family, from the issue's
 * corrections: >255 vCPUs, vGPU delivery, Secure Boot).
 *
 * - MMIO003 (error, ESXi): a VM with a large-BAR GPU (A4 MMIO ≥ 64 GiB) declares `firmware bios`;
 *   such GPUs need EFI firmware and a 64-bit guest [NVAIE-MMIO]. Quick-fix: `firmware efi`.
 * - MMIO004 (error, ESXi): a VM with a passthrough (DirectPath I/O) device has less memory reserved
 *   than its memory [VMW-KB2142307]. Quick-fix: `reserve all`.
 * - LIC002 (error): the declared edition (vWS, vPC, vApps) does not cover C-series vGPU, which needs
 *   NVIDIA AI Enterprise (vCS in older releases) [VGPU-HOPPER] [VGPU-AMPERE] [GRID-LIC12].
 *   Quick-fix: `license nvaie`.
 * - LIC003 (info): a VM with only passthrough GPUs declares a licence: passthrough needs no vGPU
 *   licence [GRID-LIC12] [NVAIE-LIC].
 * - KVM001 (info, KVM): more than 255 vCPUs need `<ioapic driver='qemu'/>` and an IOMMU with
 *   interrupt remapping and EIM; the libvirt export writes them [LIBVIRT-DOM].
 * - KVM002 (error, KVM): `vgpu-delivery vfio` with a vGPU on a GPU the vendor-specific VFIO
 *   framework does not serve (no SR-IOV, or older than Ada/Hopper) [VGPU-UG-PT].
 * - KVM003 (info, KVM): `secure-boot` on a GPU VM: NVIDIA's out-of-tree kernel modules in the guest
 *   must be signed with an enrolled key [LIBVIRT-DOM].
 *
 * Not expressible: MMIO006 (the libvirt export always writes `<maxphysaddr mode='passthrough'/>`,
 * and the language has no other way to set the guest's physical address width).
 */
import type { RuleContext, RuleFamily, RuleInfo } from './engine/rule.js';
import type { VmModel } from '../model/topology.js';
import { combine, insertVmClause, replaceProperty } from './engine/fixes.js';

export const MMIO003: RuleInfo = {
    id: 'MMIO003', severity: 'error', summary: 'ESXi: a VM with a large-BAR GPU uses BIOS firmware',
    why: 'GPUs that need 64 GB of MMIO or more need 64-bit MMIO, which needs EFI firmware and a 64-bit guest installed in EFI mode.',
    fix: 'Set `firmware efi` (quick-fix) and install the guest in EFI mode.', quickFix: true, sources: ['NVAIE-MMIO']
};
export const MMIO004: RuleInfo = {
    id: 'MMIO004', severity: 'error', summary: 'ESXi: a passthrough (DirectPath I/O) VM without all its memory reserved',
    why: 'DirectPath I/O devices DMA into guest memory, so ESXi requires the VM\'s whole memory to be reserved; the VM does not power on otherwise.',
    fix: 'Reserve all guest memory: `reserve all` (quick-fix).', quickFix: true, sources: ['VMW-KB2142307']
};
export const LIC002: RuleInfo = {
    id: 'LIC002', severity: 'error', summary: 'the declared licence edition does not cover C-series vGPU',
    why: 'C-series (compute) vGPU types need NVIDIA AI Enterprise (vCS in older releases); RTX vWS, vPC and vApps licences do not enable them.',
    fix: 'Use `license nvaie` (quick-fix).', quickFix: true, sources: ['VGPU-HOPPER', 'VGPU-AMPERE', 'GRID-LIC12']
};
export const LIC003: RuleInfo = {
    id: 'LIC003', severity: 'info', summary: 'a passthrough-only VM declares a vGPU licence',
    why: 'Passthrough (DirectPath/VFIO) needs no vGPU licence; an NVIDIA AI Enterprise subscription covers software and support only.',
    fix: 'Drop the licence from the VM, or keep it for the software subscription.', quickFix: false, sources: ['GRID-LIC12', 'NVAIE-LIC']
};
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

/** A4: GPUs needing 64 GiB of MMIO or more need EFI [NVAIE-MMIO]. */
const LARGE_BAR_GIB = 64;

function vmNode(ctx: RuleContext, vm: VmModel) {
    return ctx.resolved.trace.get(vm)?.node;
}

function checkEsxiGuest(ctx: RuleContext): void {
    for (const vm of ctx.topology.vms) {
        if (vm.host.platform !== 'esxi') continue;
        const large = vm.gpus.find(g => g.gpu.spec.mmioGiB >= LARGE_BAR_GIB);
        const node = vmNode(ctx, vm);
        if (large && vm.firmware === 'bios') {
            const fix = node && combine(`Set firmware efi on ${vm.name}`, [replaceProperty(node, 'firmware', 'efi')]);
            ctx.report({
                rule: MMIO003, target: vm, property: 'firmware',
                related: [{ target: large.gpu, message: `${large.gpu.name} (${large.gpu.spec.model}): ${large.gpu.spec.mmioGiB} GiB of MMIO` }],
                message: `${vm.name}: ${large.gpu.name} (${large.gpu.spec.model}, ${large.gpu.spec.mmioGiB} GiB of MMIO) needs EFI firmware and a 64-bit guest; firmware is bios.`,
                data: { vm: vm.name, fixes: fix ? [fix] : [] }
            });
        }
        const devices = [
            ...vm.gpus.filter(g => g.mode === 'passthrough').map(g => g.gpu.name),
            ...vm.nics.map(n => (n.mode === 'vf' ? `VF ${n.vf} of ${n.nic.name}` : n.nic.name))
        ];
        const reserved = vm.reservedMiB ?? 0;
        if (devices.length > 0 && reserved < vm.memoryMiB) {
            const written = node as { reservation?: unknown; reserveAll?: boolean } | undefined;
            const part = node && (written?.reservation !== undefined ? replaceProperty(node, 'reservation', 'all') : insertVmClause(node, 'reserve all'));
            const fix = combine(`Reserve all memory of ${vm.name}`, [part]);
            ctx.report({
                rule: MMIO004, target: vm, property: written?.reservation !== undefined ? 'reservation' : 'name',
                message: `${vm.name}: passthrough (DirectPath I/O) of ${devices.join(', ')} needs all guest memory reserved: ${gib(vm.memoryMiB)} GiB, reserved ${gib(reserved)} GiB.`,
                data: { vm: vm.name, fixes: fix ? [fix] : [] }
            });
        }
    }
}

function gib(mib: number): string {
    return String(Math.round((mib / 1024) * 100) / 100);
}

/** Editions that cover C-series vGPU: NVIDIA AI Enterprise, and vCS in older releases [VGPU-HOPPER] [GRID-LIC12]. */
const C_SERIES_EDITIONS = new Set(['nvaie', 'vcs']);
const EDITION_NAMES: Record<string, string> = { nvaie: 'NVIDIA AI Enterprise', vcs: 'NVIDIA Virtual Compute Server', vws: 'NVIDIA RTX vWS', vpc: 'NVIDIA vPC', vapps: 'NVIDIA vApps' };

function checkLicences(ctx: RuleContext): void {
    for (const vm of ctx.topology.vms) {
        if (!vm.license) continue;
        const slice = vm.gpus.find(g => g.mode !== 'passthrough');
        if (slice && !C_SERIES_EDITIONS.has(vm.license)) {
            const type = slice.mode === 'vgpu' ? slice.type.name : slice.mode === 'mig' ? (slice.type?.name ?? `MIG ${slice.profile.name}`) : '';
            const where = vm.licenseOnVm ? vmNode(ctx, vm) : ctx.resolved.trace.get(vm.host)?.node;
            const fix = where && combine(`Use license nvaie${vm.licenseOnVm ? '' : ` on ${vm.host.name}`}`, [replaceProperty(where, 'license', 'nvaie')]);
            ctx.report({
                rule: LIC002, target: vm, property: vm.licenseOnVm ? 'license' : 'name',
                related: vm.licenseOnVm ? [] : [{ target: vm.host, property: 'license', message: `license ${vm.license} on ${vm.host.name}` }],
                message: `${type} (C-series, ${vm.name}) needs NVIDIA AI Enterprise; ${EDITION_NAMES[vm.license]} (license ${vm.license}${vm.licenseOnVm ? '' : ` on ${vm.host.name}`}) does not cover it.`,
                data: { vm: vm.name, fixes: fix ? [fix] : [] }
            });
        }
        if (!slice && vm.licenseOnVm && vm.gpus.length > 0) {
            ctx.report({
                rule: LIC003, target: vm, property: 'license',
                message: `${vm.name}: passthrough of ${[...new Set(vm.gpus.map(g => g.gpu.name))].join(', ')} (DirectPath/VFIO) needs no vGPU license; an NVIDIA AI Enterprise subscription only covers software/support.`,
                data: { vm: vm.name }
            });
        }
    }
}

/** Most vCPUs with xAPIC ids (see the libvirt exporter's `MAX_XAPIC_VCPUS`). */
const MAX_XAPIC_VCPUS = 255;

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

export const GUEST: RuleFamily = {
    rules: [MMIO003, MMIO004, LIC002, LIC003, KVM001, KVM002, KVM003],
    checks: [
        { rules: [MMIO003, MMIO004], run: checkEsxiGuest },
        { rules: [LIC002, LIC003], run: checkLicences },
        { rules: [KVM001, KVM002, KVM003], run: checkKvm }
    ]
};
