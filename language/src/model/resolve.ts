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

/**
 * Where the model objects of one host or VM were written: its `link` calls, flat (object, node,
 * property, index, …), and made from them when first asked for (the last call for an object or
 * node winning), `trace` by model object and `nodes` (the calls without a property) by syntax node.
 * A check without reports asks for none of them.
 */
interface Links {
    readonly links: unknown[];
    trace?: Map<object, TraceEntry>;
    nodes?: Map<AstNode, object>;
}

function traceOf(part: Links): Map<object, TraceEntry> {
    if (!part.trace) {
        const trace = new Map<object, TraceEntry>();
        const l = part.links;
        for (let i = 0; i < l.length; i += 4) trace.set(l[i] as object, { node: l[i + 1] as AstNode, property: l[i + 2] as string | undefined, index: l[i + 3] as number | undefined });
        part.trace = trace;
    }
    return part.trace;
}

function nodesOf(part: Links): Map<AstNode, object> {
    if (!part.nodes) {
        const nodes = new Map<AstNode, object>();
        const l = part.links;
        for (let i = 0; i < l.length; i += 4) if (l[i + 2] === undefined) nodes.set(l[i + 1] as AstNode, l[i] as object);
        part.nodes = nodes;
    }
    return part.nodes;
}

interface HostPart extends Links {
    readonly uri: string | undefined;
    readonly host: HostModel;
    readonly declaration: Declaration;
    /** Its devices by syntax node (a host made from a template: the template's nodes where they stand for its devices). */
    readonly devices: ReadonlyMap<AstNode, DeviceModel>;
    /** The template the host was expanded from (`host NAME from TEMPLATE`), if any. */
    readonly template?: ast.HostTemplate;
}

/** What resolving one VM gave, and what it was resolved from: its host's model and its references' targets. */
interface VmPart extends Links {
    readonly uri: string | undefined;
    readonly host: HostModel | undefined;
    readonly targets: readonly unknown[];
    /**
     * The document's resolved references (`LangiumDocument.references`, the array and its length)
     * when `targets` were last found to be the VM's: Langium's linker replaces the array when it
     * unlinks the document and only appends to it otherwise, so while both are the same the VM's
     * references resolve as they did.
     */
    linked?: { readonly references: readonly unknown[]; readonly length: number };
    readonly vm: VmModel | undefined;
    readonly declaration: Declaration;
}

type Part = HostPart | VmPart;

/**
 * The part whose resolution made a model object (each object is made by one part), for the parts
 * whose objects were looked up in a trace ({@link owned}): filled when a trace is first asked for
 * an object of a part not recorded yet, so that a check without reports records nothing.
 */
const PART_OF = new WeakMap<object, Part>();
/** Parts whose objects {@link PART_OF} holds. */
const OWNED = new WeakSet<Part>();

function own(part: Part): void {
    if (OWNED.has(part)) return;
    for (let i = 0; i < part.links.length; i += 4) PART_OF.set(part.links[i] as object, part);
    OWNED.add(part);
}

/** A fresh list of `link` calls and the `link` function that fills it. */
function linksRecorder(): { links: unknown[]; link: Linker } {
    const links: unknown[] = [];
    return { links, link: (obj, node, property, index) => { links.push(obj, node, property, index); } };
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
    const hostsByAst = new Map<ast.Host, HostModel>();
    const hostDevices = new Map<HostModel, ReadonlyMap<AstNode, DeviceModel>>();
    const hosts: HostModel[] = [];
    const vms: VmModel[] = [];
    const declarations: Declaration[] = [];
    // The parts of this resolution, in order (and by their host or VM node): the trace and the model
    // lookup are read through them ({@link PartTrace}, {@link PartModelOf}) rather than copied into
    // maps of every object and node of the workspace on every resolution.
    const parts: Part[] = [];
    const partOfBlock = new Map<AstNode, Part>();
    const templateUsers = new Map<ast.HostTemplate, HostPart[]>();
    const modelList = [...models];

    for (const model of modelList) {
        const uri = documentUri(model);
        for (const h of model.hosts ?? []) {
            if (!h.name) continue; // `host {` before the name is typed
            let part = cache?.hosts.get(h);
            const template = h.template?.ref;
            if (!part || part.uri !== uri || part.template !== template) {
                const { links, link } = linksRecorder();
                const declaration = declare(link, 'host', h, uri);
                const devices = new Map<AstNode, DeviceModel>();
                // A host made from a template: its expansion (model/template.ts), traced to the host where it stands for it.
                const expanded = expandHost(h, template);
                const host = resolveHost(expanded, devices, expanded === h ? link : (obj, node, property, index) => link(obj, node === expanded ? h : node, property, index));
                part = { links, uri, host, declaration, devices, template };
                cache?.hosts.set(h, part);
            }
            declarations.push(part.declaration);
            parts.push(part);
            partOfBlock.set(h, part);
            if (template) {
                const users = templateUsers.get(template);
                if (users) users.push(part); else templateUsers.set(template, [part]);
            }
            // Hosts made from one template share its device nodes: a VM finds its devices among its host's.
            hostDevices.set(part.host, part.devices);
            hostsByAst.set(h, part.host);
            hosts.push(part.host);
        }
    }
    for (const model of modelList) {
        const uri = documentUri(model);
        const references = documentReferences(model);
        for (const v of model.vms ?? []) {
            if (!v.name) continue;
            const hostAst = v.host?.ref;
            const host = hostAst && hostsByAst.get(hostAst);
            let part = cache?.vms.get(v);
            if (part && !(references && part.linked?.references === references && part.linked.length === references.length)) {
                if (!sameTargets(v, part.targets)) part = undefined;
                else if (references) part.linked = { references, length: references.length };
            }
            if (!part || part.uri !== uri || part.host !== host) {
                const { links, link } = linksRecorder();
                const declaration = declare(link, 'vm', v, uri);
                const vm = host ? resolveVm(v, host, hostDevices.get(host)!, link) : undefined;
                part = {
                    links, uri, host, targets: referenceTargets(v), vm, declaration,
                    linked: references && { references, length: references.length }
                };
                cache?.vms.set(v, part);
            }
            declarations.push(part.declaration);
            parts.push(part);
            partOfBlock.set(v, part);
            if (part.vm) vms.push(part.vm);
        }
    }
    registerHostVms(vms);
    return { topology: { hosts, vms, declarations }, trace: new PartTrace(parts), modelOf: new PartModelOf(parts, partOfBlock, templateUsers) };
}

/**
 * `trace` of a resolution: model object → where it was written, from the part that made the
 * object when that part is one of the resolution's. What a map filled with every part's links in
 * order would hold.
 */
class PartTrace implements ReadonlyMap<object, TraceEntry> {
    private readonly included: ReadonlySet<Part>;
    private full?: Map<object, TraceEntry>;
    /** Whether {@link PART_OF} holds the objects of every part of the resolution. */
    private owned = false;

    constructor(private readonly parts: readonly Part[]) {
        this.included = new Set(parts);
    }

    get(obj: object): TraceEntry | undefined {
        if (this.full) return this.full.get(obj);
        let part = PART_OF.get(obj);
        if (!part && !this.owned) {
            this.parts.forEach(own);
            this.owned = true;
            part = PART_OF.get(obj);
        }
        return part && this.included.has(part) ? traceOf(part).get(obj) : undefined;
    }

    has(obj: object): boolean {
        return this.get(obj) !== undefined;
    }

    /** The whole map, made on first use (by iteration or size). */
    private all(): Map<object, TraceEntry> {
        if (!this.full) {
            const full = new Map<object, TraceEntry>();
            for (const part of this.parts) for (const [obj, entry] of traceOf(part)) full.set(obj, entry);
            this.full = full;
        }
        return this.full;
    }

    get size(): number { return this.all().size; }
    forEach(callback: (value: TraceEntry, key: object, map: ReadonlyMap<object, TraceEntry>) => void, thisArg?: unknown): void {
        this.all().forEach((v, k) => callback.call(thisArg, v, k, this));
    }
    entries(): MapIterator<[object, TraceEntry]> { return this.all().entries(); }
    keys(): MapIterator<object> { return this.all().keys(); }
    values(): MapIterator<TraceEntry> { return this.all().values(); }
    [Symbol.iterator](): MapIterator<[object, TraceEntry]> { return this.all()[Symbol.iterator](); }
}

/**
 * `modelOf` of a resolution: syntax node → model object. A node of a host or VM block is linked
 * only by that block's part; a node of a host template by the part of every host made from it, the
 * last of them (in resolution order) winning. What a map filled with every part's links in order
 * would hold.
 */
class PartModelOf implements ReadonlyMap<AstNode, object> {
    private full?: Map<AstNode, object>;

    constructor(private readonly parts: readonly Part[], private readonly partOfBlock: ReadonlyMap<AstNode, Part>,
        private readonly templateUsers: ReadonlyMap<ast.HostTemplate, readonly HostPart[]>) {}

    get(node: AstNode): object | undefined {
        if (this.full) return this.full.get(node);
        let block: AstNode = node;
        while (block.$container?.$container) block = block.$container;
        const part = this.partOfBlock.get(block);
        if (part) return nodesOf(part).get(node);
        const users = this.templateUsers.get(block as ast.HostTemplate);
        if (users) {
            for (let i = users.length - 1; i >= 0; i--) {
                const obj = nodesOf(users[i]).get(node);
                if (obj !== undefined) return obj;
            }
        }
        return undefined;
    }

    has(node: AstNode): boolean {
        return this.get(node) !== undefined;
    }

    /** The whole map, made on first use (by iteration or size). */
    private all(): Map<AstNode, object> {
        if (!this.full) {
            const full = new Map<AstNode, object>();
            for (const part of this.parts) for (const [node, obj] of nodesOf(part)) full.set(node, obj);
            this.full = full;
        }
        return this.full;
    }

    get size(): number { return this.all().size; }
    forEach(callback: (value: object, key: AstNode, map: ReadonlyMap<AstNode, object>) => void, thisArg?: unknown): void {
        this.all().forEach((v, k) => callback.call(thisArg, v, k, this));
    }
    entries(): MapIterator<[AstNode, object]> { return this.all().entries(); }
    keys(): MapIterator<AstNode> { return this.all().keys(); }
    values(): MapIterator<object> { return this.all().values(); }
    [Symbol.iterator](): MapIterator<[AstNode, object]> { return this.all()[Symbol.iterator](); }
}

/** What a VM's references resolve to (its host, then its GPUs and NICs), in order. */
function referenceTargets(v: ast.Vm): unknown[] {
    const targets: unknown[] = [v.host?.ref];
    for (const a of v.gpus ?? []) for (const r of a.gpus ?? []) targets.push(r?.ref);
    for (const a of v.nics ?? []) for (const r of a.nics ?? []) targets.push(r?.ref);
    for (const a of v.nvswitches ?? []) for (const r of a.nvswitches ?? []) targets.push(r?.ref);
    return targets;
}

/** Whether `v`'s references resolve to `targets` ({@link referenceTargets} as it was), compared in place. */
function sameTargets(v: ast.Vm, targets: readonly unknown[]): boolean {
    let i = 0;
    const next = (t: unknown) => i < targets.length && targets[i++] === t;
    if (!next(v.host?.ref)) return false;
    for (const a of v.gpus ?? []) for (const r of a.gpus ?? []) if (!next(r?.ref)) return false;
    for (const a of v.nics ?? []) for (const r of a.nics ?? []) if (!next(r?.ref)) return false;
    for (const a of v.nvswitches ?? []) for (const r of a.nvswitches ?? []) if (!next(r?.ref)) return false;
    return i === targets.length;
}

type Linker = (obj: object, node: AstNode, property?: string, index?: number) => void;

/** The resolved references of the document a model belongs to (`LangiumDocument.references`), if it belongs to one. */
function documentReferences(model: ast.Model): readonly unknown[] | undefined {
    return (model as { $document?: { references?: readonly unknown[] } }).$document?.references;
}

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
    // With min ≥ 0, what `checkInteger` accepts is a safe integer in [min, max] (its decimal
    // rendering is then all digits): answered without the message it would make for the others.
    if (min >= 0) return value !== undefined && Number.isSafeInteger(value) && value >= min && value <= max ? value : undefined;
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
            ...(s.memoryUnknown ? { memoryUnknown: true } : {}),
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
        // KubeVirt runs its VMs with KVM (QEMU under libvirt in virt-launcher pods)
        platform: h.platform === 'kubevirt' ? 'kvm' : h.platform ?? 'kvm',
        kubevirt: h.platform === 'kubevirt' || undefined,
        // the CST text: the value converter turns `8.0` into the number 8 before concatenating
        platformVersion: parsePlatformVersion(h.platformVersion !== undefined && h.$cstNode
            ? (nodeForProperty(h.$cstNode, 'platformVersion')?.text ?? h.platformVersion) : h.platformVersion),
        vgpuDelivery: h.vgpuDelivery,
        cpu: findCpu(h.cpuModel),
        license: h.license,
        fabricManager: h.fabricManager,
        iommu: h.iommu,
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
                kind: 'gpu', spec, module: integer(d.module, 0, MAX_MODULE_ID), link: resolveLink(d.link) ?? spec.link, vgpuMode: d.vgpuMode, acs: d.acs
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
                acs: d.acs, ats: d.ats, linkLayer: d.linkLayer,
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
            link: resolveLink(s.link), acs: s.acs, switches: [], devices: [],
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
        license: (v.license) ?? host.license,
        licenseOnVm: v.license !== undefined,
        firmware: v.firmware,
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
