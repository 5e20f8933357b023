/**
 * NVLink fabric partitions of an HGX baseboard as Fabric Manager defines them in shared-NVSwitch
 * mode (NVIDIA Fabric Manager User Guide, https://docs.nvidia.com/datacenter/tesla/fabric-manager-user-guide/):
 * the board of a host, the free partition closest to a VM's NUMA node, and a free partition on one
 * node. The partition tables are catalog data (`catalog/fabric-manager.ts`). Read by the FM rules and
 * LOC011.
 */
import { baseboardOf, onBaseboard, type FabricBaseboard, type FabricPartition } from '../catalog/fabric-manager.js';
import { vmsOnHost, type GpuModel, type HostModel, type Topology, type VmModel } from './topology.js';

/** The passthrough GPUs of a VM (each once), in the order written. */
export function passthroughGpus(vm: VmModel): GpuModel[] {
    return [...new Set(vm.gpus.filter(g => g.mode === 'passthrough').map(g => g.gpu))];
}

/** The board of the host's NVSwitch GPUs (the first SXM GPU's `baseboard`), when its table is known. */
export function hostBoard(host: HostModel): FabricBaseboard | undefined {
    const gpu = host.devices.find((d): d is GpuModel => d.kind === 'gpu' && d.spec.formFactor === 'sxm');
    return gpu ? baseboardOf(gpu.spec) : undefined;
}

/**
 * The GPUs of `vm`'s host that other VMs of the host use (in any mode), and the host's GPUs of
 * `board` by module id (those with a module id).
 */
function boardGpus(topology: Topology, vm: VmModel, board: FabricBaseboard): { used: Set<GpuModel>; byModule: Map<number, GpuModel> } {
    const used = new Set<GpuModel>();
    for (const other of vmsOnHost(topology, vm.host)) if (other !== vm) for (const g of other.gpus) used.add(g.gpu);
    const byModule = new Map<number, GpuModel>();
    for (const d of vm.host.devices) if (d.kind === 'gpu' && d.module !== undefined && onBaseboard(d.spec, board)) byModule.set(d.module, d);
    return { used, byModule };
}

/**
 * The free partition of `size` GPUs for `vm` closest to its NUMA node: its GPUs are unused by any
 * other VM (in any mode) and all have a module id; ranked by how many of its GPUs sit on the VM's
 * node (the node of most of its pinned vCPUs, else of most of its GPUs), then by partition id.
 */
export function closestFreePartition(topology: Topology, vm: VmModel, board: FabricBaseboard, size: number):
    { partition: FabricPartition; gpus: GpuModel[] } | undefined {
    const { used, byModule } = boardGpus(topology, vm, board);
    const node = preferredNode(vm);
    let best: { partition: FabricPartition; gpus: GpuModel[]; score: number } | undefined;
    for (const partition of board.partitions) {
        if (partition.modules.length !== size) continue;
        const gpus = partition.modules.map(m => byModule.get(m));
        if (gpus.some(g => !g || used.has(g))) continue;
        const score = (gpus as GpuModel[]).filter(g => g.numa === node).length;
        if (!best || score > best.score) best = { partition, gpus: gpus as GpuModel[], score };
    }
    return best && { partition: best.partition, gpus: best.gpus };
}

/** The host NUMA node a VM leans to: most of its pinned vCPUs, else most of its GPUs (lowest id on ties). */
function preferredNode(vm: VmModel): number | undefined {
    const counts = new Map<number, number>();
    if (vm.pin) for (const c of vm.pin) { const n = vm.host.numaOfCpu(c)?.id; if (n !== undefined) counts.set(n, (counts.get(n) ?? 0) + 1); }
    if (counts.size === 0) for (const g of vm.gpus) counts.set(g.gpu.numa, (counts.get(g.gpu.numa) ?? 0) + 1);
    let best: number | undefined;
    for (const [n, c] of [...counts].sort((a, b) => a[0] - b[0])) if (best === undefined || c > counts.get(best)!) best = n;
    return best;
}

/**
 * For LOC011: the GPUs of a free partition of `size` GPUs all on host node `numa`; null when the
 * host is in shared-NVSwitch mode with a partition table and no such partition is free (the
 * partitions decide), undefined when no partition table applies.
 */
export function partitionOnNode(topology: Topology, vm: VmModel, size: number, numa: number): GpuModel[] | null | undefined {
    const board = vm.host.fabricManager === 'shared-nvswitch' ? hostBoard(vm.host) : undefined;
    if (!board || size < 2) return undefined;
    const { used, byModule } = boardGpus(topology, vm, board);
    for (const p of board.partitions) {
        if (p.modules.length !== size) continue;
        const gpus = p.modules.map(m => byModule.get(m));
        if (gpus.every(g => g && !used.has(g) && g.numa === numa)) return gpus as GpuModel[];
    }
    return null;
}
