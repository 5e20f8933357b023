/**
 * The free resources of the hosts the planner may use (pure): what the workspace's VMs leave of each
 * host's cores (whole cores: a core one VM pins a thread of is not given to another, rule LOC016),
 * NUMA memory bound strictly (a VM bound to k nodes counts 1/k on each, as LOC004 counts), hugepage
 * pools (LOC006), GPUs (free, passthrough, MIG instances, time-sliced vGPUs of one type), NIC PFs
 * and VFs, and Fabric Manager partitions. Sizes in MiB.
 */
import { hostBoard } from '../../model/fabric.js';
import { iommuGroups } from '../../model/iommu-groups.js';
import { migCapacity, placeMig, withinMaxima, type GiRequest } from '../../model/mig-placement.js';
import { vmsOnHost, type GpuModel, type HostModel, type NicModel, type Topology } from '../../model/topology.js';
import type { FabricBaseboard } from '../../catalog/fabric-manager.js';
import type { MigProfile } from '../../catalog/types.js';

/** A physical core: its threads (one, or two SMT siblings), lowest first. */
export type Core = readonly number[];

export interface NodeState {
    readonly id: number;
    /** Free whole cores, ascending by first thread. */
    freeCores: Core[];
    /** Whether the node's cores have SMT siblings. */
    readonly smt: boolean;
    freeMemoryMiB: number;
    /** Free hugepages per page size (MiB); absent sizes have no pool. */
    freePages: Map<number, number>;
}

export type GpuState =
    | { mode: 'free' }
    | { mode: 'passthrough' }
    | { mode: 'mig'; instances: GiRequest[] }
    | { mode: 'vgpu'; type: string; count: number };

export interface NicState {
    pf: 'free' | 'passthrough';
    usedVfs: Set<number>;
}

export interface HostState {
    readonly host: HostModel;
    readonly index: number;
    readonly nodes: Map<number, NodeState>;
    readonly gpus: Map<GpuModel, GpuState>;
    readonly nics: Map<NicModel, NicState>;
    /** Whether the host declares hugepage pools (LOC006 applies only then). */
    readonly hasPools: boolean;
    /** Shared-NVSwitch board: passthrough GPU sets must be its partitions (FM001). */
    readonly board?: FabricBaseboard;
    /** Devices the planner never hands out: management NICs, functions of a multi-device IOMMU group. */
    readonly reserved: ReadonlySet<object>;
    /** Bumped by every change (commit), so that measures of the state can be cached. */
    version: number;
}

/** The cores of a node (threads grouped by SMT sibling), ascending. */
function coresOf(host: HostModel, id: number): Core[] {
    const node = host.numaNodes.find(n => n.id === id)!;
    const seen = new Set<number>();
    const cores: Core[] = [];
    for (const cpu of node.cpus) {
        if (seen.has(cpu)) continue;
        const sib = node.siblingOf(cpu);
        seen.add(cpu);
        if (sib !== undefined && !seen.has(sib)) { seen.add(sib); cores.push([cpu, sib].sort((a, b) => a - b)); } else cores.push([cpu]);
    }
    return cores.sort((a, b) => a[0] - b[0]);
}

/** The free resources of `hosts` after the VMs of `topology` (pure). */
export function hostStates(topology: Topology, hosts: readonly HostModel[]): HostState[] {
    return hosts.map((host, index) => {
        const vms = vmsOnHost(topology, host);
        const usedCpus = new Set<number>();
        for (const vm of vms) {
            for (const c of vm.pin ?? []) usedCpus.add(c);
            for (const c of vm.emulatorPin ?? []) usedCpus.add(c);
        }
        const hasPools = host.numaNodes.some(n => n.hugepagePools.length > 0);
        const nodes = new Map<number, NodeState>();
        for (const n of host.numaNodes) {
            const all = coresOf(host, n.id);
            let memory = n.memoryMiB;
            const pages = new Map<number, number>();
            for (const p of n.hugepagePools) pages.set(p.sizeMiB, (pages.get(p.sizeMiB) ?? 0) + p.count);
            for (const vm of vms) {
                const bound = vm.memoryNuma;
                if (!bound || !bound.includes(n.id)) continue;
                memory -= vm.memoryMiB / bound.length;
                if (vm.hugepageMiB && pages.has(vm.hugepageMiB)) {
                    pages.set(vm.hugepageMiB, pages.get(vm.hugepageMiB)! - Math.ceil(vm.memoryMiB / vm.hugepageMiB / bound.length));
                }
            }
            nodes.set(n.id, {
                id: n.id, smt: all.some(c => c.length > 1),
                freeCores: all.filter(c => c.every(t => !usedCpus.has(t))),
                freeMemoryMiB: memory, freePages: pages
            });
        }
        const gpus = new Map<GpuModel, GpuState>();
        const nics = new Map<NicModel, NicState>();
        for (const d of host.devices) {
            if (d.kind === 'gpu') gpus.set(d, { mode: 'free' });
            if (d.kind === 'nic') nics.set(d, { pf: 'free', usedVfs: new Set() });
        }
        for (const vm of vms) {
            for (const g of vm.gpus) {
                const s = gpus.get(g.gpu);
                if (!s) continue;
                if (g.mode === 'passthrough') gpus.set(g.gpu, { mode: 'passthrough' });
                else if (g.mode === 'mig' || g.type.mode === 'mig-backed') {
                    const profile = g.mode === 'mig' ? g.profile : g.gpu.spec.migProfiles.find(p => p.name === g.type.migProfile);
                    if (!profile) continue;
                    const inst: GiRequest = { profile, ...(g.mode === 'mig' && g.start !== undefined ? { start: g.start } : {}) };
                    if (s.mode === 'mig') s.instances.push(inst); else gpus.set(g.gpu, { mode: 'mig', instances: [inst] });
                } else {
                    if (s.mode === 'vgpu') s.count++; else gpus.set(g.gpu, { mode: 'vgpu', type: g.type.name, count: 1 });
                }
            }
            for (const n of vm.nics) {
                const s = nics.get(n.nic);
                if (!s) continue;
                if (n.mode === 'passthrough') s.pf = 'passthrough'; else s.usedVfs.add(n.vf);
            }
        }
        const reserved = new Set<object>();
        for (const d of host.devices) if (d.kind === 'nic' && d.management) reserved.add(d);
        for (const g of iommuGroups(host)) if (g.devices.length > 1) for (const d of g.devices) reserved.add(d);
        const board = host.fabricManager === 'shared-nvswitch' ? hostBoard(host) : undefined;
        return { host, index, nodes, gpus, nics, hasPools, ...(board ? { board } : {}), reserved, version: 0 };
    });
}

/** A deep copy of a host state (the planner tries options on copies). */
export function cloneState(s: HostState): HostState {
    const nodes = new Map<number, NodeState>();
    for (const [id, n] of s.nodes) nodes.set(id, { ...n, freeCores: [...n.freeCores], freePages: new Map(n.freePages) });
    const gpus = new Map<GpuModel, GpuState>();
    for (const [g, st] of s.gpus) gpus.set(g, st.mode === 'mig' ? { mode: 'mig', instances: [...st.instances] } : { ...st });
    const nics = new Map<NicModel, NicState>();
    for (const [n, st] of s.nics) nics.set(n, { pf: st.pf, usedVfs: new Set(st.usedVfs) });
    return { ...s, nodes, gpus, nics };
}

/**
 * The start slot a new MIG instance of `profile` gets on `gpu` next to its instances, or undefined
 * when it does not fit (slots, compute slices, per-profile maxima, one +me instance): the highest
 * valid start slot that keeps the layout placeable (small profiles at the end of the GPU leave the
 * low slots to large profiles); `lowest`: the lowest instead (what a first-available allocator does).
 */
export function migStart(gpu: GpuModel, state: GpuState, profile: MigProfile, lowest = false): number | undefined {
    if (state.mode !== 'free' && state.mode !== 'mig') return undefined;
    const existing = state.mode === 'mig' ? state.instances : [];
    if (profile.mediaExtensions && existing.some(i => i.profile.mediaExtensions)) return undefined;
    const cap = migCapacity(gpu.spec);
    for (const s of [...profile.startSlots].sort((a, b) => lowest ? a - b : b - a)) {
        const all = [...existing, { profile, start: s }];
        if (withinMaxima(all) && placeMig(all, cap)) return s;
    }
    return undefined;
}

/** The memory slices of a GPU free for MIG (0 when passthrough or time-sliced), and its capacity. */
export function freeMigSlices(gpu: GpuModel, state: GpuState): { free: number; total: number } {
    const cap = migCapacity(gpu.spec);
    if (state.mode === 'free') return { free: cap.memory, total: cap.memory };
    if (state.mode !== 'mig') return { free: 0, total: cap.memory };
    return { free: cap.memory - state.instances.reduce((s, i) => s + i.profile.memorySlices, 0), total: cap.memory };
}
