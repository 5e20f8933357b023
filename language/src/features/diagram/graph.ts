/**
 * The topology diagram as a graph: a pure function of the resolved model ({@link HostModel},
 * {@link VmModel}) that gives the nodes and edges the view draws, before any layout.
 *
 * Containment follows the model exactly: host ⊃ socket / NUMA node (its cores and its memory, as
 * two leaf nodes) ⊃ PCIe switch (nested as declared) ⊃ GPU / NIC / NVSwitch. A device without a
 * switch sits in the socket of its NUMA node (`numa` of the model: its `on SOCKET`, else the first
 * socket). A NIC holds one node per SR-IOV VF a VM uses; a GPU holds one node per vGPU or MIG slice
 * of a VM. The VMs of the host are cards inside the host box, each with a colour; an edge goes from
 * the VM to every GPU, slice, NIC and VF it holds, to the cores of every NUMA node it is pinned to
 * and to the memory of every node it is bound to. When the host has NVSwitches, every GPU with
 * NVLink ports has an `nvlink` edge to one "NVLink fabric" node of the host (an HGX baseboard: each
 * GPU's NVLinks go to the NVSwitch chips, https://docs.nvidia.com/datacenter/tesla/fabric-manager-user-guide/index.html).
 *
 * Ids are stable (built from names, never from counters or hashes of memory), and children and
 * edges are in declaration order, so the same model gives the same graph and, after layout, the
 * same SVG.
 */
import type { GpuSpec, NicSpec, NvSwitchSpec } from '../../catalog/types.js';
import { vmsOnHost, type DeviceModel, type GpuModel, type HostModel, type NicModel, type NumaNode, type PcieSwitchModel, type Topology, type VmModel } from '../../model/topology.js';
import { formatBdf } from '../../syntax/tokens.js';
import type { CpuList, IdRange } from '../../syntax/cpu-list.js';
import { compareCodeUnits } from '../../kernel/text.js';

/** A 0-based LSP range (line, character) in a document. */
export interface SourceRange {
    readonly uri: string;
    readonly start: { readonly line: number; readonly character: number };
    readonly end: { readonly line: number; readonly character: number };
}

/** A diagnostic as the diagram attaches it (LSP severity: 1 error, 2 warning, 3 info, 4 hint). */
export interface DiagramDiagnostic {
    readonly uri: string;
    readonly range: { readonly start: { line: number; character: number }; readonly end: { line: number; character: number } };
    readonly severity: number;
    readonly code?: string;
    readonly message: string;
}

export type NodeKind = 'host' | 'socket' | 'cores' | 'memory' | 'switch' | 'gpu' | 'nic' | 'vf' | 'slice' | 'nvswitch' | 'fabric' | 'vm';

/** A coloured part of a cores or memory bar: `from`..`to` as fractions (0..1) of the bar. */
export interface BarSegment {
    readonly vm: string;
    readonly from: number;
    readonly to: number;
}

export interface DiagramNode {
    /** Stable id, e.g. `dev:sprocket/gpu0`, `vm:train-a`, `vf:sprocket/mlx5_8/0`. */
    readonly id: string;
    readonly kind: NodeKind;
    /** Lines drawn on the node (first: name and model; then BDF and what an engineer reads next). */
    readonly label: readonly string[];
    /** Hover text, one fact a line (the editor hover's text for devices). */
    readonly facts: string[];
    readonly children: DiagramNode[];
    /** VMs that hold this node (a passed-through GPU or NIC, a VF, a slice, cores, memory). */
    readonly vms: string[];
    /** Where the node was written. */
    source?: SourceRange;
    /** Diagnostics attached to the node (an error badge is drawn for them). */
    readonly diagnostics: DiagramDiagnostic[];
    /** Coloured segments of a cores / memory bar, per VM. */
    readonly segments?: BarSegment[];
    /** The VM's colour index (VM cards only). */
    readonly colour?: number;
}

export interface DiagramEdge {
    readonly id: string;
    readonly kind: 'vm' | 'nvlink';
    readonly source: string;
    readonly target: string;
    /** The VM of a `vm` edge. */
    readonly vm?: string;
    readonly label?: string;
    /** Where the assignment was written (the VM's `gpu x`, `nic y vf 0`, `pin`, `memory … on numa`). */
    source_range?: SourceRange;
    readonly diagnostics: DiagramDiagnostic[];
}

export interface HostDiagram {
    readonly host: string;
    readonly root: DiagramNode;
    readonly edges: DiagramEdge[];
    /** The VMs of the host in declaration order (index = colour index). */
    readonly vms: readonly string[];
}

/**
 * Where model objects were written, for the node → source map, and their doc comments for hover.
 * Both optional: the pure graph does not need them.
 */
export interface SourceInfo {
    /** Source range of a model object (host, socket node, switch, device, VM, VM GPU/NIC entry). */
    rangeOf?(obj: object): SourceRange | undefined;
    /** Source range of one clause of a VM (`pin`, `memoryNuma`). */
    propertyRangeOf?(vm: VmModel, property: 'pin' | 'memoryNuma'): SourceRange | undefined;
    /** The doc comment (`/** … *\/`) of a model object, as plain text. */
    docOf?(obj: object): string | undefined;
    /** The catalog facts of a device model, one line each (the editor hover's text). */
    specFacts?(spec: GpuSpec | NicSpec | NvSwitchSpec): string[];
}

/** Size in MiB as an engineer writes it: `1024 GiB`, `512 MiB`, `2 TiB`. */
export function formatMiB(mib: number): string {
    if (mib >= 1024 * 1024 && mib % (1024 * 1024) === 0) return `${mib / (1024 * 1024)} TiB`;
    if (mib >= 1024 && mib % 1024 === 0) return `${mib / 1024} GiB`;
    return `${mib} MiB`;
}

/** PCIe generation of a link speed in GT/s per lane (PCI-SIG: Gen1 2.5 … Gen6 64). */
function pcieGen(speedGTs: number): string {
    const gens: Record<number, number> = { 2.5: 1, 5: 2, 8: 3, 16: 4, 32: 5, 64: 6 };
    return gens[speedGTs] !== undefined ? `Gen${gens[speedGTs]}` : `${speedGTs} GT/s`;
}

const hostKey = (host: HostModel) => host.name;

/** Node id of a device or switch of a host. */
export function deviceId(host: string, name: string): string {
    return `dev:${host}/${name}`;
}

/**
 * Node id of what a VM's `gpu` or `nic` entry holds: the device (passthrough), its slice of the GPU
 * (vGPU, MIG: `slice:HOST/GPU/VM/INDEX`, INDEX the entry's place among the VM's GPUs) or its VF
 * (`vf:HOST/NIC/VF`).
 */
export function entryNodeId(vm: VmModel, entry: VmModel['gpus'][number] | VmModel['nics'][number]): string {
    const h = hostKey(vm.host);
    if (entry.mode === 'passthrough') return deviceId(h, 'gpu' in entry ? entry.gpu.name : entry.nic.name);
    if (entry.mode === 'vf') return `vf:${h}/${entry.nic.name}/${entry.vf}`;
    return `slice:${h}/${entry.gpu.name}/${vm.name}/${vm.gpus.indexOf(entry)}`;
}

/** Node id of a VM card. */
export function vmId(vm: string): string {
    return `vm:${vm}`;
}

/**
 * The diagram graph of one host and its VMs. `diagnostics` are attached to the node or edge whose
 * source range most tightly contains the diagnostic's start (with `sources.rangeOf`); a diagnostic
 * on a VM's assignment (`gpu gpu2` of a VM) marks the edge (red) and badges the device it points to.
 */
export function buildHostGraph(topology: Topology, host: HostModel, sources: SourceInfo = {}, diagnostics: readonly DiagramDiagnostic[] = []): HostDiagram {
    const h = hostKey(host);
    const vms = vmsOnHost(topology, host);
    const vmNames = vms.map(v => v.name);
    const edges: DiagramEdge[] = [];
    const nodeById = new Map<string, DiagramNode>();
    const range = (obj: object) => sources.rangeOf?.(obj);
    const doc = (obj: object) => sources.docOf?.(obj);
    const node = (n: Omit<DiagramNode, 'children' | 'vms' | 'diagnostics' | 'facts'> & Partial<Pick<DiagramNode, 'children' | 'facts'>>): DiagramNode => {
        // A name written twice in a host (SYN005) still gives distinct ids: `…/gpu0`, `…/gpu0~2`.
        let id = n.id;
        for (let k = 2; nodeById.has(id); k++) id = `${n.id}~${k}`;
        const made: DiagramNode = { children: [], facts: [], vms: [], diagnostics: [], ...n, id };
        nodeById.set(made.id, made);
        return made;
    };

    // Who holds what: passthrough GPUs and NICs, slices per GPU, VFs per NIC.
    const slicesOf = new Map<GpuModel, { vm: VmModel; entry: VmModel['gpus'][number]; index: number }[]>();
    const vfsOf = new Map<NicModel, { vm: VmModel; entry: Extract<VmModel['nics'][number], { mode: 'vf' }> }[]>();
    const holders = new Map<DeviceModel, string[]>();
    for (const vm of vms) {
        vm.gpus.forEach((g, index) => {
            if (g.mode === 'passthrough') push(holders, g.gpu, vm.name);
            else push(slicesOf, g.gpu, { vm, entry: g, index });
        });
        for (const n of vm.nics) {
            if (n.mode === 'passthrough') push(holders, n.nic, vm.name);
            else push(vfsOf, n.nic, { vm, entry: n });
        }
        for (const s of vm.nvswitches ?? []) push(holders, s.nvswitch, vm.name);
    }

    const deviceNode = (d: DeviceModel): DiagramNode => {
        const id = deviceId(h, d.name);
        const bdf = formatBdf(d.address);
        const facts = [`${d.name} at ${bdf}, NUMA node ${d.numa}${d.parentSwitch ? `, behind PCIe switch ${d.parentSwitch.name}` : ''}`];
        const comment = doc(d);
        if (comment) facts.unshift(comment);
        facts.push(...(sources.specFacts?.(d.spec) ?? [`${d.spec.model}`]));
        let label: string[];
        if (d.kind === 'gpu') {
            label = [`${d.name} · ${d.spec.model}`, `${bdf}${d.module !== undefined ? ` · module ${d.module}` : ''}`];
        } else if (d.kind === 'nic') {
            const extra = [d.speedGbps !== undefined ? `${d.speedGbps} Gb/s` : '', d.vfs > 0 ? `${d.vfs} VFs` : ''].filter(Boolean);
            label = [`${d.name} · ${d.spec.model}`, [bdf, ...extra].join(' · ')];
        } else {
            label = [`${d.name} · ${d.spec.model}`, bdf];
        }
        const n = node({ id, kind: d.kind, label, facts, source: range(d) });
        n.vms.push(...(holders.get(d) ?? []));
        if (d.kind === 'gpu') {
            for (const { vm, entry, index } of slicesOf.get(d) ?? []) {
                const what = entry.mode === 'vgpu' ? `vGPU ${entry.type.name}` : entry.mode === 'mig'
                    ? `MIG ${entry.profile.name}${entry.type ? ` (${entry.type.name})` : ''}` : 'passthrough';
                const slice = node({
                    id: `slice:${h}/${d.name}/${vm.name}/${index}`, kind: 'slice', label: [what, vm.name],
                    facts: [`${what} of ${d.name} for VM ${vm.name}`], source: range(entry)
                });
                slice.vms.push(vm.name);
                n.children.push(slice);
            }
        } else if (d.kind === 'nic') {
            const used = [...(vfsOf.get(d) ?? [])].sort((a, b) => a.entry.vf - b.entry.vf || compareCodeUnits(a.vm.name, b.vm.name));
            for (const { vm, entry } of used) {
                const id = `vf:${h}/${d.name}/${entry.vf}`;
                let vf = nodeById.get(id);
                if (!vf || !n.children.includes(vf)) {
                    vf = node({
                        id, kind: 'vf', label: [`VF ${entry.vf} · ${formatBdf(entry.address)}`],
                        facts: [`SR-IOV VF ${entry.vf} of ${d.name} at ${formatBdf(entry.address)}`], source: range(entry)
                    });
                    n.children.push(vf);
                }
                vf.vms.push(vm.name);
                (vf.label as string[]).splice(1, 1, vf.vms.join(', '));
            }
        }
        return n;
    };

    const switchNode = (s: PcieSwitchModel): DiagramNode => {
        const bdf = formatBdf(s.address);
        const link = s.link ? ` · ${pcieGen(s.link.speedGTs)} x${s.link.width}` : '';
        const facts = [`PCIe switch ${s.name} at ${bdf}, NUMA node ${s.numa}${s.link ? `, uplink ${s.link.speedGTs} GT/s x${s.link.width}` : ''}`];
        const comment = doc(s);
        if (comment) facts.unshift(comment);
        const n = node({ id: deviceId(h, s.name), kind: 'switch', label: [`${s.name} · PCIe switch`, `${bdf}${link}`], facts, source: range(s) });
        for (const child of s.switches) n.children.push(switchNode(child));
        for (const d of s.devices) n.children.push(deviceNode(d));
        return n;
    };

    const socketNodes = new Map<number, DiagramNode>();
    const coresOf = new Map<number, DiagramNode>();
    const memoryOf = new Map<number, DiagramNode>();
    const sockets: DiagramNode[] = host.numaNodes.map((numa, index) => {
        const key = `${h}/${numa.socket || index}`;
        const cores = node({
            id: `cores:${key}`, kind: 'cores',
            label: [`cores ${numa.cpus.toString() || '—'}`, `${numa.cpus.size} CPUs`],
            facts: [`Logical CPUs of NUMA node ${numa.id}: ${numa.cpus.toString() || 'none'} (${numa.cpus.size})`],
            source: range(numa), segments: coreSegments(numa, vms)
        });
        cores.vms.push(...unique(cores.segments!.map(s => s.vm)));
        // `memory unknown` (an NCCL or nvidia-smi import) is drawn as such, not as 0.
        const memoryText = numa.memoryUnknown ? 'unknown' : formatMiB(numa.memoryMiB);
        const memory = node({
            id: `mem:${key}`, kind: 'memory', label: [`memory ${memoryText}`],
            facts: [`Memory of NUMA node ${numa.id}: ${memoryText}`],
            source: range(numa), segments: memorySegments(numa, vms)
        });
        memory.vms.push(...unique(memory.segments!.map(s => s.vm)));
        const comment = doc(numa);
        const s = node({
            id: `socket:${key}`, kind: 'socket', label: [`${numa.socket || `socket ${index}`} · NUMA ${numa.id}`],
            facts: [...(comment ? [comment] : []), `Socket ${numa.socket} = NUMA node ${numa.id}`, `CPUs ${numa.cpus.toString()}, memory ${memoryText}`],
            source: range(numa), children: [cores, memory]
        });
        if (!socketNodes.has(numa.id)) {
            socketNodes.set(numa.id, s);
            coresOf.set(numa.id, cores);
            memoryOf.set(numa.id, memory);
        }
        return s;
    });
    const containerFor = (numa: number): DiagramNode[] => socketNodes.get(numa)?.children ?? hostChildren;
    const hostChildren: DiagramNode[] = [];
    for (const s of host.switches) if (!s.parentSwitch) containerFor(s.numa).push(switchNode(s));
    for (const d of host.devices) if (!d.parentSwitch) containerFor(d.numa).push(deviceNode(d));

    const vmCards = vms.map((vm, colour) => {
        const numa = vm.memoryNuma?.length ? ` · memory on NUMA ${vm.memoryNuma.join(',')}` : '';
        const facts = [
            `VM ${vm.name} on ${host.name}: ${vm.vcpus} vCPUs${vm.pin ? ` pinned to ${vm.pin.toString()}` : ' (floating)'}`,
            `memory ${formatMiB(vm.memoryMiB)}${numa}${vm.hugepageMiB ? `, hugepages ${formatMiB(vm.hugepageMiB)}` : ''}`,
            ...(vm.emulatorPin ? [`emulator threads on ${vm.emulatorPin.toString()}`] : []),
            ...(vm.gpus.length ? [`GPUs: ${vm.gpus.map(g => g.mode === 'passthrough' ? g.gpu.name : g.mode === 'vgpu' ? `${g.gpu.name} (vGPU ${g.type.name})` : `${g.gpu.name} (MIG ${g.profile.name})`).join(', ')}`] : []),
            ...(vm.nics.length ? [`NICs: ${vm.nics.map(n => n.mode === 'vf' ? `${n.nic.name} VF ${n.vf}` : n.nic.name).join(', ')}`] : []),
            ...(vm.nvswitches?.length ? [`NVSwitches: ${vm.nvswitches.map(s => s.nvswitch.name).join(', ')}${vm.fabricManagerService ? ' (Fabric Manager service VM)' : ''}`] : []),
            ...(vm.mmioGiB !== undefined ? [`64-bit MMIO ${vm.mmioGiB} GiB`] : [])
        ];
        const comment = doc(vm);
        if (comment) facts.unshift(comment);
        const n = node({
            id: vmId(vm.name), kind: 'vm', colour,
            label: [`VM ${vm.name}`, `${vm.vcpus} vCPUs · ${formatMiB(vm.memoryMiB)}${vm.pin ? '' : ' · floating'}`],
            facts, source: range(vm)
        });
        n.vms.push(vm.name);
        return n;
    });

    // Edges: VM → what it holds (declaration order), then NVLink.
    for (const vm of vms) {
        const from = vmId(vm.name);
        vm.gpus.forEach((g, index) => {
            edges.push({ id: `e:${vm.name}/gpu/${index}`, kind: 'vm', source: from, target: entryNodeId(vm, g), vm: vm.name, source_range: range(g), diagnostics: [] });
        });
        vm.nics.forEach((n, index) => {
            edges.push({ id: `e:${vm.name}/nic/${index}`, kind: 'vm', source: from, target: entryNodeId(vm, n), vm: vm.name, source_range: range(n), diagnostics: [] });
        });
        (vm.nvswitches ?? []).forEach((s, index) => {
            edges.push({ id: `e:${vm.name}/nvswitch/${index}`, kind: 'vm', source: from, target: deviceId(h, s.nvswitch.name), vm: vm.name, source_range: range(s), diagnostics: [] });
        });
        const pinned = [...new Set((vm.pin ? [...numaIdsOf(host, vm.pin)] : []))].sort((a, b) => a - b);
        for (const id of pinned) {
            const cores = coresOf.get(id);
            if (cores) edges.push({ id: `e:${vm.name}/cores/${id}`, kind: 'vm', source: from, target: cores.id, vm: vm.name, source_range: sources.propertyRangeOf?.(vm, 'pin'), diagnostics: [] });
        }
        for (const id of [...new Set(vm.memoryNuma ?? [])].sort((a, b) => a - b)) {
            const memory = memoryOf.get(id);
            if (memory) edges.push({ id: `e:${vm.name}/memory/${id}`, kind: 'vm', source: from, target: memory.id, vm: vm.name, source_range: sources.propertyRangeOf?.(vm, 'memoryNuma'), diagnostics: [] });
        }
    }
    const nvswitches = host.devices.filter(d => d.kind === 'nvswitch');
    const nvlinkGpus = host.devices.filter((d): d is GpuModel => d.kind === 'gpu' && d.spec.nvlinks > 0);
    const fabric: DiagramNode[] = [];
    if (nvswitches.length > 0 && nvlinkGpus.length > 0) {
        const f = node({
            id: `fabric:${h}`, kind: 'fabric',
            label: ['NVLink fabric', `${nvswitches.length} NVSwitch${nvswitches.length === 1 ? '' : 'es'}: ${nvswitches.map(s => s.name).join(', ')}`],
            facts: [`NVLink fabric of ${host.name}: ${nvlinkGpus.length} GPUs over ${nvswitches.length} NVSwitches (${nvswitches.map(s => s.name).join(', ')})`,
                'Each GPU\'s NVLink ports go to the NVSwitch chips of the baseboard; Fabric Manager partitions them between VMs.']
        });
        fabric.push(f);
        for (const g of nvlinkGpus) {
            edges.push({ id: `e:nvlink/${g.name}`, kind: 'nvlink', source: deviceId(h, g.name), target: f.id, label: `NV${g.spec.nvlinks}`, diagnostics: [] });
        }
    }

    const hostComment = doc(host);
    const root = node({
        id: `host:${h}`, kind: 'host',
        label: [`host ${host.name} · ${host.platform}${host.cpu ? ` · ${host.cpu.model}` : ''}`],
        facts: [...(hostComment ? [hostComment] : []),
            `Host ${host.name} (${host.platform})${host.cpu ? `, ${host.cpu.model}` : ''}${host.license ? `, licence ${host.license}` : ''}`,
            `${host.numaNodes.length} NUMA nodes, ${host.switches.length} PCIe switches, ${host.devices.length} devices, ${vms.length} VMs`],
        source: range(host),
        children: [...vmCards, ...sockets, ...hostChildren, ...fabric]
    });

    // Only edges between drawn nodes (a half-typed or cross-host reference draws no edge).
    const drawn = edges.filter(e => nodeById.has(e.source) && nodeById.has(e.target));
    attachDiagnostics(root, drawn, nodeById, diagnostics);
    return { host: host.name, root, edges: drawn, vms: vmNames };
}

function unique<T>(items: readonly T[]): T[] {
    return [...new Set(items)];
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
    const list = map.get(key);
    if (list) list.push(value); else map.set(key, [value]);
}

function* numaIdsOf(host: HostModel, cpus: CpuList): Iterable<number> {
    for (const numa of host.numaNodes) {
        if (numa.cpus.ranges.length === 0) continue;
        if (intersect(numa.cpus.sorted, cpus.sorted).length > 0) yield numa.id;
    }
}

/** Intersections of two lists of inclusive ranges, as ranges [a, b]. */
function intersect(a: readonly IdRange[], b: readonly IdRange[]): [number, number][] {
    const out: [number, number][] = [];
    for (const [a0, a1] of a) {
        for (const [b0, b1] of b) {
            const lo = Math.max(a0, b0);
            const hi = Math.min(a1, b1);
            if (lo <= hi) out.push([lo, hi]);
        }
    }
    return out;
}

/** Where each VM's pinned CPUs lie in the node's CPU list (in the order `cores` lists them). */
function coreSegments(numa: NumaNode, vms: readonly VmModel[]): BarSegment[] {
    const total = numa.cpus.size;
    if (total === 0) return [];
    const out: BarSegment[] = [];
    for (const vm of vms) {
        if (!vm.pin) continue;
        let offset = 0;
        for (const [r0, r1] of numa.cpus.ranges) {
            for (const [lo, hi] of intersect([[r0, r1]], vm.pin.sorted)) {
                out.push({ vm: vm.name, from: (offset + lo - r0) / total, to: (offset + hi - r0 + 1) / total });
            }
            offset += r1 - r0 + 1;
        }
    }
    return out;
}

/** The memory each VM binds to the node (strict numatune), stacked in VM order; split evenly over its nodes. */
function memorySegments(numa: NumaNode, vms: readonly VmModel[]): BarSegment[] {
    if (numa.memoryMiB <= 0) return [];
    const out: BarSegment[] = [];
    let at = 0;
    for (const vm of vms) {
        if (!vm.memoryNuma?.includes(numa.id)) continue;
        const share = vm.memoryMiB / vm.memoryNuma.length / numa.memoryMiB;
        const to = Math.min(1, at + share);
        if (to > at) out.push({ vm: vm.name, from: at, to });
        at = to;
    }
    return out;
}

/** Whether `position` in the document `uri` lies in `r` (ends included). */
export function rangeContains(r: SourceRange | undefined, uri: string, p: { line: number; character: number }): boolean {
    if (!r || r.uri !== uri) return false;
    const afterStart = p.line > r.start.line || (p.line === r.start.line && p.character >= r.start.character);
    const beforeEnd = p.line < r.end.line || (p.line === r.end.line && p.character <= r.end.character);
    return afterStart && beforeEnd;
}

function contains(r: SourceRange, d: DiagramDiagnostic): boolean {
    return rangeContains(r, d.uri, d.range.start);
}

function extent(r: SourceRange): number {
    return (r.end.line - r.start.line) * 100000 + (r.end.character - r.start.character);
}

/**
 * Each diagnostic goes to the node or edge whose source range contains its start most tightly; on
 * an edge it also badges the edge's target (the device a VM mis-holds), and on a VM's pin or memory
 * binding also the VM's GPUs (the GPUs the VM is pinned away from). Diagnostics that lie in no
 * node or edge of this host are left out.
 */
function attachDiagnostics(root: DiagramNode, edges: DiagramEdge[], nodeById: Map<string, DiagramNode>, diagnostics: readonly DiagramDiagnostic[]): void {
    const nodes: DiagramNode[] = [];
    const walk = (n: DiagramNode) => { nodes.push(n); n.children.forEach(walk); };
    walk(root);
    for (const d of diagnostics) {
        let best: { size: number; node?: DiagramNode; edge?: DiagramEdge } | undefined;
        for (const n of nodes) {
            if (n.source && contains(n.source, d) && (!best || extent(n.source) < best.size)) best = { size: extent(n.source), node: n };
        }
        for (const e of edges) {
            if (e.source_range && contains(e.source_range, d) && (!best || extent(e.source_range) < best.size)) best = { size: extent(e.source_range), edge: e };
        }
        if (best?.node) best.node.diagnostics.push(d);
        if (best?.edge) {
            const edge = best.edge;
            edge.diagnostics.push(d);
            nodeById.get(edge.target)?.diagnostics.push(d);
            // vCPUs or memory off the GPUs' node (LOC001, LOC003): the VM's GPUs are badged too.
            if (/\/(cores|memory)\//.test(edge.id)) {
                for (const g of edges) if (g.vm === edge.vm && g.id.startsWith(`e:${edge.vm}/gpu/`)) nodeById.get(g.target)?.diagnostics.push(d);
            }
        }
    }
}

/** Every node of a diagram, depth-first in drawing order. */
export function allNodes(root: DiagramNode): DiagramNode[] {
    const out: DiagramNode[] = [];
    const walk = (n: DiagramNode) => { out.push(n); n.children.forEach(walk); };
    walk(root);
    return out;
}


/** `n thing` / `n things`. */
function count(n: number, thing: string): string {
    return `${n} ${thing}${n === 1 ? '' : 's'}`;
}

/**
 * What a node shows when the view is zoomed out too far to read its labels (semantic zoom): one
 * or two short lines. A PCIe switch: its name and what is behind it (`sw3 · 1 GPU · 3 NICs`), then
 * the VMs holding any of it (`train-a`, or `free`); a device, VF, slice or NVSwitch: its name; a VM:
 * its name (its card has its colour); cores: the CPU count; memory: its size; a socket, the host, the fabric: their first
 * label line.
 */
export function summaryOf(n: DiagramNode, vmOrder: readonly string[] = []): string[] {
    const first = n.label[0] ?? n.id;
    const name = first.split(' · ')[0];
    switch (n.kind) {
        case 'switch': {
            const inside = allNodes(n).slice(1);
            const parts = [
                ['gpu', 'GPU'], ['nic', 'NIC'], ['nvswitch', 'NVSwitch'], ['switch', 'switch']
            ].map(([kind, word]) => [inside.filter(c => c.kind === kind).length, word] as const).filter(([k]) => k > 0).map(([k, word]) => count(k, word));
            const vms = unique(inside.flatMap(c => c.vms)).sort((a, b) => (vmOrder.indexOf(a) - vmOrder.indexOf(b)) || compareCodeUnits(a, b));
            return [[name, ...parts].join(' · '), vms.length ? vms.join(', ') : 'free'];
        }
        case 'gpu': case 'nic': case 'nvswitch': return [name];
        case 'vf': return [name];
        case 'slice': return [first];
        case 'vm': return [first.replace(/^VM /, '')];
        case 'cores': return [n.label[1] ?? first];
        case 'memory': return [first.replace(/^memory /, 'mem ')];
        default: return [first];
    }
}
