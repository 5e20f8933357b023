/**
 * Builds the resolved {@link Topology} from vmtopo ASTs (one or many documents). Tolerant: anything
 * that does not parse or link (bad BDF, unknown model, unresolved reference) is left out of the
 * model; the validator reports it where it was written. Never throws on user input: a half-typed
 * document has missing names, models, numbers and references (`gpu` without its name yet), and
 * numbers out of the language's bounds (`vcpus 4294967296`) are treated as not written. Costs do not
 * depend on the numbers written: CPU lists stay ranges ({@link CpuList}).
 */
import type { AstNode } from 'langium';
import type * as ast from '../generated/ast.js';
import { isGpu, isNic, isNvSwitch, isPassthroughGpus, isVgpuSlice, isMigSlice } from '../generated/ast.js';
import { findCpu, findGpu, findNic, findNvSwitch, findVgpuType, findMigProfile, migBackedTypeFor } from '../catalog/index.js';
import type { PcieLink } from '../catalog/types.js';
import { parseBdf, parseCpuList, parseNumaList, sizeToMiB, parseLinkWidth, checkLinkSpeed, vfAddress, CpuList, type Bdf } from '../syntax/tokens.js';
import { checkInteger, MAX_MODULE_ID, MAX_NUMA_ID, MAX_PORT_SPEED_GBPS, MAX_SRIOV_FIELD, MAX_VCPUS } from '../syntax/limits.js';
import { nodeForProperty } from '../kernel/cst.js';
import { registerHostVms } from './vgpu-functions.js';
import { expandHost } from './template.js';
import type {
    Declaration, DeviceModel, GpuModel, HostModel, NicModel, NumaNode, NvSwitchModel, PcieSwitchModel, PlatformVersion, SwitchPciId, Topology, VmGpu, VmModel, VmNic, VmNvSwitch
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

/** One `link` call of a resolution: a model object and where it was written. */
type Link = readonly [obj: object, node: AstNode, property?: string, index?: number];

/** What resolving one host gave: its model, its declaration, its devices by syntax node, and its links. */
interface HostPart {
    readonly uri: string | undefined;
    readonly host: HostModel;
    readonly declaration: Declaration;
    /** Its devices by syntax node (a host made from a template: the template's nodes where they stand for its devices). */
    readonly devices: ReadonlyMap<AstNode, DeviceModel>;
    readonly links: readonly Link[];
    /** The template the host was expanded from (`host NAME from TEMPLATE`), if any. */
    readonly template?: ast.HostTemplate;
}

/** What resolving one VM gave, and what it was resolved from: its host's model and its references' targets. */
interface VmPart {
    readonly uri: string | undefined;
    readonly host: HostModel | undefined;
    readonly targets: readonly unknown[];
    readonly vm: VmModel | undefined;
    readonly declaration: Declaration;
    readonly links: readonly Link[];
}

/**
 * Earlier resolutions of hosts and VMs, by syntax node, for {@link resolveTopology} to reuse. A
 * syntax node never changes (an edit parses its document, or the one block it falls in, again into
 * new nodes: `langium/incremental.ts`), so a host's resolution holds as long as its node lives; a VM's also depends on its host's model and on what
 * its references resolve to (its host, GPUs and NICs may be declared in another file), which are
 * compared before it is reused. Held weakly: the entries of replaced documents go with them. After
 * an edit of one file of a fleet, only that file's hosts and VMs are resolved again (the others'
 * models are the same objects as before).
 */
export class TopologyCache {
    readonly hosts = new WeakMap<ast.Host, HostPart>();
    readonly vms = new WeakMap<ast.Vm, VmPart>();
}

/**
 * Resolves the hosts and VMs of the given models (documents). Hosts are matched to VMs by reference.
 * With a `cache`, hosts and VMs resolved before from the same syntax (and, for a VM, the same host
 * model and reference targets) are taken from it: the result is the same, model objects included.
 */
export function resolveTopology(models: Iterable<ast.Model>, cache?: TopologyCache): ResolvedTopology {
    const trace = new Map<object, TraceEntry>();
    const modelOf = new Map<AstNode, object>();
    const hostsByAst = new Map<ast.Host, HostModel>();
    const hostDevices = new Map<HostModel, ReadonlyMap<AstNode, DeviceModel>>();
    const hosts: HostModel[] = [];
    const vms: VmModel[] = [];
    const declarations: Declaration[] = [];
    const apply = (links: readonly Link[]) => {
        for (const [obj, node, property, index] of links) {
            trace.set(obj, { node, property, index });
            if (property === undefined) modelOf.set(node, obj);
        }
    };
    const modelList = [...models];

    for (const model of modelList) {
        const uri = documentUri(model);
        for (const h of model.hosts ?? []) {
            if (!h.name) continue; // `host {` before the name is typed
            let part = cache?.hosts.get(h);
            const template = h.template?.ref;
            if (!part || part.uri !== uri || part.template !== template) {
                const links: Link[] = [];
                const link: Linker = (obj, node, property, index) => { links.push([obj, node, property, index]); };
                const declaration = declare(link, 'host', h, uri);
                const devices = new Map<AstNode, DeviceModel>();
                // A host made from a template: its expansion (model/template.ts), traced to the host where it stands for it.
                const expanded = expandHost(h, template);
                const host = resolveHost(expanded, devices, expanded === h ? link : (obj, node, property, index) => link(obj, node === expanded ? h : node, property, index));
                part = { uri, host, declaration, devices, links, template };
                cache?.hosts.set(h, part);
            }
            declarations.push(part.declaration);
            apply(part.links);
            // Hosts made from one template share its device nodes: a VM finds its devices among its host's.
            hostDevices.set(part.host, part.devices);
            hostsByAst.set(h, part.host);
            hosts.push(part.host);
        }
    }
    for (const model of modelList) {
        const uri = documentUri(model);
        for (const v of model.vms ?? []) {
            if (!v.name) continue;
            const hostAst = v.host?.ref;
            const host = hostAst && hostsByAst.get(hostAst);
            const targets = referenceTargets(v);
            let part = cache?.vms.get(v);
            if (!part || part.uri !== uri || part.host !== host || !sameTargets(part.targets, targets)) {
                const links: Link[] = [];
                const link: Linker = (obj, node, property, index) => { links.push([obj, node, property, index]); };
                const declaration = declare(link, 'vm', v, uri);
                const vm = host ? resolveVm(v, host, hostDevices.get(host)!, link) : undefined;
                part = { uri, host, targets, vm, declaration, links };
                cache?.vms.set(v, part);
            }
            declarations.push(part.declaration);
            apply(part.links);
            if (part.vm) vms.push(part.vm);
        }
    }
    registerHostVms(vms);
    return { topology: { hosts, vms, declarations }, trace, modelOf };
}

/** What a VM's references resolve to (its host, then its GPUs and NICs), in order. */
function referenceTargets(v: ast.Vm): unknown[] {
    const targets: unknown[] = [v.host?.ref];
    for (const a of v.gpus ?? []) for (const r of a.gpus ?? []) targets.push(r?.ref);
    for (const a of v.nics ?? []) for (const r of a.nics ?? []) targets.push(r?.ref);
    for (const a of v.nvswitches ?? []) for (const r of a.nvswitches ?? []) targets.push(r?.ref);
    return targets;
}

function sameTargets(a: readonly unknown[], b: readonly unknown[]): boolean {
    return a.length === b.length && a.every((t, i) => t === b[i]);
}

type Linker = (obj: object, node: AstNode, property?: string, index?: number) => void;

/** The URI of the document a model belongs to, if it belongs to one. */
function documentUri(model: ast.Model): string | undefined {
    const document = (model as { $document?: { uri?: { toString(): string } } }).$document;
    return document?.uri?.toString();
}

/** A host or VM declaration (traced to its name). */
function declare(link: Linker, kind: Declaration['kind'], node: ast.Host | ast.Vm, uri: string | undefined): Declaration {
    const nameNode = node.$cstNode ? nodeForProperty(node.$cstNode, 'name') : undefined;
    const declaration: Declaration = { kind, name: node.name, uri, line: nameNode?.range.start.line ?? node.$cstNode?.range.start.line ?? 0 };
    link(declaration, node, 'name');
    return declaration;
}

/**
 * A platform version as written (`8.0u3`, `8.0 U2`, `9.0`, `7`): major, minor, update; undefined when
 * not written or not of that form (the VGPU version gates then do not apply).
 */
export function parsePlatformVersion(text: string | undefined): PlatformVersion | undefined {
    const m = text === undefined ? null : /^(\d{1,3})(?:\.(\d{1,3}))?\s*(?:[uU](\d{1,2})[a-z]?)?$/.exec(text.trim());
    if (!m) return undefined;
    return { text: text!, major: Number(m[1]), minor: Number(m[2] ?? 0), update: Number(m[3] ?? 0) };
}

function resolveLink(l: ast.Link | undefined): PcieLink | undefined {
    if (!l) return undefined;
    const w = parseLinkWidth(l.width);
    const s = checkLinkSpeed(l.speed);
    return w.ok && s.ok ? { speedGTs: s.value, width: w.value } : undefined;
}

function bdfOf(text: string | undefined): Bdf | undefined {
    const p = parseBdf(text);
    return p.ok ? p.value : undefined;
}

/** A number of the document if it is a whole number in `[min, max]`, else undefined (not yet written, or out of bounds). */
function integer(value: number | undefined, min: number, max: number): number | undefined {
    const c = checkInteger(value, min, max, '');
    return c.ok ? c.value : undefined;
}

function sizeMiB(size: ast.Size | undefined): number | undefined {
    if (!size) return undefined;
    const p = sizeToMiB(size.value, size.unit);
    return p.ok ? p.value : undefined;
}

function resolveHost(h: ast.Host, devicesByAst: Map<AstNode, DeviceModel>, link: Linker): HostModel {
    const numaNodes: NumaNode[] = [];
    const numaOfSocket = new Map<ast.Socket, number>();
    const nodeOfSocket = new Map<ast.Socket, NumaNode>();
    const sockets = h.sockets ?? [];
    sockets.forEach((s, index) => {
        const cpus = s.cores !== undefined ? parseCpuList(s.cores) : undefined;
        const written = integer(s.numa, 0, MAX_NUMA_ID);
        const id = written ?? index;
        numaOfSocket.set(s, id);
        const cpuList = cpus?.ok ? cpus.value : CpuList.EMPTY;
        const node: NumaNode = {
            id, idFrom: written !== undefined ? 'written' : s.numa === undefined ? 'position' : 'invalid',
            socket: s.name ?? '', cpus: cpuList, siblingOf: smtSiblings(cpuList),
            memoryMiB: sizeMiB(s.memory) ?? 0,
            hugepagePools: (s.hugepagePools ?? []).flatMap(p => {
                const size = sizeMiB(p.size);
                const count = integer(p.count, 0, Number.MAX_SAFE_INTEGER);
                return size !== undefined && size > 0 && count !== undefined ? [{ sizeMiB: size, count }] : [];
            })
        };
        numaNodes.push(node);
        nodeOfSocket.set(s, node);
        link(node, s);
    });

    const switches: PcieSwitchModel[] = [];
    const devices: DeviceModel[] = [];
    const host: Mutable<HostModel> = {
        name: h.name,
        platform: h.platform ?? 'kvm',
        // the CST text: the value converter turns `8.0` into the number 8 before concatenating
        platformVersion: parsePlatformVersion(h.platformVersion !== undefined && h.$cstNode
            ? (nodeForProperty(h.$cstNode, 'platformVersion')?.text ?? h.platformVersion) : h.platformVersion),
        vgpuDelivery: h.vgpuDelivery as HostModel['vgpuDelivery'],
        cpu: findCpu(h.cpuModel),
        license: h.license as HostModel['license'],
        fabricManager: h.fabricManager as HostModel['fabricManager'],
        iommu: h.iommu as HostModel['iommu'],
        acsOverride: h.acsOverride || undefined,
        numaNodes, switches, devices,
        numaOfCpu: (cpu: number) => numaNodes.find(n => n.cpus.has(cpu))
    };
    link(host, h);
    const defaultNuma = numaNodes[0]?.id ?? 0;
    // A template's device names a template socket that its host may override: found by name then.
    const socketByName = (socket: ast.Socket) => sockets.find(s => s.name === socket.name);
    const numaFor = (socket: ast.Socket | undefined, inherited: number | undefined) =>
        socket ? (numaOfSocket.get(socket) ?? numaOfSocket.get(socketByName(socket)!) ?? defaultNuma) : (inherited ?? defaultNuma);

    const addDevice = (d: ast.Device, parent: PcieSwitchModel | undefined): DeviceModel | undefined => {
        const address = bdfOf(d.address);
        if (!address || !d.name) return undefined;
        const numa = numaFor(d.socket?.ref, parent?.numa);
        const declaredSocket = d.socket?.ref ? nodeOfSocket.get(d.socket.ref) ?? nodeOfSocket.get(socketByName(d.socket.ref)!) : undefined;
        const name = d.name;
        const iommuGroup = integer(d.iommuGroup, 0, Number.MAX_SAFE_INTEGER);
        // Written out field by field (the common ones first, in this order) rather than spread from
        // a common object: V8 builds a literal of known shape several times faster, and a fleet has
        // thousands of devices.
        let dev: DeviceModel | undefined;
        if (isGpu(d)) {
            const spec = findGpu(d.model);
            if (!spec) return undefined;
            dev = {
                name, host, address, numa, parentSwitch: parent, declaredSocket, iommuGroup,
                kind: 'gpu', spec, module: integer(d.module, 0, MAX_MODULE_ID), link: resolveLink(d.link) ?? spec.link, vgpuMode: d.vgpuMode as GpuModel['vgpuMode'], acs: d.acs as GpuModel['acs']
            } satisfies GpuModel;
        } else if (isNic(d)) {
            const spec = findNic(d.model);
            if (!spec) return undefined;
            const speed = d.speed?.value;
            dev = {
                name, host, address, numa, parentSwitch: parent, declaredSocket, iommuGroup,
                kind: 'nic', spec,
                speedGbps: speed !== undefined && speed > 0 && speed <= MAX_PORT_SPEED_GBPS ? speed : undefined,
                vfs: integer(d.vfs, 0, MAX_SRIOV_FIELD) ?? 0,
                vfOffset: integer(d.vfOffset, 0, MAX_SRIOV_FIELD) ?? 1,
                vfStride: integer(d.vfStride, 0, MAX_SRIOV_FIELD) ?? 1,
                link: resolveLink(d.link) ?? spec.link,
                acs: d.acs as NicModel['acs'], ats: d.ats as NicModel['ats'], linkLayer: d.linkLayer as NicModel['linkLayer'],
                management: d.management || undefined
            } satisfies NicModel;
        } else if (isNvSwitch(d)) {
            const spec = findNvSwitch(d.model ?? 'NVSwitch');
            if (!spec) return undefined;
            dev = { name, host, address, numa, parentSwitch: parent, declaredSocket, iommuGroup, kind: 'nvswitch', spec } satisfies NvSwitchModel;
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
        if (!address || !s.name) return undefined;
        const sw: Mutable<PcieSwitchModel> = {
            kind: 'switch', name: s.name, host, address, numa: numaFor(s.socket?.ref, parent?.numa),
            parentSwitch: parent, declaredSocket: s.socket?.ref ? nodeOfSocket.get(s.socket.ref) : undefined,
            link: resolveLink(s.link), acs: s.acs as PcieSwitchModel['acs'], switches: [], devices: [],
            model: s.model, pciId: parseSwitchPciId(s.pciId)
        };
        switches.push(sw);
        link(sw, s);
        for (const child of s.switches ?? []) {
            const c = addSwitch(child, sw);
            if (c) (sw.switches as PcieSwitchModel[]).push(c);
        }
        for (const d of s.devices ?? []) {
            const dev = addDevice(d, sw);
            if (dev) (sw.devices as DeviceModel[]).push(dev);
        }
        return sw;
    };
    for (const s of h.switches ?? []) addSwitch(s, undefined);
    for (const d of h.devices ?? []) addDevice(d, undefined);
    return host;
}

/**
 * SMT siblings from a `cores` list written as two equal-length ranges (`0-47,96-143`): CPU k of the
 * first range and CPU k of the second are the two hardware threads of one core, which is how Linux
 * numbers threads on Intel and AMD servers (`thread_siblings_list`,
 * https://docs.kernel.org/admin-guide/cputopology.html). Computed from the ranges, in O(1) per CPU.
 */
function smtSiblings(cores: CpuList): (cpu: number) => number | undefined {
    if (cores.ranges.length !== 2) return () => undefined;
    const [[a, b], [c, d]] = cores.ranges;
    if (b - a !== d - c) return () => undefined;
    return cpu => (cpu >= a && cpu <= b ? c + cpu - a : cpu >= c && cpu <= d ? a + cpu - c : undefined);
}

function resolveVm(v: ast.Vm, host: HostModel, devicesByAst: ReadonlyMap<AstNode, DeviceModel>, link: Linker): VmModel {
    const cpus = (text: string | number | undefined) => {
        if (text === undefined) return undefined;
        const p = parseCpuList(text);
        return p.ok ? p.value : undefined;
    };
    const numa = v.memoryNuma !== undefined ? parseNumaList(v.memoryNuma) : undefined;

    const gpus: VmGpu[] = [];
    for (const a of v.gpus ?? []) {
        (a.gpus ?? []).forEach((ref, index) => {
            const gpuAst = ref?.ref;
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
                if (profile) entry = { mode: 'mig', gpu, profile, type: migBackedTypeFor(gpu.spec, profile.name), start: integer(a.start, 0, 1_000_000) };
            }
            if (entry) {
                gpus.push(entry);
                link(entry, a, 'gpus', index);
            }
        });
    }
    const nics: VmNic[] = [];
    for (const a of v.nics ?? []) {
        (a.nics ?? []).forEach((ref, index) => {
            const nicAst = ref?.ref;
            const nic = nicAst && devicesByAst.get(nicAst);
            if (!nic || nic.kind !== 'nic') return;
            let entry: VmNic;
            if (a.vf !== undefined) {
                const vf = integer(a.vf, 0, MAX_SRIOV_FIELD - 1);
                const address = vf !== undefined ? vfAddress(nic.address, nic.vfOffset, nic.vfStride, vf) : undefined;
                if (vf === undefined || !address) return; // SYN008 / SRIOV: reported by the validator
                entry = { mode: 'vf', nic, vf, address };
            } else if (a.passthrough) {
                entry = { mode: 'passthrough', nic };
            } else {
                return; // `nic n` not finished yet
            }
            nics.push(entry);
            link(entry, a, 'nics', index);
        });
    }
    const nvswitches: VmNvSwitch[] = [];
    for (const a of v.nvswitches ?? []) {
        (a.nvswitches ?? []).forEach((ref, index) => {
            const target = ref?.ref;
            const nvswitch = target && devicesByAst.get(target);
            if (!nvswitch || nvswitch.kind !== 'nvswitch') return;
            const entry: VmNvSwitch = { nvswitch };
            nvswitches.push(entry);
            link(entry, a, 'nvswitches', index);
        });
    }
    const mmio = sizeMiB(v.mmio);
    const vm: VmModel = {
        name: v.name,
        host,
        vcpus: integer(v.vcpus, 1, MAX_VCPUS) ?? 1,
        pin: cpus(v.pin),
        emulatorPin: cpus(v.emulatorPin),
        memoryMiB: sizeMiB(v.memory) ?? 0,
        memoryNuma: numa?.ok ? [...numa.value] : undefined,
        hugepageMiB: sizeMiB(v.hugepages),
        gpus, nics,
        mmioGiB: mmio !== undefined ? mmio / 1024 : undefined,
        license: (v.license as VmModel['license']) ?? host.license,
        licenseOnVm: v.license !== undefined,
        firmware: v.firmware as VmModel['firmware'],
        secureBoot: v.secureBoot || undefined,
        reservedMiB: v.reserveAll ? (sizeMiB(v.memory) ?? 0) : sizeMiB(v.reservation),
        p2p: v.p2p || undefined,
        unifiedMemory: v.unifiedMemory || undefined,
        nvswitches,
        fabricManagerService: v.fmService || undefined,
        fabricManagerVersion: v.fmVersion,
        guestDriver: v.guestDriver,
        gpudirectRdma: v.gpudirectRdma || undefined
    };
    link(vm, v);
    return vm;
}

/**
 * A switch's `pci-id`: `vvvv:dddd` (vendor:device as `lspci -nn` prints it), optionally followed by
 * the subsystem `ssvv:ssdd` (`lspci -vnn`, "Subsystem"); hex, `0x` prefixes allowed. Undefined when
 * not written or not in that form.
 */
export function parseSwitchPciId(text: string | undefined): SwitchPciId | undefined {
    const m = /^\s*(?:0x)?([0-9a-f]{4}):(?:0x)?([0-9a-f]{4})(?:[\s,]+(?:0x)?([0-9a-f]{4}):(?:0x)?([0-9a-f]{4}))?\s*$/i.exec(text ?? '');
    if (!m) return undefined;
    const [vendor, device, subsystemVendor, subsystemDevice] = m.slice(1).map(x => x?.toLowerCase());
    return subsystemVendor ? { vendor, device, subsystemVendor, subsystemDevice } : { vendor, device };
}
