/**
 * Builds the resolved {@link Topology} from vmtopo ASTs (one or many documents). Tolerant: anything
 * that does not parse or link (bad BDF, unknown model, unresolved reference) is left out of the
 * model; the validator reports it where it was written. Never throws on user input.
 */
import type { AstNode } from 'langium';
import type * as ast from '../generated/ast.js';
import { isGpu, isNic, isNvSwitch, isPassthroughGpus, isVgpuSlice, isMigSlice } from '../generated/ast.js';
import { findCpu, findGpu, findNic, findNvSwitch, findVgpuType, findMigProfile, migBackedTypeFor } from '../catalog/index.js';
import type { PcieLink } from '../catalog/types.js';
import { parseBdf, parseCpuList, sizeToMiB, parseLinkWidth, checkLinkSpeed, routingId, fromRoutingId, type Bdf } from '../syntax/tokens.js';
import type {
    DeviceModel, GpuModel, HostModel, NicModel, NumaNode, NvSwitchModel, PcieSwitchModel, Topology, VmGpu, VmModel, VmNic
} from './topology.js';

/** Where a model object was written: the AST node, and optionally the property and list index. */
export interface TraceEntry {
    readonly node: AstNode;
    readonly property?: string;
    readonly index?: number;
}

export interface ResolvedTopology {
    readonly topology: Topology;
    /** Model object (host, device, VM, VM GPU/NIC entry) → where it was written. */
    readonly trace: ReadonlyMap<object, TraceEntry>;
    /** AST node → model object, for the validator and code actions. */
    readonly modelOf: ReadonlyMap<AstNode, object>;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Resolves the hosts and VMs of the given models (documents). Hosts are matched to VMs by reference. */
export function resolveTopology(models: Iterable<ast.Model>): ResolvedTopology {
    const trace = new Map<object, TraceEntry>();
    const modelOf = new Map<AstNode, object>();
    const hostsByAst = new Map<ast.Host, HostModel>();
    const devicesByAst = new Map<AstNode, DeviceModel>();
    const hosts: HostModel[] = [];
    const vms: VmModel[] = [];
    const link = (obj: object, node: AstNode, property?: string, index?: number) => {
        trace.set(obj, { node, property, index });
        if (property === undefined) modelOf.set(node, obj);
    };
    const modelList = [...models];

    for (const model of modelList) {
        for (const h of model.hosts) {
            const host = resolveHost(h, devicesByAst, link);
            hostsByAst.set(h, host);
            hosts.push(host);
        }
    }
    for (const model of modelList) {
        for (const v of model.vms) {
            const hostAst = v.host?.ref;
            const host = hostAst && hostsByAst.get(hostAst);
            if (!host) continue;
            const vm = resolveVm(v, host, devicesByAst, link);
            vms.push(vm);
        }
    }
    return { topology: { hosts, vms }, trace, modelOf };
}

type Linker = (obj: object, node: AstNode, property?: string, index?: number) => void;

function resolveLink(l: ast.Link | undefined): PcieLink | undefined {
    if (!l) return undefined;
    const w = parseLinkWidth(l.width);
    const s = checkLinkSpeed(l.speed);
    return w.ok && s.ok ? { speedGTs: s.value, width: w.value } : undefined;
}

function bdfOf(text: string): Bdf | undefined {
    const p = parseBdf(text);
    return p.ok ? p.value : undefined;
}

function resolveHost(h: ast.Host, devicesByAst: Map<AstNode, DeviceModel>, link: Linker): HostModel {
    const numaNodes: NumaNode[] = [];
    const numaOfSocket = new Map<ast.Socket, number>();
    for (const s of h.sockets) {
        const cpus = s.cores !== undefined ? parseCpuList(s.cores) : undefined;
        const mem = s.memory ? sizeToMiB(s.memory.value, s.memory.unit) : undefined;
        const id = s.numa ?? h.sockets.indexOf(s);
        numaOfSocket.set(s, id);
        const cpuList = cpus?.ok ? cpus.value : [];
        const node: NumaNode = {
            id, socket: s.name, cpus: cpuList, siblings: smtSiblings(String(s.cores ?? '')),
            memoryMiB: mem?.ok ? mem.value : 0
        };
        numaNodes.push(node);
        link(node, s);
    }
    const cpuToNode = new Map<number, NumaNode>();
    for (const n of numaNodes) for (const c of n.cpus) if (!cpuToNode.has(c)) cpuToNode.set(c, n);

    const switches: PcieSwitchModel[] = [];
    const devices: DeviceModel[] = [];
    const host: Mutable<HostModel> = {
        name: h.name,
        platform: h.platform ?? 'kvm',
        cpu: h.cpuModel ? findCpu(h.cpuModel) : undefined,
        license: h.license,
        numaNodes, switches, devices,
        numaOfCpu: (cpu: number) => cpuToNode.get(cpu)
    };
    link(host, h);
    const defaultNuma = numaNodes[0]?.id ?? 0;
    const numaFor = (socket: ast.Socket | undefined, inherited: number | undefined) =>
        socket ? (numaOfSocket.get(socket) ?? defaultNuma) : (inherited ?? defaultNuma);

    const addDevice = (d: ast.Device, parent: PcieSwitchModel | undefined): DeviceModel | undefined => {
        const address = bdfOf(d.address);
        if (!address) return undefined;
        const numa = numaFor(d.socket?.ref, parent?.numa);
        const base = { name: d.name, host, address, numa, parentSwitch: parent };
        let dev: DeviceModel | undefined;
        if (isGpu(d)) {
            const spec = findGpu(d.model);
            if (!spec) return undefined;
            dev = { ...base, kind: 'gpu', spec, module: d.module, link: resolveLink(d.link) ?? spec.link } satisfies GpuModel;
        } else if (isNic(d)) {
            const spec = findNic(d.model);
            if (!spec) return undefined;
            dev = {
                ...base, kind: 'nic', spec, speedGbps: d.speed?.value, vfs: d.vfs ?? 0,
                vfOffset: d.vfOffset ?? 1, vfStride: d.vfStride ?? 1, link: resolveLink(d.link) ?? spec.link
            } satisfies NicModel;
        } else if (isNvSwitch(d)) {
            const spec = findNvSwitch(d.model ?? 'NVSwitch');
            if (!spec) return undefined;
            dev = { ...base, kind: 'nvswitch', spec } satisfies NvSwitchModel;
        }
        if (dev) {
            devices.push(dev);
            devicesByAst.set(d, dev);
            link(dev, d);
        }
        return dev;
    };
    const addSwitch = (s: ast.PcieSwitch, parent: PcieSwitchModel | undefined): PcieSwitchModel | undefined => {
        const address = bdfOf(s.address);
        if (!address) return undefined;
        const sw: Mutable<PcieSwitchModel> = {
            kind: 'switch', name: s.name, host, address, numa: numaFor(s.socket?.ref, parent?.numa),
            parentSwitch: parent, link: resolveLink(s.link), switches: [], devices: []
        };
        switches.push(sw);
        link(sw, s);
        for (const child of s.switches) {
            const c = addSwitch(child, sw);
            if (c) (sw.switches as PcieSwitchModel[]).push(c);
        }
        for (const d of s.devices) {
            const dev = addDevice(d, sw);
            if (dev) (sw.devices as DeviceModel[]).push(dev);
        }
        return sw;
    };
    for (const s of h.switches) addSwitch(s, undefined);
    for (const d of h.devices) addDevice(d, undefined);
    return host;
}

/**
 * SMT siblings from a `cores` list written as two equal-length ranges (`0-47,96-143`): CPU k of the
 * first range and CPU k of the second are the two hardware threads of one core, which is how Linux
 * numbers threads on Intel and AMD servers (`thread_siblings_list`).
 */
function smtSiblings(cores: string): Map<number, number> {
    const m = /^(\d+)-(\d+),(\d+)-(\d+)$/.exec(cores);
    const result = new Map<number, number>();
    if (!m) return result;
    const [a, b, c, d] = m.slice(1).map(Number);
    if (b - a !== d - c || b < a) return result;
    for (let k = 0; k <= b - a; k++) {
        result.set(a + k, c + k);
        result.set(c + k, a + k);
    }
    return result;
}

function resolveVm(v: ast.Vm, host: HostModel, devicesByAst: Map<AstNode, DeviceModel>, link: Linker): VmModel {
    const list = (text: string | number | undefined) => {
        if (text === undefined) return undefined;
        const p = parseCpuList(text);
        return p.ok ? p.value : undefined;
    };
    const mem = v.memory ? sizeToMiB(v.memory.value, v.memory.unit) : undefined;
    const huge = v.hugepages ? sizeToMiB(v.hugepages.value, v.hugepages.unit) : undefined;
    const mmio = v.mmio ? sizeToMiB(v.mmio.value, v.mmio.unit) : undefined;

    const gpus: VmGpu[] = [];
    for (const a of v.gpus) {
        a.gpus.forEach((ref, index) => {
            const gpuAst = ref.ref;
            const gpu = gpuAst && devicesByAst.get(gpuAst);
            if (!gpu || gpu.kind !== 'gpu') return;
            let entry: VmGpu | undefined;
            if (isPassthroughGpus(a)) {
                entry = { mode: 'passthrough', gpu };
            } else if (isVgpuSlice(a)) {
                const type = findVgpuType(gpu.spec, a.vgpuType);
                if (type) entry = { mode: 'vgpu', gpu, type };
            } else if (isMigSlice(a)) {
                const profile = findMigProfile(gpu.spec, a.profile);
                if (profile) entry = { mode: 'mig', gpu, profile, type: migBackedTypeFor(gpu.spec, profile.name) };
            }
            if (entry) {
                gpus.push(entry);
                link(entry, a, 'gpus', index);
            }
        });
    }
    const nics: VmNic[] = [];
    for (const a of v.nics) {
        a.nics.forEach((ref, index) => {
            const nicAst = ref.ref;
            const nic = nicAst && devicesByAst.get(nicAst);
            if (!nic || nic.kind !== 'nic') return;
            let entry: VmNic;
            if (a.vf !== undefined) {
                const rid = routingId(nic.address) + nic.vfOffset + a.vf * nic.vfStride;
                entry = { mode: 'vf', nic, vf: a.vf, address: fromRoutingId(nic.address.domain, rid) };
            } else {
                entry = { mode: 'passthrough', nic };
            }
            nics.push(entry);
            link(entry, a, 'nics', index);
        });
    }
    const vm: VmModel = {
        name: v.name,
        host,
        vcpus: v.vcpus ?? 1,
        pin: list(v.pin),
        emulatorPin: list(v.emulatorPin),
        memoryMiB: mem?.ok ? mem.value : 0,
        memoryNuma: list(v.memoryNuma),
        hugepageMiB: huge?.ok ? huge.value : undefined,
        gpus, nics,
        mmioGiB: mmio?.ok ? mmio.value / 1024 : undefined,
        license: v.license ?? host.license
    };
    link(vm, v);
    return vm;
}
