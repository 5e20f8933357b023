/**
 * LOC — CPU, memory and NUMA locality (rules.md Part B, "LOC").
 *
 * - LOC001 (warning): vCPUs pinned outside the NUMA node(s) of the VM's GPUs [VMCFG-CONF] [NCP-PERF] [RHEL6-TUNE].
 * - LOC002 (warning): a VM with GPUs and floating (unpinned) vCPUs [NCP-PERF] [RHEL6-TUNE].
 * - LOC003 (warning): memory of a VM with GPUs not bound to the GPUs' NUMA node(s) [RHEL7-NUMA] [VMCFG-CONF].
 * - LOC004 (error): strict-bound memory of the VMs on a NUMA node exceeds the node's memory [RHEL7-NUMA].
 * - LOC007 (warning): emulator threads pinned onto the VM's own vCPU CPUs [NOVA-CPU] [LIBVIRT-DOM].
 * - LOC008 (error): two VMs pin vCPUs to the same host CPU (dedicated pinning is exclusive) [OVIRT-PIN] [NOVA-CPU].
 * - LOC013 (error, vmtopo addition): a pinned or emulator-pinned CPU does not exist on the host [LIBVIRT-DOM].
 * - LOC014 (error, vmtopo addition): `pin` does not list exactly `vcpus` host CPUs [LIBVIRT-DOM] [NOVA-CPU].
 * - LOC015 (error, vmtopo addition): `memory … on numa` names a NUMA node the host does not have [LIBVIRT-DOM] [RHEL7-NUMA].
 * - LOC016 (warning, vmtopo addition): two VMs pinned to the two SMT threads of one physical core [NOVA-CPU] [LINUX-CPUTOPO].
 *
 * LOC009 of rules.md Part B (two vCPUs of one VM on one host CPU) cannot happen in vmtopo: a CPU
 * list names each CPU once (SYN002) and `pin` names one CPU per vCPU (LOC014). Its id is not used.
 *
 * How vCPUs map to the CPUs of `pin` (written order, SMT siblings kept together) is defined once in
 * `model/pinning.ts` and shared with the exporters. LOC001–LOC003 carry the re-pin plan of
 * {@link repinPlan} in `data` for the quick-fix; its pin lists follow the same rule.
 */
import { isVm } from '../../generated/ast.js';
import { CpuList, formatCpuList } from '../../syntax/tokens.js';
import { checkInteger, MAX_VCPUS } from '../../syntax/limits.js';
import { siblingCpus, vcpuPinOrder } from '../../model/pinning.js';
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
export const LOC013: RuleInfo = {
    id: 'LOC013', severity: 'error', summary: 'pinned CPU does not exist on the host',
    why: 'libvirt refuses a `vcpupin`/`emulatorpin` cpuset with a CPU the host does not have.',
    fix: 'Pin to CPUs of the host\'s `cores` lists.', quickFix: false, sources: ['LIBVIRT-DOM']
};
export const LOC014: RuleInfo = {
    id: 'LOC014', severity: 'error', summary: '`pin` does not list exactly one host CPU per vCPU',
    why: 'libvirt pins each vCPU to one host CPU (`<vcpupin>`): with fewer CPUs than vCPUs, vCPUs share CPUs and run at a fraction '
        + 'of their speed (overcommit, not the dedicated pinning the list promises); with more, the extra CPUs pin nothing and '
        + 'whoever wrote them believes the VM has CPUs it does not get.',
    fix: 'Make the `pin` list name exactly `vcpus` host CPUs, or change `vcpus` to the number of CPUs listed.',
    quickFix: false, sources: ['LIBVIRT-DOM', 'NOVA-CPU']
};
export const LOC015: RuleInfo = {
    id: 'LOC015', severity: 'error', summary: 'memory bound to a NUMA node the host does not have',
    why: 'The export writes the binding as `<numatune>` strict: libvirt refuses to start a domain whose nodeset names a node the '
        + 'host lacks ("NUMA node N is unavailable", or the kernel rejects the cgroup\'s cpuset.mems).',
    fix: 'Bind the memory to the `numa` id of one of the host\'s sockets (the node of the VM\'s GPUs and vCPUs).',
    quickFix: false, sources: ['LIBVIRT-DOM', 'RHEL7-NUMA']
};
export const LOC016: RuleInfo = {
    id: 'LOC016', severity: 'warning', summary: 'two VMs pinned to the two SMT threads of one physical core (noisy neighbour)',
    why: 'SMT siblings share one core\'s execution units and caches: a busy VM on one thread slows the VM on the other, so neither '
        + 'gets the dedicated core the pinning suggests. Siblings are those of the socket\'s `cores` list (CPU k of its first '
        + 'range and CPU k of its second range).',
    fix: 'Give each VM whole cores: pin both threads of a core to the same VM (the other VM moves to another free core).',
    quickFix: false, sources: ['NOVA-CPU', 'LINUX-CPUTOPO']
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
 * Chooses `vm.vcpus` free CPUs of `node` for the VM, deterministically, in the order the vCPUs will
 * get them ({@link vcpuPinOrder}): free means not pinned by the vCPUs or emulator threads of another
 * VM of the host and not one of this VM's emulator CPUs. Whole SMT sibling pairs come first
 * (`NumaNode.siblingOf`; ascending by the pair's lower CPU, each CPU followed by its sibling), then
 * single threads if pairs do not suffice (ascending; threads whose sibling runs another VM's vCPUs,
 * LOC016, only when no other will do). {@link pinListText} writes the list so that reading it back
 * gives this order. Returns undefined when the node has too few free CPUs. Works on ranges: each
 * walk over candidate CPUs ends within 2 × `vm.vcpus` steps (at most 4096, `MAX_VCPUS`), whatever
 * the size of the node.
 */
export function chooseCpus(topology: Topology, vm: VmModel, node: NumaNode): number[] | undefined {
    const others = topology.vms.filter(o => o !== vm && o.host === vm.host);
    const otherVcpus = CpuList.union(others.map(o => o.pin ?? CpuList.EMPTY));
    const busy = CpuList.union([vm.emulatorPin ?? CpuList.EMPTY, otherVcpus, ...others.map(o => o.emulatorPin ?? CpuList.EMPTY)]);
    const free = node.cpus.minus(busy);
    if (free.size < vm.vcpus) return undefined;
    // Each walk below takes a CPU or skips one already taken, so it ends within 2 × vcpus steps.
    const chosen = new Set<number>();
    const pairs: number[] = [];
    for (const c of free.intersect(siblingCpus(vm.host, free))) {
        if (vm.vcpus - chosen.size < 2) break;
        const s = node.siblingOf(c);
        if (s === undefined || !free.has(s) || chosen.has(c) || chosen.has(s)) continue;
        chosen.add(c);
        chosen.add(s);
        pairs.push(c, s);
    }
    const singles: number[] = [];
    for (const candidates of [free.minus(siblingCpus(vm.host, otherVcpus)), free]) {
        for (const c of candidates) {
            if (chosen.size >= vm.vcpus) break;
            if (chosen.has(c)) continue;
            chosen.add(c);
            singles.push(c);
        }
    }
    return [...pairs, ...singles.sort((a, b) => a - b)];
}

/**
 * The `pin` text for CPUs chosen by {@link chooseCpus}: the CPUs whose sibling is chosen too, then
 * the others (`3-4,19-20,5`). Read back by the pinning rule ({@link vcpuPinOrder}) it gives the
 * chosen order: each pair's lower CPU then its sibling, ascending, then the single threads.
 */
export function pinListText(node: NumaNode, cpus: readonly number[]): string {
    const set = new Set(cpus);
    const paired = cpus.filter(c => set.has(node.siblingOf(c) ?? -1));
    const single = cpus.filter(c => !set.has(node.siblingOf(c) ?? -1));
    return [paired, single].filter(l => l.length > 0).map(formatCpuList).join(',');
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
        cpus: cpus ? pinListText(node, cpus) : undefined,
        bindMemory: wanted && room
    };
}

/** LOC013, LOC014, LOC007: the VM's own pin lists. */
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
    if (vm.pin && vm.pin.size !== vm.vcpus && vcpusWritten(ctx, vm)) {
        const n = vm.pin.size;
        const v = vm.vcpus;
        ctx.report({
            rule: LOC014, severity: 'error', target: vm, property: 'pin',
            message: `${vm.name} has ${v} vCPU${v > 1 ? 's' : ''} but its pin list names ${n} CPU${n > 1 ? 's' : ''}; pin exactly one host CPU per vCPU.`,
            data: { vm: vm.name, vcpus: v, pinned: n }
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

/** Whether the VM's `vcpus` was written as a valid count (else SYN008 or the parser has reported it). */
function vcpusWritten(ctx: RuleContext, vm: VmModel): boolean {
    const node = ctx.resolved.trace.get(vm)?.node;
    return !isVm(node) || checkInteger(node.vcpus, 1, MAX_VCPUS, '').ok;
}

/** NUMA node ids of the VM's `memory … on numa` list that its host does not have, ascending. */
function missingNodes(vm: VmModel): number[] {
    return (vm.memoryNuma ?? []).filter(id => !vm.host.numaNodes.some(n => n.id === id)).sort((a, b) => a - b);
}

/** LOC015: the memory binding names only NUMA nodes of the host. */
function checkMemoryNodes(ctx: RuleContext, vm: VmModel): void {
    const missing = missingNodes(vm);
    if (missing.length === 0) return;
    const ids = vm.host.numaNodes.map(n => n.id).sort((a, b) => a - b);
    const plural = missing.length > 1;
    ctx.report({
        rule: LOC015, severity: 'error', target: vm, property: 'memoryNuma',
        message: `${vm.name} binds its memory to NUMA node${plural ? 's' : ''} ${formatCpuList(missing)}, which ${vm.host.name} does not have (its nodes: ${ids.length > 0 ? formatCpuList(ids) : 'none'}).`,
        data: { vm: vm.name, numa: missing }
    });
}

/**
 * LOC016: no physical core is split between two VMs. Each CPU belongs to the first VM (in
 * declaration order) that pins it, as for LOC008 (a CPU pinned twice is LOC008's, not this rule's);
 * a later VM whose CPUs are the SMT siblings (`NumaNode.siblingOf`) of an earlier VM's CPUs shares
 * those cores with it, reported once per pair on the later VM. Works on ranges.
 */
function checkSmtNeighbours(ctx: RuleContext): void {
    const owned = new Map<HostModel, Array<{ cpus: CpuList; vm: VmModel }>>();
    for (const vm of ctx.topology.vms) {
        if (!vm.pin || vm.pin.isEmpty) continue;
        let owners = owned.get(vm.host);
        if (!owners) owned.set(vm.host, owners = []);
        const mine = vm.pin.minus(CpuList.union(owners.map(o => o.cpus)));
        if (mine.isEmpty) continue;
        const siblings = siblingCpus(vm.host, mine);
        for (const { cpus, vm: first } of owners) {
            const theirs = siblings.intersect(cpus);
            if (theirs.isEmpty) continue;
            const ours = siblingCpus(vm.host, theirs);
            const k = theirs.size;
            const message = k === 1
                ? `${vm.name} and ${first.name} share a physical core: CPU ${ours} of ${vm.name} is the SMT sibling of CPU ${theirs} of ${first.name}; each VM slows the other (noisy neighbour).`
                : `${vm.name} and ${first.name} share ${k} physical cores: CPUs ${ours} of ${vm.name} are the SMT siblings of CPUs ${theirs} of ${first.name}; each VM slows the other (noisy neighbour).`;
            ctx.report({
                rule: LOC016, severity: 'warning', target: vm, property: 'pin', message,
                data: { vms: [first.name, vm.name], cpus: ours.toString(), siblings: theirs.toString(), cores: k }
            });
        }
        owners.push({ cpus: mine, vm });
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
        if (!off.isEmpty) {
            // The first vCPU (by the pinning rule) on a CPU off the GPUs' nodes; without a valid
            // one-CPU-per-vCPU list (LOC014) there is no vCPU numbering, only the CPU.
            const order = vcpuPinOrder(vm);
            const firstVcpu = order?.findIndex(c => offCpus.has(c)) ?? -1;
            const cpu = firstVcpu >= 0 ? order![firstVcpu] : vm.pin.at(vm.pin.firstIndexIn(offCpus))!;
            const numa = vm.host.numaOfCpu(cpu)?.id;
            const gpu = vm.gpus.find(g => g.gpu.numa === (home?.id ?? nodes[0]))?.gpu ?? vm.gpus[0].gpu;
            const more = off.size > 1 ? `; ${off.size} of ${vm.pin.size} pinned vCPUs are off NUMA ${formatCpuList(nodes)}` : '';
            const who = firstVcpu >= 0 ? `vCPU ${firstVcpu} of ${vm.name} is pinned to CPU ${cpu}` : `${vm.name} pins CPU ${cpu}`;
            ctx.report({
                rule: LOC001, severity: 'warning', target: vm, property: 'pin',
                message: `${who} (NUMA ${numa}) but ${gpu.name} is on NUMA ${gpu.numa}${more}.`,
                data: { ...repinPlan(ctx.topology, vm, true), off: off.size }
            });
        }
    }
    if (vm.memoryMiB > 0 && !memoryWithin(vm, nodes) && missingNodes(vm).length === 0) {
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
    rules: [LOC001, LOC002, LOC003, LOC004, LOC007, LOC008, LOC013, LOC014, LOC015, LOC016],
    checks: [
        { rules: [LOC013, LOC014, LOC007], run: ctx => ctx.topology.vms.forEach(vm => checkOwnPins(ctx, vm)) },
        { rules: [LOC015], run: ctx => ctx.topology.vms.forEach(vm => checkMemoryNodes(ctx, vm)) },
        { rules: [LOC001, LOC002, LOC003], run: ctx => ctx.topology.vms.forEach(vm => checkGpuLocality(ctx, vm)) },
        { rules: [LOC008], run: checkSharedPins },
        { rules: [LOC016], run: checkSmtNeighbours },
        { rules: [LOC004], run: checkNodeMemory }
    ]
};
