/**
 * LOC — CPU, memory and NUMA locality (rules.md Part B, "LOC").
 *
 * - LOC001 (warning): vCPUs pinned outside the NUMA node(s) of the VM's GPUs [VMCFG-CONF] [NCP-PERF] [RHEL6-TUNE].
 * - LOC002 (warning): a VM with GPUs and floating (unpinned) vCPUs [NCP-PERF] [RHEL6-TUNE].
 * - LOC003 (warning): memory of a VM with GPUs not bound to the GPUs' NUMA node(s) [RHEL7-NUMA] [VMCFG-CONF].
 * - LOC004 (error): strict-bound memory of the VMs on a NUMA node exceeds the node's memory [RHEL7-NUMA].
 * - LOC007 (warning): emulator threads pinned onto the VM's own vCPU CPUs [NOVA-CPU] [LIBVIRT-DOM].
 * - LOC008 (error): two VMs pin vCPUs to the same host CPU (dedicated pinning is exclusive) [OVIRT-PIN] [NOVA-CPU].
 * - LOC009 (warning): fewer pinned CPUs than vCPUs, so vCPUs share CPUs [NOVA-CPU].
 * - LOC013 (error, vmtopo addition): a pinned or emulator-pinned CPU does not exist on the host [LIBVIRT-DOM].
 *
 * LOC001–LOC003 carry the re-pin plan of {@link repinPlan} in `data` for the quick-fix.
 */
import { CpuList, formatCpuList } from '../../syntax/tokens.js';
import { gpuNumaNodes, type HostModel, type NumaNode, type Topology, type VmModel } from '../../model/topology.js';
import type { RuleContext, RuleFamily, RuleInfo } from '../rule.js';

export const LOC001: RuleInfo = {
    id: 'LOC001', severity: 'warning', summary: 'vCPUs pinned outside the NUMA node of the VM\'s GPUs',
    why: 'Every DMA and doorbell between the GPU and vCPUs on another socket crosses the inter-socket link: lower bandwidth, higher latency.',
    fix: 'Re-pin the VM to free CPUs of its GPUs\' node, SMT siblings together, and bind its memory there when the node has room (quick-fix).', quickFix: true, sources: ['VMCFG-CONF', 'NCP-PERF', 'RHEL6-TUNE']
};
export const LOC002: RuleInfo = {
    id: 'LOC002', severity: 'warning', summary: 'VM with GPUs has floating (unpinned) vCPUs',
    why: 'Floating vCPUs migrate across sockets and away from the GPUs\' node.',
    fix: 'Pin the vCPUs to free CPUs of the GPUs\' node (quick-fix).', quickFix: true, sources: ['NCP-PERF', 'RHEL6-TUNE']
};
export const LOC003: RuleInfo = {
    id: 'LOC003', severity: 'warning', summary: 'memory not bound to the GPUs\' NUMA node',
    why: 'Guest memory on another node makes every GPU DMA cross the inter-socket link.',
    fix: 'Bind the memory with `memory … on numa N` to the GPUs\' node (quick-fix, when the node has room).', quickFix: true, sources: ['RHEL7-NUMA', 'VMCFG-CONF']
};
export const LOC004: RuleInfo = {
    id: 'LOC004', severity: 'error', summary: 'strict-bound memory exceeds the NUMA node',
    why: 'With numatune strict, the VM cannot get memory from another node: it fails to start, or the host\'s OOM killer ends it.',
    fix: 'Reduce the memory, or bind the VM to more nodes that hold its GPUs.', quickFix: false, sources: ['RHEL7-NUMA']
};
export const LOC007: RuleInfo = {
    id: 'LOC007', severity: 'warning', summary: 'emulator threads pinned onto the VM\'s vCPU CPUs',
    why: 'QEMU\'s emulator threads then steal time from the vCPUs they share CPUs with.',
    fix: 'Pin `emulator pin` to housekeeping CPUs of the same node that run no vCPU.', quickFix: false, sources: ['NOVA-CPU', 'LIBVIRT-DOM']
};
export const LOC008: RuleInfo = {
    id: 'LOC008', severity: 'error', summary: 'two VMs pin vCPUs to the same host CPU',
    why: 'Dedicated pinning is exclusive: two VMs on one CPU both lose the performance the pinning promised.',
    fix: 'Re-pin the later VM to free CPUs of the same node.', quickFix: false, sources: ['OVIRT-PIN', 'NOVA-CPU']
};
export const LOC009: RuleInfo = {
    id: 'LOC009', severity: 'warning', summary: 'fewer pinned CPUs than vCPUs (vCPUs share CPUs)',
    why: 'vCPUs that share a host CPU run at a fraction of its speed (overcommit).',
    fix: 'Pin one host CPU per vCPU.', quickFix: false, sources: ['NOVA-CPU']
};
export const LOC013: RuleInfo = {
    id: 'LOC013', severity: 'error', summary: 'pinned CPU does not exist on the host',
    why: 'libvirt refuses a `vcpupin`/`emulatorpin` cpuset with a CPU the host does not have.',
    fix: 'Pin to CPUs of the host\'s `cores` lists.', quickFix: false, sources: ['LIBVIRT-DOM']
};

/** Quick-fix data of LOC001–LOC003 (`diagnostic.data`, next to `code`). */
export interface RepinData {
    readonly vm: string;
    /** Host NUMA node to move the VM to. */
    readonly numa: number;
    /** New `pin` list (cpulist text), or absent when the pinning is to stay as it is or no plan fits. */
    readonly cpus?: string;
    /** Whether the memory binding must become `on numa {numa}`. */
    readonly bindMemory: boolean;
}

/**
 * The NUMA node a VM with GPUs belongs on: the node holding most of its GPUs (the lowest id on ties).
 * Returns undefined for a VM without GPUs.
 */
export function homeNode(vm: VmModel): NumaNode | undefined {
    const counts = new Map<number, number>();
    for (const g of vm.gpus) counts.set(g.gpu.numa, (counts.get(g.gpu.numa) ?? 0) + 1);
    let best: number | undefined;
    for (const [n, c] of [...counts].sort((a, b) => a[0] - b[0])) {
        if (best === undefined || c > counts.get(best)!) best = n;
    }
    return best === undefined ? undefined : vm.host.numaNodes.find(n => n.id === best);
}

/**
 * Chooses `vm.vcpus` free CPUs of `node` for the VM, deterministically: free means not pinned by the
 * vCPUs or emulator threads of another VM of the host and not one of this VM's emulator CPUs; CPUs
 * are taken in ascending order, whole SMT sibling pairs first (`NumaNode.siblingOf`), then single
 * threads if pairs do not suffice. Returns undefined when the node has too few free CPUs. Works on
 * ranges; the walk over free CPUs stops once `vm.vcpus` are chosen (at most 4096, `MAX_VCPUS`).
 */
export function chooseCpus(topology: Topology, vm: VmModel, node: NumaNode): number[] | undefined {
    const busy = CpuList.union([
        vm.emulatorPin ?? CpuList.EMPTY,
        ...topology.vms.filter(o => o !== vm && o.host === vm.host).flatMap(o => [o.pin ?? CpuList.EMPTY, o.emulatorPin ?? CpuList.EMPTY])
    ]);
    const free = node.cpus.minus(busy);
    if (free.size < vm.vcpus) return undefined;
    const chosen = new Set<number>();
    for (const c of free) {
        if (vm.vcpus - chosen.size < 2) break;
        const s = node.siblingOf(c);
        if (chosen.has(c) || s === undefined || !free.has(s) || chosen.has(s)) continue;
        chosen.add(c);
        chosen.add(s);
    }
    for (const c of free) {
        if (chosen.size >= vm.vcpus) break;
        chosen.add(c);
    }
    return [...chosen];
}

/** CPUs of the host's NUMA nodes other than `nodes`. */
function cpusOffNodes(vm: VmModel, nodes: readonly number[]): CpuList {
    return CpuList.union(vm.host.numaNodes.filter(n => !nodes.includes(n.id)).map(n => n.cpus));
}

/** Whether the VM's memory is strictly bound to a subset of the given nodes. */
function memoryWithin(vm: VmModel, nodes: readonly number[]): boolean {
    return vm.memoryNuma !== undefined && vm.memoryNuma.every(n => nodes.includes(n));
}

/**
 * MiB of `node` not strictly bound by the other VMs of its host (each VM bound to k nodes counts
 * 1/k of its memory on each, as LOC004 counts).
 */
export function freeNodeMemory(topology: Topology, vm: VmModel, node: NumaNode): number {
    let used = 0;
    for (const other of topology.vms) {
        if (other === vm || other.host !== vm.host || !other.memoryNuma?.includes(node.id)) continue;
        used += other.memoryMiB / other.memoryNuma.length;
    }
    return node.memoryMiB - used;
}

/**
 * The re-pin plan for a VM with GPUs: CPUs of its home node and the memory binding (see
 * {@link RepinData}). The memory is only moved to the home node when the node has room for it next
 * to what the other VMs bind there (so the fix cannot cause LOC004).
 */
export function repinPlan(topology: Topology, vm: VmModel, repin: boolean): RepinData | undefined {
    const node = homeNode(vm);
    if (!node) return undefined;
    const cpus = repin ? chooseCpus(topology, vm, node) : undefined;
    const wanted = repin ? !(vm.memoryNuma?.length === 1 && vm.memoryNuma[0] === node.id) : !memoryWithin(vm, gpuNumaNodes(vm));
    const room = vm.memoryMiB <= freeNodeMemory(topology, vm, node);
    return {
        vm: vm.name, numa: node.id,
        cpus: cpus ? formatCpuList(cpus) : undefined,
        bindMemory: wanted && room
    };
}

/** LOC013, LOC009, LOC007: the VM's own pin lists. */
function checkOwnPins(ctx: RuleContext, vm: VmModel): void {
    const host = vm.host;
    const onHost = CpuList.union(host.numaNodes.map(n => n.cpus));
    for (const [property, list, what] of [['pin', vm.pin, 'vCPUs'], ['emulatorPin', vm.emulatorPin, 'emulator threads']] as const) {
        const missing = (list ?? CpuList.EMPTY).minus(onHost);
        if (!missing.isEmpty) {
            ctx.report({
                rule: LOC013, severity: 'error', target: vm, property,
                message: `${vm.name} pins its ${what} to CPU${missing.size > 1 ? 's' : ''} ${missing}, which ${host.name} does not have (its CPUs: ${onHost.isEmpty ? 'none' : onHost}).`,
                data: { vm: vm.name, cpus: missing.toString() }
            });
        }
    }
    if (vm.pin && vm.pin.size < vm.vcpus) {
        const n = vm.pin.size;
        ctx.report({
            rule: LOC009, severity: 'warning', target: vm, property: 'pin',
            message: `${vm.name} has ${vm.vcpus} vCPUs but pins them to only ${n} CPU${n > 1 ? 's' : ''}; vCPUs ${n}-${vm.vcpus - 1} share CPUs with other vCPUs (overcommit).`,
            data: { vm: vm.name, vcpus: vm.vcpus, pinned: n }
        });
    }
    if (vm.pin && vm.emulatorPin) {
        const overlap = vm.emulatorPin.intersect(vm.pin);
        if (!overlap.isEmpty) {
            const node = host.numaOfCpu(overlap.min!);
            ctx.report({
                rule: LOC007, severity: 'warning', target: vm, property: 'emulatorPin',
                message: `Emulator threads of ${vm.name} are pinned to CPU${overlap.size > 1 ? 's' : ''} ${overlap}, which also run its vCPUs; pin them to housekeeping CPUs of NUMA ${node?.id ?? '?'}, not to its vCPU cores.`,
                data: { vm: vm.name, cpus: overlap.toString() }
            });
        }
    }
}

/** LOC001–LOC003: a VM with GPUs keeps its vCPUs and memory on its GPUs' NUMA nodes. */
function checkGpuLocality(ctx: RuleContext, vm: VmModel): void {
    const nodes = gpuNumaNodes(vm);
    if (nodes.length === 0) return;
    const home = homeNode(vm);
    if (!vm.pin) {
        ctx.report({
            rule: LOC002, severity: 'warning', target: vm, property: 'vcpus',
            message: `${vm.name} has GPUs but floating vCPUs; pin its ${vm.vcpus} vCPUs to NUMA ${home?.id ?? nodes[0]}.`,
            data: { ...repinPlan(ctx.topology, vm, true) }
        });
    } else {
        const offCpus = cpusOffNodes(vm, nodes);
        const off = vm.pin.intersect(offCpus);
        const firstVcpu = vm.pin.firstIndexIn(offCpus);
        if (firstVcpu >= 0) {
            const cpu = vm.pin.at(firstVcpu)!;
            const numa = vm.host.numaOfCpu(cpu)?.id;
            const gpu = vm.gpus.find(g => g.gpu.numa === (home?.id ?? nodes[0]))?.gpu ?? vm.gpus[0].gpu;
            const more = off.size > 1 ? `; ${off.size} of ${vm.pin.size} pinned vCPUs are off NUMA ${formatCpuList(nodes)}` : '';
            ctx.report({
                rule: LOC001, severity: 'warning', target: vm, property: 'pin',
                message: `vCPU ${firstVcpu} of ${vm.name} is pinned to CPU ${cpu} (NUMA ${numa}) but ${gpu.name} is on NUMA ${gpu.numa}${more}.`,
                data: { ...repinPlan(ctx.topology, vm, true), off: off.size }
            });
        }
    }
    if (vm.memoryMiB > 0 && !memoryWithin(vm, nodes)) {
        const how = vm.memoryNuma === undefined ? "no 'on numa' binding" : `bound to NUMA ${formatCpuList(vm.memoryNuma)}`;
        ctx.report({
            rule: LOC003, severity: 'warning', target: vm, property: vm.memoryNuma !== undefined ? 'memoryNuma' : 'memory',
            message: `Memory of ${vm.name} is not bound to NUMA ${formatCpuList(nodes)}, where its GPUs are (${how}).`,
            data: { ...repinPlan(ctx.topology, vm, false) }
        });
    }
}

/**
 * LOC008: exclusive vCPU pinning across the VMs of a host. A CPU belongs to the first VM (in
 * declaration order) that pins it; every later VM that pins it clashes with that owner, reported
 * once per pair on the later VM. Works on ranges.
 */
function checkSharedPins(ctx: RuleContext): void {
    const owned = new Map<HostModel, Array<{ cpus: CpuList; vm: VmModel }>>();
    for (const vm of ctx.topology.vms) {
        if (!vm.pin || vm.pin.isEmpty) continue;
        let owners = owned.get(vm.host);
        if (!owners) owned.set(vm.host, owners = []);
        for (const { cpus, vm: first } of owners) {
            const list = vm.pin.intersect(cpus);
            if (list.isEmpty) continue;
            const plural = list.size > 1;
            ctx.report({
                rule: LOC008, severity: 'error', target: vm, property: 'pin',
                message: `CPU${plural ? 's' : ''} ${list} ${plural ? 'are' : 'is'} pinned by ${first.name} and ${vm.name}; dedicated pinning is exclusive.`,
                data: { vms: [first.name, vm.name], cpus: list.toString() }
            });
        }
        const mine = vm.pin.minus(CpuList.union(owners.map(o => o.cpus)));
        if (!mine.isEmpty) owners.push({ cpus: mine, vm });
    }
}

/**
 * LOC004: memory of VMs strictly bound to a node, summed in declaration order; a VM bound to k nodes
 * counts 1/k of its memory on each. Reported on every VM that no longer fits.
 */
function checkNodeMemory(ctx: RuleContext): void {
    const used = new Map<NumaNode, number>();
    for (const vm of ctx.topology.vms) {
        if (!vm.memoryNuma || vm.memoryMiB === 0) continue;
        const share = vm.memoryMiB / vm.memoryNuma.length;
        for (const id of vm.memoryNuma) {
            const node = vm.host.numaNodes.find(n => n.id === id);
            if (!node) continue;
            const before = used.get(node) ?? 0;
            used.set(node, before + share);
            if (before + share > node.memoryMiB) {
                const left = Math.max(0, node.memoryMiB - before);
                ctx.report({
                    rule: LOC004, severity: 'error', target: vm, property: 'memory',
                    message: `${vm.name} needs ${gib(share)} GiB on NUMA ${id} of ${vm.host.name}, which has ${gib(left)} GiB left (${gib(node.memoryMiB)} GiB in all).`,
                    data: { vm: vm.name, numa: id, needGiB: share / 1024, leftGiB: left / 1024 }
                });
            }
        }
    }
}

function gib(mib: number): string {
    return String(Math.round((mib / 1024) * 100) / 100);
}

export const LOC: RuleFamily = {
    rules: [LOC001, LOC002, LOC003, LOC004, LOC007, LOC008, LOC009, LOC013],
    checks: [
        { rules: [LOC013, LOC009, LOC007], run: ctx => ctx.topology.vms.forEach(vm => checkOwnPins(ctx, vm)) },
        { rules: [LOC001, LOC002, LOC003], run: ctx => ctx.topology.vms.forEach(vm => checkGpuLocality(ctx, vm)) },
        { rules: [LOC008], run: checkSharedPins },
        { rules: [LOC004], run: checkNodeMemory }
    ]
};
