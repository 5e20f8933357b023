/**
 * The guest's topology as NCCL reads it from `NCCL_TOPO_FILE`: the element tree of the NCCL topology
 * XML of one VM ({@link ncclTopologyTree}) and the limits of NCCL's parser it must keep
 * ({@link ncclLimitProblems}). The export writes the tree (`features/export/nccl.ts`); rule NCCL001
 * reports a VM whose tree breaks a limit. Sources: NVIDIA/nccl 2.30.7 `src/graph/xml.cc`, `xml.h`,
 * `topo.h`, `topo.cc` (https://github.com/NVIDIA/nccl/tree/master/src/graph).
 */
import type { PcieLink } from '../catalog/types.js';
import { switchPath, type SwitchPciId, type VmModel } from './topology.js';
import { formatBdf } from '../syntax/tokens.js';
import type { GuestCell, GuestNode, GuestPlan } from './guest-plan.js';
import { ExportError } from './export-error.js';

/** NCCL's XML arena holds 256 elements (topo.h 211, `NCCL_TOPO_XML_MAX_NODES`), shared with what it detects. */
export const NCCL_MAX_ELEMENTS = 256;
/**
 * Longest attribute name or value NCCL's tokenizer reads: 253 characters. `MAX_STR_LEN` is 255
 * (xml.h 22) and `xmlGetValue` fails once its index reaches 254 while the closing quote is still
 * to come (xml.cc 70-84, NCCL 2.30) [NCCL-XML].
 */
export const NCCL_MAX_STRING = 253;
/** Attributes per element NCCL keeps (`MAX_ATTR_COUNT`, xml.h 23); extras are silently dropped. */
export const NCCL_MAX_ATTRIBUTES = 16;
/** Children per element NCCL accepts (`MAX_SUBS`, xml.h 24, 640 since 2.29.7; 128 before). */
export const NCCL_MAX_CHILDREN = 640;
/** PCI class NCCL reads as a PCI switch (topo.cc 536-544). */
const SWITCH_CLASS = '0x060400';

/**
 * `link_speed` strings of NCCL's table (NVIDIA/nccl 2.30.7 src/graph/topo.cc 545-556), keyed by GT/s per lane.
 * Only these strings are read as their generation; anything else (even `16.0 GT/s`) counts as Gen3.
 */
export const NCCL_LINK_SPEEDS: ReadonlyMap<number, string> = new Map([
    [2.5, '2.5 GT/s PCIe'], [5, '5.0 GT/s PCIe'], [8, '8.0 GT/s PCIe'],
    [16, '16.0 GT/s PCIe'], [32, '32.0 GT/s PCIe'], [64, '64.0 GT/s PCIe']
]);

/** One element of an NCCL topology file before it is written: name, attributes in order, children. */
export interface NcclElement {
    readonly name: string;
    readonly attributes: Readonly<Record<string, string>>;
    readonly children: readonly NcclElement[];
}

/**
 * The element tree of `vm`'s NCCL topology file (pure), as {@link exportNcclTopology} writes it:
 *
 * - `<cpu>`: `numaid` = guest cell id, `affinity` = the cell's guest vCPUs as a Linux cpumap (hex
 *   words of 32 CPUs, most significant first, one word per 32 vCPUs of the VM, e.g. `ffffffff` or
 *   `00000000,ffffffff`); `arch`, `vendor`, `familyid`, `modelid` from the host CPU's catalog entry
 *   (host-passthrough shows the guest the host's CPUID), left out when the host's CPU is not known.
 * - switch `<pci>`: the host switch's declared uplink; when it declares none, the fastest link of
 *   the devices below it (the uplink of a switch is at least as fast as what it carries in practice,
 *   and QEMU's emulated upstream port reports 2.5 GT/s x1, seen in a QEMU 7.2 guest and in
 *   https://github.com/NVIDIA/nccl/issues/749).
 * - device `<pci>`: the catalog's PCI class and the device's link (a VF's is its PF's, a vGPU's its GPU's).
 *
 * Throws {@link ExportError} for a VM on an `esxi` host (its guest bus ids are not vmtopo's to
 * predict) or when a link speed has no string in NCCL's table.
 */
export function ncclTopologyTree(vm: VmModel, plan: GuestPlan): NcclElement {
    if (vm.host.platform === 'esxi') {
        throw new ExportError(`${vm.name} runs on ESXi host ${vm.host.name}; the NCCL topology names guest bus ids that vmtopo predicts only for KVM guests (platform kvm)`);
    }
    const cpus: NcclElement[] = [];
    for (const cell of [...plan.cells].sort((a, b) => a.id - b.id)) {
        // NVSwitch hostdevs are left out: NCCL finds NVSwitches through NVML, not the PCI tree.
        const roots = plan.expanders.filter(x => x.cell === cell.id).flatMap(x => x.roots).filter(r => r.kind !== 'device' || r.role !== 'nvswitch');
        if (roots.length > 0) cpus.push({ name: 'cpu', attributes: cpuAttributes(vm, cell), children: roots.map(pciElement) });
    }
    return { name: 'system', attributes: { version: '1' }, children: cpus };
}

/**
 * The limits of NCCL's topology-file parser (NVIDIA/nccl 2.30 `src/graph/xml.cc`, `xml.h`,
 * `topo.h`) that `tree` breaks, one sentence each; empty when NCCL can read it: at most
 * {@link NCCL_MAX_ELEMENTS} elements, {@link NCCL_MAX_CHILDREN} children and
 * {@link NCCL_MAX_ATTRIBUTES} attributes per element, names and values of at most
 * {@link NCCL_MAX_STRING} characters. Rule NCCL001 reports these on the VM; the exporter refuses them.
 */
export function ncclLimitProblems(tree: NcclElement): string[] {
    const problems: string[] = [];
    let elements = 0;
    const visit = (e: NcclElement, where: string): void => {
        elements++;
        const attributes = Object.entries(e.attributes);
        if (attributes.length > NCCL_MAX_ATTRIBUTES) {
            problems.push(`<${e.name}> ${where}would have ${attributes.length} attributes; NCCL keeps ${NCCL_MAX_ATTRIBUTES}`);
        }
        for (const [name, value] of attributes) {
            if (name.length > NCCL_MAX_STRING || value.length > NCCL_MAX_STRING) {
                problems.push(`the ${name} attribute of <${e.name}> ${where}would be ${value.length} characters long; NCCL reads at most ${NCCL_MAX_STRING}`);
            }
        }
        if (e.children.length > NCCL_MAX_CHILDREN) {
            problems.push(`<${e.name}> ${where}would have ${e.children.length} children; NCCL reads at most ${NCCL_MAX_CHILDREN}`);
        }
        e.children.forEach(c => visit(c, c.name === 'cpu' ? `of guest NUMA cell ${c.attributes.numaid} ` : ''));
    };
    visit(tree, '');
    if (elements > NCCL_MAX_ELEMENTS) {
        problems.push(`the file would have ${elements} elements; NCCL reads at most ${NCCL_MAX_ELEMENTS}`);
    }
    return problems;
}

/**
 * A quick, conservative test (no address plan): true when `vm`'s NCCL file certainly stays within
 * NCCL's limits — its `affinity` cpumap (`ceil(vcpus / 32)` words of 8 hex digits and the commas
 * between them, see {@link cpumap}) is at most {@link NCCL_MAX_STRING} characters, and even one
 * `<cpu>` per device plus every switch above the devices keeps the file within
 * {@link NCCL_MAX_ELEMENTS} elements (so no element can have {@link NCCL_MAX_CHILDREN} children).
 * The other attributes are fixed, short strings. False means: compute {@link ncclLimitProblems}.
 */
export function ncclSurelyWithinLimits(vm: VmModel): boolean {
    const affinity = 9 * Math.max(1, Math.ceil(vm.vcpus / 32)) - 1;
    const locations = [...vm.gpus.map(g => g.gpu), ...vm.nics.map(n => n.nic)];
    const switches = new Set(locations.flatMap(d => switchPath(d)));
    return affinity <= NCCL_MAX_STRING && 1 + 2 * locations.length + switches.size <= NCCL_MAX_ELEMENTS;
}

function cpuAttributes(vm: VmModel, cell: GuestCell): Record<string, string> {
    const attrs: Record<string, string> = { numaid: String(cell.id), affinity: cpumap(cell.vcpus, vm.vcpus) };
    const spec = vm.host.cpu;
    if (spec) {
        attrs.arch = spec.arch;
        attrs.vendor = spec.vendor;
        attrs.familyid = String(spec.familyId);
        attrs.modelid = String(spec.modelId);
    }
    return attrs;
}

/** The `<pci>` element of a switch or device. */
function pciElement(node: GuestNode): NcclElement {
    if (node.kind === 'device') {
        return { name: 'pci', attributes: { busid: formatBdf(node.guestBdf), class: node.pciClass, ...linkAttributes(node.link) }, children: [] };
    }
    return {
        name: 'pci',
        attributes: { busid: formatBdf(node.upstream.guestBdf!), class: SWITCH_CLASS, ...switchIdentity(node.host.pciId), ...linkAttributes(node.link) },
        children: node.children.map(pciElement)
    };
}

/**
 * The host switch's PCI identity on its mirrored `<pci>`, when the host declares one (`pci-id`):
 * `vendor`, `device`, `subsystem_vendor`, `subsystem_device` as `0x` hex. NCCL reads them from the
 * file instead of from the guest's emulated port (they are filled from sysfs only when absent,
 * `ncclTopoGetXmlFromSys` in src/graph/xml.cc) and combines them into the 64-bit id by which it
 * flattens Broadcom PEX switches:
 * Gen4 `0x1000c0101000a…`, Gen5 `0x1000c0301000 0…` for the top level and `…1…` for the level below
 * (`getBcmGen` / `ncclTopoFlattenBcmSwitches`, NVIDIA/nccl `src/graph/topo.cc`,
 * https://github.com/NVIDIA/nccl/blob/master/src/graph/topo.cc). With the identity, NCCL merges the
 * guest's two switch levels as it merges the host's, so GPU↔NIC paths are `PIX` as on bare metal.
 */
function switchIdentity(id: SwitchPciId | undefined): Record<string, string> {
    if (!id) return {};
    const attrs: Record<string, string> = { vendor: `0x${id.vendor}`, device: `0x${id.device}` };
    if (id.subsystemVendor && id.subsystemDevice) {
        attrs.subsystem_vendor = `0x${id.subsystemVendor}`;
        attrs.subsystem_device = `0x${id.subsystemDevice}`;
    }
    return attrs;
}

function linkAttributes(link: PcieLink): { link_speed: string; link_width: string } {
    const speed = NCCL_LINK_SPEEDS.get(link.speedGTs);
    if (!speed) throw new ExportError(`${link.speedGTs} GT/s has no link_speed string in NCCL's table`);
    return { link_speed: speed, link_width: String(link.width) };
}

/**
 * Linux cpumap of `cpus` (`/sys/devices/system/node/nodeN/cpumap`): comma-separated 32-bit hex
 * words, most significant first, `ceil(total / 32)` words (cpuset.h 22-49 in NCCL reads it back).
 */
export function cpumap(cpus: readonly number[], total: number): string {
    const words = Array.from({ length: Math.max(1, Math.ceil(total / 32)) }, () => 0);
    for (const c of cpus) words[Math.floor(c / 32)] |= 1 << (c % 32);
    return words.reverse().map(w => (w >>> 0).toString(16).padStart(8, '0')).join(',');
}
