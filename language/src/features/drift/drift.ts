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
 *   stopped VMs bound to the node, pending MIG mode changes, vGPU types without available instances.
 */
import type { AstNode, CstNode } from 'langium';
import type * as ast from '../../generated/ast.js';
import type { HostModel, VmModel } from '../../model/topology.js';
import { parseBdf, parseCpuList, formatBdf, formatCpuRuns, sizeToMiB } from '../../syntax/tokens.js';
import { nodeForProperty, uriOf } from '../../kernel/cst.js';
import { allDevices } from '../../model/host-syntax.js';
import { findGpu, findNic, findNvSwitch } from '../../catalog/index.js';
import { planGuestAddresses, type GuestPlan } from '../../model/guest-plan.js';
import { ExportError } from '../../model/export-error.js';
import { replaceProperty, insertAfterProperty, type FixData } from '../../rules/engine/fixes.js';
import { expandCpuset, type DomainFacts } from './domain.js';
import { expectedDomain } from './expected.js';
import { driftKind, type DriftCode } from './findings.js';
import { SYSFS_HUGEPAGES, SYSFS_PCI, type HostFacts, type LiveDevice } from './facts.js';

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
    const stopped = configuration(target, facts, emit);
    capacity(target, facts, emit, stopped);
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
