/**
 * NCCL path prediction: the path type NCCL computes between each GPU pair and each GPU↔NIC pair of
 * one system, and whether it uses GPUDirect RDMA — what NCCL logs as `GPU/... -> NET/... (PIX)` and
 * "GPU Direct RDMA Enabled for ...". It follows NVIDIA/nccl `src/graph/topo.cc` (how the topology is
 * built from the XML: `ncclTopoAddCpu`, `ncclTopoAddPci`, `ncclTopoFlattenBcmSwitches`,
 * `ncclTopoConnectCpus`) and `src/graph/paths.cc` (`ncclTopoSetPaths`, `ncclTopoCheckP2p`,
 * `ncclTopoCheckGdr`, `ncclTopoComputePaths`):
 * https://github.com/NVIDIA/nccl/blob/master/src/graph/topo.cc,
 * https://github.com/NVIDIA/nccl/blob/master/src/graph/paths.cc.
 *
 * - Path type of one hop = link type: PCI → `PIX`, NVLink → `NVL`, CPU↔CPU → `SYS`; a PCI hop
 *   between two PCI switches → `PXB`; a PCI hop into or out of a CPU → `PHB`; a path's type is the
 *   largest type of its hops (`ncclTopoSetPaths`). Breadth-first, shortest path, highest bandwidth
 *   among the shortest; paths do not route through a GPU except one NVLink hop (`NVB`).
 * - Broadcom PEX Gen4 (`0x1000c0101000a…`) and Gen5 (`0x1000c03010000…` above `0x1000c03010001…`)
 *   switches present two levels; NCCL merges the lower level into the upper one
 *   (`getBcmGen`, `ncclTopoFlattenBcmSwitches`), so devices under two sub-switches of one chip are
 *   `PIX`, not `PXB`.
 * - GPU↔GPU beyond `PXB` (NCCL's default P2P level; `SYS` on AMD x86 systems of at most two GPUs) is
 *   routed through the first GPU's CPU (`ncclTopoCheckP2p`, `addInterStep`): no P2P.
 * - GPU→NIC: `PXN` when another GPU on NVLink reaches the NIC at `PXB` or better with GPUDirect
 *   RDMA while this GPU's own path goes through a CPU; GPUDirect RDMA when the distance (the relay's,
 *   for `PXN`) is at most `PXB` (NCCL_NET_GDR_LEVEL's default; `P2C` is only set on C2C systems);
 *   without it the path goes through the GPU's CPU (`PHB`/`SYS`).
 *
 * Not modelled: C2C (Grace) links and `P2C`, multi-node NVLink, NVML's P2P status, user overrides
 * (NCCL_P2P_LEVEL, NCCL_NET_GDR_LEVEL, NCCL_PXN_DISABLE), and the DEV split of one GPU into MLOPart
 * partitions. The prediction is the topology's: a GPU or NIC without driver support for GPUDirect
 * RDMA (`gdr="0"` in a dump) is honoured when the file says so, assumed capable otherwise.
 */
import { ncclTopologyTree, type NcclElement } from './nccl-topology.js';
import { planGuestAddresses, nicPciClass, type GuestDevice, type GuestNode } from './guest-plan.js';
import { formatBdf } from '../syntax/tokens.js';
import type { DeviceModel, GpuModel, HostModel, PcieSwitchModel, VmModel } from './topology.js';

/** NCCL's path types, closest first (`topoPathTypeStr`, src/graph/topo.cc; values of `PATH_*`, topo.h). */
export const NCCL_PATH_TYPES = ['LOC', 'NVL', 'NVB', 'C2C', 'PIX', 'PXB', 'P2C', 'PXN', 'PHB', 'SYS', 'NET', 'DIS'] as const;
export type NcclPathType = typeof NCCL_PATH_TYPES[number];

/** Rank of a path type (lower is closer): its index in {@link NCCL_PATH_TYPES}. */
export function ncclPathRank(type: NcclPathType): number {
    return NCCL_PATH_TYPES.indexOf(type);
}

/** A GPU of the system as the prediction names it. */
export interface NcclGpu {
    /** Bus id as the file writes it (`0000:19:00.0`, lowercase). */
    readonly busId: string;
    /** NUMA id of the `<cpu>` it hangs off. */
    readonly numa: number;
}

/** A NIC (one PCI function; a multi-port card's ports are one NIC, as `ncclTopoAddPci` merges them). */
export interface NcclNic {
    /** Bus id, or `cpu<numa>:<k>` for a `<nic>` written directly under a `<cpu>` (no PCI). */
    readonly busId: string;
    readonly numa: number;
    /** Names of its `<net>` ports when the file lists them (`mlx5_0`), else empty. */
    readonly nets: readonly string[];
}

export interface NcclGpuPair {
    readonly a: string;
    readonly b: string;
    /** Path type after NCCL's P2P check (a pair NCCL does not do P2P between goes through the CPU). */
    readonly type: NcclPathType;
    /** Whether NCCL uses P2P (CUDA peer access over NVLink or PCIe) between the two. */
    readonly p2p: boolean;
}

export interface NcclGpuNicPath {
    readonly gpu: string;
    readonly nic: string;
    /** The GPU→NIC path type NCCL ends with (after PXN and the GPUDirect RDMA check). */
    readonly type: NcclPathType;
    /** The PCI path type between the two before those adjustments (what `nvidia-smi topo -m` shows, in NCCL's names). */
    readonly pciType: NcclPathType;
    /** Whether NCCL uses GPUDirect RDMA between them. */
    readonly gdr: boolean;
    /** For `PXN`: the bus id of the GPU NCCL relays through. */
    readonly via?: string;
}

export interface NcclPathPrediction {
    readonly gpus: readonly NcclGpu[];
    readonly nics: readonly NcclNic[];
    /** Every unordered GPU pair (a before b in file order). */
    readonly gpuPairs: readonly NcclGpuPair[];
    /** Every GPU × NIC pair, GPU-major in file order. */
    readonly gpuNic: readonly NcclGpuNicPath[];
}

/** Options for {@link predictNcclPaths}: extra NVLink connectivity the file does not state. */
export interface NcclPathOptions {
    /**
     * GPU bus ids all connected through NVSwitches (an HGX board, or a VM's NVLink partition):
     * NCCL learns these from NVML at run time, which a PCI-skeleton file leaves out.
     */
    readonly nvlinkDomain?: readonly string[];
    /** NVLinks per GPU for {@link nvlinkDomain} (bandwidth only; default 18). */
    readonly nvlinksPerGpu?: number;
}

type LinkType = 'LOC' | 'NVL' | 'PCI' | 'SYS';
interface Link { readonly to: Node; readonly type: LinkType; bw: number }
interface Node {
    readonly kind: 'cpu' | 'pci' | 'gpu' | 'nic' | 'nvs';
    readonly id: string;
    readonly system: string;
    readonly numa: number;
    /** PCI switch: vendor/device/subsystem as one 64-bit id (`ncclTopoGetIntDevice`). */
    device: bigint;
    links: Link[];
    readonly cpuVendor?: string;
    readonly arch?: string;
    readonly sm?: number;
    readonly gdr?: boolean;
    readonly nets?: string[];
}
interface Path { type: number; bw: number; count: number; /** first hop back towards the base */ via?: Node }

/** Bandwidth values of NCCL's topo.h, GB/s: local, NVLink per link by SM generation, inter-CPU. */
const LOC_BW = 5000;
function nvlinkBw(sm: number | undefined): number {
    return sm === undefined ? 20 : sm >= 100 ? 40.1 : sm >= 90 ? 20.6 : sm >= 80 ? 20 : sm >= 70 ? 20 : 18;
}
/** PCIe generation strings NCCL knows (`kvDictPciGen`, topo.cc), in units of 100 Mb/s per lane. */
const PCI_GEN: Record<string, number> = {
    '2.5 GT/s': 15, '5 GT/s': 30, '8 GT/s': 60, '16 GT/s': 120, '32 GT/s': 240,
    '2.5 GT/s PCIe': 15, '5.0 GT/s PCIe': 30, '8.0 GT/s PCIe': 60, '16.0 GT/s PCIe': 120, '32.0 GT/s PCIe': 240, '64.0 GT/s PCIe': 480
};
const P = (t: NcclPathType) => NCCL_PATH_TYPES.indexOf(t);

function pciBw(e: NcclElement): number {
    const width = Number.parseInt(e.attributes.link_width ?? '', 10) || 16;
    const speed = PCI_GEN[e.attributes.link_speed ?? ''] ?? 60;
    return width * speed / 80;
}

/** `strtol(str, NULL, 0)` of an id attribute. */
function intAttr(v: string | undefined): bigint {
    if (!v) return 0n;
    const t = v.trim().toLowerCase();
    try { return BigInt(/^0x[0-9a-f]+$/.test(t) ? t : /^[0-9]+$/.test(t) ? t : '0'); } catch { return 0n; }
}

function connect(a: Node, b: Node, type: LinkType, bw: number): void {
    const existing = a.links.find(l => l.to === b && l.type === type);
    if (existing) existing.bw += bw; else a.links.push({ to: b, type, bw });
    // ncclTopoConnectNodes keeps links sorted by bandwidth, descending (stable).
    a.links.sort((x, y) => y.bw - x.bw);
}

/** Broadcom PEX generation of a switch id at `level` 0 (upper) or 1 (lower), or 0 (`getBcmGen`, topo.cc). */
export function bcmGeneration(id: bigint, level: 0 | 1): 0 | 4 | 5 {
    const masked = id & 0xfffffffffffff000n;
    if (masked === 0x1000c0101000a000n) return 4;
    if (masked === (0x1000c03010000000n | BigInt(level) * 0x1000n)) return 5;
    return 0;
}

/**
 * Predicts NCCL's paths for the system of an NCCL topology file (`<system>` element tree: a dump, a
 * PCI skeleton, or what vmtopo exports for a guest). GPUs are `<pci>` of class `0x03…` (with or
 * without a `<gpu>` child, which NCCL fills from the driver), NICs are `<pci>` holding a `<nic>` or
 * of class `0x02…`, and `<nic>` written directly under a `<cpu>`; NVLinks are the `<nvlink>` children
 * of `<gpu>` (to an NVSwitch, class `0x068000`, or to another GPU) plus `options.nvlinkDomain`.
 * Pure; never throws (unknown attributes are read as NCCL's defaults).
 */
export function predictNcclPaths(system: NcclElement, options: NcclPathOptions = {}): NcclPathPrediction {
    const nodes: Node[] = [];
    const cpus: Node[] = [];
    const gpus: Node[] = [];
    const nics: Node[] = [];
    const byBus = new Map<string, Node>();
    const nvlinks: Array<{ from: Node; target: string; count: number; tclass: string }> = [];
    const add = (n: Node): Node => { nodes.push(n); return n; };

    const addPci = (e: NcclElement, parent: Node, sys: string, numa: number): void => {
        const cls = (e.attributes.class ?? '').toLowerCase();
        const busId = (e.attributes.busid ?? '').toLowerCase();
        const bw = pciBw(e);
        const nicChild = e.children.find(c => c.name === 'nic');
        const gpuChild = e.children.find(c => c.name === 'gpu');
        let node: Node | undefined;
        if (nicChild || (cls.startsWith('0x02') && !gpuChild)) {
            let target = byBus.get(busId);
            if (!target) {
                target = add({ kind: 'nic', id: busId, system: sys, numa, device: 0n, links: [], nets: [], gdr: true });
                nics.push(target); byBus.set(busId, target);
                node = target;
            }
            for (const net of nicChild?.children.filter(c => c.name === 'net') ?? []) {
                target.nets!.push(net.attributes.name ?? '');
                if (net.attributes.gdr === '0') (target as { gdr?: boolean }).gdr = false;
            }
        } else if (cls.startsWith('0x03') || gpuChild) {
            node = add({
                kind: 'gpu', id: busId, system: sys, numa, device: 0n, links: [],
                sm: gpuChild?.attributes.sm !== undefined ? Number(gpuChild.attributes.sm) : undefined,
                gdr: gpuChild?.attributes.gdr !== '0'
            });
            gpus.push(node); byBus.set(busId, node);
            for (const l of gpuChild?.children.filter(c => c.name === 'nvlink') ?? []) {
                nvlinks.push({ from: node, target: (l.attributes.target ?? '').toLowerCase(), count: Number(l.attributes.count ?? '1') || 1, tclass: (l.attributes.tclass ?? '').toLowerCase() });
            }
        } else if (cls === '0x068000') {
            return; // NVSwitch PCI functions: NCCL reaches NVSwitches through the GPUs' <nvlink>.
        } else {
            node = add({
                kind: 'pci', id: busId, system: sys, numa, links: [],
                device: (intAttr(e.attributes.vendor) << 48n) + (intAttr(e.attributes.device) << 32n)
                    + (intAttr(e.attributes.subsystem_vendor) << 16n) + intAttr(e.attributes.subsystem_device)
            });
            for (const c of e.children) if (c.name === 'pci') addPci(c, node, sys, numa);
        }
        if (node) { connect(node, parent, 'PCI', bw); connect(parent, node, 'PCI', bw); }
    };

    for (const c of system.children) {
        if (c.name !== 'cpu') continue;
        const numa = Number.parseInt(c.attributes.numaid ?? '0', 10) || 0;
        const sys = c.attributes.host_hash ?? '';
        const cpu = add({ kind: 'cpu', id: `cpu${numa}@${sys}`, system: sys, numa, device: 0n, links: [], cpuVendor: c.attributes.vendor, arch: c.attributes.arch });
        cpus.push(cpu);
        let nicIndex = 0;
        for (const s of c.children) {
            if (s.name === 'pci') addPci(s, cpu, sys, numa);
            else if (s.name === 'nic') {
                const id = `cpu${numa}:${nicIndex++}`;
                const nic = add({ kind: 'nic', id, system: sys, numa, device: 0n, links: [], nets: s.children.filter(n => n.name === 'net').map(n => n.attributes.name ?? ''), gdr: !s.children.some(n => n.name === 'net' && n.attributes.gdr === '0') });
                nics.push(nic);
                connect(cpu, nic, 'PCI', LOC_BW); connect(nic, cpu, 'PCI', LOC_BW);
            }
        }
    }

    flattenBcmSwitches(nodes);

    // NVLinks (ncclTopoAddNvLinks): to an NVSwitch (one NVS node per system) or to another GPU.
    const nvs = new Map<string, Node>();
    const nvsOf = (sys: string): Node => {
        let n = nvs.get(sys);
        if (!n) { n = add({ kind: 'nvs', id: `nvs@${sys}`, system: sys, numa: -1, device: 0n, links: [] }); nvs.set(sys, n); }
        return n;
    };
    for (const l of nvlinks) {
        const bw = l.count * nvlinkBw(l.from.sm);
        const peer = byBus.get(l.target);
        if (l.tclass === '0x068000' || (!peer && l.tclass === '')) {
            const s = nvsOf(l.from.system);
            connect(l.from, s, 'NVL', bw); connect(s, l.from, 'NVL', bw);
        } else if (peer && peer.kind === 'gpu') {
            connect(l.from, peer, 'NVL', bw);
        }
    }
    const domain = (options.nvlinkDomain ?? []).map(b => byBus.get(b.toLowerCase())).filter((n): n is Node => n?.kind === 'gpu');
    if (domain.length > 1) {
        for (const g of domain) {
            if (g.links.some(l => l.type === 'NVL')) continue;
            const s = nvsOf(g.system);
            const bw = (options.nvlinksPerGpu ?? 18) * nvlinkBw(g.sm);
            connect(g, s, 'NVL', bw); connect(s, g, 'NVL', bw);
        }
    }

    // ncclTopoConnectCpus: every CPU pair of one system over SYS.
    for (const a of cpus) for (const b of cpus) {
        if (a !== b && a.system === b.system) connect(a, b, 'SYS', interCpuBw(a));
    }

    const paths = new Map<Node, Map<Node, Path>>();
    for (const base of [...cpus, ...gpus, ...nics]) paths.set(base, setPaths(base, nodes));
    const path = (from: Node, to: Node): Path => paths.get(to)!.get(from) ?? { type: P('DIS'), bw: 0, count: 0 };

    const localCpu = (g: Node): Node | undefined => {
        let best: Node | undefined; let hops = 0;
        for (const c of cpus) {
            const p = path(g, c);
            if (p.count > 0 && (hops === 0 || p.count < hops)) { best = c; hops = p.count; }
        }
        return best;
    };
    const gpuPaths = new Map<Node, Map<Node, Path>>();
    const amd = cpus.some(c => c.arch === 'x86_64' && c.cpuVendor === 'AuthenticAMD');
    const p2pLevel = amd && gpus.length <= 2 ? P('SYS') : P('PXB');
    const gpuPairs: NcclGpuPair[] = [];
    for (const g of gpus) gpuPaths.set(g, new Map());
    for (let i = 0; i < gpus.length; i++) {
        for (let j = 0; j < gpus.length; j++) {
            if (i === j) continue;
            const [p, g] = [gpus[i], gpus[j]];
            let p2pPath = path(p, g);
            const p2p = p2pPath.type <= p2pLevel;
            if (!p2p) {
                const cpu = localCpu(g);
                if (cpu) p2pPath = { type: Math.max(path(p, cpu).type, path(cpu, g).type), bw: Math.min(path(p, cpu).bw, path(cpu, g).bw), count: path(p, cpu).count + path(cpu, g).count };
            }
            gpuPaths.get(p)!.set(g, p2pPath);
            if (i < j) gpuPairs.push({ a: p.id, b: g.id, type: NCCL_PATH_TYPES[p2pPath.type], p2p });
        }
    }

    // ncclTopoCheckGdr (read = 0 and read = 1 agree on Ampere and later, the GPUs vmtopo plans).
    const gdrLevel = P('PXB');
    const gdrOk = (g: Node, n: Node, distance: number) => n.gdr !== false && g.gdr !== false && distance <= gdrLevel;
    const gpuNic: NcclGpuNicPath[] = [];
    const results = new Map<Node, Map<Node, { type: number; via?: Node; gdr: boolean; pci: number }>>();
    for (const g of gpus) results.set(g, new Map());
    for (const n of nics) {
        // ncclTopoGetLocalGpu: the GPU with the best path to the NIC (type, then bandwidth), first in order.
        let local: Node | undefined;
        for (const g of gpus) {
            const p = path(g, n);
            if (!local || p.type < path(local, n).type || (p.type === path(local, n).type && p.bw > path(local, n).bw)) local = g;
        }
        for (const g of gpus) {
            const direct = path(g, n);
            let type = direct.type;
            const bw = direct.bw;
            let via: Node | undefined;
            if (local && local !== g && local.system === g.system) {
                const peer = path(local, n);
                const peerGdr = gdrOk(local, n, peer.type);
                const toPeer = gpuPaths.get(g)!.get(local)!;
                if (peer.type <= P('PXB') && peerGdr && toPeer.type <= P('NVL') && (peer.bw > bw || type > P('PXN'))) {
                    type = P('PXN'); via = local;
                }
            }
            let gdr = false;
            const distance = via ? path(via, n).type : type;
            if (type < P('PHB')) {
                gdr = gdrOk(via ?? g, n, distance);
                if (!gdr) {
                    const cpu = localCpu(g);
                    if (cpu) { type = Math.max(path(g, cpu).type, path(cpu, n).type); via = undefined; }
                }
            }
            results.get(g)!.set(n, { type, via, gdr, pci: direct.type });
        }
    }
    for (const g of gpus) for (const n of nics) {
        const r = results.get(g)!.get(n)!;
        gpuNic.push({ gpu: g.id, nic: n.id, type: NCCL_PATH_TYPES[r.type], pciType: NCCL_PATH_TYPES[r.pci], gdr: r.gdr, ...(r.via ? { via: r.via.id } : {}) });
    }
    return {
        gpus: gpus.map(g => ({ busId: g.id, numa: g.numa })),
        nics: nics.map(n => ({ busId: n.id, numa: n.numa, nets: n.nets ?? [] })),
        gpuPairs,
        gpuNic
    };
}

/** Inter-CPU bandwidth, GB/s (`ncclTopoGetInterCpuBw`, topo.cc; values of topo.h): only breaks ties. */
function interCpuBw(cpu: Node): number {
    if (cpu.arch === 'arm64') return 6;
    if (cpu.cpuVendor === 'AuthenticAMD') return 16;
    if (cpu.cpuVendor === 'GenuineIntel') return 10;
    return LOC_BW;
}

/** `ncclTopoFlattenBcmSwitches` (topo.cc): lower-level sub-switches of a Broadcom PEX chip merge into the upper one. */
function flattenBcmSwitches(nodes: Node[]): void {
    for (let s = 0; s < nodes.length; s++) {
        const sw = nodes[s];
        if (sw.kind !== 'pci') continue;
        const gen = bcmGeneration(sw.device, 0);
        if (!gen) continue;
        const subs = sw.links.filter(l => l.to.kind === 'pci' && bcmGeneration(l.to.device, 1) === gen).map(l => l.to);
        sw.links = sw.links.filter(l => !subs.includes(l.to));
        for (const sub of subs) {
            for (const l of sub.links) {
                if (l.to === sw) continue;
                sw.links.push(l);
                const back = l.to.links.find(r => r.to === sub);
                if (back) (back as { to: Node }).to = sw;
            }
            nodes.splice(nodes.indexOf(sub), 1);
        }
        sw.device |= 0xffffn;
        s = -1;
    }
}

/** `ncclTopoSetPaths` (paths.cc): breadth-first paths from every node to `base`. */
function setPaths(base: Node, nodes: readonly Node[]): Map<Node, Path> {
    const paths = new Map<Node, Path>();
    for (const n of nodes) paths.set(n, { type: P('DIS'), bw: 0, count: 0 });
    paths.set(base, { type: P('LOC'), bw: LOC_BW, count: 0 });
    let list: Node[] = [base];
    while (list.length > 0) {
        const next: Node[] = [];
        for (const node of list) {
            const path = paths.get(node)!;
            for (const link of node.links) {
                const rem = link.to;
                const remPath = paths.get(rem)!;
                const bw = Math.min(path.bw, link.bw);
                // Only route through a GPU for one NVLink hop to another GPU (NVB).
                if (node !== base && node.kind === 'gpu' && (link.type !== 'NVL' || rem.kind !== 'gpu' || path.count > 1)) continue;
                if ((remPath.bw === 0 || remPath.count > path.count) && remPath.bw < bw) {
                    let type = link.type === 'LOC' ? P('LOC') : link.type === 'NVL' ? P('NVL') : link.type === 'PCI' ? P('PIX') : P('SYS');
                    if (node.kind === 'pci' && rem.kind === 'pci') type = P('PXB');
                    if (link.type === 'PCI' && (node.kind === 'cpu' || rem.kind === 'cpu')) type = P('PHB');
                    if (node.kind === 'gpu' && path.type === P('NVL') && type === P('NVL') && path.count + 1 > 1) type = P('NVB');
                    paths.set(rem, { type: Math.max(path.type, type), bw, count: path.count + 1, via: node });
                    if (!next.includes(rem)) next.push(rem);
                }
            }
        }
        list = next;
    }
    return paths;
}

/** A prediction with vmtopo's names (host device names; a VF as `mlx5_8-vf0`, a vGPU as `gpu6-vgpu`). */
export interface NamedNcclPaths {
    readonly gpuPairs: ReadonlyArray<{ readonly a: string; readonly b: string; readonly type: NcclPathType; readonly p2p: boolean }>;
    readonly gpuNic: ReadonlyArray<{ readonly gpu: string; readonly nic: string; readonly type: NcclPathType; readonly pciType: NcclPathType; readonly gdr: boolean; readonly via?: string }>;
}

function rename(p: NcclPathPrediction, names: ReadonlyMap<string, string>): NamedNcclPaths {
    const n = (b: string) => names.get(b) ?? b;
    return {
        gpuPairs: p.gpuPairs.map(x => ({ ...x, a: n(x.a), b: n(x.b) })),
        gpuNic: p.gpuNic.map(x => ({ ...x, gpu: n(x.gpu), nic: n(x.nic), ...(x.via ? { via: n(x.via) } : {}) }))
    };
}

/** A guest's prediction ({@link predictVmNcclPaths}), with the VM's entry (`gpu`, `nic` …) of each device name. */
export interface VmNcclPaths extends NamedNcclPaths {
    readonly entries: ReadonlyMap<string, GuestDevice['entry']>;
}

/**
 * GPUs NCCL finds on one NVLink fabric: SXM boards with NVLinks (HGX baseboards, where NVSwitches or
 * direct NVLink connect every GPU of the board); PCIe cards' NVLink bridges are not declared in vmtopo.
 */
function onNvlink(gpu: GpuModel): boolean {
    return gpu.spec.formFactor === 'sxm' && gpu.spec.nvlinks > 0;
}

/**
 * NCCL's paths inside `vm`'s guest (pure): {@link predictNcclPaths} on the NCCL topology file vmtopo
 * exports for the VM ({@link ncclTopologyTree} over {@link planGuestAddresses}), with the VM's
 * passthrough SXM GPUs on one NVLink fabric (NCCL learns NVLink from NVML in the guest; MIG slices
 * and vGPUs get no NVLink P2P). Names are the VM's device names. Throws `ExportError` where the
 * export would (an ESXi host, a VM without vCPUs or memory).
 */
export function predictVmNcclPaths(vm: VmModel): VmNcclPaths {
    const plan = planGuestAddresses(vm);
    const names = new Map<string, string>();
    const entries = new Map<string, GuestDevice['entry']>();
    const nvl: string[] = [];
    const visit = (node: GuestNode): void => {
        if (node.kind === 'switch') { node.children.forEach(visit); return; }
        const bus = formatBdf(node.guestBdf);
        names.set(bus, node.name);
        entries.set(node.name, node.entry);
        if (node.role === 'gpu' && node.location.kind === 'gpu' && onNvlink(node.location)) nvl.push(bus);
    };
    plan.expanders.forEach(x => x.roots.forEach(visit));
    return { ...rename(predictNcclPaths(ncclTopologyTree(vm, plan), { nvlinkDomain: nvl }), names), entries };
}

/**
 * The NCCL topology tree of `host` seen on bare metal (pure): one `<cpu>` per NUMA node with the
 * host CPU's identity, its switches (with their `pci-id`, so Broadcom levels merge as on the host)
 * and devices; NVSwitch functions left out as NCCL leaves them. `names` maps each bus id of the tree
 * to the device's name (a bus id written twice on the host, HOST001, gets a `~2` suffix so that the
 * prediction still tells the devices apart).
 */
export function hostNcclTree(host: HostModel): { tree: NcclElement; names: Map<string, string> } {
    const names = new Map<string, string>();
    const used = new Set<string>();
    const busId = (address: DeviceModel['address'], name?: string): string => {
        const base = formatBdf(address);
        let id = base;
        for (let k = 2; used.has(id); k++) id = `${base}~${k}`;
        used.add(id);
        if (name !== undefined) names.set(id, name);
        return id;
    };
    const link = (l: { speedGTs: number; width: number }) => ({ link_speed: `${l.speedGTs === 2.5 ? '2.5' : l.speedGTs.toFixed(1)} GT/s PCIe`, link_width: String(l.width) });
    const device = (d: DeviceModel): NcclElement | undefined => d.kind === 'nvswitch' ? undefined
        : { name: 'pci', attributes: { busid: busId(d.address, d.name), class: d.kind === 'nic' ? nicPciClass(d) : d.spec.pciClass, ...link(d.link) }, children: [] };
    const sw = (s: PcieSwitchModel): NcclElement => ({
        name: 'pci',
        attributes: {
            busid: busId(s.address), class: '0x060400',
            ...(s.pciId ? { vendor: `0x${s.pciId.vendor}`, device: `0x${s.pciId.device}`, ...(s.pciId.subsystemVendor ? { subsystem_vendor: `0x${s.pciId.subsystemVendor}`, subsystem_device: `0x${s.pciId.subsystemDevice}` } : {}) } : {}),
            ...link(s.link ?? { speedGTs: 32, width: 16 })
        },
        children: [...s.switches.map(sw), ...s.devices.map(device).filter((e): e is NcclElement => !!e)]
    });
    const cpus = host.numaNodes.map(node => ({
        name: 'cpu',
        attributes: {
            numaid: String(node.id),
            ...(host.cpu ? { arch: host.cpu.arch, vendor: host.cpu.vendor, familyid: String(host.cpu.familyId), modelid: String(host.cpu.modelId) } : {})
        },
        children: [
            ...host.switches.filter(s => !s.parentSwitch && s.numa === node.id).map(sw),
            ...host.devices.filter(d => !d.parentSwitch && d.numa === node.id).map(device).filter((e): e is NcclElement => !!e)
        ]
    }));
    return { tree: { name: 'system', attributes: { version: '1' }, children: cpus }, names };
}

/** NCCL's paths on `host` as bare metal (pure): {@link predictNcclPaths} on {@link hostNcclTree}, SXM GPUs on NVLink; host device names. */
export function predictHostNcclPaths(host: HostModel): NamedNcclPaths {
    const { tree, names } = hostNcclTree(host);
    const nvl = [...names].filter(([, name]) => host.devices.some(d => d.name === name && d.kind === 'gpu' && onNvlink(d))).map(([bus]) => bus);
    return rename(predictNcclPaths(tree, { nvlinkDomain: nvl }), names);
}

/** Host predictions, once per resolved host (a new topology makes new host objects). */
const hostPaths = new WeakMap<HostModel, Map<string, NcclPathType>>();

/**
 * The PCI path type NCCL computes between a NIC (or the PF of a VF) and a GPU of one host on bare
 * metal ({@link predictHostNcclPaths}, `pciType`), cached per host; `SYS` when the pair is not found.
 * NCCL uses GPUDirect RDMA over that path by default only when it is at most `PXB`.
 */
export function hostNcclPciType(host: HostModel, gpu: string, nic: string): NcclPathType {
    let table = hostPaths.get(host);
    if (!table) {
        table = new Map(predictHostNcclPaths(host).gpuNic.map(x => [`${x.gpu}\u0000${x.nic}`, x.pciType] as const));
        hostPaths.set(host, table);
    }
    return table.get(`${gpu}\u0000${nic}`) ?? 'SYS';
}
