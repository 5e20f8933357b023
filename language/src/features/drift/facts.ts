/**
 * What a bundle says about its host ({@link HostFacts}), each fact with the command that showed it:
 *
 * - inventory (`lstopo --of xml`, read with the hwloc importer): GPUs, NICs and NVSwitches with their
 *   address, model, NUMA node, enclosing PCIe switches (upstream-port addresses) and SR-IOV VFs;
 * - per PCI function (sysfs, kernel `Documentation/ABI/testing/sysfs-bus-pci`): `numa_node`,
 *   `iommu_group`, `sriov_numvfs`, current and maximum link speed and width, the sysfs path;
 * - hugepage pools per NUMA node (sysfs, `Documentation/admin-guide/mm/hugetlbpage.rst`);
 * - domains: `virsh dumpxml --inactive` (the next boot's configuration) and, for running ones,
 *   `virsh dumpxml` (what runs), read by domain.ts;
 * - MIG mode, current and pending, per GPU (`nvidia-smi -q -x`, NVIDIA "nvidia-smi" documentation,
 *   https://docs.nvidia.com/deploy/nvidia-smi/);
 * - mediated-device types with their available instances (sysfs `mdev_supported_types`, and libvirt's
 *   `virsh nodedev-dumpxml` `<capability type='mdev_types'>` with `<availableInstances>`,
 *   https://libvirt.org/formatnode.html);
 * - NUMA nodes ({@link LiveNuma}): CPUs, SMT siblings and memory per node. One source per bundle, so
 *   that one fact never gives two findings: hwloc (`lstopo --of xml`: NUMANode `cpuset` and
 *   `local_memory`, Core objects for the siblings) when the bundle has it — it is what `vmtopo
 *   import` reads, so an imported file and its host agree by construction — else libvirt's
 *   `virsh capabilities` (`<host><topology><cells>`: each `<cell>`'s `<memory>` and `<cpu id
 *   siblings>`, https://libvirt.org/formatcaps.html). Both read the kernel's node and CPU topology
 *   (`/sys/devices/system/node`, `/sys/devices/system/cpu/cpuN/topology/thread_siblings_list`);
 * - BAR sizes per PCI function (sysfs `resource`: `start end flags` per region, size end − start + 1;
 *   the flags' IORESOURCE_MEM_64 bit marks a 64-bit BAR, kernel `include/linux/ioport.h`);
 * - the IOMMU ({@link LiveIommu}): libvirt's `<iommu support>` (it looks for
 *   `/sys/kernel/iommu_groups`), else the IOMMU groups of sysfs' PCI functions, else the kernel
 *   command line's explicit `intel_iommu=`/`amd_iommu=`/`iommu=` (kernel parameters,
 *   https://www.kernel.org/doc/html/latest/admin-guide/kernel-parameters.html);
 * - hugepages reserved at boot by the kernel command line ({@link BootHugepages}: `hugepagesz=`,
 *   `hugepages=` (a count, or per node `0:N,1:M`), `default_hugepagesz=`).
 *
 * A source the bundle lacks (the tool missing, or its command failed) leaves its facts undefined:
 * drift then compares nothing of that kind (and says so).
 */
import { XMLParser } from 'fast-xml-parser';
import { importHwloc } from '../import/hwloc.js';
import { cpusOfList, cpusOfMask } from '../import/pci.js';
import { ImportError } from '../import/errors.js';
import type { ImportedDevice, ImportedSwitch } from '../import/host-text.js';
import { succeeded, BundleError, type Bundle } from './bundle.js';
import { readDomain, DomainXmlError, type DomainFacts } from './domain.js';

/** A PCIe link: GT/s per lane and lanes. */
export interface LiveLink {
    readonly speedGTs: number;
    readonly width: number;
}

/** A GPU, NIC PF or NVSwitch as lstopo shows it. */
export interface LiveDevice {
    readonly kind: 'gpu' | 'nic' | 'nvswitch';
    /** `dddd:bb:dd.f`, lowercase. */
    readonly address: string;
    /** Catalog model, or the name/PCI id hwloc gives when the catalog lacks it. */
    readonly model: string;
    /** How lstopo names it (`mlx5_0`, `cuda0`, `gpu_84_00`). */
    readonly name: string;
    readonly numa?: number;
    /** Upstream-port addresses of the PCIe switches above it, outermost first. */
    readonly switches: readonly string[];
    readonly vfs?: number;
}

/** One PCI function as sysfs shows it. */
export interface PciFunction {
    readonly address: string;
    readonly numa?: number;
    readonly iommuGroup?: number;
    readonly sriovNumvfs?: number;
    readonly current?: LiveLink;
    readonly max?: LiveLink;
    /** The addresses of the sysfs path from the root port down to this function. */
    readonly path: readonly string[];
    /** Memory BARs 0–5 with a size (sysfs `resource`), when the bundle has them. */
    readonly bars?: readonly Bar[];
}

/** One BAR of a PCI function: its index (0–5), size in bytes, and whether it is a 64-bit BAR (undefined: not said). */
export interface Bar {
    readonly index: number;
    readonly bytes: number;
    readonly mem64?: boolean;
}

/** A NUMA node as the host shows it. */
export interface LiveNumaNode {
    readonly id: number;
    /** Logical CPUs, ascending. */
    readonly cpus: readonly number[];
    /** MemTotal of the node in MiB (rounded down, as `vmtopo import` writes it); undefined when not given. */
    readonly memoryMiB?: number;
    /** The hardware threads of each CPU's core (the CPU among them), for the CPUs the source tells. */
    readonly threads: ReadonlyMap<number, readonly number[]>;
}

/** The host's NUMA nodes by id, and the command that showed them (lstopo or virsh capabilities). */
export interface LiveNuma {
    readonly nodes: ReadonlyMap<number, LiveNumaNode>;
    readonly command: string;
}

/** Whether the host's IOMMU is on, the command that showed it, and how (for the message). */
export interface LiveIommu {
    readonly enabled: boolean;
    readonly command: string;
    readonly evidence: string;
}

/**
 * Hugepages the kernel command line reserves at boot, per page size in KiB: a total (`hugepages=N`)
 * or counts per NUMA node (`hugepages=0:N,1:M`, kernels from 5.19).
 */
export interface BootHugepages {
    readonly sizes: ReadonlyMap<number, { readonly total: number; readonly perNode?: ReadonlyMap<number, number>; readonly text: string }>;
    readonly command: string;
}

/** One hugepage pool of a NUMA node (sysfs). */
export interface HugepagePool {
    readonly node: number;
    readonly sizeKiB: number;
    readonly reserved: number;
    readonly free: number;
}

/** A domain's XMLs: the next boot's (`--inactive`) and, when it runs, the running one's. */
export interface LiveDomain {
    readonly name: string;
    readonly inactive?: DomainFacts;
    readonly inactiveCommand?: string;
    readonly live?: DomainFacts;
    readonly liveCommand?: string;
}

/** An mdev type of a parent device. */
export interface MdevType {
    readonly parent: string;
    readonly type: string;
    readonly name: string;
    readonly available: number;
    readonly command: string;
}

export interface HostFacts {
    readonly bundle: Bundle;
    /** lstopo's devices by address; undefined when the bundle has no lstopo capture. */
    readonly devices?: ReadonlyMap<string, LiveDevice>;
    readonly lstopoCommand?: string;
    readonly pci?: ReadonlyMap<string, PciFunction>;
    readonly hugepages?: readonly HugepagePool[];
    /** Domains by name; undefined when virsh is missing or failed. */
    readonly domains?: ReadonlyMap<string, LiveDomain>;
    readonly virshCommand?: string;
    /** MIG mode per GPU address; undefined without `nvidia-smi -q -x`. */
    readonly mig?: ReadonlyMap<string, { readonly current: string; readonly pending: string }>;
    readonly mdevTypes: readonly MdevType[];
    /** NUMA nodes from lstopo, else virsh capabilities; undefined when the bundle has neither. */
    readonly numa?: LiveNuma;
    /** The IOMMU's state; undefined when nothing in the bundle tells. */
    readonly iommu?: LiveIommu;
    /** Boot-time hugepages; undefined without `/proc/cmdline`. */
    readonly bootHugepages?: BootHugepages;
}

/** The commands as the findings name them. */
export const SYSFS_PCI = 'sysfs (/sys/bus/pci/devices)';
export const SYSFS_HUGEPAGES = 'sysfs (/sys/devices/system/node/node*/hugepages)';
export const NVIDIA_SMI_QUERY = 'nvidia-smi -q -x';
export const SYSFS_PCI_RESOURCE = 'sysfs (/sys/bus/pci/devices/*/resource)';

/**
 * The facts of a bundle. @throws BundleError when a file the manifest says succeeded cannot be read
 * (an lstopo capture that is not hwloc XML, a domain XML without `<domain>`).
 */
export function hostFacts(bundle: Bundle): HostFacts {
    const lstopo = succeeded(bundle, 'lstopo.xml');
    const live = lstopo ? inventory(bundle, lstopo.file, lstopo.command) : undefined;
    const pci = succeeded(bundle, 'sysfs/pci.tsv') ? pciFunctions(bundle.files.get('sysfs/pci.tsv')!) : undefined;
    const capsCommand = succeeded(bundle, 'virsh/capabilities.xml');
    const caps = capsCommand ? capabilities(bundle, capsCommand.file, capsCommand.command) : undefined;
    const cmdlineCommand = succeeded(bundle, 'proc/cmdline');
    const cmdline = cmdlineCommand ? kernelParameters(bundle.files.get(cmdlineCommand.file)!) : undefined;
    return {
        bundle,
        ...(live ? { devices: live.devices, lstopoCommand: lstopo!.command } : {}),
        pci,
        hugepages: succeeded(bundle, 'sysfs/hugepages.tsv') ? hugepagePools(bundle.files.get('sysfs/hugepages.tsv')!) : undefined,
        ...domains(bundle),
        mig: succeeded(bundle, 'nvidia-smi/query.xml') ? migModes(bundle, 'nvidia-smi/query.xml') : undefined,
        mdevTypes: mdevTypes(bundle),
        numa: live?.numa ?? caps?.numa,
        iommu: caps?.iommu ?? sysfsIommu(pci) ?? (cmdline && cmdlineCommand ? cmdlineIommu(cmdline, cmdlineCommand.command) : undefined),
        bootHugepages: cmdline && cmdlineCommand ? bootHugepages(cmdline, cmdlineCommand.command) : undefined
    };
}

function inventory(bundle: Bundle, file: string, command: string): { devices: Map<string, LiveDevice>; numa?: LiveNuma } {
    let host;
    try {
        host = importHwloc(bundle.files.get(file)!, file, 'live');
    } catch (err) {
        if (err instanceof ImportError) throw new BundleError(bundle.name, `bundle/${file}: ${err.message}`);
        throw err;
    }
    const numaOf = new Map(host.sockets.map(s => [s.name, s.numa]));
    const devices = new Map<string, LiveDevice>();
    const walk = (item: ImportedSwitch | ImportedDevice, switches: string[], socket: string | undefined) => {
        const here = item.socket ?? socket;
        if (item.kind === 'switch') {
            for (const c of item.children) walk(c, [...switches, item.address], here);
            return;
        }
        devices.set(item.address, {
            kind: item.kind, address: item.address, model: item.model, name: item.name,
            numa: here !== undefined ? numaOf.get(here) : undefined, switches, vfs: item.vfs
        });
    };
    for (const item of host.items) walk(item, [], undefined);
    // NUMA nodes: the importer's own reading (cpuset, local_memory); SMT siblings from the Core objects.
    const threads = new Map<number, number[]>();
    const text = bundle.files.get(file)!;
    for (const m of text.matchAll(/<object\s[^>]*?type="Core"[^>]*>/g)) {
        const cpus = cpusOfMask(/\scpuset="([^"]*)"/.exec(m[0])?.[1] ?? '');
        if (cpus && cpus.length > 0) for (const c of cpus) threads.set(c, cpus);
    }
    const nodes = new Map<number, LiveNumaNode>();
    for (const s of host.sockets) {
        const cpus = s.cpus !== undefined ? cpusOfList(s.cpus) ?? [] : [];
        nodes.set(s.numa, { id: s.numa, cpus, memoryMiB: s.memoryMiB, threads: new Map(cpus.filter(c => threads.has(c)).map(c => [c, threads.get(c)!])) });
    }
    // hwloc without NUMA objects (the importer writes one node 0): no node facts to compare
    const hasNuma = /type="NUMANode"/.test(text);
    return { devices, numa: hasNuma && nodes.size > 0 ? { nodes, command } : undefined };
}

const BDF = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/;

/** `sysfs/pci.tsv` (its header names the columns). */
function pciFunctions(text: string): Map<string, PciFunction> {
    const [head, ...rows] = text.split('\n').filter(l => l !== '');
    const cols = (head ?? '').split('\t');
    const at = (row: string[], name: string) => {
        const v = row[cols.indexOf(name)];
        return v === undefined || v === '-' ? undefined : v;
    };
    const result = new Map<string, PciFunction>();
    for (const line of rows) {
        const row = line.split('\t');
        const address = at(row, 'address')?.toLowerCase();
        if (!address || !BDF.test(address)) continue;
        const numa = intOf(at(row, 'numa_node'));
        result.set(address, {
            address,
            numa: numa !== undefined && numa >= 0 ? numa : undefined,
            iommuGroup: intOf(at(row, 'iommu_group')),
            sriovNumvfs: intOf(at(row, 'sriov_numvfs')),
            current: linkOf(at(row, 'current_link_speed'), at(row, 'current_link_width')),
            max: linkOf(at(row, 'max_link_speed'), at(row, 'max_link_width')),
            path: (at(row, 'path') ?? '').split('/').filter(s => BDF.test(s)),
            bars: barsOf(at(row, 'bars'))
        });
    }
    return result;
}

/**
 * The collector's `bars` column: `INDEX:BYTES[:FLAGS]` per BAR with a size, comma-separated (FLAGS the
 * `resource` line's flags; bit 0x00100000, IORESOURCE_MEM_64, marks a 64-bit BAR; bit 0x00000200,
 * IORESOURCE_MEM, a memory BAR). I/O-port BARs are left out.
 */
function barsOf(text: string | undefined): Bar[] | undefined {
    if (text === undefined) return undefined;
    const bars: Bar[] = [];
    for (const part of text.split(',')) {
        const m = /^([0-5]):(\d{1,20})(?::(0x[0-9a-f]{1,16}|\d{1,20}))?$/i.exec(part.trim());
        if (!m) continue;
        const bytes = Number(m[2]);
        if (!Number.isSafeInteger(bytes) || bytes <= 0) continue;
        const flags = m[3] !== undefined ? BigInt(m[3]) : undefined;
        if (flags !== undefined && (flags & 0x200n) === 0n) continue; // not a memory BAR
        bars.push({ index: Number(m[1]), bytes, mem64: flags === undefined ? undefined : (flags & 0x100000n) !== 0n });
    }
    return bars;
}

function intOf(v: string | undefined): number | undefined {
    if (v === undefined) return undefined;
    const s = v.trim();
    return /^-?\d+$/.test(s) ? Number(s) : undefined;
}

/** sysfs link speed (`16.0 GT/s PCIe`, `2.5 GT/s`) and width (`16`). */
function linkOf(speed: string | undefined, width: string | undefined): LiveLink | undefined {
    const s = /^(\d+(?:\.\d+)?) GT\/s/.exec(speed ?? '');
    const w = intOf(width);
    return s && w !== undefined && w > 0 ? { speedGTs: Number(s[1]), width: w } : undefined;
}

function hugepagePools(text: string): HugepagePool[] {
    return text.split('\n').slice(1).filter(l => l !== '').map(l => l.split('\t').map(v => intOf(v)))
        .filter(r => r.length >= 4 && r.slice(0, 4).every(v => v !== undefined))
        .map(r => ({ node: r[0]!, sizeKiB: r[1]!, reserved: r[2]!, free: r[3]! }));
}

function domains(bundle: Bundle): { domains?: Map<string, LiveDomain>; virshCommand?: string } {
    const list = succeeded(bundle, 'virsh/domains.txt');
    if (!list) return {};
    const byUuid = new Map<string, { inactive?: DomainFacts; inactiveCommand?: string; live?: DomainFacts; liveCommand?: string }>();
    for (const c of bundle.commands) {
        const m = /^virsh\/domain\/([0-9a-f-]+)\.(inactive|live)\.xml$/.exec(c.file);
        if (!m || c.exit !== 0) continue;
        let facts: DomainFacts;
        try {
            facts = readDomain(bundle.files.get(c.file)!);
        } catch (err) {
            if (err instanceof DomainXmlError) throw new BundleError(bundle.name, `bundle/${c.file}: ${err.message}`);
            throw err;
        }
        const entry = byUuid.get(m[1]) ?? {};
        if (m[2] === 'inactive') { entry.inactive = facts; entry.inactiveCommand = c.command; } else { entry.live = facts; entry.liveCommand = c.command; }
        byUuid.set(m[1], entry);
    }
    const result = new Map<string, LiveDomain>();
    for (const e of byUuid.values()) {
        const name = e.inactive?.name ?? e.live?.name;
        if (name) result.set(name, { name, ...e });
    }
    return { domains: result, virshCommand: list.command };
}

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false, isArray: n => n === 'gpu' || n === 'type' || n === 'capability' || n === 'cell' });

/** A parsed XML element (fast-xml-parser: attributes as `@name`, children by tag). */
type XmlEl = { readonly [key: string]: unknown };

const child = (e: unknown, key: string): unknown => (e && typeof e === 'object' ? (e as XmlEl)[key] : undefined);
const children = (e: unknown, key: string): XmlEl[] => {
    const c = child(e, key);
    return (Array.isArray(c) ? c : c === undefined ? [] : [c]).filter((x): x is XmlEl => !!x && typeof x === 'object');
};
const textOf = (e: unknown): string => (typeof e === 'string' || typeof e === 'number' ? String(e) : typeof child(e, '#text') === 'string' ? String(child(e, '#text')) : '');

function parseXml(bundle: Bundle, file: string): unknown {
    try {
        return xml.parse(bundle.files.get(file)!, true) as unknown;
    } catch (err) {
        throw new BundleError(bundle.name, `bundle/${file} is not well-formed XML: ${(err as Error).message.split('\n')[0]}`);
    }
}

/** `nvidia-smi -q -x`: `<gpu id="00000000:18:00.0"><mig_mode><current_mig>…<pending_mig>…`. */
function migModes(bundle: Bundle, file: string): Map<string, { current: string; pending: string }> {
    const result = new Map<string, { current: string; pending: string }>();
    for (const gpu of children(child(parseXml(bundle, file), 'nvidia_smi_log'), 'gpu')) {
        const address = pciAddressOf(textOf(gpu['@id']));
        const mig = child(gpu, 'mig_mode');
        if (!address || !mig || typeof mig !== 'object') continue;
        result.set(address, { current: textOf(child(mig, 'current_mig')) || 'N/A', pending: textOf(child(mig, 'pending_mig')) || 'N/A' });
    }
    return result;
}

/** nvidia-smi's bus id `00000000:18:00.0` → `0000:18:00.0`. */
function pciAddressOf(id: string): string | undefined {
    const m = /^0*([0-9a-f]{1,4}):([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])$/i.exec(id.trim());
    return m ? `${m[1].padStart(4, '0')}:${m[2]}:${m[3]}.${m[4]}`.toLowerCase() : undefined;
}

/** mdev types from sysfs (`sysfs/mdev.tsv`) and from libvirt's node devices. */
function mdevTypes(bundle: Bundle): MdevType[] {
    const result: MdevType[] = [];
    const tsv = succeeded(bundle, 'sysfs/mdev.tsv');
    if (tsv) {
        for (const line of bundle.files.get(tsv.file)!.split('\n').slice(1)) {
            const [parent, type, name, available] = line.split('\t');
            const n = intOf(available);
            if (parent && type && n !== undefined) result.push({ parent: parent.toLowerCase(), type, name: name ?? type, available: n, command: 'sysfs (/sys/class/mdev_bus/*/mdev_supported_types)' });
        }
    }
    if (result.length > 0) return result;
    for (const c of bundle.commands) {
        if (!c.file.startsWith('virsh/nodedev/') || c.exit !== 0) continue;
        const pci = children(child(parseXml(bundle, c.file), 'device'), 'capability').find(x => x['@type'] === 'pci');
        if (!pci) continue;
        const h = (v: unknown, w: number) => Number(textOf(v)).toString(16).padStart(w, '0');
        const parent = `${h(pci.domain, 4)}:${h(pci.bus, 2)}:${h(pci.slot, 2)}.${Number(textOf(pci.function)).toString(16)}`;
        for (const mt of children(pci, 'capability')) {
            if (mt['@type'] !== 'mdev_types') continue;
            for (const t of children(mt, 'type')) {
                const n = intOf(textOf(t.availableInstances));
                if (n !== undefined) result.push({ parent, type: textOf(t['@id']), name: textOf(t.name) || textOf(t['@id']), available: n, command: c.command });
            }
        }
    }
    return result;
}

/** KiB per unit of libvirt's `unit` attribute (https://libvirt.org/formatcaps.html: memory in KiB by default). */
const KIB_PER_UNIT: Readonly<Record<string, number>> = { b: 1 / 1024, bytes: 1 / 1024, kib: 1, k: 1, mib: 1024, m: 1024, gib: 1024 * 1024, g: 1024 * 1024 };

/**
 * `virsh capabilities`: NUMA cells (`<host><topology><cells><cell id><memory unit><cpus><cpu id
 * siblings>`) and the IOMMU (`<host><iommu support='yes|no'/>`), https://libvirt.org/formatcaps.html.
 */
function capabilities(bundle: Bundle, file: string, command: string): { numa?: LiveNuma; iommu?: LiveIommu } {
    const host = child(child(parseXml(bundle, file), 'capabilities'), 'host');
    if (!host) throw new BundleError(bundle.name, `bundle/${file} is not libvirt capabilities XML: no <capabilities><host>`);
    const nodes = new Map<number, LiveNumaNode>();
    for (const cell of children(child(child(host, 'topology'), 'cells'), 'cell')) {
        const id = intOf(textOf(cell['@id']));
        if (id === undefined || id < 0) continue;
        const mem = child(cell, 'memory');
        const amount = Number(textOf(mem));
        const perUnit = KIB_PER_UNIT[(textOf(child(mem, '@unit')) || 'KiB').toLowerCase()];
        const memoryMiB = mem !== undefined && Number.isFinite(amount) && perUnit !== undefined ? Math.floor(amount * perUnit / 1024) : undefined;
        const cpus: number[] = [];
        const threads = new Map<number, number[]>();
        for (const cpu of children(child(cell, 'cpus'), 'cpu')) {
            const c = intOf(textOf(cpu['@id']));
            if (c === undefined || c < 0) continue;
            cpus.push(c);
            const siblings = cpusOfList(textOf(cpu['@siblings']));
            if (siblings) threads.set(c, siblings);
        }
        nodes.set(id, { id, cpus: cpus.sort((a, b) => a - b), memoryMiB, threads });
    }
    const support = textOf(child(child(host, 'iommu'), '@support'));
    return {
        numa: nodes.size > 0 ? { nodes, command } : undefined,
        iommu: support === 'yes' || support === 'no'
            ? { enabled: support === 'yes', command, evidence: `libvirt reports <iommu support='${support}'/>` } : undefined
    };
}

/** The IOMMU as sysfs shows it: on when some PCI function is in an IOMMU group, off when none of them is. */
function sysfsIommu(pci: ReadonlyMap<string, PciFunction> | undefined): LiveIommu | undefined {
    if (!pci || pci.size === 0) return undefined;
    const grouped = [...pci.values()].filter(f => f.iommuGroup !== undefined).length;
    return { enabled: grouped > 0, command: SYSFS_PCI, evidence: grouped > 0 ? `${grouped} PCI functions are in IOMMU groups` : `none of the ${pci.size} PCI functions is in an IOMMU group` };
}

/** The kernel's parameters in order (name, value), before a `--` (what follows goes to init). */
function kernelParameters(text: string): Array<[string, string | undefined]> {
    const out: Array<[string, string | undefined]> = [];
    for (const word of text.trim().split(/\s+/)) {
        if (word === '--') break;
        if (word === '') continue;
        const eq = word.indexOf('=');
        out.push(eq < 0 ? [word, undefined] : [word.slice(0, eq), word.slice(eq + 1)]);
    }
    return out;
}

/**
 * The IOMMU as the kernel command line asks for it: off when `intel_iommu=off`, `amd_iommu=off` or
 * `iommu=off` is given; on when `intel_iommu=on` is; undefined otherwise (Intel's default is the
 * kernel's build option CONFIG_INTEL_IOMMU_DEFAULT_ON; AMD-Vi is on by default when the firmware
 * enables it; `iommu=pt` only sets passthrough mode for the host's own DMA).
 * https://www.kernel.org/doc/html/latest/admin-guide/kernel-parameters.html
 */
function cmdlineIommu(params: ReadonlyArray<[string, string | undefined]>, command: string): LiveIommu | undefined {
    let state: boolean | undefined;
    let said = '';
    for (const [name, value] of params) {
        const options = (value ?? '').split(',');
        if ((name === 'intel_iommu' || name === 'amd_iommu' || name === 'iommu') && options.includes('off')) { state = false; said = `${name}=${value}`; }
        else if (name === 'intel_iommu' && options.includes('on')) { state = true; said = `${name}=${value}`; }
    }
    return state === undefined ? undefined : { enabled: state, command, evidence: `the kernel command line has ${said}` };
}

/** `2M`, `1G`, `1048576K` → KiB (kernel `memparse`: K, M, G suffixes, else bytes). */
function sizeKiB(text: string | undefined): number | undefined {
    const m = /^(\d+)([kmg]?)$/i.exec(text ?? '');
    if (!m) return undefined;
    const n = Number(m[1]);
    const kib = { '': n / 1024, k: n, m: n * 1024, g: n * 1024 * 1024 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g'];
    return Number.isInteger(kib) && kib > 0 ? kib : undefined;
}

/**
 * Hugepages reserved at boot: `hugepages=` counts pages of the size of the `hugepagesz=` before it,
 * or, with none before it, of the default size (`default_hugepagesz=`, else 2 MiB, x86-64's);
 * `hugepages=0:N,1:M` counts per NUMA node. Kernel parameters
 * (https://www.kernel.org/doc/html/latest/admin-guide/kernel-parameters.html) and
 * Documentation/admin-guide/mm/hugetlbpage.rst (https://docs.kernel.org/admin-guide/mm/hugetlbpage.html).
 */
function bootHugepages(params: ReadonlyArray<[string, string | undefined]>, command: string): BootHugepages {
    const defaultSize = sizeKiB(params.findLast(([n]) => n === 'default_hugepagesz')?.[1]) ?? 2048;
    const sizes = new Map<number, { total: number; perNode?: Map<number, number>; text: string }>();
    let size: number | undefined;
    let sizeText = '';
    for (const [name, value] of params) {
        if (name === 'hugepagesz') { size = sizeKiB(value); sizeText = `hugepagesz=${value} `; continue; }
        if (name !== 'hugepages' || value === undefined) continue;
        const kib = size ?? defaultSize;
        const text = `${size !== undefined ? sizeText : ''}hugepages=${value}`;
        size = undefined;
        if (/^\d+$/.test(value)) { sizes.set(kib, { total: Number(value), text }); continue; }
        const perNode = new Map<number, number>();
        for (const part of value.split(',')) {
            const m = /^(\d+):(\d+)$/.exec(part);
            if (m) perNode.set(Number(m[1]), Number(m[2]));
        }
        if (perNode.size > 0) sizes.set(kib, { total: [...perNode.values()].reduce((a, b) => a + b, 0), perNode, text });
    }
    return { sizes, command };
}
