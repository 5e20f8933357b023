/**
 * The placement planner (pure, deterministic): assigns every VM of the requests to concrete GPUs,
 * MIG start slots, vGPUs, NIC PFs or VFs, cores, memory and hugepages, so that the catalog's rules
 * hold, and writes ordinary `vm` blocks. Objective, in order: every request placed; locality (the
 * NCCL path between each GPU and its NIC — PIX before PXB before PHB before SYS — the VM on one
 * NUMA node, its GPUs on NVLink); least stranded capacity afterwards (GPU capacity that no request
 * shape of the workload can use any more, the expected-fragmentation idea of FGD, Weng et al.,
 * "Beware of Fragmentation", USENIX ATC 2023,
 * https://www.usenix.org/conference/atc23/presentation/weng).
 *
 * Two methods: an exact mixed-integer model for one host (HiGHS, https://highs.dev, through the
 * `highs` WebAssembly build) over the enumerated options of each request, and for fleets (or when
 * asked) a greedy heuristic that looks ahead by scoring each option with the stranded capacity it
 * would leave, its batch plans repaired by ruin and recreate. The result says which produced the
 * plan and its gap to the bound.
 */
import type { HostModel, Topology } from '../../model/topology.js';
import type { RequestShape } from '../../model/request.js';
import { findVgpuType, migBackedTypeFor } from '../../catalog/index.js';
import { cloneState, freeMigSlices, hostStates, migStart, type GpuState, type HostState } from './state.js';
import { commit, placementOptions, type Committed, type Option } from './options.js';
import { findMigProfile } from '../../catalog/index.js';
import { PATH_RANK, pathType, type GpuModel, type NicModel, type PathType } from '../../model/topology.js';
import { migCapacity, placeMig, type GiRequest } from '../../model/mig-placement.js';
import { mulberry32, shuffle } from '../../kernel/random.js';

/** One planned VM. */
export interface PlannedVm {
    readonly name: string;
    readonly request: string;
    readonly host: HostModel;
    readonly committed: Committed;
    readonly shape: RequestShape;
}

/** A VM of a request that could not be placed, with the resource that ran out first. */
export interface Unplaced {
    readonly request: string;
    /** 1-based number of the VM within its request. */
    readonly index: number;
    readonly reason: string;
}

export interface PlanResult {
    readonly vms: readonly PlannedVm[];
    readonly unplaced: readonly Unplaced[];
    /** `milp` (HiGHS, one host) or `heuristic` (greedy with look-ahead). */
    readonly method: 'milp' | 'heuristic';
    /** VMs placed and VMs asked for. */
    readonly placed: number;
    readonly requested: number;
    /** Locality cost of the plan (sum over NICs of 0 PIX, 1 PXB, 2 PHB, 3 SYS; +4 per extra NUMA node; +1 per GPU pair without NVLink). */
    readonly locality: number;
    /** Stranded GPU capacity after the plan, in GPU-equivalents. */
    readonly stranded: number;
    /** Relative gap of the objective to its bound (0 = proven optimal); see {@link PlanOptions}. */
    readonly gap: number;
}

export interface PlanOptions {
    /** Only this host. */
    readonly host?: string;
    /** Force a method; default: `milp` for one host, `heuristic` for several. */
    readonly method?: 'milp' | 'heuristic';
    /** Place requests in the order given (online: earlier VMs never moved) instead of largest first. */
    readonly online?: boolean;
}

/** Weight of one placed VM in the objective (dominates locality and stranding). */
const PLACE_WEIGHT = 100_000;
/** Weight of one unit of locality cost (dominates the stranding term). */
const LOCALITY_WEIGHT = 1_000;

/** Workload shapes with their weights (VM counts), for the stranded-capacity measure. */
export type Workload = ReadonlyArray<{ readonly shape: RequestShape; readonly weight: number }>;

/**
 * Stranded GPU capacity of a host state, in GPU-equivalents: the free capacity of each GPU (a free
 * GPU 1, free MIG memory slices / slices, free time-sliced vGPUs / the type's maximum) times the
 * share of the workload's GPU shapes that could not use it now (wrong mode, no MIG slot left, not
 * enough free GPUs, cores or memory on its NUMA node, no NIC near it where one is required).
 */
export function strandedGpuEquivalents(s: HostState, workload: Workload): number {
    const gpuShapes = workload.filter(w => w.shape.gpus);
    const total = gpuShapes.reduce((a, w) => a + w.weight, 0);
    if (total === 0) return 0;
    let stranded = 0;
    for (const [gpu, st] of s.gpus) {
        if (s.reserved.has(gpu)) continue;
        let capacity = 0;
        if (st.mode === 'free') capacity = 1;
        else if (st.mode === 'mig') { const f = freeMigSlices(gpu, st); capacity = f.total > 0 ? f.free / f.total : 0; }
        else if (st.mode === 'vgpu') { const t = findVgpuType(gpu.spec, st.type); capacity = t ? (t.maxPerGpu - st.count) / t.maxPerGpu : 0; }
        if (capacity <= 0) continue;
        let unusable = 0;
        for (const { shape, weight } of gpuShapes) if (!usable(s, gpu, shape)) unusable += weight;
        stranded += capacity * unusable / total;
    }
    return stranded;
}

/** Why a GPU cannot serve a shape now, or undefined when it can (the causes of the stranded-capacity report). */
export function unusableBecause(s: HostState, gpu: GpuModel, shape: RequestShape): string | undefined {
    const g = shape.gpus!;
    if (!g.models.includes(gpu.spec)) return 'model';
    if (shape.hosts && !shape.hosts.includes(s.host.name)) return 'host';
    const st = s.gpus.get(gpu)!;
    const node = s.nodes.get(gpu.numa);
    if (!node) return 'cores';
    let perGpuShare = 1;
    if (g.mode === 'passthrough') {
        const freeHere = [...s.gpus].filter(([x, y]) => y.mode === 'free' && g.models.includes(x.spec) && !s.reserved.has(x)).length;
        if (freeHere < g.count) return 'GPUs';
        if (st.mode !== 'free') return st.mode === 'passthrough' ? 'GPUs' : st.mode === 'mig' ? 'MIG slots fragmented' : 'vGPU type mixed';
        perGpuShare = g.count;
    } else if (g.mode === 'mig' || findVgpuType(gpu.spec, g.slice)?.mode === 'mig-backed') {
        const profile = g.mode === 'mig' ? findMigProfile(gpu.spec, g.slice) : gpu.spec.migProfiles.find(p => p.name === findVgpuType(gpu.spec, g.slice)?.migProfile);
        if (!profile) return 'model';
        if (st.mode === 'passthrough') return 'GPUs';
        if (st.mode !== 'free' && st.mode !== 'mig') return 'vGPU type mixed';
        if (migStart(gpu, st, profile) === undefined) return 'MIG slots fragmented';
    } else {
        const t = findVgpuType(gpu.spec, g.slice);
        if (!t) return 'model';
        if (st.mode === 'passthrough') return 'GPUs';
        if (st.mode === 'mig' || (st.mode === 'vgpu' && (st.type !== t.name || st.count >= t.maxPerGpu))) return 'vGPU type mixed';
    }
    const smt = node.smt && shape.smtPairs;
    const cores = Math.ceil((smt ? Math.ceil(shape.vcpus / 2) : shape.vcpus) / perGpuShare);
    if (node.freeCores.length < cores) return 'cores';
    if (node.freeMemoryMiB < shape.memoryMiB / perGpuShare) return 'memory';
    if (shape.hugepageMiB && s.hasPools && (node.freePages.get(shape.hugepageMiB) ?? 0) < Math.ceil(shape.memoryMiB / shape.hugepageMiB / perGpuShare)) return 'hugepages';
    if (shape.nic && shape.locality === 'required' && shape.nic.locality !== 'any') {
        const near = [...s.nics].some(([nic, ns]) => !s.reserved.has(nic) && ns.pf === 'free'
            && (shape.nic!.vf ? nic.vfs > ns.usedVfs.size : ns.usedVfs.size === 0)
            && (shape.nic!.locality === 'same-numa' ? nic.numa === gpu.numa : PATH_RANK[pathOf(nic, gpu)] <= PATH_RANK.PXB));
        if (!near) return shape.nic.vf ? 'no VF near the GPU' : 'no same-switch NIC';
    }
    return undefined;
}

/** {@link pathType} between a NIC and a GPU, cached per GPU (a host's PCIe tree does not change while it is planned). */
const paths = new WeakMap<GpuModel, Map<NicModel, PathType>>();
function pathOf(nic: NicModel, gpu: GpuModel): PathType {
    let byNic = paths.get(gpu);
    if (!byNic) paths.set(gpu, byNic = new Map<NicModel, PathType>());
    let path = byNic.get(nic);
    if (path === undefined) byNic.set(nic, path = pathType(nic, gpu));
    return path;
}

function usable(s: HostState, gpu: GpuModel, shape: RequestShape): boolean {
    return unusableBecause(s, gpu, shape) === undefined;
}

/** The workload of a request list (each shape weighted by its count). */
export function workloadOf(requests: readonly RequestShape[]): Workload {
    return requests.map(shape => ({ shape, weight: shape.count }));
}

/** VM names in use (declarations) plus planned ones. */
function nameFactory(topology: Topology): (request: string) => string {
    const used = new Set(topology.declarations.map(d => d.name.toLowerCase()));
    return request => {
        for (let k = 1; ; k++) {
            const name = `${request}-${k}`;
            if (!used.has(name.toLowerCase())) { used.add(name.toLowerCase()); return name; }
        }
    };
}

/** The first resource a request ran out of on the candidate hosts (for the located error). */
export function exhaustedResource(states: readonly HostState[], shape: RequestShape): string {
    const hosts = states.filter(s => !shape.hosts || shape.hosts.includes(s.host.name));
    if (hosts.length === 0) return `no host named ${shape.hosts?.join(', ')} in the workspace`;
    const reasons = new Map<string, number>();
    const add = (r: string) => reasons.set(r, (reasons.get(r) ?? 0) + 1);
    for (const s of hosts) {
        if (!shape.gpus) {
            const node = [...s.nodes.values()].find(n => n.freeCores.length >= (n.smt && shape.smtPairs ? shape.vcpus / 2 : shape.vcpus));
            add(!node ? 'cores' : 'memory or hugepages');
            continue;
        }
        const gpus = [...s.gpus.keys()].filter(g => shape.gpus!.models.includes(g.spec));
        if (gpus.length === 0) { add(`${shape.gpus.models.length === 1 ? shape.gpus.models[0].model : 'suitable'} GPUs`); continue; }
        const causes = gpus.map(g => unusableBecause(s, g, shape)).filter((c): c is string => !!c);
        const specific = causes.filter(c => c !== 'GPUs' && c !== 'model');
        if (causes.length === gpus.length) add(specific.length > 0 ? mostCommon(specific) : 'GPUs');
        else add(shape.nic ? (shape.nic.vf ? 'NIC VFs' : 'NICs') + (shape.locality === 'required' ? ` (${shape.nic.locality})` : '') : 'hugepages or Fabric Manager partitions');
    }
    const first = [...reasons].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0][0];
    return first;
}

function mostCommon(list: readonly string[]): string {
    const counts = new Map<string, number>();
    for (const x of list) counts.set(x, (counts.get(x) ?? 0) + 1);
    return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0][0];
}

/** Largest first: GPU-equivalents (a MIG slice its compute share, a vGPU 1 / its maximum), whole before sliced, vCPUs, memory; then the written order. */
function bySize(a: RequestShape, b: RequestShape): number {
    const gpus = (r: RequestShape) => !r.gpus ? 0 : r.gpus.mode === 'passthrough' ? r.gpus.count : r.gpus.count * migShare(r);
    const whole = (r: RequestShape) => r.gpus?.mode === 'passthrough' ? 1 : 0;
    return gpus(b) - gpus(a) || whole(b) - whole(a) || b.vcpus - a.vcpus || b.memoryMiB - a.memoryMiB;
}

/**
 * Plans `requests` onto the hosts of `topology` next to its VMs (async only because the MILP
 * solver loads WebAssembly). Deterministic: the same input gives the same plan.
 */
export async function planRequests(topology: Topology, requests: readonly RequestShape[], options: PlanOptions = {}): Promise<PlanResult> {
    const hosts = topology.hosts.filter(h => !options.host || h.name === options.host);
    const method = options.method ?? (hosts.length === 1 ? 'milp' : 'heuristic');
    if (method === 'milp' && hosts.length === 1) {
        const milp = await planMilp(topology, hosts[0], requests);
        if (milp) return milp;
    }
    return planHeuristic(topology, hosts, requests, options);
}

/**
 * Bounds of the repair: rounds at most, rounds without a better plan before it stops, and VM
 * placements times hosts in all (each placement looks at every host: bounds the time on fleets).
 */
const REPAIR_ROUNDS = 1000;
const REPAIR_PATIENCE = 300;
const REPAIR_WORK = 8000;

/**
 * The greedy planner with look-ahead (pure, synchronous). Batch mode (not `online`): the VMs are
 * placed one at a time in several orders — largest first (packs well when everything fits), by
 * dominant share, as written, smallest first (places the most when the batch is larger than the
 * hosts) — and, while some stay unplaced, the best plan is repaired by ruin and recreate (Schrimpf
 * et al., "Record Breaking Optimization Results Using the Ruin and Recreate Principle", J. Comput.
 * Phys. 159, 2000, https://doi.org/10.1006/jcph.1999.6413): some VMs of one host are taken out and
 * they and the unplaced VMs are placed again in a shuffled order; a plan placing no fewer VMs is kept
 * as the next start. Seeded, so deterministic; the best plan by the objective (placed, locality,
 * stranded) is returned.
 */
export function planHeuristic(topology: Topology, hosts: readonly HostModel[], requests: readonly RequestShape[], options: PlanOptions = {}): PlanResult {
    const units = (order: readonly RequestShape[]) => order.flatMap(shape => Array.from({ length: shape.count }, () => shape));
    if (options.online) return placeAll(topology, hosts, requests, [], units(requests));
    let best: PlanResult | undefined;
    for (const by of ['largest', 'dominant', 'given', 'smallest'] as const) {
        const run = placeAll(topology, hosts, requests, [], units(ordered(hosts, requests, by)));
        if (!best || better(run, best)) best = run;
        if (best.unplaced.length === 0) return best;
    }
    const random = mulberry32(0x766d746f);
    const initial = hostStates(topology, hosts);
    // VMs that fit on none of the hosts as they are before the plan never will: not worth a repair.
    const fits = new Set(requests.filter(shape => bestOption(initial, shape, []) !== undefined).map(shape => shape.name));
    const open = (plan: PlanResult) => plan.unplaced.filter(u => fits.has(u.request)).map(u => requests.find(r => r.name === u.request)!);
    let current = best!;
    for (let round = 0, work = 0, stale = 0; round < REPAIR_ROUNDS && stale < REPAIR_PATIENCE && work < REPAIR_WORK && open(best!).length > 0; round++, stale++) {
        const busy = hosts.filter(h => current.vms.some(v => v.host === h));
        const host = busy[Math.floor(random() * busy.length)];
        const out = current.vms.filter(v => v.host === host && random() < 0.25);
        if (out.length === 0) continue;
        const left = open(current);
        const again = shuffle([...out.map(v => v.shape), ...left], random);
        work += (out.length + new Set(left).size) * hosts.length;
        const next = placeAll(topology, hosts, requests, current.vms.filter(v => !out.includes(v)), again, initial, random);
        if (next.placed >= current.placed) current = next;
        if (better(current, best!)) { best = current; stale = 0; }
    }
    return best!;
}

/** Whether plan `a` is better than `b` by the objective: more VMs placed, then lower locality cost, then less stranded capacity. */
function better(a: PlanResult, b: PlanResult): boolean {
    return a.placed > b.placed || (a.placed === b.placed && (a.locality < b.locality || (a.locality === b.locality && a.stranded < b.stranded)));
}

/** The requests in one of the heuristic's orders (stable: ties keep the written order). */
function ordered(hosts: readonly HostModel[], requests: readonly RequestShape[], by: 'given' | 'largest' | 'dominant' | 'smallest'): RequestShape[] {
    const order = requests.map((shape, i) => ({ shape, i }));
    const share = dominantShare(hosts);
    if (by === 'dominant') order.sort((a, b) => share(b.shape) - share(a.shape) || bySize(a.shape, b.shape) || a.i - b.i);
    else if (by !== 'given') order.sort((a, b) => (by === 'largest' ? bySize(a.shape, b.shape) : bySize(b.shape, a.shape)) || a.i - b.i);
    return order.map(x => x.shape);
}

/** A request's largest share of the hosts' GPUs (GPU-equivalents), cores or memory. */
function dominantShare(hosts: readonly HostModel[]): (r: RequestShape) => number {
    const gpus = hosts.reduce((a, h) => a + h.devices.filter(d => d.kind === 'gpu').length, 0) || 1;
    const cpus = hosts.reduce((a, h) => a + h.numaNodes.reduce((b, n) => b + n.cpus.size, 0), 0) || 1;
    const memory = hosts.reduce((a, h) => a + h.numaNodes.reduce((b, n) => b + n.memoryMiB, 0), 0) || 1;
    return r => {
        const g = r.gpus ? (r.gpus.mode === 'passthrough' ? r.gpus.count : r.gpus.count * migShare(r)) : 0;
        return Math.max(g / gpus, r.vcpus / cpus, r.memoryMiB / memory);
    };
}

/** The GPU share of one slice of a request: MIG compute slices / 7, a vGPU 1 / its maximum per GPU. */
function migShare(r: RequestShape): number {
    const spec = r.gpus!.models[0];
    if (!spec) return 1;
    const profile = r.gpus!.mode === 'mig' ? findMigProfile(spec, r.gpus!.slice) : undefined;
    if (profile) return profile.computeSlices / Math.max(1, ...spec.migProfiles.map(p => p.computeSlices));
    const type = findVgpuType(spec, r.gpus!.slice);
    return type ? 1 / type.maxPerGpu : 1;
}

/**
 * A plan: the VMs of `kept` committed again on the hosts' free state (the same GPUs, MIG start
 * slots, NICs and core counts per NUMA node), then the VMs of `order` (one entry per VM) placed one
 * at a time, each at its {@link bestOption} (with `random`, MIG slices at the lowest or the highest
 * start slot at random).
 */
function placeAll(topology: Topology, hosts: readonly HostModel[], requests: readonly RequestShape[], kept: readonly PlannedVm[], order: readonly RequestShape[],
    initial: readonly HostState[] = hostStates(topology, hosts), random?: () => number): PlanResult {
    const states = initial.map(cloneState);
    const workload = workloadOf(requests);
    const name = nameFactory(topology);
    const vms: PlannedVm[] = kept.map(v => {
        const committed = commit({ ...v.committed.option, state: states[hosts.indexOf(v.host)] }, v.shape);
        return { ...v, name: name(v.request), committed };
    });
    const unplaced: Unplaced[] = [];
    const seen = new Map<RequestShape, number>(kept.map(v => [v.shape, 0] as const));
    for (const v of kept) seen.set(v.shape, seen.get(v.shape)! + 1);
    // Resources only shrink during a pass: a shape that failed once fails again, for the same reason.
    const failed = new Map<RequestShape, string>();
    for (const shape of order) {
        const index = (seen.get(shape) ?? 0) + 1;
        seen.set(shape, index);
        // In the repair, half the MIG slices at their lowest start slot instead of the highest: some
        // layouts (a 3g at slot 4 beside small slices) are reached only that way.
        const chosen = failed.has(shape) ? undefined : bestOption(states, shape, workload, random ? random() < 0.5 : false);
        if (!chosen) {
            if (!failed.has(shape)) failed.set(shape, exhaustedResource(states, shape));
            unplaced.push({ request: shape.name, index, reason: failed.get(shape)! });
            continue;
        }
        vms.push({ name: name(shape.name), request: shape.name, host: chosen.state.host, committed: commit(chosen, shape), shape });
    }
    return summarize('heuristic', vms, unplaced, requests, states, workload, undefined);
}

/**
 * The best option for one VM over all hosts: locality first; then the growth of stranded capacity it
 * causes (the look-ahead: FGD's expected-fragmentation delta over the workload's shapes, Weng et al.,
 * "Beware of Fragmentation", USENIX ATC 2023); then host order and the GPUs' PCI address order (the
 * lowest first, as FGD's scheduler breaks ties: later hosts and GPUs stay whole for larger requests;
 * on the openb trace this beats preferring the tightest NUMA node, bench/placement.ts); then the
 * tightest fit. `lowestStart`: MIG slices at their lowest valid start slot rather than the highest.
 */
export function bestOption(states: readonly HostState[], shape: RequestShape, workload: Workload, lowestStart = false): Option | undefined {
    let best: { o: Option; key: number[] } | undefined;
    // Hosts in the same state as an earlier host score the same and lose on host order: skipped.
    const seenHosts = new Set<string>();
    for (const s of states) {
        if (shape.hosts && !shape.hosts.includes(s.host.name)) continue;
        const signature = stateSignature(s);
        if (seenHosts.has(signature)) continue;
        seenHosts.add(signature);
        const opts = placementOptions(s, shape, 12, lowestStart);
        if (opts.length === 0) continue;
        const before = cachedStranded(s, workload);
        const seenOptions = new Set<string>();
        for (const o of opts) {
            if (best && o.locality > best.key[0]) break;
            // Options that differ only in which of several identical GPUs they take leave the same state.
            const sig = optionSignature(s, o);
            if (seenOptions.has(sig)) continue;
            seenOptions.add(sig);
            const copy = { ...o, state: cloneState(s) };
            commit(copy, shape);
            const delta = strandedGpuEquivalents(copy.state, workload) - before;
            const key = [o.locality, Math.round(delta * 1e6), s.index, ...o.gpus.flatMap(g => pciOrder(g.gpu)), Math.round(o.fit * 1e6)];
            if (!best || lexLess(key, best.key)) best = { o, key };
        }
    }
    return best?.o;
}

/** A device's PCI address as numbers (domain, bus, device, function), for ordering. */
function pciOrder(gpu: GpuModel): number[] {
    return [gpu.address.domain, gpu.address.bus, gpu.address.device, gpu.address.function];
}

/** What a GPU offers as the planner sees it: model, NUMA node, mode and MIG layout, and every NIC's path type to it and state. */
function gpuSignature(s: HostState, gpu: GpuModel): string {
    const st = s.gpus.get(gpu)!;
    const mode = st.mode === 'mig' ? `mig:${st.instances.map(i => `${i.profile.name}@${i.start ?? '-'}`).sort().join('+')}` : st.mode === 'vgpu' ? `vgpu:${st.type}:${st.count}` : st.mode;
    const nics = [...s.nics].map(([nic, ns]) => `${pathOf(nic, gpu)}/${nic.numa}/${nic.spec.model}/${ns.pf}/${nic.vfs - ns.usedVfs.size}/${s.reserved.has(nic) ? 'r' : ''}`).sort().join(',');
    return `${gpu.spec.model}|${gpu.numa}|${mode}|${s.reserved.has(gpu) ? 'r' : ''}|${nics}`;
}

/** The planner-relevant state of a host (free cores, memory and pages per node, GPUs, NICs), for skipping identical hosts. */
export function stateSignature(s: HostState): string {
    const nodes = [...s.nodes.values()].map(n => `${n.id}:${n.freeCores.length}:${n.smt ? 1 : 0}:${Math.round(n.freeMemoryMiB)}:${[...n.freePages].map(([k, v]) => `${k}=${v}`).join(';')}`).join('/');
    const gpus = [...s.gpus.keys()].map(g => gpuSignature(s, g)).sort().join('/');
    const nics = [...s.nics].map(([nic, ns]) => `${nic.spec.model}|${nic.numa}|${ns.pf}|${nic.vfs - ns.usedVfs.size}|${nic.parentSwitch ? 's' : ''}`).sort().join('/');
    return `${s.board ? 'fm' : ''}#${s.host.platform}#${s.host.license ?? ''}#${nodes}#${gpus}#${nics}`;
}

/** An option's effect on its host, for skipping options equivalent to an earlier one. */
export function optionSignature(s: HostState, o: Option): string {
    return `${o.gpus.map(g => `${gpuSignature(s, g.gpu)}@${g.start ?? ''}:${g.slice ?? ''}`).sort().join(',')}#${[...o.cores].join(',')}#${o.nics.map(n => `${n.path}:${n.vf}`).join(',')}#${o.locality}`;
}

/** Stranded capacity of a state, cached per state version and workload (hosts a request does not touch keep theirs). */
const strandedCache = new WeakMap<HostState, { version: number; workload: Workload; value: number }>();
function cachedStranded(s: HostState, workload: Workload): number {
    const hit = strandedCache.get(s);
    if (hit && hit.version === s.version && hit.workload === workload) return hit.value;
    const value = strandedGpuEquivalents(s, workload);
    strandedCache.set(s, { version: s.version, workload, value });
    return value;
}

function lexLess(a: readonly number[], b: readonly number[]): boolean {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i];
    return false;
}

function summarize(method: 'milp' | 'heuristic', vms: PlannedVm[], unplaced: Unplaced[], requests: readonly RequestShape[],
    states: readonly HostState[], workload: Workload, gap: number | undefined): PlanResult {
    const locality = vms.reduce((a, v) => a + v.committed.option.locality, 0);
    const stranded = states.reduce((a, s) => a + strandedGpuEquivalents(s, workload), 0);
    const requested = requests.reduce((a, r) => a + r.count, 0);
    // Bound of the heuristic: every VM placed at the best locality one VM of its shape has alone.
    return { vms, unplaced, method, placed: vms.length, requested, locality, stranded, gap: gap ?? (requested === 0 ? 0 : (requested - vms.length) / requested) };
}

/** The HiGHS solver as the `highs` package gives it (https://github.com/lovasoa/highs-js). */
export interface Highs {
    solve(problem: string, options?: Record<string, unknown>): { Status: string; ObjectiveValue: number; Columns: Record<string, { Primal: number }> };
}

/** The WebAssembly file's name: copied beside the server and CLI bundles by the build (scripts/highs-wasm.mjs). */
const HIGHS_WASM = 'highs.wasm';

/**
 * Where highs.wasm lies: beside the running bundle (out/server/ for the extension's server, out/cli/
 * for the CLI, whose chunks are one folder down), else where Node resolves the package's
 * `highs/runtime` export (tests and tools run from the repository). Undefined when none is found.
 */
function highsWasm(): string | undefined {
    const candidates: Array<() => string> = [];
    if (typeof require === 'function') {
        // the server bundle (CommonJS) and the CLI's chunks (their banner defines `require`)
        for (const dir of ['.', '..']) candidates.push(() => require.resolve(`${dir}/${HIGHS_WASM}`));
        candidates.push(() => require.resolve(['highs', 'runtime'].join('/'))); // not resolved by the bundler
    }
    for (const resolve of candidates) {
        try { return resolve(); } catch { /* next */ }
    }
    return undefined;
}

let highsInstance: Promise<Highs> | undefined;

/**
 * The HiGHS solver (https://highs.dev), loaded once: the package's JavaScript is bundled with the
 * server and the CLI, its WebAssembly found by {@link highsWasm}. Rejects when it cannot be loaded
 * (then the planner falls back to the heuristic).
 */
export function loadHighs(): Promise<Highs> {
    if (!highsInstance) {
        highsInstance = (async () => {
            const wasm = highsWasm();
            const options = wasm ? { locateFile: () => wasm } : undefined;
            type Loader = (options?: object) => Promise<Highs>;
            // Never from the working folder: running vmtopo in a folder must not load code from it. A
            // CommonJS bundle built without scripts/highs-wasm.mjs's plugin cannot run the package's ES
            // module build: it rejects here, and the planner uses its heuristic.
            return ((await import('highs')).default as unknown as Loader)(options);
        })();
        highsInstance.catch(() => { highsInstance = undefined; });
    }
    return highsInstance;
}

/**
 * The exact model for one host: an integer count n(r, o) per request r and option o (options
 * enumerated on the host's free state), at most the request's count per request; rows keep every
 * resource (a GPU's mode — whole, MIG or one vGPU type — chosen once; MIG memory slots, compute
 * slices and per-profile maxima; vGPUs per type; NIC PF versus VFs and free VFs; cores, memory and
 * hugepages per NUMA node). Maximises PLACE_WEIGHT per VM minus LOCALITY_WEIGHT per unit of
 * locality minus the option's fit. Undefined when HiGHS is unavailable or reports no optimum.
 */
export async function planMilp(topology: Topology, host: HostModel, requests: readonly RequestShape[]): Promise<PlanResult | undefined> {
    const [state] = hostStates(topology, [host]);
    const workload = workloadOf(requests);
    const opts: Array<{ r: number; o: Option; mig: Array<{ gpu: string; slots: number[]; profile: string; compute: number; me: boolean }> }> = [];
    const gpuId = new Map([...state.gpus.keys()].map((g, i) => [g, `g${i}`] as const));
    const nicId = new Map([...state.nics.keys()].map((n, i) => [n, `n${i}`] as const));
    requests.forEach((shape, r) => {
        for (const o of allOptions(state, shape)) {
            const mig = o.gpus.filter(g => g.start !== undefined || (g.mode === 'vgpu' && findVgpuType(g.gpu.spec, g.slice)?.mode === 'mig-backed')).map(g => {
                const profile = g.mode === 'mig' ? findMigProfile(g.gpu.spec, g.slice)! : g.gpu.spec.migProfiles.find(p => p.name === findVgpuType(g.gpu.spec, g.slice)?.migProfile)!;
                const start = g.start ?? 0;
                return { gpu: gpuId.get(g.gpu)!, slots: Array.from({ length: profile.memorySlices }, (_, k) => start + k), profile: profile.name, compute: profile.computeSlices, me: profile.mediaExtensions };
            });
            opts.push({ r, o, mig });
        }
    });
    if (opts.length > 5000) return undefined;
    if (opts.length === 0) {
        const none: Unplaced[] = requests.flatMap(shape => Array.from({ length: shape.count }, (_, k) => ({ request: shape.name, index: k + 1, reason: exhaustedResource([state], shape) })));
        return summarize('milp', [], none, requests, [state], workload, 0);
    }
    const rows: string[] = [];
    const ints: string[] = [];
    const bounds: string[] = [];
    const v = (i: number) => `x${i}`;
    const objective: string[] = [];
    opts.forEach((x, i) => {
        objective.push(`${PLACE_WEIGHT - LOCALITY_WEIGHT * x.o.locality - Math.round(x.o.fit * 10)} ${v(i)}`);
        ints.push(v(i));
        bounds.push(`0 <= ${v(i)} <= ${requests[x.r].count}`);
    });
    const sum = (terms: string[]) => terms.length ? terms.join(' + ') : '0 x0';
    // per request
    requests.forEach((shape, r) => {
        const t = opts.map((x, i) => x.r === r ? v(i) : '').filter(Boolean);
        if (t.length) rows.push(`${sum(t)} <= ${shape.count}`);
    });
    // GPU modes
    const modeVars = new Set<string>();
    const gpuRows = new Map<string, string[]>();
    /** The vGPU type of each time-sliced row (`vg_GPU_MODE`). */
    const vgType = new Map<string, string | undefined>();
    const push = (key: string, term: string) => { const l = gpuRows.get(key); if (l) l.push(term); else gpuRows.set(key, [term]); };
    opts.forEach((x, i) => {
        for (const g of x.o.gpus) {
            const id = gpuId.get(g.gpu)!;
            const isMig = g.start !== undefined || (g.mode === 'vgpu' && findVgpuType(g.gpu.spec, g.slice)?.mode === 'mig-backed');
            const mode = g.mode === 'passthrough' ? 'pt' : isMig ? 'mig' : `v_${(g.slice ?? '').replace(/[^A-Za-z0-9]/g, '_')}`;
            const z = `z_${id}_${mode}`;
            modeVars.add(z);
            const cap = g.mode === 'passthrough' ? 1 : isMig ? 8 : (findVgpuType(g.gpu.spec, g.slice)?.maxPerGpu ?? 1);
            rows.push(`${v(i)} - ${cap} ${z} <= 0`);
            if (g.mode === 'passthrough') push(`pt_${id}`, v(i));
            else if (!isMig) { push(`vg_${id}_${mode}`, v(i)); vgType.set(`vg_${id}_${mode}`, g.slice); }
        }
        for (const m of x.mig) {
            for (const s of m.slots) push(`slot_${m.gpu}_${s}`, v(i));
            push(`cs_${m.gpu}`, `${m.compute} ${v(i)}`);
            push(`pm_${m.gpu}_${m.profile.replace(/[^A-Za-z0-9]/g, '_')}`, v(i));
            if (m.me) push(`me_${m.gpu}`, v(i));
        }
    });
    for (const [gpu, st] of state.gpus) {
        const id = gpuId.get(gpu)!;
        const zs = [...modeVars].filter(z => z.startsWith(`z_${id}_`));
        if (zs.length === 0) continue;
        const fixed = st.mode === 'free' ? undefined : st.mode === 'passthrough' ? 'pt' : st.mode === 'mig' ? 'mig' : `v_${st.type.replace(/[^A-Za-z0-9]/g, '_')}`;
        if (fixed === undefined) rows.push(`${zs.join(' + ')} <= 1`);
        else for (const z of zs) if (z !== `z_${id}_${fixed}`) rows.push(`${z} <= 0`);
    }
    for (const [key, terms] of gpuRows) {
        let cap = 1;
        const [kind, id] = key.split('_');
        const gpu = [...gpuId].find(([, x]) => x === id)![0];
        const st = state.gpus.get(gpu)!;
        if (kind === 'vg') {
            const t = st.mode === 'vgpu' ? findVgpuType(gpu.spec, st.type) : undefined;
            const type = t ?? findVgpuType(gpu.spec, vgType.get(key));
            cap = (type?.maxPerGpu ?? 1) - (st.mode === 'vgpu' ? st.count : 0);
        } else if (kind === 'slot') {
            const slot = Number(key.split('_')[2]);
            cap = occupiedSlots(gpu, st).has(slot) ? 0 : 1;
        } else if (kind === 'cs') {
            const used = st.mode === 'mig' ? st.instances.reduce((a, i) => a + i.profile.computeSlices, 0) : 0;
            cap = Math.max(...gpu.spec.migProfiles.map(p => p.computeSlices)) - used;
        } else if (kind === 'pm') {
            const name = key.split('_').slice(2).join('_');
            const profile = gpu.spec.migProfiles.find(p => p.name.replace(/[^A-Za-z0-9]/g, '_') === name)!;
            cap = profile.maxPerGpu - (st.mode === 'mig' ? st.instances.filter(i => i.profile === profile).length : 0);
        } else if (kind === 'me') {
            cap = st.mode === 'mig' && st.instances.some(i => i.profile.mediaExtensions) ? 0 : 1;
        }
        rows.push(`${sum(terms)} <= ${Math.max(0, cap)}`);
    }
    // NICs: PF versus VFs
    const nicPf = new Map<string, string[]>();
    const nicVf = new Map<string, string[]>();
    opts.forEach((x, i) => {
        const count = new Map<string, number>();
        for (const n of x.o.nics) count.set(nicId.get(n.nic)! + (n.vf ? 'v' : 'p'), (count.get(nicId.get(n.nic)! + (n.vf ? 'v' : 'p')) ?? 0) + 1);
        for (const [k, c] of count) {
            const map = k.endsWith('v') ? nicVf : nicPf;
            const id = k.slice(0, -1);
            const l = map.get(id) ?? [];
            l.push(`${c} ${v(i)}`);
            map.set(id, l);
        }
    });
    for (const [nic, st] of state.nics) {
        const id = nicId.get(nic)!;
        const pf = nicPf.get(id);
        const vf = nicVf.get(id);
        // w = 1: the PF goes to a VM by passthrough (then none of its VFs may).
        const freeVfs = Math.max(0, nic.vfs - st.usedVfs.size);
        if (pf) rows.push(`${pf.join(' + ')} - w_${id} <= 0`);
        if (vf) rows.push(`${vf.join(' + ')} + ${freeVfs} w_${id} <= ${freeVfs}`);
        if (pf || vf) {
            ints.push(`w_${id}`);
            bounds.push(`0 <= w_${id} <= ${st.usedVfs.size > 0 || st.pf !== 'free' ? 0 : 1}`);
        }
    }
    // Cores, memory (GiB, rounded up per option) and pages per node
    for (const [id, n] of state.nodes) {
        const c = opts.map((x, i) => (x.o.cores.get(id) ?? 0) > 0 ? `${x.o.cores.get(id)} ${v(i)}` : '').filter(Boolean);
        if (c.length) rows.push(`${c.join(' + ')} <= ${n.freeCores.length}`);
        const m = opts.map((x, i) => (x.o.memory.get(id) ?? 0) > 0 ? `${x.o.memory.get(id)} ${v(i)}` : '').filter(Boolean);
        if (m.length) rows.push(`${m.join(' + ')} <= ${Math.floor(n.freeMemoryMiB)}`);
        for (const [size, free] of n.freePages) {
            const p = opts.map((x, i) => requests[x.r].hugepageMiB === size && (x.o.pages.get(id) ?? 0) > 0 ? `${x.o.pages.get(id)} ${v(i)}` : '').filter(Boolean);
            if (p.length) rows.push(`${p.join(' + ')} <= ${free}`);
        }
    }
    const lp = [
        'Maximize', ` obj: ${objective.join(' + ')}`,
        'Subject To', ...rows.map((r, i) => ` c${i}: ${r}`),
        'Bounds', ...bounds.map(b => ` ${b}`), ...[...modeVars].map(z => ` 0 <= ${z} <= 1`),
        'General', ` ${[...ints, ...modeVars].join(' ')}`,
        'End'
    ].join('\n');
    let solution;
    try {
        solution = (await loadHighs()).solve(lp, { output_flag: false, random_seed: 0, threads: 1, time_limit: 20 });
    } catch (e) {
        if (process.env.VMTOPO_DEBUG === '1') console.error(e);
        return undefined;
    }
    if (solution.Status !== 'Optimal') return undefined;
    // Commit the chosen options on the host state, largest first (deterministic).
    const name = nameFactory(topology);
    const vms: PlannedVm[] = [];
    const chosen = opts.map((x, i) => ({ ...x, n: Math.round(solution.Columns[v(i)]?.Primal ?? 0) })).filter(x => x.n > 0);
    chosen.sort((a, b) => a.r - b.r || a.o.locality - b.o.locality);
    const placedPer = new Map<number, number>();
    for (const x of chosen) {
        for (let k = 0; k < x.n; k++) {
            const committed = commit({ ...x.o, state }, requests[x.r]);
            placedPer.set(x.r, (placedPer.get(x.r) ?? 0) + 1);
            vms.push({ name: name(requests[x.r].name), request: requests[x.r].name, host, committed, shape: requests[x.r] });
        }
    }
    const unplaced: Unplaced[] = [];
    requests.forEach((shape, r) => {
        for (let k = (placedPer.get(r) ?? 0) + 1; k <= shape.count; k++) unplaced.push({ request: shape.name, index: k, reason: exhaustedResource([state], shape) });
    });
    return summarize('milp', vms, unplaced, requests, [state], workload, 0);
}

/** Every option of a request on a host state for the exact model: all MIG start slots, all NIC-feasible GPU sets. */
function allOptions(state: HostState, shape: RequestShape): Option[] {
    const base = placementOptions(state, shape, 400);
    const sliced = (o: Option) => o.gpus.length === 1 && (o.gpus[0].mode === 'mig' || (o.gpus[0].mode === 'vgpu' && findVgpuType(o.gpus[0].gpu.spec, o.gpus[0].slice)?.mode === 'mig-backed'));
    if (!base.some(sliced)) return base;
    // every valid start slot, not only the planner's preferred (highest) one
    const out: Option[] = [];
    for (const o of base) {
        if (!sliced(o)) { out.push(o); continue; }
        const g = o.gpus[0];
        const profile = g.mode === 'mig' ? findMigProfile(g.gpu.spec, g.slice)! : g.gpu.spec.migProfiles.find(p => p.name === findVgpuType(g.gpu.spec, g.slice)?.migProfile)!;
        const st = state.gpus.get(g.gpu)!;
        const taken = occupiedSlots(g.gpu, st);
        for (const s of profile.startSlots) {
            const slots = Array.from({ length: profile.memorySlices }, (_, k) => s + k);
            if (s + profile.memorySlices > migCapacity(g.gpu.spec).memory || slots.some(x => taken.has(x))) continue;
            out.push({ ...o, gpus: [{ ...g, start: s }] });
        }
    }
    return out;
}

/** The memory slots the MIG instances of a GPU occupy (their written starts, or the layout vmtopo computes). */
function occupiedSlots(gpu: GpuModel, st: GpuState): Set<number> {
    const out = new Set<number>();
    if (st.mode === 'passthrough' || st.mode === 'vgpu') { for (let k = 0; k < 8; k++) out.add(k); return out; }
    if (st.mode !== 'mig') return out;
    const starts = placeLayout(gpu, st.instances);
    st.instances.forEach((inst, i) => { for (let k = 0; k < inst.profile.memorySlices; k++) out.add(starts[i] + k); });
    return out;
}

function placeLayout(gpu: GpuModel, instances: readonly GiRequest[]): number[] {
    return placeMig(instances, migCapacity(gpu.spec)) ?? instances.map(() => 0);
}

/** MIG-backed vGPU type for a MIG profile (the type the VM is written with when the board has one). */
export function migTypeName(gpu: GpuModel, profile: string): string | undefined {
    return migBackedTypeFor(gpu.spec, profile)?.name;
}
