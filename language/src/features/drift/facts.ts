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
 *   https://libvirt.org/formatnode.html).
 *
 * A source the bundle lacks (the tool missing, or its command failed) leaves its facts undefined:
 * drift then compares nothing of that kind (and says so).
 */
import { XMLParser } from 'fast-xml-parser';
import { importHwloc } from '../import/hwloc.js';
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
}

/** The commands as the findings name them. */
export const SYSFS_PCI = 'sysfs (/sys/bus/pci/devices)';
export const SYSFS_HUGEPAGES = 'sysfs (/sys/devices/system/node/node*/hugepages)';
export const NVIDIA_SMI_QUERY = 'nvidia-smi -q -x';

/**
 * The facts of a bundle. @throws BundleError when a file the manifest says succeeded cannot be read
 * (an lstopo capture that is not hwloc XML, a domain XML without `<domain>`).
 */
export function hostFacts(bundle: Bundle): HostFacts {
    const lstopo = succeeded(bundle, 'lstopo.xml');
    return {
        bundle,
        ...(lstopo ? { devices: inventory(bundle, lstopo.file), lstopoCommand: lstopo.command } : {}),
        pci: succeeded(bundle, 'sysfs/pci.tsv') ? pciFunctions(bundle.files.get('sysfs/pci.tsv')!) : undefined,
        hugepages: succeeded(bundle, 'sysfs/hugepages.tsv') ? hugepagePools(bundle.files.get('sysfs/hugepages.tsv')!) : undefined,
        ...domains(bundle),
        mig: succeeded(bundle, 'nvidia-smi/query.xml') ? migModes(bundle, 'nvidia-smi/query.xml') : undefined,
        mdevTypes: mdevTypes(bundle)
    };
}

function inventory(bundle: Bundle, file: string): Map<string, LiveDevice> {
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
    return devices;
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
            path: (at(row, 'path') ?? '').split('/').filter(s => BDF.test(s))
        });
    }
    return result;
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

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false, isArray: n => n === 'gpu' || n === 'type' || n === 'capability' });

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
