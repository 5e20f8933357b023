/**
 * NIC — GPU↔NIC affinity for GPUDirect RDMA. Connections are typed as `nvidia-smi topo -m` types them
 * (PIX < PXB < PHB < NODE < SYS, `PATH_RANK` in model/topology.ts); "same PCIe switch" is PIX or PXB.
 *
 * - NIC001 (warning; error when `SYS`): a NIC of a VM with GPUs (the PF, or the PF of a VF — a VF
 *   sits where its PF sits, SRIOV005) shares no PCIe switch with any GPU of the VM, i.e. its best
 *   connection to them is worse than `PXB`. NCCL uses GPUDirect RDMA by default only up to `PXB`
 *   [NCCL-ENV]; NVIDIA's reference systems give each GPU the NIC on its own switch [VMCFG-SETUP]
 *   [MLPERF-DGXH100]. `data.best` names the free `PIX` NIC the quick-fix puts in its place
 *   ({@link swapNicFix}: "Use {best} (on the PCIe switch of {gpu})").
 * - NIC002 (warning): a VM with GPUs and NICs has fewer NICs (PFs or VFs) than GPUs: NVIDIA's
 *   reference systems give each GPU its own NIC [VMCFG-INTRO] [MLPERF-DGXH100] [DGXH100-UG].
 * - NIC003 (warning): two GPUs of the VM are closest to one NIC while the second GPU's own `PIX`
 *   NIC is free [VMCFG-SETUP].
 * - NIC004 (warning): the hypervisor's management NIC (`management`) sits behind a GPU's PCIe
 *   switch [VMCFG-SETUP].
 *
 * A NIC's VFs sit where the PF sits (SRIOV005): NIC001–NIC003 measure a VF at its PF. NIC001 decides
 * with NCCL's predicted PCI path (`hostNcclPciType`, model/nccl-paths.ts: the path NCCL computes on the
 * host, Broadcom switch levels merged), which is at most `PXB` exactly when the NIC shares a PCIe
 * switch with the GPU; the message keeps the `nvidia-smi topo -m` type.
 */
import { PATH_RANK, pathType, type GpuModel, type NicModel, type PathType, type Topology, type VmModel, type VmNic } from '../model/topology.js';
import type { RuleContext, RuleFamily, RuleInfo } from './engine/rule.js';
import { isNicAssignment, isVm } from '../generated/ast.js';
import { combine, referenceNodes, uriOf, type FixData } from './engine/fixes.js';
import { addToVm, astOf } from './engine/reference-fixes.js';
import { hostNcclPciType, ncclPathRank } from '../model/nccl-paths.js';

/** A fix that gives the VM more NICs by passthrough (appended to its first `nic … passthrough` clause). */
function addNicsFix(ctx: RuleContext, vm: VmModel, names: readonly string[]): FixData[] {
    const node = astOf(ctx.resolved, vm);
    if (!isVm(node) || names.length === 0) return [];
    const fix = combine(`Add ${names.join(', ')} to ${vm.name} (one NIC per GPU)`,
        [addToVm(node, node.nics.filter(a => isNicAssignment(a) && a.passthrough), 'nics', 'nic', names)]);
    return fix ? [fix] : [];
}

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

export const NIC002: RuleInfo = {
    id: 'NIC002', severity: 'warning', summary: 'fewer RDMA NICs than GPUs in a VM (GPU:NIC not 1:1)',
    why: 'NVIDIA\'s reference systems (DGX/HGX H100, H200) give each GPU its own 400G NIC on its PCIe switch; with fewer NICs, GPUs share '
        + 'one NIC\'s bandwidth and some reach it across switches.',
    fix: 'Add the free NIC on each GPU\'s PCIe switch (quick-fix).', quickFix: true, sources: ['VMCFG-INTRO', 'MLPERF-DGXH100', 'DGXH100-UG']
};
export const NIC003: RuleInfo = {
    id: 'NIC003', severity: 'warning', summary: 'two GPUs share a NIC while one of them has its own free NIC',
    why: 'The second GPU\'s traffic crosses to the other GPU\'s NIC although a NIC on its own switch is free.',
    fix: 'Give the VM the free NIC on the second GPU\'s switch (quick-fix).', quickFix: true, sources: ['VMCFG-SETUP']
};
export const NIC004: RuleInfo = {
    id: 'NIC004', severity: 'warning', summary: 'hypervisor management NIC behind a GPU\'s PCIe switch',
    why: 'The NICs behind GPU switches are the GPUs\' RDMA NICs; the host\'s boot/management traffic belongs on NICs outside them, '
        + 'and a NIC the host keeps cannot go to the GPU\'s VM.',
    fix: 'Use a NIC outside the GPU switches for the hypervisor\'s management.', quickFix: false, sources: ['VMCFG-SETUP']
};

export const NIC: RuleFamily = {
    rules: [NIC001, NIC002, NIC003, NIC004],
    checks: [
        { rules: [NIC001], run: checkNicAffinity },
        { rules: [NIC002, NIC003], run: checkNicCount },
        { rules: [NIC004], run: checkManagementNic }
    ]
};

/** NICs used by any VM (as PF or through a VF), and management NICs. */
function takenNics(topology: Topology): Set<NicModel> {
    const used = new Set<NicModel>();
    for (const vm of topology.vms) for (const n of vm.nics) used.add(n.nic);
    return used;
}

/**
 * The NIC001 quick-fix: "Use {best} (on the PCIe switch of {gpu})" writes `best` in place of the
 * VM's reference to the NIC of `entry` (where the diagnostic is), when that reference reads as the
 * NIC's name; none without a free `PIX` NIC.
 */
function swapNicFix(ctx: RuleContext, entry: VmNic, best: NicModel | undefined, gpu: GpuModel): FixData[] {
    const where = ctx.resolved.trace.get(entry);
    const uri = where && uriOf(where.node);
    if (!best || !where?.property || !uri) return [];
    const refs = referenceNodes(where.node, where.property);
    const ref = refs[Math.max(0, Math.min(where.index ?? 0, refs.length - 1))];
    if (!ref || ref.text !== entry.nic.name) return [];
    return [{ title: `Use ${best.name} (on the PCIe switch of ${gpu.name})`, uri, edits: [{ range: { start: ref.range.start, end: ref.range.end }, newText: best.name }] }];
}

/** A free NIC `PIX` to `gpu` (not used by any VM, not the host's management NIC), or undefined. */
function freePixNic(vm: VmModel, gpu: GpuModel, taken: ReadonlySet<NicModel>): NicModel | undefined {
    return vm.host.devices.find((d): d is NicModel => d.kind === 'nic' && !taken.has(d) && !d.management && pathType(d, gpu) === 'PIX');
}

/** The VM's NIC closest to a GPU (ties: the first written), with the connection type. */
function nearestNic(vm: VmModel, gpu: GpuModel): { nic: NicModel; type: PathType } | undefined {
    let best: { nic: NicModel; type: PathType } | undefined;
    for (const n of vm.nics) {
        const type = pathType(n.nic, gpu);
        if (!best || PATH_RANK[type] < PATH_RANK[best.type]) best = { nic: n.nic, type };
    }
    return best;
}

/** NIC002 and NIC003: one NIC per GPU. */
function checkNicCount(ctx: RuleContext): void {
    const taken = takenNics(ctx.topology);
    for (const vm of ctx.topology.vms) {
        if (vm.nics.length === 0) continue;
        const gpus = [...new Set(vm.gpus.filter(g => g.mode === 'passthrough').map(g => g.gpu))];
        if (gpus.length === 0) continue;
        const claimed = new Set<NicModel>();
        const additions: NicModel[] = [];
        for (const gpu of gpus) {
            if (vm.nics.some(n => pathType(n.nic, gpu) === 'PIX')) continue;
            const free = vm.host.devices.find((d): d is NicModel => d.kind === 'nic' && !taken.has(d) && !claimed.has(d) && !d.management && pathType(d, gpu) === 'PIX');
            if (free) { claimed.add(free); additions.push(free); }
        }
        const m = vm.nics.length;
        if (m < gpus.length) {
            ctx.report({
                rule: NIC002, severity: 'warning', target: vm.nics[0],
                message: `${vm.name}: ${gpus.length} GPUs but ${m} RDMA NIC${m > 1 ? 's' : ''}; NVIDIA's reference is one NIC per GPU.`
                    + (additions.length > 0 ? ` Free NICs on the GPUs' switches: ${additions.map(n => n.name).join(', ')}.` : ''),
                data: { vm: vm.name, gpus: gpus.length, nics: m },
                fixes: addNicsFix(ctx, vm, additions.map(n => n.name)),
                related: gpus.map(g => ({ target: vm.gpus.find(e => e.gpu === g)!, message: `${g.name}` }))
            });
            continue;
        }
        // NIC003: GPUs whose nearest NIC is another GPU's PIX NIC, while their own PIX NIC is free.
        const byNic = new Map<NicModel, GpuModel[]>();
        for (const gpu of gpus) {
            const near = nearestNic(vm, gpu);
            if (!near) continue;
            byNic.set(near.nic, [...(byNic.get(near.nic) ?? []), gpu]);
        }
        for (const [nic, sharing] of byNic) {
            if (sharing.length < 2) continue;
            const owner = sharing.find(g => pathType(nic, g) === 'PIX') ?? sharing[0];
            for (const gpu of sharing) {
                if (gpu === owner) continue;
                const free = freePixNic(vm, gpu, taken);
                if (!free) continue;
                const entry = vm.nics.find(n => n.nic === nic)!;
                ctx.report({
                    rule: NIC003, severity: 'warning', target: entry,
                    message: `${owner.name} and ${gpu.name} of ${vm.name} share ${nic.name}; ${gpu.name} has its own NIC ${free.name} (PIX), which is free.`,
                    data: { vm: vm.name, gpu: gpu.name, nic: nic.name },
                    fixes: addNicsFix(ctx, vm, [free.name]),
                    related: [
                        { target: vm.gpus.find(e => e.gpu === gpu)!, message: `${gpu.name} is ${pathType(nic, gpu)} from ${nic.name}` },
                        { target: free, message: `${free.name} is on the PCIe switch of ${gpu.name}` }
                    ]
                });
            }
        }
    }
}

/** NIC004: a management NIC behind a PCIe switch that also holds a GPU. */
function checkManagementNic(ctx: RuleContext): void {
    for (const host of ctx.topology.hosts) {
        for (const nic of host.devices) {
            if (nic.kind !== 'nic' || !nic.management) continue;
            const gpu = host.devices.find((d): d is GpuModel => d.kind === 'gpu' && ['PIX', 'PXB'].includes(pathType(nic, d)));
            if (!gpu) continue;
            ctx.report({
                rule: NIC004, severity: 'warning', target: nic, property: 'management',
                message: `${nic.name} sits behind the PCIe switch of ${gpu.name} (${pathType(nic, gpu)}); keep hypervisor boot/management on NICs outside the GPU switches.`,
                data: { nic: nic.name, gpu: gpu.name },
                related: [{ target: gpu, message: `${gpu.name} shares the switch` }]
            });
        }
    }
}

function checkNicAffinity(ctx: RuleContext): void {
    for (const vm of ctx.topology.vms) {
        if (vm.gpus.length === 0) continue;
        for (const entry of vm.nics) {
            const near = nearestGpu(vm, entry.nic);
            // A common PCIe switch is PIX or PXB for NCCL too; otherwise NCCL's own view decides
            // (model/nccl-paths.ts, computed only then: Broadcom levels may merge two switches into one).
            if (!near || PATH_RANK[near.type] <= PATH_RANK.PXB) continue;
            if (vm.gpus.some(g => ncclPathRank(hostNcclPciType(vm.host, g.gpu.name, entry.nic.name)) <= ncclPathRank('PXB'))) continue;
            const best = bestFreeNic(ctx.topology, vm, near.gpu, entry.mode === 'vf' ? entry.vf : undefined);
            const what = entry.mode === 'vf' ? `VF ${entry.vf} of ${entry.nic.name}` : entry.nic.name;
            const advice = best
                ? `give each GPU the NIC on its PCIe switch (${best.name} is free and PIX to ${near.gpu.name})`
                : `give each GPU the NIC on its PCIe switch (no free NIC shares a switch with the GPUs of ${vm.name})`;
            ctx.report({
                rule: NIC001, severity: near.type === 'SYS' ? 'error' : 'warning', target: entry,
                message: `${what} is ${near.type} from ${near.gpu.name}, the nearest GPU of ${vm.name}; for GPUDirect RDMA ${advice}.`,
                data: { vm: vm.name, nic: entry.nic.name, gpu: near.gpu.name, type: near.type, best: best?.name },
                fixes: swapNicFix(ctx, entry, best, near.gpu),
                related: [
                    ...vm.gpus.filter(g => g.gpu === near.gpu).slice(0, 1).map(g => ({ target: g, message: `${near.gpu.name}, the nearest GPU (${near.type})` })),
                    ...(best ? [{ target: best, message: `${best.name} is free and PIX to ${near.gpu.name}` }] : [])
                ]
            });
        }
    }
}
