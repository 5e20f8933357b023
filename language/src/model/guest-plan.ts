/**
 * The guest address plan of one VM: guest NUMA cells and vCPU pinning, the emulated PCIe tree
 * (pcie-expander-bus per host NUMA node, root ports, switch up/downstream ports mirroring the host's
 * PCIe switches), the guest PCI address of every device and the 64-bit MMIO window. Computed once
 * per VM and read by both exporters, so the NCCL file names exactly the devices libvirt creates
 * (the README's "Exports" section; tested in test/features/export/nccl.test.ts against an
 * independent reading of the domain XML).
 *
 * Facts used:
 * - controller indexes: no gaps, each controller plugs into one with a lower index (libvirt:
 *   "Leaving gaps in the PCI controller indexes might lead to an invalid configuration")
 *   [LIBVIRT-DOM];
 * - guest bus numbers are given by the firmware depth-first in slot order from each expander's
 *   `busNr`: root bus `B`, root port in slot s at `B:s.0`, its secondary bus is the next free number,
 *   and so on down each hierarchy before the next slot (libvirt uses `<address bus=>` only to pick
 *   the controller with that index, https://libvirt.org/pci-addresses.html; the numbering is
 *   no document's: it was checked by booting such a PCIe tree in QEMU 7.2 + OVMF, Linux 6.1 guest);
 * - `busNr` 1–254 and every bus number ≤ 0xff (libvirt's pcie-expander-bus `busNr`) [LIBVIRT-DOM];
 * - pcihole64 ≥ the MMIO the passthrough GPUs need (rule MMIO005 in docs/rules.md; per-GPU needs
 *   [NVAIE-MMIO]) [LIBVIRT-DOM] [OVMF-MMIO64].
 */
import { createHash } from 'node:crypto';
import { requiredMmioGiB } from '../catalog/index.js';
import type { PcieLink } from '../catalog/types.js';
import type { GpuModel, NicModel, NvSwitchModel, PcieSwitchModel, VmGpu, VmModel, VmNic, VmNvSwitch } from './topology.js';
import { switchPath } from './topology.js';
import { pairsOnSiblings, vcpuPinOrder } from './pinning.js';
import { vgpuFunction } from './vgpu-functions.js';
import { formatCpuList, type Bdf } from '../syntax/tokens.js';
import { ExportError } from './export-error.js';

/** Guest bus number of the first pcie-expander-bus (`busNr='64'`; buses 1–63 stay free for devices on pcie.0). */
export const FIRST_EXPANDER_BUS = 0x40;
/** Slot on pcie.0 of the first expander (`00:05.0`); the next ones take the next slots. */
export const FIRST_EXPANDER_SLOT = 0x05;
/** Later expanders start at the next multiple of this above the previous hierarchy (readable bus ids). */
const EXPANDER_BUS_ALIGN = 0x10;
/** PCI: 32 device numbers per bus, 256 bus numbers per domain. */
const SLOTS_PER_BUS = 32;
const MAX_BUS = 0xff;

/** One guest NUMA cell (libvirt `<cell>`), backed by one host NUMA node. */
export interface GuestCell {
    readonly id: number;
    /** Host NUMA node whose CPUs run the cell's vCPUs. */
    readonly hostNode: number;
    /** Guest vCPU ids of the cell, ascending. */
    readonly vcpus: readonly number[];
    readonly memoryMiB: number;
    /** Host NUMA node(s) the cell's memory is bound to (`<memnode nodeset>`). */
    readonly memoryNodes: readonly number[];
}

/** Guest CPU topology; sockets × dies × cores × threads = vCPUs. */
export interface GuestCpuTopology {
    readonly sockets: number;
    readonly dies: number;
    readonly cores: number;
    readonly threads: number;
}

export type ControllerModel =
    | 'pcie-root' | 'pcie-expander-bus' | 'pcie-root-port' | 'pcie-switch-upstream-port' | 'pcie-switch-downstream-port';

/** A libvirt PCI controller of the plan. */
export interface GuestController {
    /** libvirt controller index (what a device's `<address bus=>` names). */
    readonly index: number;
    readonly model: ControllerModel;
    /** Index of the controller this one plugs into and the slot there; absent for pcie-root. */
    readonly parent?: number;
    readonly slot?: number;
    /** Guest PCI address of the controller's own function (ports); absent for pcie-root and expanders. */
    readonly guestBdf?: Bdf;
    /** Guest bus number behind the controller: 0 for pcie-root, `busNr` for an expander, the secondary bus of a port. */
    readonly bus: number;
    /** Expander: guest NUMA cell (`<target><node>`). */
    readonly node?: number;
    /** Root and downstream ports: `<target chassis port>`. */
    readonly chassis?: number;
    readonly port?: number;
    /** Upstream port: the host switch it mirrors. */
    readonly mirrors?: PcieSwitchModel;
}

/** A device the guest receives on a PCIe slot of the plan. */
export interface GuestDevice {
    readonly kind: 'device';
    /** `gpu` passthrough, `nic` PF passthrough, `vf` SR-IOV VF, `vgpu` vGPU or MIG-backed vGPU (mediated device), `nvswitch` NVSwitch passthrough. */
    readonly role: 'gpu' | 'nic' | 'vf' | 'vgpu' | 'nvswitch';
    /** Name for aliases and comments: the host device's name, `mlx5_8-vf0` for a VF, `gpu6-vgpu` for a vGPU. */
    readonly name: string;
    /** libvirt user alias, `ua-<name>`. */
    readonly alias: string;
    /** The VM's entry this device comes from. */
    readonly entry: VmGpu | VmNic | VmNvSwitch;
    /** The host device that gives its place in the host tree (the GPU of a vGPU, the PF of a VF). */
    readonly location: GpuModel | NicModel | NvSwitchModel;
    /** Host PCI address VFIO takes (GPU, PF or VF; a GPU VF for a vGPU delivered by vendor-specific VFIO); absent for an mdev vGPU. */
    readonly hostAddress?: Bdf;
    /** vGPU: the mediated device to create on the host. */
    readonly mdev?: { readonly uuid: string; readonly parent: Bdf; readonly type?: string; readonly migProfile?: string; readonly vf?: number };
    /**
     * vGPU by NVIDIA's vendor-specific VFIO framework (`vgpu-delivery vfio`): the GPU's VF (at
     * `hostAddress`, index `vf`) that carries vGPU `type`, attached as a PCI hostdev.
     */
    readonly vgpuVf?: { readonly type?: string; readonly migProfile?: string; readonly vf: number };
    /** PCI class as NCCL reads it (catalog), e.g. `0x030200`. */
    readonly pciClass: string;
    /** The device's PCIe link (the PF's for a VF, the GPU's for a vGPU). */
    readonly link: PcieLink;
    /** Index of the port controller the device plugs into (slot 0 there). */
    readonly port: number;
    readonly guestBdf: Bdf;
}

/** An emulated switch (upstream port + one downstream port per child) mirroring a host switch. */
export interface GuestSwitch {
    readonly kind: 'switch';
    readonly host: PcieSwitchModel;
    readonly upstream: GuestController;
    /**
     * Uplink to report to NCCL: the host switch's declared `link`; when the switch declares none, the
     * fastest link of the devices and switches below it (`linkDeclared` false).
     */
    readonly link: PcieLink;
    readonly linkDeclared: boolean;
    /** Children in slot order: child k sits behind downstream port `downstream[k]`. */
    readonly children: readonly GuestNode[];
    readonly downstream: readonly GuestController[];
}

export type GuestNode = GuestSwitch | GuestDevice;

/** A pcie-expander-bus (pxb-pcie) for one host NUMA node, with the hierarchy below it. */
export interface GuestExpander {
    readonly controller: GuestController;
    readonly hostNode: number;
    /** Guest NUMA cell of the expander's devices. */
    readonly cell: number;
    /** Whether `cell` is backed by `hostNode` (false when the VM has no vCPUs on the devices' node). */
    readonly cellIsLocal: boolean;
    readonly busNr: number;
    /** Highest guest bus number the hierarchy uses. */
    readonly lastBus: number;
    /** One root port per entry, in slot order: root k is in slot k behind `rootPorts[k]`. */
    readonly roots: readonly GuestNode[];
    readonly rootPorts: readonly GuestController[];
}

export interface GuestPlan {
    readonly vm: VmModel;
    readonly cells: readonly GuestCell[];
    readonly cpuTopology: GuestCpuTopology;
    /** Host CPU of each vCPU (index = vCPU id) when the VM is pinned. */
    readonly vcpuPins?: readonly number[];
    /** Whether guest SMT pairs (2k, 2k+1) sit on host SMT siblings. */
    readonly smtPaired: boolean;
    /** Whether guest memory is bound (numatune): the VM is pinned or declares `memory … on numa`. */
    readonly bindMemory: boolean;
    /** Every controller, by index (index 0 = pcie-root). */
    readonly controllers: readonly GuestController[];
    readonly expanders: readonly GuestExpander[];
    /** Every device, in the VM's order (GPUs, then NICs). */
    readonly devices: readonly GuestDevice[];
    /** Size of the 64-bit PCI hole in GiB (0: leave QEMU's default). */
    readonly pcihole64GiB: number;
}

/**
 * Plans the guest of `vm` (pure; the same VM gives the same plan).
 *
 * - Cells: one per host NUMA node holding pinned vCPUs, ascending by host node; an unpinned VM gets
 *   one cell on the node of its memory binding, else of its first device, else the host's first node.
 *   vCPU i runs on the i-th CPU of {@link vcpuPinOrder} (the `pin` list in written order, each CPU
 *   followed by its SMT sibling when the sibling is listed too); when every guest pair (2k, 2k+1)
 *   sits on one host core ({@link pairsOnSiblings}) the topology gets `threads=2`.
 * - Memory: split over the cells in proportion to their vCPUs, in whole hugepages (MiB).
 * - PCIe: index 0 pcie-root; one expander per host NUMA node of the VM's devices (ascending), in
 *   pcie.0 slots from 0x05, `busNr` 0x40 for the first and the next multiple of 0x10 above the previous
 *   hierarchy for the others; below it one root port per top-level host switch (or switchless
 *   device), then an upstream port and one downstream port per device or nested switch, in the order
 *   the VM names its devices (GPUs, then NICs). Controller indexes are allocated pre-order.
 *
 * Throws {@link ExportError} when the VM has no memory, pins a CPU the host lacks, pins a number of
 * CPUs other than its vCPU count (LOC014), binds its memory to a NUMA node the host lacks (LOC015),
 * names a MIG slice without a MIG-backed vGPU type, or needs more than 32 slots on a bus or bus
 * numbers above 0xff. Validation reports each of these first; the export refuses a workspace with
 * errors, so these throws only guard callers that skip validation.
 */
export function planGuestAddresses(vm: VmModel): GuestPlan {
    if (vm.vcpus < 1) throw new ExportError(`${vm.name}: a VM needs at least one vCPU`);
    if (vm.memoryMiB <= 0) throw new ExportError(`${vm.name}: no memory size; add 'memory <size> GiB'`);
    const missingNode = vm.memoryNuma?.find(id => !vm.host.numaNodes.some(n => n.id === id));
    if (missingNode !== undefined) {
        throw new ExportError(`${vm.name}: memory is bound to NUMA node ${missingNode}, which host ${vm.host.name} does not have`);
    }
    const devices = deviceList(vm);
    const cpu = planCpus(vm, devices);
    const pcie = planPcie(vm, devices, cpu.cells);
    const passthrough = vm.gpus.filter(g => g.mode === 'passthrough').map(g => g.gpu.spec);
    const need = passthrough.length > 0 ? requiredMmioGiB(passthrough) : 0;
    return {
        vm, ...cpu, ...pcie,
        bindMemory: (vm.pin?.size ?? 0) > 0 || vm.memoryNuma !== undefined,
        pcihole64GiB: Math.max(vm.mmioGiB ?? 0, need)
    };
}

/** A device before it has a slot. */
type PendingDevice = Omit<GuestDevice, 'port' | 'guestBdf'>;

function deviceList(vm: VmModel): PendingDevice[] {
    const result: PendingDevice[] = [];
    const used = new Set<string>();
    const unique = (name: string) => {
        let n = name;
        for (let k = 2; used.has(n); k++) n = `${name}-${k}`;
        used.add(n);
        return n;
    };
    for (const entry of vm.gpus) {
        const gpu = entry.gpu;
        const base = { kind: 'device' as const, entry, location: gpu, pciClass: gpu.spec.pciClass, link: gpu.link };
        if (entry.mode === 'passthrough') {
            const name = unique(gpu.name);
            result.push({ ...base, role: 'gpu', name, alias: `ua-${name}`, hostAddress: gpu.address });
            continue;
        }
        const type = entry.type?.name;
        const migProfile = entry.mode === 'mig' ? entry.profile.name : entry.type?.migProfile;
        if (entry.mode === 'mig' && !type) {
            throw new ExportError(`${vm.name}: MIG profile ${entry.profile.name} of ${gpu.name} (${gpu.spec.model}) has no MIG-backed vGPU type, so KVM cannot give it to a VM`);
        }
        const name = unique(`${gpu.name}-vgpu`);
        // SR-IOV GPUs: the vGPU's VF is the mdev parent (never the PF), or with NVIDIA's
        // vendor-specific VFIO framework the hostdev itself (model/vgpu-functions.ts)
        const fn = vgpuFunction(vm, entry);
        if (vm.host.vgpuDelivery === 'vfio' && fn.vf !== undefined) {
            result.push({ ...base, role: 'vgpu', name, alias: `ua-${name}`, hostAddress: fn.address, vgpuVf: { type, migProfile, vf: fn.vf } });
            continue;
        }
        const uuid = stableUuid('mdev', vm.host.name, vm.name, name);
        result.push({ ...base, role: 'vgpu', name, alias: `ua-${name}`, mdev: { uuid, parent: fn.address, type, migProfile, vf: fn.vf } });
    }
    for (const entry of vm.nics) {
        const nic = entry.nic;
        const base = { kind: 'device' as const, entry, location: nic, pciClass: nicPciClass(nic), link: nic.link };
        if (entry.mode === 'passthrough') {
            const name = unique(nic.name);
            result.push({ ...base, role: 'nic', name, alias: `ua-${name}`, hostAddress: nic.address });
        } else {
            const name = unique(`${nic.name}-vf${entry.vf}`);
            result.push({ ...base, role: 'vf', name, alias: `ua-${name}`, hostAddress: entry.address });
        }
    }
    // NVSwitches (Fabric Manager service VM, or full passthrough): plain PCI hostdevs. The NCCL
    // export leaves them out (NCCL finds NVSwitches through NVML), so their link is never reported.
    for (const entry of vm.nvswitches) {
        const sw = entry.nvswitch;
        const name = unique(sw.name);
        result.push({
            kind: 'device', entry, location: sw, pciClass: sw.spec.pciClass, link: NVSWITCH_UNREPORTED_LINK,
            role: 'nvswitch', name, alias: `ua-${name}`, hostAddress: sw.address
        });
    }
    return result;
}

/** Placeholder link of an NVSwitch hostdev: never written (see deviceList), and never the fastest below a switch. */
const NVSWITCH_UNREPORTED_LINK: PcieLink = { speedGTs: 2.5, width: 1 };

function planCpus(vm: VmModel, devices: readonly PendingDevice[]):
    Pick<GuestPlan, 'cells' | 'cpuTopology' | 'vcpuPins' | 'smtPaired'> {
    const n = vm.vcpus;
    const pin = vm.pin;
    if (!pin || pin.isEmpty) {
        const hostNode = vm.memoryNuma?.[0] ?? devices[0]?.location.numa ?? vm.host.numaNodes[0]?.id ?? 0;
        const cells = [{ id: 0, hostNode, vcpus: range(n), memoryMiB: vm.memoryMiB, memoryNodes: memoryNodesFor(vm, hostNode) }];
        return { cells, cpuTopology: { sockets: 1, dies: 1, cores: n, threads: 1 }, smtPaired: false };
    }
    const hostCpus = vcpuPinOrder(vm);
    if (!hostCpus) throw new ExportError(`${vm.name}: pin lists ${pin.size} host CPUs for ${n} vCPUs; it must list exactly one CPU per vCPU`);
    const nodeOf = new Map<number, number>();
    for (const c of hostCpus) {
        const node = vm.host.numaOfCpu(c);
        if (!node) throw new ExportError(`${vm.name}: pinned CPU ${c} does not exist on host ${vm.host.name}`);
        nodeOf.set(c, node.id);
    }
    const nodes = [...new Set(nodeOf.values())].sort((a, b) => a - b);
    const smtPaired = pairsOnSiblings(vm, hostCpus);
    const vcpusOf = nodes.map(node => range(n).filter(v => nodeOf.get(hostCpus[v]) === node));
    const memory = splitMemory(vm, vcpusOf.map(v => v.length));
    const cells = nodes.map((hostNode, id) => ({
        id, hostNode, vcpus: vcpusOf[id], memoryMiB: memory[id], memoryNodes: memoryNodesFor(vm, hostNode)
    }));
    const threads = smtPaired ? 2 : 1;
    const per = n / cells.length;
    const aligned = cells.every(c => c.vcpus.length === per && c.vcpus.every((v, k) => v === c.id * per + k))
        && Number.isInteger(per / threads);
    const cpuTopology = aligned
        ? { sockets: cells.length, dies: 1, cores: per / threads, threads }
        : { sockets: 1, dies: 1, cores: n / threads, threads };
    return { cells, cpuTopology, vcpuPins: hostCpus, smtPaired };
}

function memoryNodesFor(vm: VmModel, hostNode: number): number[] {
    if (!vm.memoryNuma || vm.memoryNuma.includes(hostNode)) return [hostNode];
    return [...vm.memoryNuma].sort((a, b) => a - b);
}

/** Memory per cell in MiB, proportional to the cells' vCPU counts, in whole hugepages (or GiB). */
function splitMemory(vm: VmModel, counts: readonly number[]): number[] {
    const total = vm.memoryMiB;
    const huge = vm.hugepageMiB;
    const unit = huge && total % huge === 0 ? huge : total % 1024 === 0 ? 1024 : 1;
    const all = counts.reduce((a, b) => a + b, 0);
    const result = counts.map(c => Math.floor((total * c) / all / unit) * unit);
    result[result.length - 1] = total - result.slice(0, -1).reduce((a, b) => a + b, 0);
    const empty = result.findIndex(m => m <= 0);
    if (empty >= 0) {
        throw new ExportError(`${vm.name}: ${total} MiB of memory cannot be split over ${counts.length} guest NUMA cells in ${unit} MiB pages`);
    }
    return result;
}

/** Host-switch tree of the VM's devices under one host NUMA node. */
interface HostTree {
    readonly sw?: PcieSwitchModel;
    readonly children: (HostTree | PendingDevice)[];
}

function planPcie(vm: VmModel, devices: readonly PendingDevice[], cells: readonly GuestCell[]):
    Pick<GuestPlan, 'controllers' | 'expanders' | 'devices'> {
    // Group the devices by host node, mirroring the host's switches.
    const trees = new Map<number, HostTree>();
    for (const d of devices) {
        const node = d.location.numa;
        let tree: HostTree = trees.get(node) ?? { children: [] };
        trees.set(node, tree);
        for (const sw of switchPath(d.location)) {
            let sub: HostTree | undefined = tree.children.find((c): c is HostTree => 'children' in c && c.sw === sw);
            if (!sub) {
                sub = { sw, children: [] };
                tree.children.push(sub);
            }
            tree = sub;
        }
        tree.children.push(d);
    }
    const nodes = [...trees.keys()].sort((a, b) => a - b);

    const controllers: GuestController[] = [{ index: 0, model: 'pcie-root', bus: 0 }];
    const placed = new Map<PendingDevice, GuestDevice>();
    const fail = (what: string) => { throw new ExportError(`${vm.name}: ${what}`); };
    if (FIRST_EXPANDER_SLOT + nodes.length > SLOTS_PER_BUS) fail(`devices on ${nodes.length} host NUMA nodes need more pcie.0 slots than a bus has`);

    // Expanders first (indexes 1..P), their hierarchies after.
    const pxbIndex = nodes.map((_, i) => i + 1);
    controllers.push(...nodes.map((_, i) => ({ index: i + 1, model: 'pcie-expander-bus' as const, parent: 0, slot: FIRST_EXPANDER_SLOT + i, bus: 0 })));
    let nextBus = FIRST_EXPANDER_BUS;
    const takeBus = () => {
        if (nextBus > MAX_BUS) fail(`the guest PCIe tree needs bus numbers above 0x${MAX_BUS.toString(16)}; give the VM fewer devices`);
        return nextBus++;
    };
    const add = (c: Omit<GuestController, 'index'>): GuestController => {
        const ctrl = { index: controllers.length, ...c };
        controllers.push(ctrl);
        return ctrl;
    };
    const checkSlots = (count: number, where: string) => {
        if (count > SLOTS_PER_BUS) fail(`${count} devices behind ${where}; a PCIe bus has ${SLOTS_PER_BUS} slots`);
    };
    /** Places a host-tree child behind the port `portIndex` whose secondary bus is `bus`. */
    const place = (child: HostTree | PendingDevice, portIndex: number, bus: number): GuestNode => {
        if (!('children' in child)) {
            const d: GuestDevice = { ...child, port: portIndex, guestBdf: bdf(bus, 0) };
            placed.set(child, d);
            return d;
        }
        const sw = child.sw!;
        checkSlots(child.children.length, `host switch ${sw.name}`);
        const upstream = add({ model: 'pcie-switch-upstream-port', parent: portIndex, slot: 0, guestBdf: bdf(bus, 0), bus: takeBus(), mirrors: sw });
        const downstream: GuestController[] = [];
        const children: GuestNode[] = [];
        child.children.forEach((c, k) => {
            const index = controllers.length;
            const dsp = add({ model: 'pcie-switch-downstream-port', parent: upstream.index, slot: k, guestBdf: bdf(upstream.bus, k), bus: takeBus(), chassis: index, port: k });
            downstream.push(dsp);
            children.push(place(c, dsp.index, dsp.bus));
        });
        const declared = sw.link;
        return { kind: 'switch', host: sw, upstream, downstream, children, link: declared ?? fastestLink(children), linkDeclared: declared !== undefined };
    };

    const expanders: GuestExpander[] = nodes.map((hostNode, i) => {
        const tree = trees.get(hostNode)!;
        checkSlots(tree.children.length, `the expander bus of host NUMA node ${hostNode}`);
        const busNr = takeBus();
        const pxb = controllers[pxbIndex[i]];
        const cell = cells.find(c => c.hostNode === hostNode);
        const rootPorts: GuestController[] = [];
        const roots = tree.children.map((c, k) => {
            const index = controllers.length;
            const rp = add({ model: 'pcie-root-port', parent: pxb.index, slot: k, guestBdf: bdf(busNr, k), bus: takeBus(), chassis: index, port: k });
            rootPorts.push(rp);
            return place(c, rp.index, rp.bus);
        });
        const lastBus = nextBus - 1;
        const finished: GuestController = { ...pxb, bus: busNr, node: cell?.id ?? 0 };
        controllers[pxb.index] = finished;
        nextBus = Math.ceil((lastBus + 1) / EXPANDER_BUS_ALIGN) * EXPANDER_BUS_ALIGN;
        return { controller: finished, hostNode, cell: cell?.id ?? 0, cellIsLocal: cell !== undefined, busNr, lastBus, roots, rootPorts };
    });
    return { controllers, expanders, devices: devices.map(d => placed.get(d)!) };
}

/**
 * The PCI class a NIC's functions report, by its port link layer when declared: a ConnectX port in
 * Ethernet (RoCE) mode is an Ethernet controller, `0x020000`; in InfiniBand mode an InfiniBand
 * controller, `0x020700` (PCI code and ID assignment spec, class 02h subclasses 00h/07h; both seen
 * in NCCL topology dumps [OCI-H100-TOPO] [AZ-NDV5]). Without a declared link layer, the catalog's class.
 */
export function nicPciClass(nic: NicModel): string {
    if (nic.linkLayer === 'ethernet') return '0x020000';
    if (nic.linkLayer === 'infiniband') return '0x020700';
    return nic.spec.pciClass;
}

/** Fastest link below a switch: highest speed, then widest. */
function fastestLink(children: readonly GuestNode[]): PcieLink {
    const links = children.map(c => c.link);
    return links.reduce((best, l) => (l.speedGTs > best.speedGTs || (l.speedGTs === best.speedGTs && l.width > best.width) ? l : best));
}

function bdf(bus: number, device: number): Bdf {
    return { domain: 0, bus, device, function: 0 };
}

function range(n: number): number[] {
    return Array.from({ length: n }, (_, i) => i);
}

/** vmtopo's UUID namespace (RFC 9562 name-based UUIDs, version 5). */
const UUID_NAMESPACE = '6b1f3c52-8d0e-4b8a-9a43-0f5e2c7d9e11';

/**
 * A name-based UUID (version 5, SHA-1, RFC 9562 §5.5) of the given parts in vmtopo's namespace: the
 * same parts always give the same UUID, so re-exporting a VM keeps its domain and mdev UUIDs.
 */
export function stableUuid(...parts: string[]): string {
    const hash = createHash('sha1')
        .update(Buffer.from(UUID_NAMESPACE.replace(/-/g, ''), 'hex'))
        .update(parts.join('\u0000'))
        .digest();
    hash[6] = (hash[6] & 0x0f) | 0x50;
    hash[8] = (hash[8] & 0x3f) | 0x80;
    const hex = hash.subarray(0, 16).toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** `0-95` style cpulist of a cell's vCPUs (libvirt `<cell cpus>`). */
export function cellCpuList(cell: GuestCell): string {
    return formatCpuList(cell.vcpus);
}
