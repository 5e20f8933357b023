/**
 * NIC — GPU↔NIC affinity for GPUDirect RDMA (rules.md Part B, "NIC"; A7 for the connection types).
 *
 * - NIC001 (warning; error when `SYS`): a NIC of a VM with GPUs (the PF, or the PF of a VF — a VF
 *   sits where its PF sits, SRIOV005) shares no PCIe switch with any GPU of the VM, i.e. its best
 *   connection to them is worse than `PXB`. NCCL uses GPUDirect RDMA by default only up to `PXB`
 *   [NCCL-ENV]; NVIDIA's reference systems give each GPU the NIC on its own switch [VMCFG-SETUP]
 *   [MLPERF-DGXH100]. `data.best` names the free `PIX` NIC the quick-fix puts in its place.
 */
import { PATH_RANK, pathType, type GpuModel, type NicModel, type PathType, type Topology, type VmModel } from '../../model/topology.js';
import type { RuleContext, RuleFamily, RuleInfo } from '../rule.js';

export const NIC001: RuleInfo = {
    id: 'NIC001', severity: 'warning', summary: 'NIC not under the same PCIe switch as the VM\'s GPUs',
    why: 'NCCL uses GPUDirect RDMA by default only up to PXB; a NIC farther from the GPU sends traffic through host memory (an error when it is on the other socket).',
    fix: 'Use the free NIC on the GPU\'s PCIe switch (quick-fix).', quickFix: true, sources: ['VMCFG-SETUP', 'NCCL-ENV', 'MLPERF-DGXH100']
};

/** The VM's GPU closest to the NIC, with the connection type (ties: the VM's first GPU). */
function nearestGpu(vm: VmModel, nic: NicModel): { gpu: GpuModel; type: PathType } | undefined {
    let best: { gpu: GpuModel; type: PathType } | undefined;
    for (const g of vm.gpus) {
        const type = pathType(nic, g.gpu);
        if (!best || PATH_RANK[type] < PATH_RANK[best.type]) best = { gpu: g.gpu, type };
    }
    return best;
}

/**
 * A NIC that is `PIX` to one of the VM's GPUs (the given GPU first, then the VM's others in order)
 * and not used by any VM (as PF or through a VF), or undefined. With `vf`, the NIC must enable that
 * VF index (so that the quick-fix `nic {best} vf {vf}` stays valid).
 */
export function bestFreeNic(topology: Topology, vm: VmModel, preferred: GpuModel, vf?: number): NicModel | undefined {
    const used = new Set<NicModel>();
    for (const other of topology.vms) for (const n of other.nics) used.add(n.nic);
    const gpus = [preferred, ...vm.gpus.map(g => g.gpu).filter(g => g !== preferred)];
    const fits = (d: NicModel) => vf === undefined || vf < d.vfs;
    for (const gpu of gpus) {
        const nic = vm.host.devices.find((d): d is NicModel => d.kind === 'nic' && !used.has(d) && fits(d) && pathType(d, gpu) === 'PIX');
        if (nic) return nic;
    }
    return undefined;
}

export const NIC: RuleFamily = {
    rules: [NIC001],
    checks: [{ rules: [NIC001], run: checkNicAffinity }]
};

function checkNicAffinity(ctx: RuleContext): void {
    for (const vm of ctx.topology.vms) {
        if (vm.gpus.length === 0) continue;
        for (const entry of vm.nics) {
            const near = nearestGpu(vm, entry.nic);
            if (!near || PATH_RANK[near.type] <= PATH_RANK.PXB) continue;
            const best = bestFreeNic(ctx.topology, vm, near.gpu, entry.mode === 'vf' ? entry.vf : undefined);
            const what = entry.mode === 'vf' ? `VF ${entry.vf} of ${entry.nic.name}` : entry.nic.name;
            const advice = best
                ? `give each GPU the NIC on its PCIe switch (${best.name} is free and PIX to ${near.gpu.name})`
                : `give each GPU the NIC on its PCIe switch (no free NIC shares a switch with the GPUs of ${vm.name})`;
            ctx.report({
                rule: NIC001, severity: near.type === 'SYS' ? 'error' : 'warning', target: entry,
                message: `${what} is ${near.type} from ${near.gpu.name}, the nearest GPU of ${vm.name}; for GPUDirect RDMA ${advice}.`,
                data: { vm: vm.name, nic: entry.nic.name, gpu: near.gpu.name, type: near.type, best: best?.name }
            });
        }
    }
}
