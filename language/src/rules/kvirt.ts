/**
 * KVIRT — what KubeVirt refuses or silently loses of a VM on a `platform kubevirt` host (the KubeVirt
 * export writes what it can and states the rest in comments; features/export/kubevirt.ts):
 *
 * - KVIRT001 (warning): the VM is placed on NUMA nodes (a `pin` list or memory `on numa`) but lacks
 *   dedicated CPUs (no `pin`) or hugepages. KubeVirt's admission webhook refuses
 *   `numa.guestMappingPassthrough` without `dedicatedCpuPlacement` and hugepages, so the export
 *   leaves it out and the guest sees one NUMA node [KUBEVIRT-NUMA]. Quick-fix: `hugepages 1 GiB`.
 * - KVIRT002 (warning): the VM's passthrough GPUs need a bigger 64-bit MMIO window than QEMU's q35
 *   default (32 GiB), and KubeVirt has no field to size it [KUBEVIRT-HOLE64] [NVAIE-MMIO].
 * - KVIRT003 (warning): a GPU and a NIC of the VM on the same host NUMA node without a common PCIe
 *   switch (different root ports / root complexes): with the `PCINUMAAwareTopology` feature gate
 *   KubeVirt puts both on the one pxb-pcie of that node, so the guest cannot tell them from a pair
 *   behind one switch [KUBEVIRT-19103].
 */
import type { RuleContext, RuleFamily, RuleInfo } from './engine/rule.js';
import { combine, insertAfterProperty } from './engine/fixes.js';
import { astOf } from './engine/reference-fixes.js';
import { requiredMmioGiB } from '../catalog/index.js';
import { pathType, type VmModel } from '../model/topology.js';
import { QEMU_Q35_DEFAULT_MMIO64_GIB } from '../syntax/limits.js';

export const KVIRT001: RuleInfo = {
    id: 'KVIRT001', severity: 'warning', summary: 'KubeVirt: guest NUMA passthrough needs dedicated CPUs and hugepages',
    why: 'KubeVirt models guest NUMA only through `numa.guestMappingPassthrough`, which its admission webhook refuses unless `dedicatedCpuPlacement` is on and the memory is backed by hugepages; without it the guest sees one NUMA node and the kubelet places memory and CPUs.',
    fix: 'Give the VM a `pin` list (dedicated CPUs) and `hugepages 1 GiB` (or 2 MiB) on its memory.', quickFix: true, sources: ['KUBEVIRT-NUMA', 'KUBEVIRT-CPU']
};
export const KVIRT002: RuleInfo = {
    id: 'KVIRT002', severity: 'warning', summary: 'KubeVirt: passthrough GPUs need a bigger 64-bit MMIO window than KubeVirt\'s default',
    why: 'KubeVirt has no field for the size of the 64-bit PCI MMIO window: QEMU\'s q35 default (32 GiB) applies unless the guest firmware sizes the window from the CPU\'s physical address bits, and a GPU whose BARs do not fit fails to load its driver in the guest (`BAR0 is 0M`).',
    fix: 'Check that the cluster\'s OVMF sizes the aperture from the physical address bits (edk2-stable202211 or later, host-passthrough CPU), or give the VM fewer large-BAR GPUs.', quickFix: false,
    sources: ['KUBEVIRT-HOLE64', 'NVAIE-MMIO', 'OVMF-MMIO64']
};
export const KVIRT003: RuleInfo = {
    id: 'KVIRT003', severity: 'warning', summary: 'KubeVirt: a GPU and a NIC on different PCIe root complexes of one NUMA node look alike in the guest',
    why: 'With the PCINUMAAwareTopology feature gate KubeVirt creates one pxb-pcie per host NUMA node and puts every device of that node behind it: a GPU and a NIC with no common PCIe switch land on the same guest bus as a pair behind one switch, so NCCL in the guest cannot see which NIC is close to which GPU for GPUDirect RDMA.',
    fix: 'Give the VM the NIC behind each GPU\'s own switch (PIX), or state the pairs with an NCCL topology file in the guest (`vmtopo export nccl`).', quickFix: false,
    sources: ['KUBEVIRT-19103']
};

function checkKubevirt(ctx: RuleContext): void {
    for (const vm of ctx.topology.vms) {
        if (!vm.host.kubevirt) continue;
        checkNumaPassthrough(ctx, vm);
        checkMmio(ctx, vm);
        checkRootComplexes(ctx, vm);
    }
}

/** KVIRT001: NUMA placement without what guestMappingPassthrough needs. */
function checkNumaPassthrough(ctx: RuleContext, vm: VmModel): void {
    const pinned = (vm.pin?.size ?? 0) > 0;
    if (!pinned && vm.memoryNuma === undefined) return;
    const missing = [...(pinned ? [] : ['dedicated CPUs (a pin list)']), ...(vm.hugepageMiB === undefined ? ['hugepages'] : [])];
    if (missing.length === 0) return;
    const placed = pinned ? `pins its vCPUs (${vm.pin!.toString()})` : `binds its memory to NUMA node ${vm.memoryNuma!.join(',')}`;
    const vmNode = astOf(ctx.resolved, vm);
    const hugepageFix = vm.hugepageMiB === undefined && vm.memoryMiB > 0 && vm.memoryMiB % 1024 === 0 && vmNode
        ? combine(`Back ${vm.name}'s memory with 1 GiB hugepages`, [insertAfterProperty(vmNode, vm.memoryNuma !== undefined ? 'memoryNuma' : 'memory', ' hugepages 1 GiB')])
        : undefined;
    ctx.report({
        rule: KVIRT001, target: vm, property: pinned ? 'memory' : 'pin',
        message: `${vm.name} ${placed} but has no ${missing.join(' and no ')}: KubeVirt's admission webhook refuses numa.guestMappingPassthrough without dedicatedCpuPlacement and hugepages, so the KubeVirt export leaves it out and the guest sees one NUMA node.`,
        data: { vm: vm.name, missing },
        fixes: [hugepageFix]
    });
}

/** KVIRT002: 64-bit MMIO the passthrough GPUs need against QEMU's q35 default. */
function checkMmio(ctx: RuleContext, vm: VmModel): void {
    const specs = vm.gpus.filter(g => g.mode === 'passthrough').map(g => g.gpu.spec);
    if (specs.length === 0) return;
    const need = requiredMmioGiB(specs);
    if (need <= QEMU_Q35_DEFAULT_MMIO64_GIB) return;
    ctx.report({
        rule: KVIRT002, target: vm, property: 'gpus',
        message: `${vm.name}'s passthrough GPUs need a ${need} GiB 64-bit MMIO window; KubeVirt has no field to size it, so QEMU's q35 default of ${QEMU_Q35_DEFAULT_MMIO64_GIB} GiB applies unless the guest firmware sizes the window from the CPU's physical address bits${vm.mmioGiB !== undefined ? ` (its mmio ${vm.mmioGiB} GiB cannot be stated)` : ''}.`,
        data: { vm: vm.name, needGiB: need }
    });
}

/** KVIRT003: GPU–NIC pairs of one NUMA node with no common switch. */
function checkRootComplexes(ctx: RuleContext, vm: VmModel): void {
    const pairs: string[] = [];
    for (const g of vm.gpus) {
        for (const n of vm.nics) {
            if (g.gpu.numa === n.nic.numa && pathType(g.gpu, n.nic) === 'NODE') pairs.push(`${g.gpu.name}–${n.nic.name}`);
        }
    }
    const unique = [...new Set(pairs)];
    if (unique.length === 0) return;
    ctx.report({
        rule: KVIRT003, target: vm, property: 'nics',
        message: `${vm.name}: ${unique.join(', ')} ${unique.length === 1 ? 'is a GPU and a NIC' : 'are GPUs and NICs'} on one NUMA node with no common PCIe switch; with PCINUMAAwareTopology KubeVirt puts them behind the same pxb-pcie, so the guest sees them as close as a GPU and NIC behind one switch (kubevirt issue #19103).`,
        data: { vm: vm.name, pairs: unique }
    });
}

export const KVIRT: RuleFamily = {
    rules: [KVIRT001, KVIRT002, KVIRT003],
    checks: [{ rules: [KVIRT001, KVIRT002, KVIRT003], run: checkKubevirt }]
};
