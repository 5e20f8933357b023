/**
 * Placement options of one VM of a request on one host (pure): which GPUs (a whole set, a MIG start
 * slot, a vGPU), which NIC PF or VF for each GPU, how many cores, how much memory and how many
 * hugepages on which NUMA nodes. CPUs, VF indices and names are picked when an option is committed
 * ({@link commit}). Every option keeps the rules: one mode per GPU (GEN002/GEN003, VGPU003), MIG
 * layouts that fit (MIG003–006), whole cores (LOC008/LOC016), memory and pools per node
 * (LOC004/LOC006), Fabric Manager partitions (FM001/FM002), a PF not shared with VFs (SRIOV004),
 * no management NIC (NIC004), IOMMU groups kept whole (IOMMU001).
 */
import { PATH_RANK, pathType, type GpuModel, type NicModel, type PathType } from '../../model/topology.js';
import type { RequestShape } from '../../model/request.js';
import { findMigProfile, findVgpuType } from '../../catalog/index.js';
import { cloneState, migStart, type Core, type HostState } from './state.js';

export interface GpuPick {
    readonly gpu: GpuModel;
    readonly mode: 'passthrough' | 'vgpu' | 'mig';
    /** vGPU type or MIG profile name. */
    readonly slice?: string;
    /** MIG start slot. */
    readonly start?: number;
}

export interface NicPick {
    readonly nic: NicModel;
    readonly vf: boolean;
    /** The GPU it serves and the connection type between them. */
    readonly gpu: GpuModel;
    readonly path: PathType;
}

export interface Option {
    readonly state: HostState;
    readonly gpus: readonly GpuPick[];
    readonly nics: readonly NicPick[];
    /** Cores taken per NUMA node. */
    readonly cores: ReadonlyMap<number, number>;
    /** Memory bound per node (MiB). */
    readonly memory: ReadonlyMap<number, number>;
    /** Hugepages per node. */
    readonly pages: ReadonlyMap<number, number>;
    /** Locality cost: NIC path ranks (0 PIX … 3 SYS per NIC), NUMA nodes beyond the first, GPU pairs without NVLink. */
    readonly locality: number;
    /** Best-fit tie-break: free resources left on the touched GPUs and nodes (lower is tighter). */
    readonly fit: number;
}

const NIC_RANK = (t: PathType) => PATH_RANK[t] === 1 ? 0 : PATH_RANK[t] === 2 ? 1 : PATH_RANK[t] === 4 ? 2 : 3;

/** Lexicographic order of two equal-length keys. */
function lexLess(a: readonly number[], b: readonly number[]): boolean {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i];
    return false;
}

/** k-subsets of `items` in lexicographic order, at most `limit`. */
function subsets<T>(items: readonly T[], k: number, limit: number): T[][] {
    const out: T[][] = [];
    const pick: T[] = [];
    const walk = (from: number): void => {
        if (out.length >= limit) return;
        if (pick.length === k) { out.push([...pick]); return; }
        for (let i = from; i <= items.length - (k - pick.length); i++) { pick.push(items[i]); walk(i + 1); pick.pop(); }
    };
    walk(0);
    return out;
}

/** PCI address order (domain, bus, device, function). */
function byAddress(a: GpuModel, b: GpuModel): number {
    return a.address.domain - b.address.domain || a.address.bus - b.address.bus || a.address.device - b.address.device || a.address.function - b.address.function;
}

/** Whether `gpu` may serve `shape` (model allowed, not reserved, on an allowed host). */
function modelAllowed(shape: RequestShape, gpu: GpuModel): boolean {
    return shape.gpus!.models.includes(gpu.spec);
}

/** GPU sets (or single slices) the request could take on the host. */
function gpuCandidates(s: HostState, shape: RequestShape, lowestStart: boolean): GpuPick[][] {
    const g = shape.gpus;
    if (!g) return [[]];
    const gpus = [...s.gpus.keys()].filter(x => modelAllowed(shape, x) && !s.reserved.has(x))
        .sort((a, b) => a.numa - b.numa || byAddress(a, b));
    if (g.mode === 'passthrough') {
        const free = gpus.filter(x => s.gpus.get(x)!.mode === 'free');
        if (free.length < g.count) return [];
        if (s.board && free.every(x => x.module !== undefined)) {
            const byModule = new Map(free.map(x => [x.module!, x] as const));
            return s.board.partitions.filter(p => p.modules.length === g.count && p.modules.every(m => byModule.has(m)))
                .map(p => p.modules.map(m => byModule.get(m)!).sort(byAddress).map(gpu => ({ gpu, mode: 'passthrough' as const })));
        }
        // Whole sets on one node first (any size), then mixed sets; capped for large hosts.
        const sets = subsets(free, g.count, 400);
        return sets.map(set => set.map(gpu => ({ gpu, mode: 'passthrough' as const })));
    }
    const singles: GpuPick[] = [];
    for (const gpu of gpus) {
        const st = s.gpus.get(gpu)!;
        if (g.mode === 'mig') {
            const profile = findMigProfile(gpu.spec, g.slice);
            if (!profile) continue;
            const start = migStart(gpu, st, profile, lowestStart);
            if (start !== undefined) singles.push({ gpu, mode: 'mig', slice: profile.name, start });
        } else {
            const type = findVgpuType(gpu.spec, g.slice);
            if (!type) continue;
            if (type.mode === 'mig-backed') {
                const profile = gpu.spec.migProfiles.find(p => p.name === type.migProfile);
                if (profile && migStart(gpu, st, profile) !== undefined) singles.push({ gpu, mode: 'vgpu', slice: type.name });
                continue;
            }
            if (gpu.vgpuMode === 'mixed-size' || gpu.vgpuMode === 'mig') continue;
            if (st.mode === 'free' || (st.mode === 'vgpu' && st.type === type.name && st.count < type.maxPerGpu)) singles.push({ gpu, mode: 'vgpu', slice: type.name });
        }
    }
    if (g.count === 1) return singles.map(x => [x]);
    // several slices: distinct GPUs, sets of the candidates (small hosts)
    return subsets(singles, g.count, 200).filter(set => new Set(set.map(x => x.gpu)).size === set.length);
}

/** Best NICs for the GPUs of an option (one pass, closest first), or undefined when a required locality cannot be met. */
function pickNics(s: HostState, shape: RequestShape, gpus: readonly GpuPick[]): NicPick[] | undefined {
    const want = shape.nic;
    if (!want) return [];
    const picks: NicPick[] = [];
    const pfTaken = new Set<NicModel>();
    const vfTaken = new Map<NicModel, number>();
    // A NIC on a node where the VM has no GPU (so no vCPUs) is SYS to its GPUs or outside the guest's
    // cells: NIC001's error, PCIE004. Never picked, whatever the request's locality.
    const nodes = new Set(gpus.map(g => g.gpu.numa));
    for (const g of gpus) {
        for (let k = 0; k < want.perGpu; k++) {
            let best: { nic: NicModel; path: PathType; key: number[] } | undefined;
            for (const [nic, st] of s.nics) {
                if (s.reserved.has(nic) || st.pf === 'passthrough' || !nodes.has(nic.numa)) continue;
                if (want.vf) {
                    if (nic.vfs - st.usedVfs.size - (vfTaken.get(nic) ?? 0) <= 0) continue;
                } else if (st.usedVfs.size > 0 || pfTaken.has(nic)) continue;
                const path = pathType(nic, g.gpu);
                const ok = want.locality === 'any' || (want.locality === 'same-numa' ? nic.numa === g.gpu.numa : PATH_RANK[path] <= PATH_RANK.PXB);
                if (!ok && shape.locality === 'required') continue;
                const key = [ok ? 0 : 1, NIC_RANK(path), want.vf ? nic.vfs - st.usedVfs.size : 0, nic.address.bus, nic.address.function];
                if (!best || lexLess(key, best.key)) best = { nic, path, key };
            }
            if (!best) return undefined;
            if (want.vf) vfTaken.set(best.nic, (vfTaken.get(best.nic) ?? 0) + 1); else pfTaken.add(best.nic);
            picks.push({ nic: best.nic, vf: want.vf, gpu: g.gpu, path: best.path });
        }
    }
    return picks;
}

/** Cores a VM of the shape needs on a node with or without SMT. */
function coresNeeded(shape: RequestShape, vcpus: number, smt: boolean): number {
    return smt && shape.smtPairs ? Math.ceil(vcpus / 2) : vcpus;
}

/**
 * The options of one VM of `shape` on host state `s`, best first (locality, then fit), at most
 * `limit`. Empty when the host cannot hold it. `lowestStart`: MIG slices at their lowest free start
 * slot (baselines of the benchmark) instead of the highest.
 */
export function placementOptions(s: HostState, shape: RequestShape, limit = 64, lowestStart = false): Option[] {
    if (shape.hosts && !shape.hosts.includes(s.host.name)) return [];
    const out: Option[] = [];
    for (const gpus of gpuCandidates(s, shape, lowestStart)) {
        const nodeIds = gpus.length > 0 ? [...new Set(gpus.map(g => g.gpu.numa))].sort((a, b) => a - b) : undefined;
        const nodeChoices: number[][] = nodeIds ? [nodeIds] : [...s.nodes.keys()].sort((a, b) => a - b).map(id => [id]);
        const nics = pickNics(s, shape, gpus);
        if (!nics) continue;
        for (const nodes of nodeChoices) {
            if (nodes.some(id => !s.nodes.has(id))) continue;
            // vCPUs split over the nodes in proportion to their GPUs (even counts for SMT pairs).
            const weights = nodes.map(id => gpus.length > 0 ? gpus.filter(g => g.gpu.numa === id).length : 1);
            const total = weights.reduce((a, b) => a + b, 0);
            const step = shape.smtPairs ? 2 : 1;
            const vcpuSplit = weights.map(w => Math.floor(shape.vcpus * w / total / step) * step);
            vcpuSplit[0] += shape.vcpus - vcpuSplit.reduce((a, b) => a + b, 0);
            const cores = new Map<number, number>();
            const memory = new Map<number, number>();
            const pages = new Map<number, number>();
            let fits = true;
            let fit = 0;
            nodes.forEach((id, i) => {
                const n = s.nodes.get(id)!;
                const need = coresNeeded(shape, vcpuSplit[i], n.smt);
                const mem = shape.memoryMiB / nodes.length;
                if (vcpuSplit[i] <= 0 && nodes.length > 1) fits = false;
                if (n.freeCores.length < need || n.freeMemoryMiB < mem) fits = false;
                const hp = shape.hugepageMiB;
                let pg = 0;
                if (hp && s.hasPools) {
                    pg = Math.ceil(shape.memoryMiB / hp / nodes.length);
                    if ((n.freePages.get(hp) ?? 0) < pg) fits = false;
                }
                cores.set(id, need); memory.set(id, mem); pages.set(id, pg);
                fit += (n.freeCores.length - need) / Math.max(1, n.freeCores.length);
            });
            if (!fits) continue;
            let nonNvl = 0;
            for (let i = 0; i < gpus.length; i++) for (let j = i + 1; j < gpus.length; j++) {
                const a = gpus[i].gpu.spec; const b = gpus[j].gpu.spec;
                if (!(a.formFactor === 'sxm' && b.formFactor === 'sxm' && a.nvlinks > 0 && b.nvlinks > 0)) nonNvl++;
            }
            const locality = nics.reduce((sum, n) => sum + NIC_RANK(n.path), 0) + 4 * (nodes.length - 1) + nonNvl;
            for (const g of gpus) {
                const st = s.gpus.get(g.gpu)!;
                fit += st.mode === 'free' ? 1 : 0; // prefer GPUs already sliced (packing)
            }
            out.push({ state: s, gpus, nics, cores, memory, pages, locality, fit });
        }
    }
    out.sort((a, b) => a.locality - b.locality || a.fit - b.fit);
    return out.slice(0, limit);
}

/** What a committed option became: the concrete CPUs and VF indices. */
export interface Committed {
    readonly option: Option;
    readonly cpus: readonly number[];
    readonly vfs: ReadonlyMap<NicPick, number>;
}

/**
 * Applies an option to its host state (mutates the state): takes the lowest free cores of each
 * node (both threads with SMT pairs; with `no-smt` the first thread, the sibling left idle so no
 * other VM shares the core), the lowest free VF indices, and records GPUs, memory and pages.
 */
export function commit(option: Option, shape: RequestShape): Committed {
    const s = option.state;
    s.version++;
    const cpus: number[] = [];
    for (const [id, count] of option.cores) {
        const n = s.nodes.get(id)!;
        const taken: Core[] = n.freeCores.splice(0, count);
        for (const core of taken) {
            if (shape.smtPairs) cpus.push(...core); else cpus.push(core[0]);
        }
        n.freeMemoryMiB -= option.memory.get(id) ?? 0;
        if (shape.hugepageMiB && n.freePages.has(shape.hugepageMiB)) n.freePages.set(shape.hugepageMiB, n.freePages.get(shape.hugepageMiB)! - (option.pages.get(id) ?? 0));
    }
    // SMT pairs with an odd remainder are never asked (PLAN002); trim to the vCPU count.
    cpus.splice(shape.vcpus);
    for (const g of option.gpus) {
        const st = s.gpus.get(g.gpu)!;
        if (g.mode === 'passthrough') s.gpus.set(g.gpu, { mode: 'passthrough' });
        else {
            const profile = g.mode === 'mig' ? findMigProfile(g.gpu.spec, g.slice) : g.gpu.spec.migProfiles.find(p => p.name === findVgpuType(g.gpu.spec, g.slice)?.migProfile);
            const type = g.mode === 'vgpu' ? findVgpuType(g.gpu.spec, g.slice) : undefined;
            if (profile && (g.mode === 'mig' || type?.mode === 'mig-backed')) {
                const inst = { profile, ...(g.start !== undefined ? { start: g.start } : {}) };
                if (st.mode === 'mig') st.instances.push(inst); else s.gpus.set(g.gpu, { mode: 'mig', instances: [inst] });
            } else if (st.mode === 'vgpu') st.count++;
            else s.gpus.set(g.gpu, { mode: 'vgpu', type: g.slice!, count: 1 });
        }
    }
    const vfs = new Map<NicPick, number>();
    for (const n of option.nics) {
        const st = s.nics.get(n.nic)!;
        if (!n.vf) { st.pf = 'passthrough'; continue; }
        let k = 0;
        while (st.usedVfs.has(k)) k++;
        st.usedVfs.add(k);
        vfs.set(n, k);
    }
    return { option, cpus: cpus.sort((a, b) => a - b), vfs };
}

/** An option re-targeted at a copy of its state (to evaluate what it leaves). */
export function onCopy(option: Option): Option {
    return { ...option, state: cloneState(option.state) };
}
