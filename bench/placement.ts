/**
 * Placement benchmark (`npm run bench -- --only placement`; never part of the tests): the planner
 * against published scheduling policies on the production GPU cluster trace of Weng et al., "Beware
 * of Fragmentation: Scheduling GPU-Sharing Workloads with Fragmentation Gradient Descent" (USENIX
 * ATC 2023, https://www.usenix.org/conference/atc23/presentation/weng; traces: alibaba/clusterdata
 * cluster-trace-gpu-v2023, csv/openb_node_list_gpu_node.csv and openb_pod_list_default.csv, read in place
 * from the reference folder beside the repository, never copied into it).
 *
 * Model (issue 18): N hosts shaped like the trace's GPU nodes (gpu count, cpu_milli, memory_mib),
 * each node type its proportional share in file order; every GPU an H100 SXM5 80GB under its own
 * PCIe switch with one ConnectX-7 (PF + 8 VFs); ≥ 3 GPUs: two NUMA nodes with half the GPUs, CPUs
 * (SMT pairs) and memory each; all GPUs of a host on NVLink. Requests from the pod list (CPU-only
 * skipped): whole GPUs → passthrough with the PF of the NIC on each GPU's switch; gpu_milli < 1000 →
 * the smallest H100 MIG profile with compute slices / 7 ≥ gpu_milli / 1000 and one VF of that GPU's
 * NIC; vCPUs ⌈cpu_milli/1000⌉ rounded up to even as SMT pairs on the GPUs' node(s); memory
 * ⌈memory_mib/1024⌉ GiB there. Arrival: trace order, cycling, no departures, until 200 consecutive
 * requests fail.
 *
 * Policies: random-fit, first-fit, best-fit, GPU packing (the baselines of Weng et al.), NVIDIA
 * go-gpuallocator's best-effort policy (https://github.com/NVIDIA/go-gpuallocator, link-type scores
 * of GPU pairs; here per NUMA node, every pair being NVLink), FGD (least growth of expected
 * fragmentation over the trace's task shapes, Weng et al.), and the vmtopo planner online (locality
 * first, then the same fragmentation look-ahead, then the tightest fit).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { URI } from 'langium';
import { createVmtopoServices } from '../language/src/vmtopo-module.js';
import type { Model } from '../language/src/generated/ast.js';
import { findGpu } from '../language/src/catalog/index.js';
import type { RequestShape } from '../language/src/model/request.js';
import type { HostModel } from '../language/src/model/topology.js';
import { hostStates, cloneState, type HostState } from '../language/src/features/plan/state.js';
import { commit, placementOptions, type Option } from '../language/src/features/plan/options.js';
import { bestOption, optionSignature, planHeuristic, stateSignature, strandedGpuEquivalents, unusableBecause, type Workload } from '../language/src/features/plan/planner.js';
import { mulberry32, shuffle } from '../language/src/kernel/random.js';

const H100 = findGpu('H100 SXM5 80GB')!;
const PROFILES = ['1g.10gb', '2g.20gb', '3g.40gb', '4g.40gb', '7g.80gb'].map(n => H100.migProfiles.find(p => p.name === n)!);

function csv(file: string): Array<Record<string, string>> {
    const [head, ...rows] = fs.readFileSync(file, 'utf8').trim().split('\n');
    const cols = head.split(',');
    return rows.map(r => { const v = r.split(','); return Object.fromEntries(cols.map((c, i) => [c, v[i]])); });
}

interface NodeType { cpu: number; memMiB: number; gpus: number; count: number }

/** Node types in file order with their counts, and the N hosts' types (largest remainder). */
function fleetTypes(nodes: Array<Record<string, string>>, n: number): NodeType[] {
    const types: NodeType[] = [];
    for (const r of nodes) {
        const cpu = Number(r.cpu_milli) / 1000, memMiB = Number(r.memory_mib), gpus = Number(r.gpu);
        const t = types.find(x => x.cpu === cpu && x.memMiB === memMiB && x.gpus === gpus);
        if (t) t.count++; else types.push({ cpu, memMiB, gpus, count: 1 });
    }
    const total = nodes.length;
    const shares = types.map(t => ({ t, exact: n * t.count / total }));
    const out = shares.map(s => ({ ...s, k: Math.floor(s.exact) }));
    let left = n - out.reduce((a, s) => a + s.k, 0);
    for (const s of [...out].sort((a, b) => (b.exact - b.k) - (a.exact - a.k))) { if (left-- <= 0) break; s.k++; }
    return out.flatMap(s => Array.from({ length: s.k }, () => s.t));
}

function hostText(i: number, t: NodeType): string {
    const nodes = t.gpus >= 3 ? 2 : 1;
    const threads = Math.floor(t.cpu / nodes);
    const cores = Math.floor(threads / 2);
    const lines = [`host h${i} {`, '    platform kvm'];
    for (let n = 0; n < nodes; n++) {
        const a = n * cores, b = nodes * cores + n * cores;
        lines.push(`    socket s${n} { numa ${n} cores ${a}-${a + cores - 1},${b}-${b + cores - 1} memory ${Math.floor(t.memMiB / nodes)} MiB }`);
    }
    for (let g = 0; g < t.gpus; g++) {
        const n = nodes === 2 && g >= t.gpus / 2 ? 1 : 0;
        const bus = 0x10 + g * 0x10;
        const hex = (x: number) => x.toString(16).padStart(2, '0');
        lines.push(`    pcie-switch sw${g} at 0000:${hex(bus)}:00.0 on s${n} {`);
        lines.push(`        gpu gpu${g} "H100 SXM5 80GB" at 0000:${hex(bus + 1)}:00.0`);
        lines.push(`        nic nic${g} "ConnectX-7" at 0000:${hex(bus + 2)}:00.0 vfs 8`);
        lines.push('    }');
    }
    lines.push('}');
    return lines.join('\n');
}

/** The request shape of a pod (undefined for CPU-only pods), cached by its key. */
function shapeOf(pod: Record<string, string>, cache: Map<string, RequestShape>): RequestShape | undefined {
    const k = Number(pod.num_gpu);
    if (k === 0) return undefined;
    const milli = Number(pod.gpu_milli);
    let vcpus = Math.ceil(Number(pod.cpu_milli) / 1000);
    if (vcpus % 2 === 1) vcpus++;
    vcpus = Math.max(2, vcpus);
    const memoryMiB = Math.max(1, Math.ceil(Number(pod.memory_mib) / 1024)) * 1024;
    const sharing = k === 1 && milli < 1000;
    const profile = sharing ? PROFILES.find(p => p.computeSlices / 7 >= milli / 1000)! : undefined;
    const key = `${k}/${profile?.name ?? 'pt'}/${vcpus}/${memoryMiB}`;
    let shape = cache.get(key);
    if (!shape) {
        shape = {
            name: `r${cache.size}`,
            gpus: { count: k, models: [H100], mode: sharing ? 'mig' : 'passthrough', ...(profile ? { slice: profile.name } : {}) },
            nic: { perGpu: 1, vf: sharing, locality: 'same-switch' },
            vcpus, smtPairs: true, memoryMiB, count: 1, locality: 'required'
        };
        cache.set(key, shape);
    }
    return shape;
}

function gpuEq(shape: RequestShape): number {
    const g = shape.gpus!;
    return g.mode === 'passthrough' ? g.count : H100.migProfiles.find(p => p.name === g.slice)!.computeSlices / 7;
}


type Policy = (states: HostState[], shape: RequestShape, ctx: { random: () => number; workload: Workload }) => Option | undefined;

const gpuIndex = (o: Option) => o.gpus.map(g => g.gpu.address.bus);
const lexLess = (a: readonly number[], b: readonly number[]) => { for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] < b[i]; return a.length < b.length; };
const firstByIndex = (opts: Option[]) => opts.reduce<Option | undefined>((best, o) => !best || lexLess([...gpuIndex(o), o.gpus[0]?.start ?? 0], [...gpuIndex(best), best.gpus[0]?.start ?? 0]) ? o : best, undefined);
const freeEq = (s: HostState) => [...s.gpus.values()].reduce((a, st) => a + (st.mode === 'free' ? 1 : st.mode === 'mig' ? (7 - st.instances.reduce((x, i) => x + i.profile.computeSlices, 0)) / 7 : 0), 0);
const optionsOf = (s: HostState, shape: RequestShape, lowest: boolean) => placementOptions(s, shape, 400, lowest);

const POLICIES: Record<string, Policy> = {
    'random-fit': (states, shape, { random }) => {
        const feasible = states.map(s => optionsOf(s, shape, true)).filter(o => o.length > 0);
        if (feasible.length === 0) return undefined;
        const opts = feasible[Math.floor(random() * feasible.length)];
        return opts[Math.floor(random() * opts.length)];
    },
    'first-fit': (states, shape) => {
        for (const s of states) { const o = firstByIndex(optionsOf(s, shape, true)); if (o) return o; }
        return undefined;
    },
    'best-fit': (states, shape) => {
        // The host with the least free GPU capacity (then cores) that fits.
        let best: { o: Option; key: number[] } | undefined;
        for (const s of states) {
            const o = firstByIndex(optionsOf(s, shape, true));
            if (!o) continue;
            const key = [freeEq(s), [...s.nodes.values()].reduce((a, n) => a + n.freeCores.length, 0), s.index];
            if (!best || lexLess(key, best.key)) best = { o, key };
        }
        return best?.o;
    },
    'GPU packing': (states, shape) => {
        // Occupied GPUs first (sharing tasks), then idle GPUs of active hosts, then idle hosts.
        let best: { o: Option; key: number[] } | undefined;
        for (const s of states) {
            const active = [...s.gpus.values()].some(g => g.mode !== 'free') ? 0 : 1;
            for (const o of optionsOf(s, shape, true)) {
                const occupied = o.gpus.every(g => s.gpus.get(g.gpu)!.mode !== 'free') ? 0 : 1;
                const key = [occupied, active, s.index, ...gpuIndex(o)];
                if (!best || lexLess(key, best.key)) best = { o, key };
            }
        }
        return best?.o;
    },
    'go-gpuallocator best-effort': (states, shape) => {
        // Per host in order: the GPU set with the best pair link scores (all NVLink; same NUMA node
        // scores higher than across sockets), ties broken by how well the GPUs left over pair up.
        for (const s of states) {
            const opts = optionsOf(s, shape, true);
            if (opts.length === 0) continue;
            if (shape.gpus!.mode !== 'passthrough') return firstByIndex(opts);
            let best: { o: Option; key: number[] } | undefined;
            for (const o of opts) {
                let score = 0;
                for (let i = 0; i < o.gpus.length; i++) for (let j = i + 1; j < o.gpus.length; j++) score += o.gpus[i].gpu.numa === o.gpus[j].gpu.numa ? 2 : 1;
                const left = [...s.gpus].filter(([g, st]) => st.mode === 'free' && !o.gpus.some(x => x.gpu === g));
                const byNode = new Map<number, number>();
                for (const [g] of left) byNode.set(g.numa, (byNode.get(g.numa) ?? 0) + 1);
                const odd = [...byNode.values()].filter(c => c % 2 === 1).length;
                const key = [-score, odd, ...gpuIndex(o)];
                if (!best || lexLess(key, best.key)) best = { o, key };
            }
            return best?.o;
        }
        return undefined;
    },
    FGD: (states, shape, { workload }) => {
        // Hosts in the same state as an earlier one, and options equivalent to an earlier one, score
        // the same and lose on order: skipped (the planner's signatures), as in the planner.
        let best: { o: Option; key: number[] } | undefined;
        const seenHosts = new Set<string>();
        for (const s of states) {
            const signature = stateSignature(s);
            if (seenHosts.has(signature)) continue;
            seenHosts.add(signature);
            const all = optionsOf(s, shape, false);
            const seen = new Set<string>();
            const opts = all.filter(o => { const k = optionSignature(s, o); if (seen.has(k)) return false; seen.add(k); return true; }).slice(0, 8);
            if (opts.length === 0) continue;
            const before = strandedGpuEquivalents(s, workload);
            for (const o of opts) {
                const copy = { ...o, state: cloneState(s) };
                commit(copy, shape);
                const key = [Math.round((strandedGpuEquivalents(copy.state, workload) - before) * 1e6), s.index, ...gpuIndex(o)];
                if (!best || lexLess(key, best.key)) best = { o, key };
            }
        }
        return best?.o;
    },
    // The planner itself (features/plan/planner.ts bestOption), online: one request at a time.
    'vmtopo planner': (states, shape, { workload }) => bestOption(states, shape, workload)
};

export interface RunResult {
    policy: string;
    hosts: number;
    capacity: number;
    allocatedAtFirstFailure: number;
    allocated: number;
    stranded: number;
    causes: Record<string, number>;
    multiGpu: number;
    avoidableCrossSocket: number;
    pathShares: Record<string, number>;
    msPerRequest: number;
    requests: number;
    /** The shapes of the VMs placed, in placement order. */
    placedShapes: RequestShape[];
}

async function buildFleet(types: NodeType[]): Promise<HostModel[]> {
    const services = createVmtopoServices();
    const text = types.map((t, i) => hostText(i, t)).join('\n');
    const doc = services.shared.workspace.LangiumDocumentFactory.fromString<Model>(text, URI.file('/bench/fleet.vmtopo'));
    services.shared.workspace.LangiumDocuments.addDocument(doc);
    await services.shared.workspace.DocumentBuilder.build([doc], { validation: false });
    return [...services.vmtopo.model.TopologyProvider.get().topology.hosts];
}

function simulate(policyName: string, hosts: HostModel[], order: RequestShape[], workload: Workload, seed: number): RunResult {
    const topology = { hosts, vms: [], declarations: [] };
    const states = hostStates(topology, hosts);
    const capacity = states.reduce((a, s) => a + s.gpus.size, 0);
    const policy = POLICIES[policyName];
    const random = mulberry32(seed);
    let failuresInRow = 0, allocated = 0, firstFailure: number | undefined, multi = 0, cross = 0, requests = 0;
    const paths: Record<string, number> = {};
    const placedShapes: RequestShape[] = [];
    const start = performance.now();
    for (let i = 0; failuresInRow < 200 && i < order.length * 50; i++) {
        const shape = order[i % order.length];
        requests++;
        const o = policy(states, shape, { random, workload });
        if (!o) { failuresInRow++; firstFailure ??= allocated; continue; }
        failuresInRow = 0;
        if (shape.gpus!.count > 1) {
            multi++;
            if (o.cores.size > 1 && states.some(s => placementOptions(s, shape, 400).some(x => x.cores.size === 1))) cross++;
        }
        for (const n of o.nics) paths[n.path] = (paths[n.path] ?? 0) + 1;
        commit(o, shape);
        placedShapes.push(shape);
        allocated += gpuEq(shape);
    }
    const ms = (performance.now() - start) / requests;
    let stranded = 0;
    const causes: Record<string, number> = {};
    const gpuShapes = workload.filter(w => w.shape.gpus);
    for (const s of states) {
        for (const [gpu, st] of s.gpus) {
            const cap = st.mode === 'free' ? 1 : st.mode === 'mig' ? (7 - st.instances.reduce((x, i) => x + i.profile.computeSlices, 0)) / 7 : 0;
            if (cap <= 0) continue;
            const why = gpuShapes.map(w => unusableBecause(s, gpu, w.shape));
            if (why.some(w => w === undefined)) continue;
            stranded += cap;
            const counts = new Map<string, number>();
            for (const w of why) if (w) counts.set(w, (counts.get(w) ?? 0) + 1);
            const cause = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0][0];
            causes[cause] = (causes[cause] ?? 0) + cap;
        }
    }
    return { policy: policyName, hosts: hosts.length, capacity, allocatedAtFirstFailure: (firstFailure ?? allocated) / capacity, allocated: allocated / capacity, stranded: stranded / capacity, causes, multiGpu: multi, avoidableCrossSocket: cross, pathShares: paths, msPerRequest: ms, requests, placedShapes };
}

export interface BatchResult { hosts: number; offered: number; placed: number; allocated: number; stranded: number }

/** VMs re-planned as one batch by the planner's heuristic (largest first, or smallest first when better) on the empty fleet. */
function batchReplan(hosts: HostModel[], vms: readonly RequestShape[]): Omit<BatchResult, 'hosts'> {
    const offered = vms.length;
    const counts = new Map<RequestShape, number>();
    for (const s of vms) counts.set(s, (counts.get(s) ?? 0) + 1);
    const shapes = [...counts].map(([s, c]) => ({ ...s, count: c }));
    const topology = { hosts, vms: [], declarations: [] };
    const result = planHeuristic(topology, hosts, shapes);
    const capacity = hosts.reduce((a, h) => a + h.devices.filter(d => d.kind === 'gpu').length, 0);
    return { offered, placed: result.placed, allocated: result.vms.reduce((a, v) => a + gpuEq(v.shape), 0) / capacity, stranded: result.stranded / capacity };
}

/** A copy of `list` shuffled with a seeded PRNG. */
function shuffled<T>(list: readonly T[], seed: number): T[] {
    return shuffle([...list], mulberry32(seed));
}

export interface PlacementBenchOptions {
    readonly reference: string;
    readonly sizes: readonly number[];
    readonly seeds: number;
    readonly policies?: readonly string[];
    readonly log: (line: string) => void;
}

/** Runs every policy at every fleet size, in trace order and over `seeds` shuffled orders. */
export async function placementBench(options: PlacementBenchOptions): Promise<{ trace: RunResult[]; shuffled: Array<{ policy: string; hosts: number; runs: RunResult[] }>; batch: BatchResult[] }> {
    const nodes = csv(path.join(options.reference, 'openb_node_list_gpu_node.csv'));
    const pods = csv(path.join(options.reference, 'openb_pod_list_default.csv'));
    const cache = new Map<string, RequestShape>();
    const order = pods.map(p => shapeOf(p, cache)).filter((s): s is RequestShape => !!s);
    // The workload FGD and the planner look ahead to: the trace's task shapes by frequency (top 24).
    const freq = new Map<RequestShape, number>();
    for (const s of order) freq.set(s, (freq.get(s) ?? 0) + 1);
    const workload: Workload = [...freq].sort((a, b) => b[1] - a[1]).slice(0, 24).map(([shape, weight]) => ({ shape, weight }));
    const policies = options.policies ?? Object.keys(POLICIES);
    const trace: RunResult[] = [];
    const shuffledRuns: Array<{ policy: string; hosts: number; runs: RunResult[] }> = [];
    const batch: BatchResult[] = [];
    for (const n of options.sizes) {
        const hosts = await buildFleet(fleetTypes(nodes, n));
        for (const p of policies) {
            const r = simulate(p, hosts, order, workload, 1);
            trace.push(r);
            options.log(`  ${n} hosts, trace order, ${p}: allocated ${(r.allocated * 100).toFixed(1)} %, stranded ${(r.stranded * 100).toFixed(1)} %, ${r.msPerRequest.toFixed(2)} ms/request`);
            if (p === 'vmtopo planner') {
                // Everything the online planner placed, re-planned as one batch on the empty fleet.
                const b = batchReplan(hosts, r.placedShapes);
                batch.push({ hosts: n, ...b });
                options.log(`  ${n} hosts, batch re-plan of the ${b.offered} VMs placed online: ${b.placed} placed, allocated ${(b.allocated * 100).toFixed(1)} %, stranded ${(b.stranded * 100).toFixed(1)} %`);
            }
        }
        for (const p of policies) {
            const runs: RunResult[] = [];
            for (let k = 0; k < options.seeds; k++) runs.push(simulate(p, hosts, shuffled(order, 1000 + k), workload, 2000 + k));
            shuffledRuns.push({ policy: p, hosts: n, runs });
            if (runs.length > 0) options.log(`  ${n} hosts, ${runs.length} shuffled orders, ${p}: allocated ${(mean(runs.map(r => r.allocated)) * 100).toFixed(1)} %`);
        }
    }
    return { trace, shuffled: shuffledRuns, batch };
}

export function mean(xs: readonly number[]): number {
    return xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
}

/** Standard error of the mean. */
export function stderr(xs: readonly number[]): number {
    if (xs.length < 2) return 0;
    const m = mean(xs);
    return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1) / xs.length);
}

export interface SmallInstance {
    hosts: number;
    requests: number;
    milp: number;
    online: number;
    batch: number;
    ms: number;
}

/**
 * The exact optimum on small instances: one host of each of the first node types with ≥ 2 GPUs, a
 * prefix of the trace (`prefixes` requests) given to it as one batch; VMs placed by the exact model
 * (planMilp: the optimum of "every VM placed" for that host), by the planner online (trace order,
 * earlier VMs never moved) and by the planner's batch heuristic (largest first).
 */
export async function smallInstances(reference: string, prefixes: readonly number[]): Promise<SmallInstance[]> {
    const nodes = csv(path.join(reference, 'openb_node_list_gpu_node.csv'));
    const pods = csv(path.join(reference, 'openb_pod_list_default.csv'));
    const cache = new Map<string, RequestShape>();
    const order = pods.map(p => shapeOf(p, cache)).filter((s): s is RequestShape => !!s);
    const types = fleetTypes(nodes, nodes.length).filter((t, i, all) => t.gpus >= 2 && all.findIndex(x => x === t) === i).slice(0, 3);
    const out: SmallInstance[] = [];
    const { planMilp, planHeuristic } = await import('../language/src/features/plan/planner.js');
    for (const t of types) {
        const hosts = await buildFleet([t]);
        const topology = { hosts, vms: [], declarations: [] };
        for (const n of prefixes) {
            // Distinct shapes with counts, in first-seen order (the batch the exact model sees).
            const counts = new Map<RequestShape, number>();
            for (const s of order.slice(0, n)) counts.set(s, (counts.get(s) ?? 0) + 1);
            const batch = [...counts].map(([s, c]) => ({ ...s, count: c }));
            const start = performance.now();
            const milp = await planMilp(topology, hosts[0], batch);
            const ms = performance.now() - start;
            const states = hostStates(topology, hosts);
            const workload: Workload = batch.map(shape => ({ shape, weight: shape.count }));
            let online = 0;
            for (const s of order.slice(0, n)) { const o = bestOption(states, s, workload); if (o) { commit(o, s); online++; } }
            out.push({ hosts: 1, requests: n, milp: milp?.placed ?? -1, online, batch: planHeuristic(topology, hosts, batch).placed, ms });
        }
    }
    return out;
}

/**
 * One HGX host planned from scratch: the example's host (examples/hgx-h200.vmtopo) with only its
 * Fabric Manager service VM, and its four tenant VMs as requests; median ms of 7 warm runs per method.
 */
export async function hgxFromScratch(repo: string): Promise<Array<{ method: string; ms: number; placed: number }>> {
    const full = fs.readFileSync(path.join(repo, 'examples', 'hgx-h200.vmtopo'), 'utf8');
    const text = `${full.slice(0, full.indexOf('/**\n * 4-GPU training VM'))}vm fm-service on sprocket {
    vcpus 2 pin 2,130
    memory 8 GiB on numa 0
    fabric-manager service version "550.90.07"
    nvswitch nvs0, nvs1, nvs2, nvs3 passthrough
}
request train on sprocket { gpu 4 "H200 SXM5 141GB" passthrough nic 1 per-gpu passthrough same-switch vcpus 96 memory 768 GiB hugepages 1 GiB locality required }
request infer on sprocket { gpu 2 "H200 SXM5 141GB" passthrough vcpus 32 memory 256 GiB hugepages 1 GiB }
request tenant on sprocket { gpu 1 "H200 SXM5 141GB" vgpu "H200X-1-18C" nic 1 per-gpu vf same-switch vcpus 8 memory 64 GiB hugepages 1 GiB count 2 }
`;
    const services = createVmtopoServices();
    const doc = services.shared.workspace.LangiumDocumentFactory.fromString<Model>(text, URI.file('/bench/hgx.vmtopo'));
    services.shared.workspace.LangiumDocuments.addDocument(doc);
    await services.shared.workspace.DocumentBuilder.build([doc], { validation: false });
    const topology = services.vmtopo.model.TopologyProvider.get().topology;
    const { resolveRequest } = await import('../language/src/model/request.js');
    const { planRequests } = await import('../language/src/features/plan/planner.js');
    const shapes = doc.parseResult.value.requests.map(r => resolveRequest(r).shape!);
    const out: Array<{ method: string; ms: number; placed: number }> = [];
    for (const method of ['milp', 'heuristic'] as const) {
        let placed = (await planRequests(topology, shapes, { method })).placed;
        const times: number[] = [];
        for (let i = 0; i < 7; i++) {
            const t = performance.now();
            placed = (await planRequests(topology, shapes, { method })).placed;
            times.push(performance.now() - t);
        }
        out.push({ method, ms: times.sort((a, b) => a - b)[3], placed });
    }
    return out;
}
