/**
 * Drift: a host's vmtopo text against what its bundle shows ({@link driftOfHost}). Pure: syntax,
 * resolved model and facts in, findings out, each at the exact range of the clause it concerns,
 * naming the command that showed it, and — where the file should follow the host — with a
 * quick-fix "accept the live value" in the one quick-fix form of the rules (`FixData`,
 * rules/engine/fixes.ts), which the editor's code-action provider offers.
 *
 * What is compared (findings.ts has the codes):
 * - inventory, against lstopo and sysfs: every GPU, NIC and NVSwitch of the host by PCI address —
 *   missing, moved (the same kind and model at an address the file does not use), another model,
 *   NUMA node, enclosing switch, SR-IOV VFs, IOMMU group, link trained below capability, and the
 *   file's `link` against the device's; devices the file does not declare;
 * - configuration: each KVM VM's domain (`virsh dumpxml --inactive`, read by domain.ts) against
 *   vmtopo's own libvirt export of it (features/export/libvirt.ts; its facts made by expected.ts): vCPUs, vCPU pins, emulator
 *   pins, memory, numatune, hugepages, hostdevs (host source and guest address), PCI controllers
 *   (model, bus number and NUMA node of each of vmtopo's), pcihole64;
 * - runtime: a running domain (`virsh dumpxml`) against its own next-boot XML: changes pending;
 * - capacity: hugepages reserved per NUMA node against the file's pools, free hugepages against the
 *   stopped VMs bound to the node, pending MIG mode changes, vGPU types without available instances;
 * - the host's NUMA nodes (lstopo, else `virsh capabilities`: facts.ts says why one source wins):
 *   each socket's CPUs, SMT siblings and memory, nodes the file lacks, and VMs pinned to CPUs the
 *   host lacks or puts on another node;
 * - BARs (sysfs `resource`): a GPU whose BAR1 does not cover its memory, and a passthrough VM whose
 *   64-bit MMIO window is smaller than what its GPUs' BARs on the host need;
 * - the kernel command line and the IOMMU: a host without an IOMMU under VMs that assign devices,
 *   and hugepages reserved at boot that are not the file's pools.
 */
import type { AstNode, CstNode } from 'langium';
import type * as ast from '../../generated/ast.js';
import type { HostModel, VmModel } from '../../model/topology.js';
import { parseBdf, parseCpuList, formatBdf, formatCpuList, formatCpuRuns, sizeToMiB } from '../../syntax/tokens.js';
import { nodeForProperty, uriOf } from '../../kernel/cst.js';
import { allDevices } from '../../model/host-syntax.js';
import { findGpu, findNic, findNvSwitch, requiredMmioGiB } from '../../catalog/index.js';
import { planGuestAddresses, type GuestPlan } from '../../model/guest-plan.js';
import { ExportError } from '../../model/export-error.js';
import { replaceProperty, insertAfterProperty, insertVmClause, type FixData } from '../../rules/engine/fixes.js';
import { GrammarUtils } from 'langium';
import { expandCpuset, type DomainFacts } from './domain.js';
import { expectedDomain } from './expected.js';
import { driftKind, type DriftCode } from './findings.js';
import { SYSFS_HUGEPAGES, SYSFS_PCI, SYSFS_PCI_RESOURCE, type HostFacts, type LiveDevice, type LiveNumaNode } from './facts.js';

/** A 0-based LSP range. */
export interface DriftRange {
    readonly start: { readonly line: number; readonly character: number };
    readonly end: { readonly line: number; readonly character: number };
}

/** One finding: where (document and range), what, which command showed it, and its quick-fixes. */
export interface DriftFinding {
    readonly code: DriftCode;
    readonly severity: 'error' | 'warning' | 'info';
    /** The whole message, ending with the command that showed it. */
    readonly message: string;
    readonly command: string;
    readonly uri: string;
    readonly range: DriftRange;
    readonly fixes: readonly FixData[];
}

/** A host to compare: its syntax, its resolved model when it resolved, and the VMs on it. */
export interface DriftTarget {
    readonly host: ast.Host;
    readonly model?: HostModel;
    readonly vms: ReadonlyArray<{ readonly node: ast.Vm; readonly model?: VmModel }>;
}

type Emit = (code: DriftCode, node: AstNode, property: string | undefined, message: string, command: string, fix?: { title: string; edit: ReturnType<typeof replaceProperty> }) => void;

/** The findings of one host against its bundle's facts, in source order of the checks (inventory, configuration, runtime, capacity). */
export function driftOfHost(target: DriftTarget, facts: HostFacts): DriftFinding[] {
    const findings: DriftFinding[] = [];
    const emit: Emit = (code, node, property, message, command, fix) => {
        const uri = uriOf(node);
        const cst = node.$cstNode;
        if (!uri || !cst) return;
        const where: CstNode = (property && nodeForProperty(cst, property)) || nodeForProperty(cst, 'name') || cst;
        const fixes = fix?.edit ? [{ title: fix.title, uri: fix.edit.uri, edits: fix.edit.edits }] : [];
        findings.push({
            code, severity: driftKind(code)!.severity, message: `${message} (shown by \`${command}\`)`, command, uri,
            range: { start: where.range.start, end: where.range.end }, fixes
        });
    };
    inventory(target, facts, emit);
    numaTopology(target, facts, emit);
    bars(target, facts, emit);
    iommu(target, facts, emit);
    const stopped = configuration(target, facts, emit);
    capacity(target, facts, emit, stopped);
    bootHugepages(target, facts, emit);
    return findings;
}

// ---------------------------------------------------------------------------------------------
// inventory

function canonicalModel(kind: string, model: string): string {
    const spec = kind === 'gpu' ? findGpu(model) : kind === 'nic' ? findNic(model) : findNvSwitch(model);
    return (spec?.model ?? model).trim().toLowerCase();
}

function deviceKind(d: ast.Device): 'gpu' | 'nic' | 'nvswitch' {
    return d.$type === 'Gpu' ? 'gpu' : d.$type === 'Nic' ? 'nic' : 'nvswitch';
}

function address(text: string | undefined): string | undefined {
    const p = parseBdf(text);
    return p.ok ? formatBdf(p.value) : undefined;
}

function socketNuma(host: ast.Host, socket: ast.Socket | undefined): number | undefined {
    if (!socket) return undefined;
    return socket.numa ?? host.sockets.indexOf(socket);
}

function inventory(target: DriftTarget, facts: HostFacts, emit: Emit): void {
    const host = target.host;
    if (!facts.devices && !facts.pci) return;
    // The switches above each written device (upstream-port addresses, outermost first) and the socket it inherits.
    const above = new Map<ast.Device, { switches: string[]; socket?: ast.Socket }>();
    const walk = (s: ast.PcieSwitch, chain: string[], socket: ast.Socket | undefined) => {
        const here = [...chain, address(s.address) ?? ''];
        const sock = s.socket?.ref ?? socket;
        for (const d of s.devices ?? []) above.set(d, { switches: here, socket: d.socket?.ref ?? sock });
        for (const c of s.switches ?? []) walk(c, here, sock);
    };
    for (const s of host.switches ?? []) walk(s, [], undefined);
    for (const d of host.devices ?? []) above.set(d, { switches: [], socket: d.socket?.ref });

    const devices = allDevices(host);
    const declared = new Set(devices.map(d => address(d.address)).filter((a): a is string => !!a));
    const claimed = new Set<string>();
    const lstopo = facts.lstopoCommand ?? 'lstopo --of xml';
    for (const d of devices) {
        const at = address(d.address);
        if (!at) continue;
        const kind = deviceKind(d);
        const model = d.model ?? '';
        const live = facts.devices?.get(at);
        const pci = facts.pci?.get(at);
        if (!facts.devices && !pci) {
            // no lstopo capture: sysfs lists every PCI function the host has
            emit('DRIFT001', d, 'name', `${kind} ${d.name} (${model || 'no model'}) at ${at} is not on the host`, SYSFS_PCI);
            continue;
        }
        if (facts.devices && !live) {
            const moved = [...facts.devices.values()].find(l => l.kind === kind && !declared.has(l.address) && !claimed.has(l.address)
                && (model === '' || canonicalModel(kind, l.model) === canonicalModel(kind, model)));
            if (moved) {
                claimed.add(moved.address);
                emit('DRIFT003', d, 'address', `${kind} ${d.name} is at ${moved.address} on the host, not at ${at}`, lstopo,
                    { title: `Accept the live value: at ${moved.address}`, edit: replaceProperty(d, 'address', moved.address) });
            } else {
                emit('DRIFT001', d, 'name', `${kind} ${d.name} (${model || 'no model'}) at ${at} is not on the host`, lstopo);
            }
            continue;
        }
        if (live) {
            claimed.add(at);
            if (live.kind !== kind || (model !== '' && canonicalModel(kind, live.model) !== canonicalModel(kind, model))) {
                const known = live.kind === kind && !!(kind === 'gpu' ? findGpu(live.model) : kind === 'nic' ? findNic(live.model) : findNvSwitch(live.model));
                emit('DRIFT004', d, 'model', `${at} is a ${live.kind} "${live.model}" on the host, the file says ${kind} "${model}"`, lstopo,
                    known ? { title: `Accept the live value: "${live.model}"`, edit: replaceProperty(d, 'model', JSON.stringify(live.model)) } : undefined);
            }
        }
        const ctx = above.get(d);
        const fileNuma = socketNuma(host, ctx?.socket);
        const liveNuma = pci?.numa ?? live?.numa;
        if (fileNuma !== undefined && liveNuma !== undefined && fileNuma !== liveNuma) {
            const socket = host.sockets.find(s => socketNuma(host, s) === liveNuma);
            const fix = d.socket?.ref && socket ? { title: `Accept the live value: on ${socket.name}`, edit: replaceProperty(d, 'socket', socket.name) } : undefined;
            emit('DRIFT005', d, d.socket ? 'socket' : 'name', `${kind} ${d.name} at ${at} is local to NUMA node ${liveNuma} on the host, the file puts it on node ${fileNuma}`,
                pci?.numa !== undefined ? SYSFS_PCI : lstopo, fix);
        }
        if (live && ctx && (ctx.switches.length > 0 || live.switches.length > 0)) {
            // the innermost switch: the one whose downstream port the device is on (PIX for NCCL)
            const fileSwitch = ctx.switches.at(-1);
            if (fileSwitch !== live.switches.at(-1)) {
                emit('DRIFT006', d, 'name', `${kind} ${d.name} at ${at} is behind ${live.switches.length > 0 ? `switch ${live.switches.at(-1)}` : 'no switch'} on the host (path ${live.switches.length > 0 ? live.switches.join(' → ') : 'from the root port'}), the file puts it behind ${fileSwitch ? `switch ${fileSwitch}` : 'no switch'}`, lstopo);
            }
        }
        if (d.$type === 'Nic') {
            const liveVfs = pci ? pci.sriovNumvfs ?? 0 : live?.vfs;
            const fileVfs = d.vfs ?? 0;
            if (liveVfs !== undefined && liveVfs !== fileVfs) {
                const edit = d.vfs !== undefined ? replaceProperty(d, 'vfs', String(liveVfs)) : insertAfterProperty(d, 'address', ` vfs ${liveVfs}`);
                emit('DRIFT008', d, d.vfs !== undefined ? 'vfs' : 'name', `NIC ${d.name} at ${at} has ${liveVfs} SR-IOV virtual functions on the host, the file says ${fileVfs}`,
                    pci ? SYSFS_PCI : lstopo, { title: `Accept the live value: vfs ${liveVfs}`, edit });
            }
        }
        const link = d.$type === 'NvSwitch' ? undefined : d.link;
        // Width only: GPUs lower their link speed while idle (nvidia-smi -q, "PCIe Generation … Current: may be
        // reduced when the GPU is not in use"), so a lower current speed is no fault; fewer lanes are.
        if (pci?.current && pci.max && pci.current.width < pci.max.width) {
            emit('DRIFT007', d, link ? 'link' : 'name',
                `${kind} ${d.name} at ${at}: link trained at ${pci.current.speedGTs} GT/s x${pci.current.width}, the device can do ${pci.max.speedGTs} GT/s x${pci.max.width} (reseat, check the riser or the slot's bifurcation)`, SYSFS_PCI);
        }
        if (link && pci?.max) {
            const width = Number(/^x(\d+)$/.exec(link.width ?? '')?.[1]);
            if (link.speed !== pci.max.speedGTs || width !== pci.max.width) {
                const text = `${pci.max.speedGTs} GT/s x${pci.max.width}`;
                emit('DRIFT016', d, 'link', `${kind} ${d.name} at ${at} is a ${text} device on the host, the file says ${link.speed} GT/s ${link.width}`, SYSFS_PCI,
                    { title: `Accept the live value: link ${text}`, edit: replaceProperty(d, 'link', text) });
            }
        }
        const group = (d as { iommuGroup?: number }).iommuGroup;
        if (group !== undefined && pci?.iommuGroup !== undefined && group !== pci.iommuGroup) {
            emit('DRIFT009', d, 'iommuGroup', `${kind} ${d.name} at ${at} is in IOMMU group ${pci.iommuGroup} on the host, the file says ${group}`, SYSFS_PCI,
                { title: `Accept the live value: iommu-group ${pci.iommuGroup}`, edit: replaceProperty(d, 'iommuGroup', String(pci.iommuGroup)) });
        }
    }
    for (const live of facts.devices?.values() ?? []) {
        if (declared.has(live.address) || claimed.has(live.address)) continue;
        emit('DRIFT002', host, 'name', `the host has ${describeLive(live)}, which the file does not declare`, lstopo);
    }
}

function describeLive(l: LiveDevice): string {
    return `${l.kind === 'gpu' ? 'a GPU' : l.kind === 'nic' ? 'a NIC' : 'an NVSwitch'} "${l.model}" at ${l.address}${l.numa !== undefined ? ` on NUMA node ${l.numa}` : ''}`;
}

// ---------------------------------------------------------------------------------------------
// configuration and runtime

/** One difference between two domain XMLs: what, the two values, and the VM clause it concerns. */
interface Difference {
    readonly what: string;
    readonly a: string;
    readonly b: string;
    readonly property?: string;
    /** The clause node (a VM's GPU or NIC assignment) when not the VM itself. */
    readonly node?: AstNode;
    /** Text that makes the file follow `b`, for `property`. */
    readonly accept?: string;
}

const kibText = (kib: number | undefined) => kib === undefined ? 'none' : kib % (1024 * 1024) === 0 ? `${kib / 1024 / 1024} GiB` : kib % 1024 === 0 ? `${kib / 1024} MiB` : `${kib} KiB`;

/** Differences of `b` from `a`. Hostdevs are matched by host source; controllers by index (only `a`'s: libvirt may add its own). */
function differences(a: DomainFacts, b: DomainFacts, vm: { node: ast.Vm; model: VmModel }, smtPaired: boolean): Difference[] {
    const out: Difference[] = [];
    if (a.vcpus !== b.vcpus) out.push({ what: 'vCPUs', a: String(a.vcpus ?? 'none'), b: String(b.vcpus ?? 'none'), property: 'vcpus', accept: b.vcpus !== undefined ? String(b.vcpus) : undefined });
    const pinsText = (d: DomainFacts) => [...d.pins].sort((x, y) => x[0] - y[0]).map(([v, c]) => `${v}:${c}`).join(' ');
    if (pinsText(a) !== pinsText(b)) {
        // The `pin` list that gives the live pins, when re-planning the VM with it gives them (SMT pairing included).
        const list = vm.node.pin !== undefined ? pinListOf(b, smtPaired) : undefined;
        const parsed = list !== undefined ? parseCpuList(list) : undefined;
        const plan = parsed?.ok ? replanned(vm.model, { pin: parsed.value }) : undefined;
        const follows = plan?.vcpuPins !== undefined && plan.vcpuPins.length === b.pins.size && plan.vcpuPins.every((cpu, v) => b.pins.get(v) === String(cpu));
        out.push({ what: 'vCPU pins (vcpu:cpus)', a: pinsText(a) || 'none', b: pinsText(b) || 'none', property: vm.node.pin !== undefined ? 'pin' : 'vcpus', accept: follows ? list : undefined });
    }
    if (a.emulatorPin !== b.emulatorPin) out.push({ what: 'emulator pins', a: a.emulatorPin ?? 'none', b: b.emulatorPin ?? 'none', property: vm.node.emulatorPin !== undefined ? 'emulatorPin' : undefined, accept: vm.node.emulatorPin !== undefined ? b.emulatorPin : undefined });
    if (a.memoryKiB !== b.memoryKiB) out.push({ what: 'memory', a: kibText(a.memoryKiB), b: kibText(b.memoryKiB), property: 'memory', accept: b.memoryKiB !== undefined && b.memoryKiB % 1024 === 0 ? kibText(b.memoryKiB) : undefined });
    const tune = (d: DomainFacts) => d.numatune ? `${d.numatune.mode} ${d.numatune.nodeset}` : 'none';
    if (tune(a) !== tune(b)) {
        const simple = b.numatune?.mode === 'strict' && vm.node.memoryNuma !== undefined;
        out.push({ what: 'numatune memory', a: tune(a), b: tune(b), property: vm.node.memoryNuma !== undefined ? 'memoryNuma' : 'memory', accept: simple ? b.numatune?.nodeset : undefined });
    }
    const hp = (d: DomainFacts) => d.hugepageKiB === undefined ? 'none' : d.hugepageKiB === 0 ? 'default size' : kibText(d.hugepageKiB);
    if (hp(a) !== hp(b)) {
        out.push({ what: 'hugepages', a: hp(a), b: hp(b), property: vm.node.hugepages ? 'hugepages' : 'memory', accept: vm.node.hugepages && b.hugepageKiB ? kibText(b.hugepageKiB) : undefined });
    }
    const bSources = new Map(b.hostdevs.map(h => [h.source, h]));
    const aSources = new Set(a.hostdevs.map(h => h.source));
    for (const h of a.hostdevs) {
        const other = bSources.get(h.source);
        const clause = clauseOf(vm, h.source);
        if (!other) out.push({ what: `hostdev ${h.type} ${h.source}`, a: 'present', b: 'absent', node: clause });
        else if (h.guest && other.guest && h.guest !== other.guest) out.push({ what: `guest address of hostdev ${h.source} (bus:slot.function)`, a: h.guest, b: other.guest, node: clause });
    }
    for (const h of b.hostdevs) if (!aSources.has(h.source)) out.push({ what: `hostdev ${h.type} ${h.source}`, a: 'absent', b: 'present' });
    for (const c of a.pciControllers.values()) {
        const other = b.pciControllers.get(c.index);
        const text = (x: typeof c | undefined) => x ? `${x.model}${x.busNr !== undefined ? ` busNr ${x.busNr}` : ''}${x.node !== undefined ? ` node ${x.node}` : ''}` : 'absent';
        if (text(c) !== text(other)) out.push({ what: `PCI controller ${c.index}`, a: text(c), b: text(other) });
    }
    if (a.pcihole64KiB !== b.pcihole64KiB) {
        const gib = b.pcihole64KiB !== undefined && b.pcihole64KiB % (1024 * 1024) === 0 && b.pcihole64KiB > 0 ? b.pcihole64KiB / 1024 / 1024 : undefined;
        // The window is at least what the GPUs' BARs need (guest-plan.ts): the file can follow only a size the plan would keep.
        const follows = gib !== undefined && replanned(vm.model, { mmioGiB: gib })?.pcihole64GiB === gib;
        out.push({ what: 'pcihole64', a: kibText(a.pcihole64KiB), b: kibText(b.pcihole64KiB), property: vm.node.mmio ? 'mmio' : undefined, accept: vm.node.mmio && follows ? `${gib} GiB` : undefined });
    }
    return out;
}

/** The guest plan of `vm` with some of its fields changed, or undefined when it cannot be planned so. */
function replanned(vm: VmModel, change: Partial<Pick<VmModel, 'pin' | 'mmioGiB'>>): GuestPlan | undefined {
    try {
        return planGuestAddresses({ ...vm, ...change });
    } catch (err) {
        if (err instanceof ExportError) return undefined;
        throw err;
    }
}

/** A `pin` list for the domain's pins: every vCPU's CPU in vCPU order, or, when vmtopo pairs SMT siblings, the even vCPUs' CPUs then the odd ones'. */
function pinListOf(d: DomainFacts, smtPaired: boolean): string | undefined {
    const cpus: number[] = [];
    for (let v = 0; v < d.pins.size; v++) {
        const set = d.pins.get(v);
        const ids = set !== undefined ? expandCpuset(set) : undefined;
        if (!ids || ids.length !== 1) return undefined;
        cpus.push(ids[0]);
    }
    // Paired: each vCPU 2k's CPU, then the siblings (the planner puts each CPU's sibling right after it).
    const list = smtPaired ? [...cpus.filter((_, i) => i % 2 === 0), ...cpus.filter((_, i) => i % 2 === 1)] : cpus;
    return list.length === 0 ? undefined : formatCpuRuns(list);
}

/** The VM clause (GPU, NIC or NVSwitch assignment) that brings the host device `source`. */
function clauseOf(vm: { node: ast.Vm; model: VmModel }, source: string): AstNode | undefined {
    const gpu = vm.model.gpus.find(g => g.mode === 'passthrough' && formatBdf(g.gpu.address) === source)?.gpu.name;
    if (gpu) return vm.node.gpus.find(c => c.gpus.some(r => r.ref?.name === gpu));
    const nic = vm.model.nics.find(n => formatBdf(n.mode === 'vf' ? n.address : n.nic.address) === source)?.nic.name;
    if (nic) return vm.node.nics.find(c => c.nics.some(r => r.ref?.name === nic));
    const sw = vm.model.nvswitches.find(n => formatBdf(n.nvswitch.address) === source)?.nvswitch.name;
    if (sw) return vm.node.nvswitches.find(c => c.nvswitches.some(r => r.ref?.name === sw));
    return undefined;
}

/** Compares each KVM VM's domain; returns the names of the VMs whose domain is defined and not running. */
function configuration(target: DriftTarget, facts: HostFacts, emit: Emit): Set<string> {
    const stopped = new Set<string>();
    if (!facts.domains) return stopped;
    for (const vm of target.vms) {
        if (!vm.model || vm.model.host.platform !== 'kvm') continue;
        const domain = facts.domains.get(vm.model.name);
        if (!domain?.inactive) {
            emit('DRIFT010', vm.node, 'name', `no domain ${vm.model.name} is defined on the host (export it with \`vmtopo export libvirt\` and \`virsh define\`)`, facts.virshCommand ?? 'virsh list --all');
            continue;
        }
        if (!domain.live?.running) stopped.add(vm.model.name);
        let expected: DomainFacts;
        let smtPaired: boolean;
        try {
            const plan = planGuestAddresses(vm.model);
            smtPaired = plan.smtPaired;
            expected = expectedDomain(vm.model, plan);
        } catch (err) {
            if (err instanceof ExportError) continue;
            throw err;
        }
        const pair = { node: vm.node, model: vm.model };
        for (const d of differences(expected, domain.inactive, pair, smtPaired)) {
            const fix = d.property && d.accept !== undefined && !d.node
                ? { title: `Accept the live value: ${d.accept}`, edit: replaceProperty(vm.node, d.property, d.accept) } : undefined;
            emit('DRIFT011', d.node ?? vm.node, d.node ? undefined : d.property ?? 'name',
                `domain ${vm.model.name}: ${d.what} is ${d.b} in the domain's configuration, vmtopo's export has ${d.a}`, domain.inactiveCommand!, fix);
        }
        if (domain.live?.running) {
            for (const d of differences(domain.inactive, domain.live, pair, smtPaired)) {
                emit('DRIFT012', vm.node, 'name', `domain ${vm.model.name} runs with ${d.what} ${d.b}; its configuration has ${d.a} from the next start on`, domain.liveCommand!);
            }
        }
    }
    return stopped;
}

// ---------------------------------------------------------------------------------------------
// capacity

function capacity(target: DriftTarget, facts: HostFacts, emit: Emit, stopped: ReadonlySet<string>): void {
    const host = target.host;
    if (facts.hugepages) {
        for (const socket of host.sockets) {
            const node = socketNuma(host, socket);
            for (const pool of socket.hugepagePools ?? []) {
                const mib = sizeToMiB(pool.size?.value, pool.size?.unit);
                if (!mib.ok || node === undefined) continue;
                const live = facts.hugepages.find(p => p.node === node && p.sizeKiB === mib.value * 1024);
                const reserved = live?.reserved ?? 0;
                if (reserved !== pool.count) {
                    emit('DRIFT013', pool, 'count', `NUMA node ${node} has ${reserved} hugepages of ${kibText(mib.value * 1024)} reserved on the host, the file says ${pool.count}`, SYSFS_HUGEPAGES,
                        { title: `Accept the live value: count ${reserved}`, edit: replaceProperty(pool, 'count', String(reserved)) });
                    continue;
                }
                const need = target.vms.filter(v => v.model && stopped.has(v.model.name) && v.model.hugepageMiB === mib.value
                    && v.model.memoryNuma?.length === 1 && v.model.memoryNuma[0] === node)
                    .reduce((n, v) => n + Math.ceil(v.model!.memoryMiB / mib.value), 0);
                if (live && need > live.free) {
                    emit('DRIFT017', pool, 'count', `NUMA node ${node} has ${live.free} free hugepages of ${kibText(mib.value * 1024)}; its stopped VMs need ${need} to start`, SYSFS_HUGEPAGES);
                }
            }
        }
    }
    const gpus = allDevices(host).filter((d): d is ast.Gpu => d.$type === 'Gpu');
    if (facts.mig) {
        for (const g of gpus) {
            const m = facts.mig.get(address(g.address) ?? '');
            if (m && m.current !== m.pending && m.pending !== 'N/A') {
                emit('DRIFT014', g, 'name', `GPU ${g.name}: MIG mode is ${m.current} and ${m.pending} is pending (it takes effect after a GPU reset: nvidia-smi -r)`, 'nvidia-smi -q -x');
            }
        }
    }
    if (facts.mdevTypes.length > 0) {
        for (const vm of target.vms) {
            if (!vm.model || !stopped.has(vm.model.name)) continue;
            vm.model.gpus.forEach(entry => {
                if (entry.mode === 'passthrough') return;
                const type = entry.mode === 'vgpu' ? entry.type.name : entry.type?.name;
                if (!type) return;
                const gpu = formatBdf(entry.gpu.address);
                const bus = gpu.slice(0, 8); // dddd:bb: the GPU and its VFs (SR-IOV vGPU) share its bus
                const types = facts.mdevTypes.filter(t => t.parent.startsWith(bus) && (t.name === type || t.name.endsWith(` ${type}`)));
                if (types.length === 0 || types.some(t => t.available > 0)) return;
                const clause = vm.node.gpus.find(c => c.gpus.some(r => r.ref?.name === entry.gpu.name));
                emit('DRIFT015', clause ?? vm.node, clause ? undefined : 'name', `VM ${vm.model!.name}: no ${type} instance is available on GPU ${entry.gpu.name} (${gpu})`, types[0].command);
            });
        }
    }
}

// ---------------------------------------------------------------------------------------------
// NUMA nodes: CPUs, SMT siblings, memory (lstopo, else virsh capabilities)

/** Memory as `vmtopo import` writes it: whole GiB when exact, else MiB. */
const mibText = (mib: number) => mib % 1024 === 0 ? `${mib / 1024} GiB` : `${mib} MiB`;

/**
 * A node's CPUs as a `cores` list: two equal-length ranges when the host's SMT siblings are CPU k of
 * one range and CPU k of the other (the only pairing the language can write, model/pinning.ts), else
 * the plain cpulist (no siblings claimed).
 */
function coresText(node: LiveNumaNode): string {
    const plain = formatCpuList(node.cpus);
    const first: number[] = [];
    const second: number[] = [];
    for (const c of node.cpus) {
        const t = node.threads.get(c);
        if (!t || t.length !== 2) return plain;
        if (c === Math.min(...t)) first.push(c); else second.push(c);
    }
    const pairs = first.map(c => Math.max(...node.threads.get(c)!));
    const a = formatCpuRuns(first);
    const b = formatCpuRuns(pairs);
    const paired = second.length === first.length && !a.includes(',') && !b.includes(',') && pairs.every((p, i) => i === 0 || p === pairs[i - 1] + 1);
    return paired ? `${a},${b}` : plain;
}

/**
 * DRIFT018 (a socket's CPUs or SMT siblings, a node the host lacks or the file lacks), DRIFT019 (a
 * socket's memory), DRIFT020 (a VM's `pin` or `emulator pin` on CPUs the host lacks or puts on
 * another node). Memory is drift when the file says more than the node has, or at least 1 GiB less
 * (MemTotal is what the kernel leaves of the DIMMs, so the file may round down, not up).
 */
function numaTopology(target: DriftTarget, facts: HostFacts, emit: Emit): void {
    const live = facts.numa;
    const host = target.host;
    if (!live || host.sockets.length === 0) return;
    const command = live.command;
    const declared = new Set<number>();
    for (const socket of host.sockets) {
        const id = socketNuma(host, socket);
        if (id === undefined) continue;
        declared.add(id);
        const node = live.nodes.get(id);
        if (!node) {
            emit('DRIFT018', socket, socket.numa !== undefined ? 'numa' : 'name', `socket ${socket.name}: NUMA node ${id} is not on the host (its nodes: ${[...live.nodes.keys()].sort((a, b) => a - b).join(', ') || 'none'})`, command);
            continue;
        }
        const parsed = socket.cores !== undefined ? parseCpuList(socket.cores) : undefined;
        if (parsed?.ok && node.cpus.length > 0) {
            const file = [...parsed.value];
            const liveSet = new Set(node.cpus);
            const fileSet = new Set(file);
            const fix = (text: string) => ({ title: `Accept the live value: cores ${text}`, edit: replaceProperty(socket, 'cores', text) });
            if (file.length !== node.cpus.length || file.some(c => !liveSet.has(c))) {
                const gone = file.filter(c => !liveSet.has(c));
                const added = node.cpus.filter(c => !fileSet.has(c));
                const detail = [gone.length > 0 ? `${formatCpuList(gone)} not on it` : '', added.length > 0 ? `${formatCpuList(added)} on it too` : ''].filter(x => x).join(', ');
                emit('DRIFT018', socket, 'cores', `NUMA node ${id} has CPUs ${formatCpuList(node.cpus)} on the host, socket ${socket.name} says ${socket.cores} (${detail})`, command, fix(coresText(node)));
            } else {
                const model = target.model?.numaNodes.find(n => n.id === id);
                const wrong = file.filter(c => {
                    const sibling = model?.siblingOf(c);
                    const threads = node.threads.get(c);
                    return sibling !== undefined && threads !== undefined && !(threads.length === 2 && threads.includes(sibling));
                });
                if (wrong.length > 0) {
                    const c = wrong[0];
                    emit('DRIFT018', socket, 'cores', `socket ${socket.name} pairs CPUs as SMT siblings the host does not (CPU ${c} with ${model!.siblingOf(c)}; the host's core of CPU ${c} has threads ${formatCpuList(node.threads.get(c)!)}${wrong.length > 1 ? `; ${wrong.length} CPUs in all` : ''})`, command, fix(coresText(node)));
                }
            }
        }
        if (node.memoryMiB !== undefined && node.memoryMiB > 0) {
            const m = socket.memory ? sizeToMiB(socket.memory.value, socket.memory.unit) : undefined;
            const fileMiB = m?.ok ? m.value : undefined;
            const text = mibText(node.memoryMiB);
            if (socket.memoryUnknown || (fileMiB !== undefined && (fileMiB > node.memoryMiB || node.memoryMiB - fileMiB >= 1024))) {
                emit('DRIFT019', socket, socket.memoryUnknown ? 'memoryUnknown' : 'memory',
                    `NUMA node ${id} has ${text} of memory on the host, socket ${socket.name} says ${socket.memoryUnknown ? 'unknown' : mibText(fileMiB!)}`, command,
                    { title: `Accept the live value: memory ${text}`, edit: replaceProperty(socket, socket.memoryUnknown ? 'memoryUnknown' : 'memory', text) });
            }
        }
    }
    for (const node of live.nodes.values()) {
        if (declared.has(node.id) || node.cpus.length === 0) continue; // a node without CPUs (CXL or HBM memory) is no socket
        emit('DRIFT018', host, 'name', `the host has NUMA node ${node.id} (CPUs ${formatCpuList(node.cpus)}${node.memoryMiB !== undefined ? `, ${mibText(node.memoryMiB)}` : ''}), which the file does not declare`, command);
    }
    const nodeOf = new Map<number, number>();
    for (const n of live.nodes.values()) for (const c of n.cpus) nodeOf.set(c, n.id);
    for (const vm of target.vms) {
        if (!vm.model) continue;
        for (const [property, list, what] of [['pin', vm.model.pin, 'vCPUs'], ['emulatorPin', vm.model.emulatorPin, 'emulator threads']] as const) {
            if (!list || list.size > 1 << 16) continue;
            const lacks: number[] = [];
            const moved: string[] = [];
            for (const c of list) {
                const liveNode = nodeOf.get(c);
                const fileNode = vm.model.host.numaOfCpu(c)?.id;
                if (liveNode === undefined) lacks.push(c);
                else if (fileNode !== undefined && fileNode !== liveNode) moved.push(`${c} on node ${liveNode}, not ${fileNode}`);
            }
            if (lacks.length === 0 && moved.length === 0) continue;
            const parts = [lacks.length > 0 ? `CPUs ${formatCpuList(lacks)} are not on the host` : '', moved.length > 0 ? `the host puts CPU ${moved.slice(0, 4).join(', CPU ')}${moved.length > 4 ? ` (${moved.length} CPUs in all)` : ''}` : ''].filter(x => x);
            emit('DRIFT020', vm.node, property, `VM ${vm.model.name} pins its ${what} to host CPUs the host does not have where the file says: ${parts.join('; ')} (re-plan the pins)`, command);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// BARs (sysfs resource)

const GIB = 1024 * 1024 * 1024;

/**
 * DRIFT022: a GPU's BAR1 (the window onto its memory, NVIDIA's "BAR1 Memory" of `nvidia-smi -q`) is
 * smaller than its memory: the firmware did not give it the large BAR the data-center GPUs are made
 * for (NVIDIA's product briefs list BAR1 sizes of 32–256 GiB, e.g. H100 PCIe: 128 GiB;
 * GPUDirect RDMA maps peer memory through BAR1, https://docs.nvidia.com/cuda/gpudirect-rdma/).
 * DRIFT021: a VM given GPUs by passthrough whose 64-bit MMIO window (pcihole64) is smaller than what
 * their 64-bit BARs on the host need: each GPU needs the larger of the catalog's MMIO size
 * [NVAIE-MMIO] and its BARs on the host (whole GiB), and the window the next power of two above the
 * sum (catalog `requiredMmioGiB`, as the guest plan sizes it). A BAR1 larger than the catalog assumes
 * (resizable BAR set larger) leaves the guest firmware unable to map the GPU.
 */
function bars(target: DriftTarget, facts: HostFacts, emit: Emit): void {
    if (!facts.pci) return;
    const barsOf = (address: string) => facts.pci!.get(address)?.bars;
    for (const g of allDevices(target.host)) {
        if (g.$type !== 'Gpu') continue;
        const at = address(g.address);
        const spec = findGpu(g.model ?? '');
        const bar1 = at ? barsOf(at)?.find(b => b.index === 1) : undefined;
        if (!spec || !bar1 || bar1.bytes >= spec.memoryGB * 1e9) continue;
        emit('DRIFT022', g, 'name', `GPU ${g.name} at ${at}: BAR1 is ${bytesText(bar1.bytes)} on the host, smaller than its ${spec.memoryGB} GB of memory (the host firmware did not give it its large BAR: check "Above 4G decoding" and resizable BAR in the BIOS)`, SYSFS_PCI_RESOURCE);
    }
    for (const vm of target.vms) {
        const model = vm.model;
        if (!model) continue;
        const gpus = model.gpus.filter(e => e.mode === 'passthrough');
        const live = gpus.map(e => barsOf(formatBdf(e.gpu.address))?.filter(b => b.mem64 !== false).reduce((n, b) => n + b.bytes, 0));
        if (!live.some(b => b !== undefined && b > 0)) continue;
        const perGpu = gpus.map((e, i) => Math.max(e.gpu.spec.mmioGiB, Math.ceil((live[i] ?? 0) / GIB)));
        const need = requiredMmioGiB(perGpu.map(mmioGiB => ({ mmioGiB }) as Parameters<typeof requiredMmioGiB>[0][number]));
        let window: number;
        try {
            window = planGuestAddresses(model).pcihole64GiB;
        } catch (err) {
            if (err instanceof ExportError) continue;
            throw err;
        }
        if (window >= need) continue;
        const over = gpus.map((e, i) => ({ e, bytes: live[i] ?? 0 })).filter(x => x.bytes > x.e.gpu.spec.mmioGiB * GIB);
        const text = `${need} GiB`;
        const edit = vm.node.mmio ? replaceProperty(vm.node, 'mmio', text) : insertVmClause(vm.node, `mmio ${text}`);
        emit('DRIFT021', vm.node, vm.node.mmio ? 'mmio' : 'name',
            `VM ${model.name}: its 64-bit MMIO window is ${window} GiB, its GPUs' BARs on the host need ${text} (${over.map(x => `${x.e.gpu.name}: ${bytesText(x.bytes)} of 64-bit BARs, the catalog assumes ${x.e.gpu.spec.mmioGiB} GiB`).join('; ')})`,
            SYSFS_PCI_RESOURCE, { title: `Accept the live value: mmio ${text}`, edit });
    }
}

function bytesText(bytes: number): string {
    for (const [unit, size] of [['TiB', GIB * 1024], ['GiB', GIB], ['MiB', 1024 * 1024], ['KiB', 1024]] as const) {
        if (bytes >= size && bytes % size === 0) return `${bytes / size} ${unit}`;
    }
    return bytes >= GIB ? `${(bytes / GIB).toFixed(2)} GiB` : `${bytes} bytes`;
}

// ---------------------------------------------------------------------------------------------
// the IOMMU and the kernel command line

/** Inserts a clause as the first line of a host's block. */
function insertHostClause(host: ast.Host, clause: string): ReturnType<typeof replaceProperty> {
    const uri = uriOf(host);
    const brace = host.$cstNode && GrammarUtils.findNodeForKeyword(host.$cstNode, '{');
    return uri && brace ? { uri, edits: [{ range: { start: brace.range.end, end: brace.range.end }, newText: `\n    ${clause}` }] } : undefined;
}

/**
 * DRIFT023: the host runs without an IOMMU (facts.ts: libvirt, else sysfs' IOMMU groups, else the
 * kernel command line) while VMs of the file assign devices (GPUs by passthrough, NICs, NVSwitches:
 * VFIO needs the IOMMU, https://docs.kernel.org/driver-api/vfio.html), or the file says `iommu
 * enabled`. The fix (`iommu disabled`) is offered only where no VM assigns a device: otherwise the
 * host, not the file, is wrong.
 */
function iommu(target: DriftTarget, facts: HostFacts, emit: Emit): void {
    const io = facts.iommu;
    const host = target.host;
    if (!io || io.enabled || host.iommu === 'disabled' || target.model?.iommu === 'disabled') return;
    const assigning = target.vms.filter(v => v.model && (v.model.gpus.some(g => g.mode === 'passthrough') || v.model.nics.length > 0 || v.model.nvswitches.length > 0)).map(v => v.model!.name);
    if (assigning.length === 0 && host.iommu !== 'enabled') return;
    const fix = assigning.length === 0
        ? { title: 'Accept the live value: iommu disabled', edit: host.iommu ? replaceProperty(host, 'iommu', 'disabled') : insertHostClause(host, 'iommu disabled') } : undefined;
    const vms = assigning.length > 0 ? `; ${assigning.slice(0, 4).join(', ')}${assigning.length > 4 ? ', …' : ''} ${assigning.length > 1 ? 'assign' : 'assigns'} devices, which needs it (intel_iommu=on on Intel; AMD-Vi enabled in the firmware)` : '';
    emit('DRIFT023', host, host.iommu ? 'iommu' : 'name', `host ${host.name} runs without an IOMMU (${io.evidence})${vms}`, io.command, fix);
}

/**
 * DRIFT024: hugepages the kernel command line reserves at boot against the file's pools of that
 * size (per node for `hugepages=0:N,1:M`, else in all). A pool whose current reservation already
 * differs (DRIFT013) is not reported again; a size the command line does not name is not judged (a
 * boot service may reserve it through sysfs). No fix: the file and today's host agree, the boot
 * configuration does not (the message gives the parameters that would).
 */
function bootHugepages(target: DriftTarget, facts: HostFacts, emit: Emit): void {
    const boot = facts.bootHugepages;
    const host = target.host;
    if (!boot) return;
    for (const [sizeKiB, reserved] of boot.sizes) {
        const pools: Array<{ pool: ast.HugepagePool; node: number }> = [];
        for (const socket of host.sockets) {
            const node = socketNuma(host, socket);
            for (const pool of socket.hugepagePools ?? []) {
                const mib = sizeToMiB(pool.size?.value, pool.size?.unit);
                if (mib.ok && mib.value * 1024 === sizeKiB && node !== undefined) pools.push({ pool, node });
            }
        }
        const differsNow = (p: { pool: ast.HugepagePool; node: number }) => !!facts.hugepages
            && (facts.hugepages.find(l => l.node === p.node && l.sizeKiB === sizeKiB)?.reserved ?? 0) !== p.pool.count;
        if (pools.some(differsNow)) continue;
        const wanted = [...pools].sort((a, b) => a.node - b.node).map(p => `${p.node}:${p.pool.count}`).join(',');
        const param = `hugepagesz=${sizeKiB % (1024 * 1024) === 0 ? `${sizeKiB / 1024 / 1024}G` : `${sizeKiB / 1024}M`} hugepages=${wanted || '0'}`;
        const size = kibText(sizeKiB);
        const say = (where: AstNode, property: string | undefined, boots: number, file: number, scope: string) =>
            emit('DRIFT024', where, property, `the kernel command line reserves ${boots} hugepages of ${size} ${scope} at boot (${reserved.text}), the file ${file} (after a reboot the pools differ: ${param})`, boot.command);
        if (reserved.perNode) {
            const nodes = new Set([...reserved.perNode.keys(), ...pools.map(p => p.node)]);
            for (const n of [...nodes].sort((a, b) => a - b)) {
                const p = pools.find(x => x.node === n);
                const boots = reserved.perNode.get(n) ?? 0;
                if (boots !== (p?.pool.count ?? 0)) say(p?.pool ?? host, p ? 'count' : 'name', boots, p?.pool.count ?? 0, `on NUMA node ${n}`);
            }
        } else {
            const file = pools.reduce((n, p) => n + p.pool.count, 0);
            if (file !== reserved.total) say(pools[0]?.pool ?? host, pools.length > 0 ? 'count' : 'name', reserved.total, file, 'in all');
        }
    }
}
