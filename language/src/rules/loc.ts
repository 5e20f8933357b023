/**
 * LOC — CPU, memory and NUMA locality.
 *
 * - LOC001 (warning): vCPUs pinned outside the NUMA node(s) of the VM's GPUs [VMCFG-CONF] [NCP-PERF] [RHEL6-TUNE].
 * - LOC002 (warning): a VM with GPUs and floating (unpinned) vCPUs [NCP-PERF] [RHEL6-TUNE].
 * - LOC003 (warning): memory of a VM with GPUs not bound to the GPUs' NUMA node(s) [RHEL7-NUMA] [VMCFG-CONF].
 * - LOC004 (error): strict-bound memory of the VMs on a NUMA node exceeds the node's memory [RHEL7-NUMA];
 *   a socket written `memory unknown` (an NCCL or nvidia-smi import) gets one warning instead, at the
 *   socket, and no VM bound there is judged.
 * - LOC005 (info, KVM): a VM with passthrough GPUs without hugepages [VMCFG-CONF] [LIBVIRT-DOM].
 * - LOC006 (error): hugepages of the VMs bound to a node exceed the node's declared pool [LIBVIRT-DOM].
 * - LOC010 (warning): GPUs on NUMA nodes where the guest has no cell (no vCPUs pinned there) [RHEL6-TUNE] [VMCFG-CONF] [LIBVIRT-DOM].
 * - LOC011 (info): GPUs spread over nodes while one node has enough free GPUs [VMCFG-CONF].
 * - LOC012 (warning): more vCPUs than the CPUs of the GPUs' nodes [RHEL6-TUNE].
 * - LOC007 (warning): emulator threads pinned onto the VM's own vCPU CPUs [NOVA-CPU] [LIBVIRT-DOM].
 * - LOC008 (error): two VMs pin vCPUs to the same host CPU (dedicated pinning is exclusive) [OVIRT-PIN] [NOVA-CPU].
 * - LOC013 (error, vmtopo addition): a pinned or emulator-pinned CPU does not exist on the host [LIBVIRT-DOM].
 * - LOC014 (error, vmtopo addition): `pin` does not list exactly `vcpus` host CPUs [LIBVIRT-DOM] [NOVA-CPU].
 * - LOC015 (error, vmtopo addition): `memory … on numa` names a NUMA node the host does not have [LIBVIRT-DOM] [RHEL7-NUMA].
 * - LOC016 (warning, vmtopo addition): two VMs pinned to the two SMT threads of one physical core [NOVA-CPU] [LINUX-CPUTOPO].
 *
 * There is no LOC009: two vCPUs of one VM on one host CPU cannot happen in vmtopo, since a CPU
 * list names each CPU once (SYN002) and `pin` names one CPU per vCPU (LOC014). The id is not used.
 *
 * How vCPUs map to the CPUs of `pin` (written order, SMT siblings kept together) is defined once in
 * `model/pinning.ts` and shared with the exporters. LOC001–LOC003 carry the re-pin plan of
 * {@link repinPlan} in `data`, and its quick-fix ({@link repinFix}): "Re-pin {vm} to NUMA {n}"
 * writes `pin {cpus}` (replaced, or inserted after `vcpus N`) and `on numa {n}` on the memory clause;
 * when only the memory binding is wrong (LOC003 with good pins), "Bind memory of {vm} to NUMA {n}".
 * Its pin lists follow the same rule.
 */
import { isVm } from '../generated/ast.js';
import { CpuList, formatCpuList, gibText } from '../syntax/tokens.js';
import { checkInteger, MAX_VCPUS } from '../syntax/limits.js';
import { siblingCpus, vcpuPinOrder } from '../model/pinning.js';
import { gpuNumaNodes, vmsOnHost, type GpuModel, type HostModel, type NumaNode, type Topology, type VmModel } from '../model/topology.js';
import type { RelatedReport, RuleContext, RuleFamily, RuleInfo } from './engine/rule.js';
import { partitionOnNode } from '../model/fabric.js';
import { astOf, gpuListFix } from './engine/reference-fixes.js';
import { combine, insertAfterProperty, isTypable, replaceProperty, type FixData, type FixEdit } from './engine/fixes.js';

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
    fix: 'Reduce the memory, or bind the VM to more nodes that hold its GPUs. A socket written `memory unknown` is reported once (warning) until its size is written (`numactl -H`, or an hwloc import).', quickFix: false, sources: ['RHEL7-NUMA']
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

export const LOC005: RuleInfo = {
    id: 'LOC005', severity: 'info', summary: 'VM with passthrough GPUs without hugepage-backed memory (host reserves 1 GiB pages)',
    why: 'Guest memory in 4 KiB pages costs IOMMU and TLB entries on every GPU DMA; NVIDIA\'s VM guide backs GPU VMs with 1 GiB hugepages.',
    fix: 'Back the memory with the 1 GiB hugepages the host reserves on the VM\'s node: `memory … hugepages 1 GiB` (quick-fix). '
        + 'Asked only where the host declares 1 GiB pools (`hugepages 1 GiB count N` in the socket).',
    quickFix: true, sources: ['VMCFG-CONF', 'LIBVIRT-DOM']
};
export const LOC006: RuleInfo = {
    id: 'LOC006', severity: 'error', summary: 'hugepages bound to a NUMA node exceed the node\'s hugepage pool',
    why: 'A VM backed by hugepages gets them only from the pool reserved on its node; when the pool is used up the VM does not start.',
    fix: 'Reserve more hugepages of that size on the node (`hugepages SIZE count N` in the socket), or move or shrink a VM.',
    quickFix: false, sources: ['LIBVIRT-DOM']
};
export const LOC010: RuleInfo = {
    id: 'LOC010', severity: 'warning', summary: 'VM\'s GPUs span NUMA nodes but the guest has fewer NUMA cells',
    why: 'The guest gets one NUMA cell per host node of its pinned vCPUs; a GPU on a node without vCPUs is shown on another cell, '
        + 'so the guest (and NCCL) place its work and memory on the wrong socket.',
    fix: 'Pin vCPUs on every NUMA node that holds one of the VM\'s GPUs, and bind the memory to those nodes.', quickFix: false,
    sources: ['RHEL6-TUNE', 'VMCFG-CONF', 'LIBVIRT-DOM']
};
export const LOC011: RuleInfo = {
    id: 'LOC011', severity: 'info', summary: 'VM takes GPUs from two NUMA nodes while one node has enough free GPUs',
    why: 'GPUs on one node share a socket with the VM\'s vCPUs and memory; spread over two, half the traffic crosses the inter-socket link.',
    fix: 'Take the free GPUs of one node (quick-fix; in shared-NVSwitch mode a Fabric Manager partition on that node).',
    quickFix: true, sources: ['VMCFG-CONF']
};
export const LOC012: RuleInfo = {
    id: 'LOC012', severity: 'warning', summary: 'more vCPUs than the CPUs of the NUMA nodes of the VM\'s GPUs',
    why: 'The VM cannot keep all its vCPUs next to its GPUs: some run on another socket, or vCPUs share CPUs.',
    fix: 'Reduce the vCPUs to the CPUs of the GPUs\' nodes, or give the VM GPUs on more nodes.', quickFix: false, sources: ['RHEL6-TUNE']
};

/** The re-pin plan of LOC001–LOC003 (`diagnostic.data`, next to `code`), which {@link repinFix} writes. */
interface RepinData {
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

/** Text of a CPU list as {@link pinListText} writes it: `3-4,19-20`. */
const CPU_LIST_TEXT = /^\d+(-\d+)?(,\d+(-\d+)?)*$/;

/**
 * The LOC001–LOC003 quick-fix of a re-pin plan: "Re-pin {vm} to NUMA {n}" replaces the VM's `pin`
 * list with `plan.cpus` (or inserts ` pin {cpus}` after `vcpus N`) and, with `plan.bindMemory`,
 * writes `on numa {n}` on its memory clause (replacing the node list, or after the size); without
 * new CPUs, "Bind memory of {vm} to NUMA {n}". None when there is no plan, its node id or CPU list
 * is not text a user could type, or the VM's syntax to edit is missing.
 */
function repinFix(ctx: RuleContext, vm: VmModel, plan: RepinData | undefined): FixData[] {
    const node = astOf(ctx.resolved, vm);
    if (!plan || !isVm(node) || !isTypable(plan.numa)) return [];
    if (plan.cpus !== undefined && !CPU_LIST_TEXT.test(plan.cpus)) return [];
    const parts: { uri: string; edits: FixEdit[] }[] = [];
    if (plan.cpus) {
        const pin = replaceProperty(node, 'pin', plan.cpus) ?? insertAfterProperty(node, 'vcpus', ` pin ${plan.cpus}`);
        if (!pin) return [];
        parts.push(pin);
    }
    if (plan.bindMemory) {
        const numa = replaceProperty(node, 'memoryNuma', String(plan.numa)) ?? insertAfterProperty(node, 'memory', ` on numa ${plan.numa}`);
        if (numa) parts.push(numa);
    }
    const fix = parts.length > 0 && combine(plan.cpus ? `Re-pin ${vm.name} to NUMA ${plan.numa}` : `Bind memory of ${vm.name} to NUMA ${plan.numa}`, parts);
    return fix ? [fix] : [];
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
                data: { vms: [first.name, vm.name], cpus: ours.toString(), siblings: theirs.toString(), cores: k },
                related: [{ target: first, property: 'pin', message: `${first.name} runs on the sibling CPU${k > 1 ? 's' : ''} ${theirs}` }]
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
        const plan = repinPlan(ctx.topology, vm, true);
        ctx.report({
            rule: LOC002, severity: 'warning', target: vm, property: 'vcpus',
            message: `${vm.name} has GPUs but floating vCPUs; pin its ${vm.vcpus} vCPUs to NUMA ${home?.id ?? nodes[0]}.`,
            data: { ...plan },
            fixes: repinFix(ctx, vm, plan)
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
            const plan = repinPlan(ctx.topology, vm, true);
            ctx.report({
                rule: LOC001, severity: 'warning', target: vm, property: 'pin',
                message: `${who} (NUMA ${numa}) but ${gpu.name} is on NUMA ${gpu.numa}${more}.`,
                data: { ...plan, off: off.size },
                fixes: repinFix(ctx, vm, plan),
                related: relatedGpu(vm, gpu)
            });
        }
    }
    if (vm.memoryMiB > 0 && !memoryWithin(vm, nodes) && missingNodes(vm).length === 0) {
        const how = vm.memoryNuma === undefined ? "no 'on numa' binding" : `bound to NUMA ${formatCpuList(vm.memoryNuma)}`;
        const plan = repinPlan(ctx.topology, vm, false);
        ctx.report({
            rule: LOC003, severity: 'warning', target: vm, property: vm.memoryNuma !== undefined ? 'memoryNuma' : 'memory',
            message: `Memory of ${vm.name} is not bound to NUMA ${formatCpuList(nodes)}, where its GPUs are (${how}).`,
            data: { ...plan },
            fixes: repinFix(ctx, vm, plan),
            related: vm.gpus.map(g => ({ target: g, message: `${g.gpu.name} is on NUMA ${g.gpu.numa}` }))
        });
    }
}

/** The VM's entry of `gpu` as related information (where the GPU is assigned). */
function relatedGpu(vm: VmModel, gpu: GpuModel): RelatedReport[] {
    const entry = vm.gpus.find(g => g.gpu === gpu);
    return entry ? [{ target: entry, message: `${gpu.name} is on NUMA ${gpu.numa}` }] : [];
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
                data: { vms: [first.name, vm.name], cpus: list.toString() },
                related: [{ target: first, property: 'pin', message: `${first.name} pins CPU${plural ? 's' : ''} ${list}` }]
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
    for (const host of ctx.topology.hosts) {
        for (const node of host.numaNodes.filter(n => n.memoryUnknown)) {
            ctx.report({
                rule: LOC004, severity: 'warning', target: node, property: 'memoryUnknown',
                message: `Memory of NUMA ${node.id} (socket ${node.socket} of ${host.name}) not known: write its size from \`numactl -H\` or hwloc (\`lstopo --of xml\`, then \`vmtopo import\`); until then no VM's memory is checked against it.`,
                data: { host: host.name, numa: node.id }
            });
        }
    }
    const used = new Map<NumaNode, number>();
    for (const vm of ctx.topology.vms) {
        if (!vm.memoryNuma || vm.memoryMiB === 0) continue;
        const share = vm.memoryMiB / vm.memoryNuma.length;
        for (const id of vm.memoryNuma) {
            const node = vm.host.numaNodes.find(n => n.id === id);
            if (!node || node.memoryUnknown) continue;
            const before = used.get(node) ?? 0;
            used.set(node, before + share);
            if (before + share > node.memoryMiB) {
                const left = Math.max(0, node.memoryMiB - before);
                ctx.report({
                    rule: LOC004, severity: 'error', target: vm, property: 'memory',
                    message: `${vm.name} needs ${gibText(share)} GiB on NUMA ${id} of ${vm.host.name}, which has ${gibText(left)} GiB left (${gibText(node.memoryMiB)} GiB in all).`,
                    data: { vm: vm.name, numa: id, needGiB: share / 1024, leftGiB: left / 1024 },
                    related: [{ target: node, message: `socket ${node.socket}: NUMA ${id}, ${gibText(node.memoryMiB)} GiB` }]
                });
            }
        }
    }
}

/** The NUMA node a VM's memory comes from: its single bound node, else the home node of its GPUs. */
function memoryNode(vm: VmModel): number | undefined {
    if (vm.memoryNuma?.length === 1) return vm.memoryNuma[0];
    return homeNode(vm)?.id;
}

/**
 * LOC005: passthrough GPUs without hugepages (KVM), on a host that declares hugepage pools: where a
 * host says nothing about hugepages, vmtopo does not know whether they are reserved and stays quiet.
 */
function checkHugepagesUsed(ctx: RuleContext, vm: VmModel): void {
    if (vm.host.platform !== 'kvm' || vm.hugepageMiB !== undefined || vm.memoryMiB === 0) return;
    if (!vm.gpus.some(g => g.mode === 'passthrough')) return;
    const node = memoryNode(vm);
    const pools = vm.host.numaNodes.find(n => n.id === node)?.hugepagePools.filter(p => p.sizeMiB === 1024) ?? [];
    if (pools.length === 0) return;
    const reserved = pools.reduce((a, p) => a + p.count, 0);
    ctx.report({
        rule: LOC005, severity: 'info', target: vm, property: 'memory',
        message: `${vm.name}: back its ${gibText(vm.memoryMiB)} GiB of guest memory with 1 GiB hugepages on NUMA ${node} (it has passthrough GPUs; ${vm.host.name} reserves ${reserved} × 1 GiB there).`,
        data: { vm: vm.name },
        // The quick-fix writes `hugepages 1 GiB` only when the memory is a whole number of GiB, and
        // only where the pool has room for the VM next to the VMs bound there (else LOC006).
        fixes: [vm.memoryMiB % 1024 === 0 && vm.memoryNuma?.length === 1 && vm.memoryMiB / 1024 <= reserved - pagesBound(ctx.topology, vm, node!, 1024) ? combine(`Back ${vm.name}'s memory with 1 GiB hugepages`,
            [insertAfterProperty(astOf(ctx.resolved, vm)!, vm.memoryNuma !== undefined ? 'memoryNuma' : 'memory', ' hugepages 1 GiB')]) : undefined]
    });
}

/** Pages of `sizeMiB` the other VMs bound to `node` (only there) take from its pool. */
function pagesBound(topology: Topology, vm: VmModel, node: number, sizeMiB: number): number {
    let used = 0;
    for (const other of topology.vms) {
        if (other === vm || other.host !== vm.host || other.hugepageMiB !== sizeMiB || !other.memoryNuma?.includes(node)) continue;
        used += Math.ceil(other.memoryMiB / sizeMiB / other.memoryNuma.length);
    }
    return used;
}

/**
 * LOC006: per node and page size, the pages VMs bound to the node need (a VM bound to k nodes needs
 * 1/k of its pages on each, rounded up) against the pool the socket declares. Only on hosts that
 * declare pools; reported on every VM that no longer fits, in declaration order.
 */
function checkHugepagePools(ctx: RuleContext): void {
    const used = new Map<string, number>();
    for (const vm of ctx.topology.vms) {
        const size = vm.hugepageMiB;
        if (!size || !vm.memoryNuma || vm.memoryMiB === 0) continue;
        if (!vm.host.numaNodes.some(n => n.hugepagePools.length > 0)) continue;
        const pages = Math.ceil(vm.memoryMiB / size / vm.memoryNuma.length);
        for (const id of vm.memoryNuma) {
            const node = vm.host.numaNodes.find(n => n.id === id);
            if (!node) continue;
            const pool = node.hugepagePools.filter(p => p.sizeMiB === size).reduce((a, p) => a + p.count, 0);
            const key = `${vm.host.name}|${id}|${size}`;
            const before = used.get(key) ?? 0;
            used.set(key, before + pages);
            if (before + pages <= pool) continue;
            const sizeText = size % 1024 === 0 ? `${size / 1024} GiB` : `${size} MiB`;
            ctx.report({
                rule: LOC006, severity: 'error', target: vm, property: 'hugepages',
                message: `NUMA ${id} of ${vm.host.name} has ${pool} × ${sizeText} hugepages; ${vm.name} needs ${pages}, and the VMs before it already use ${before} (${before + pages} in all).`,
                data: { vm: vm.name, numa: id, pool, need: before + pages },
                related: [{ target: node, message: `socket ${node.socket}: ${pool} × ${sizeText} hugepages` }]
            });
        }
    }
}

/** The host NUMA nodes the guest gets cells for: those of the pinned vCPUs (unpinned: one cell). */
function guestCellNodes(vm: VmModel): number[] {
    if (!vm.pin || vm.pin.isEmpty) return [];
    const nodes = new Set<number>();
    for (const c of vm.pin) { const n = vm.host.numaOfCpu(c); if (n) nodes.add(n.id); }
    return [...nodes].sort((a, b) => a - b);
}

/** LOC010: GPUs on nodes where the guest has no cell. */
function checkGuestCells(ctx: RuleContext, vm: VmModel): void {
    const nodes = gpuNumaNodes(vm);
    if (nodes.length < 2) return;
    const cells = guestCellNodes(vm);
    const missing = nodes.filter(n => !cells.includes(n));
    if (missing.length === 0) return;
    const k = nodes.length;
    const have = cells.length === 0 ? 'one (its vCPUs are not pinned)' : `${cells.length} (vCPUs pinned on NUMA ${formatCpuList(cells)})`;
    ctx.report({
        rule: LOC010, severity: 'warning', target: vm, property: vm.pin ? 'pin' : 'vcpus',
        message: `${vm.name} has GPUs on NUMA ${formatCpuList(nodes)}; define ${k} guest NUMA cells with matching vCPUs and memory: it has ${have}. Pin vCPUs on NUMA ${formatCpuList(missing)} too.`,
        data: { vm: vm.name, nodes, cells },
        related: vm.gpus.filter(g => missing.includes(g.gpu.numa)).map(g => ({ target: g, message: `${g.gpu.name} is on NUMA ${g.gpu.numa}` }))
    });
}

/**
 * LOC011: a passthrough VM spread over NUMA nodes whose GPU count one node could serve with free
 * GPUs of the same model (its own GPUs there first, then free ones in declaration order). In
 * shared-NVSwitch mode with a partition table the alternative must be a partition (FM001), so
 * there only a free partition of the node is proposed (see `fm.ts`).
 */
function checkSpread(ctx: RuleContext, vm: VmModel, partitionOn: (vm: VmModel, size: number, numa: number) => GpuModel[] | null | undefined): void {
    const nodes = gpuNumaNodes(vm);
    if (nodes.length < 2 || vm.gpus.some(g => g.mode !== 'passthrough')) return;
    const mine = [...new Set(vm.gpus.map(g => g.gpu))];
    const model = mine[0].spec.model;
    if (mine.some(g => g.spec.model !== model)) return;
    const used = new Set<GpuModel>();
    for (const other of vmsOnHost(ctx.topology, vm.host)) if (other !== vm) for (const g of other.gpus) used.add(g.gpu);
    const counts = (n: number) => mine.filter(g => g.numa === n).length;
    const order = vm.host.numaNodes.map(n => n.id).sort((a, b) => counts(b) - counts(a) || a - b);
    for (const numa of order) {
        let alt: GpuModel[] | undefined;
        const partition = partitionOn(vm, mine.length, numa);
        if (partition === null) continue; // FM partitions decide, and none is free on this node
        if (partition) alt = partition;
        else {
            const free = vm.host.devices.filter((d): d is GpuModel => d.kind === 'gpu' && d.numa === numa && d.spec.model === model && !used.has(d));
            const ordered = [...free.filter(g => mine.includes(g)), ...free.filter(g => !mine.includes(g))];
            if (ordered.length >= mine.length) alt = ordered.slice(0, mine.length);
        }
        if (!alt) continue;
        ctx.report({
            rule: LOC011, severity: 'info', target: vm.gpus[0],
            message: `${vm.name}: GPUs ${mine.map(g => g.name).join(', ')} span NUMA ${formatCpuList(nodes)}; ${alt.map(g => g.name).join(', ')} on NUMA ${numa} ${alt.length > 1 ? 'are' : 'is'} free.`,
            data: { vm: vm.name, numa, gpus: alt.map(g => g.name) },
            fixes: gpuListFix(ctx.resolved, vm, `Use ${alt.map(g => g.name).join(', ')} on NUMA ${numa}`, alt),
            related: alt.filter(g => !mine.includes(g)).map(g => ({ target: g, message: `${g.name} on NUMA ${numa} is free` }))
        });
        return;
    }
}

/** LOC012: more vCPUs than the CPUs of the GPUs' nodes. */
function checkVcpuCount(ctx: RuleContext, vm: VmModel): void {
    const nodes = gpuNumaNodes(vm);
    if (nodes.length === 0) return;
    const cpus = vm.host.numaNodes.filter(n => nodes.includes(n.id)).reduce((a, n) => a + n.cpus.size, 0);
    if (cpus === 0 || vm.vcpus <= cpus || !vcpusWritten(ctx, vm)) return;
    ctx.report({
        rule: LOC012, severity: 'warning', target: vm, property: 'vcpus',
        message: `${vm.name} has ${vm.vcpus} vCPUs; NUMA ${formatCpuList(nodes)} (where its GPUs are) ${nodes.length > 1 ? 'have' : 'has'} ${cpus} CPUs.`,
        data: { vm: vm.name, vcpus: vm.vcpus, cpus }
    });
}

export const LOC: RuleFamily = {
    rules: [LOC001, LOC002, LOC003, LOC004, LOC005, LOC006, LOC007, LOC008, LOC010, LOC011, LOC012, LOC013, LOC014, LOC015, LOC016],
    checks: [
        { rules: [LOC013, LOC014, LOC007], run: ctx => ctx.topology.vms.forEach(vm => checkOwnPins(ctx, vm)) },
        { rules: [LOC015], run: ctx => ctx.topology.vms.forEach(vm => checkMemoryNodes(ctx, vm)) },
        { rules: [LOC001, LOC002, LOC003], run: ctx => ctx.topology.vms.forEach(vm => checkGpuLocality(ctx, vm)) },
        { rules: [LOC008], run: checkSharedPins },
        { rules: [LOC016], run: checkSmtNeighbours },
        { rules: [LOC004], run: checkNodeMemory },
        { rules: [LOC005], run: ctx => ctx.topology.vms.forEach(vm => checkHugepagesUsed(ctx, vm)) },
        { rules: [LOC006], run: checkHugepagePools },
        { rules: [LOC010], run: ctx => ctx.topology.vms.forEach(vm => checkGuestCells(ctx, vm)) },
        {
            rules: [LOC011],
            run: ctx => ctx.topology.vms.forEach(vm => checkSpread(ctx, vm, (v, size, numa) => partitionOnNode(ctx.topology, v, size, numa)))
        },
        { rules: [LOC012], run: ctx => ctx.topology.vms.forEach(vm => checkVcpuCount(ctx, vm)) }
    ]
};
