/**
 * hwloc XML (`lstopo --of xml`, topology versions 2.0 and 3.0; the hwloc 1.x layout with NUMA nodes
 * in the main tree and `Socket` objects is read too) → an {@link ImportedHost}.
 *
 * What hwloc writes (https://www.open-mpi.org/projects/hwloc/doc/v2.9.0/a00363.php, "Importing and
 * exporting topologies from/to XML files", and hwloc's `hwloc2.dtd`):
 * - `object type="Package"` with the `CPUModel` info, `NUMANode` with `local_memory` (bytes) and a
 *   `cpuset` (hwloc bitmap: comma-separated `0x`-prefixed 32-bit words, most significant first);
 * - I/O objects under the CPU-side object they are local to: `Bridge` (`bridge_type="0-1"` host
 *   bridge, `"1-1"` PCI-to-PCI bridge, `depth` in the bridge chain), `PCIDev` with `pci_busid` and
 *   `pci_type` = `class [vendor:device] [subvendor:subdevice] revision`, `pci_link_speed` in GB/s,
 *   and `OSDev` children naming the device to the OS (`osdev_type` 16 network, 48 OpenFabrics such
 *   as `mlx5_0`, 12 co-processor such as `cuda0`/`nvml0` with the `GPUModel` info).
 *
 * PCIe switches (PCIe Base Specification, "switch" = one upstream port and its downstream ports,
 * each a PCI-to-PCI bridge): a bridge below a root port or below a switch's downstream port is a
 * switch's upstream port; the bridges below it are its downstream ports. Host bridges and root
 * ports are not switches (NCCL skips them the same way: it rewinds two sysfs levels from a device,
 * so a switch is named by its upstream port; NVIDIA/nccl src/graph/xml.cc, `ncclTopoGetXmlFromSys`).
 */
import { XMLParser } from 'fast-xml-parser';
import { findCpuByBrand, findNvSwitch } from '../../catalog/index.js';
import { parseBdf, routingId } from '../../syntax/tokens.js';
import type { ImportedDevice, ImportedHost, ImportedSocket, ImportedSwitch } from './host-text.js';
import { hostNameFromFile, toId } from './host-text.js';
import { cpuListText, cpusOfMask, hexId, linkOfGBs, modelFor, normalizeBusId, pciIdText, pciKind } from './pci.js';
import { ImportError } from './errors.js';

/** One hwloc `<object>` as fast-xml-parser gives it (attributes prefixed `@_`). */
interface HwlocObject {
    readonly [attr: `@_${string}`]: string | undefined;
    readonly object?: HwlocObject[];
    readonly info?: { '@_name'?: string; '@_value'?: string }[];
}

const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    parseAttributeValue: false,
    processEntities: true,
    isArray: name => name === 'object' || name === 'info'
});

/** Whether a text is hwloc XML: a `<topology>` root with hwloc `<object type=…>` children. */
export function isHwlocXml(text: string): boolean {
    return /<topology[\s>]/.test(text) && /<object\s+type="/.test(text);
}

const attr = (o: HwlocObject, name: string): string | undefined => o[`@_${name}`];
const type = (o: HwlocObject) => attr(o, 'type') ?? '';
const info = (o: HwlocObject, name: string) => o.info?.find(i => i['@_name'] === name)?.['@_value'];
const isIo = (o: HwlocObject) => ['Bridge', 'PCIDev', 'OSDev', 'Misc'].includes(type(o));

/** `pci_type` = `cccc [vvvv:dddd] [ssss:ssss] rr`: class (4 hex digits), vendor and device ids. */
function pciType(o: HwlocObject): { classCode: string; vendor?: string; device?: string; subsystemVendor?: string; subsystemDevice?: string } {
    const m = /^([0-9a-f]{4})\s*\[([0-9a-f]{4}):([0-9a-f]{4})\](?:\s*\[([0-9a-f]{4}):([0-9a-f]{4})\])?/i.exec(attr(o, 'pci_type') ?? '');
    return m
        ? { classCode: m[1].toLowerCase(), vendor: hexId(m[2]), device: hexId(m[3]), subsystemVendor: hexId(m[4]), subsystemDevice: hexId(m[5]) }
        : { classCode: (attr(o, 'pci_type') ?? '').slice(0, 4) };
}

/**
 * Imports hwloc XML.
 * @param text the XML as `lstopo --of xml` writes it
 * @param sourceFile the file name for the doc comment
 * @param hostName name of the host (default: the machine's `HostName` info, else `host`)
 * @throws ImportError when the text is not an hwloc topology
 */
export function importHwloc(text: string, sourceFile: string, hostName?: string): ImportedHost {
    let doc: { topology?: { '@_version'?: string; object?: HwlocObject[] } };
    try {
        doc = parser.parse(text) as typeof doc;
    } catch (err) {
        throw new ImportError(`${sourceFile} is not well-formed XML: ${(err as Error).message.split('\n')[0]}`);
    }
    const machine = doc.topology?.object?.[0];
    if (!machine) throw new ImportError(`${sourceFile} is not hwloc XML: no <topology> with an <object>`);
    const version = doc.topology?.['@_version'] ?? '1.0';
    const notRepresented: string[] = [];

    // CPU side: NUMA nodes (wherever they sit), packages, PUs.
    const numaObjects: HwlocObject[] = [];
    const packages: HwlocObject[] = [];
    const walkCpu = (o: HwlocObject) => {
        const t = type(o);
        if (t === 'NUMANode') numaObjects.push(o);
        if (t === 'Package' || t === 'Socket') packages.push(o);
        for (const c of o.object ?? []) if (!isIo(c)) walkCpu(c);
    };
    walkCpu(machine);
    const numaIds = numaObjects.map(n => Number(attr(n, 'os_index') ?? 0));
    const sockets: ImportedSocket[] = numaObjects.map((n, index) => {
        const cpus = cpusOfMask(attr(n, 'cpuset') ?? '') ?? [];
        const bytes = Number(attr(n, 'local_memory') ?? 0);
        const pkgs = packages.filter(p => overlaps(cpusOfMask(attr(p, 'cpuset') ?? '') ?? [], cpus)).map(p => attr(p, 'os_index'));
        return {
            name: `numa${numaIds[index]}`, numa: numaIds[index],
            cpus: cpus.length > 0 ? cpuListText(cpus) : undefined,
            memoryMiB: bytes > 0 ? Math.floor(bytes / 1048576) : undefined,
            note: pkgs.length > 0 ? `package ${pkgs.join(', ')}` : undefined
        };
    });
    if (sockets.length === 0) {
        // No NUMA information: the whole machine is one node.
        const cpus = cpusOfMask(attr(machine, 'cpuset') ?? '') ?? [];
        sockets.push({ name: 'numa0', numa: 0, cpus: cpus.length > 0 ? cpuListText(cpus) : undefined });
        notRepresented.push('hwloc reports no NUMA node: the machine is written as one node 0');
    }
    const cpuModels = [...new Set(packages.map(p => info(p, 'CPUModel')).filter((m): m is string => !!m))];
    if (cpuModels.length > 1) notRepresented.push(`packages with different CPU models: ${cpuModels.join(' / ')} (vmtopo has one CPU model per host)`);

    /** NUMA node (socket name) local to an I/O object attached below `o`: from `o`'s nodeset, else its cpuset. */
    const socketOf = (o: HwlocObject): string => {
        const nodes = cpusOfMask(attr(o, 'nodeset') ?? '');
        const inSet = nodes ? sockets.filter(s => nodes.includes(s.numa)) : [];
        if (inSet.length >= 1) {
            if (inSet.length > 1) notRepresented.push(`PCI devices local to NUMA nodes ${inSet.map(s => s.numa).join(',')} together (${type(o)} ${attr(o, 'os_index') ?? ''}): written on node ${inSet[0].numa}`);
            return inSet[0].name;
        }
        return sockets[0].name;
    };

    // I/O side: switches and devices per host bridge.
    const items: (ImportedSwitch | ImportedDevice)[] = [];
    let switchCount = 0;
    let nvswitchCount = 0;
    type Role = 'port' | 'upstream' | 'hostbridge';
    /** NVSwitches whose config space read as zeros (identified by hwloc's subtype): their model is settled at the end. */
    const unreadNvswitches: ImportedDevice[] = [];
    /**
     * What a PCI function is: from its class and vendor; when hwloc could not read its config space
     * (class and ids all zero), from what hwloc itself says of it — `subtype="NVSwitch"`, a GPU OS
     * device (`nvml`/`cuda`, `osdev_type` 12 with `GPUModel`), an OpenFabrics or network OS device —
     * with `trusted` saying so for the comment on the imported line.
     */
    const kindOf = (o: HwlocObject): { kind: ReturnType<typeof pciKind>; trusted?: string } => {
        const { classCode, vendor, device } = pciType(o);
        const unread = /^0*$/.test(classCode) && (vendor === undefined || vendor === '0000') && (device === undefined || device === '0000');
        if (!unread) return { kind: pciKind(classCode, vendor) };
        const because = (what: string) => `config space unread (class 0000, id 0000:0000): identified by hwloc's ${what}`;
        // hwloc writes subtype "NVSwitch" on the NVSwitches it recognises: a name the catalog knows for an NVSwitch.
        if (findNvSwitch(attr(o, 'subtype'))) return { kind: 'nvswitch', trusted: because(`subtype ${attr(o, 'subtype')}`) };
        const osdevs = (o.object ?? []).filter(c => type(c) === 'OSDev');
        const gpu = osdevs.find(d => /^(nvml|cuda)\d+$/.test(attr(d, 'name') ?? '') || info(d, 'GPUModel') !== undefined);
        if (gpu) return { kind: 'gpu', trusted: because(`OS device ${attr(gpu, 'name') ?? 'GPU'}`) };
        const net = osdevs.find(d => ['16', '48'].includes(attr(d, 'osdev_type') ?? '') || ['OpenFabrics', 'Network'].includes(attr(d, 'subtype') ?? ''));
        if (net) return { kind: 'nic', trusted: because(`OS device ${attr(net, 'name') ?? 'network'}`) };
        return { kind: 'other' };
    };
    const deviceOf = (o: HwlocObject, nicGroup: HwlocObject[]): ImportedDevice | undefined => {
        const { vendor, device, subsystemVendor, subsystemDevice } = pciType(o);
        const { kind, trusted } = kindOf(o);
        const subsystem = subsystemVendor && subsystemDevice ? `${subsystemVendor}:${subsystemDevice}` : undefined;
        const busId = normalizeBusId(attr(o, 'pci_busid') ?? '') ?? '';
        const osdevs = (o.object ?? []).filter(c => type(c) === 'OSDev');
        const link = linkOfGBs(Number(attr(o, 'pci_link_speed') ?? 0));
        const linkNote = link?.ambiguous ? `hwloc: ${Number(attr(o, 'pci_link_speed')).toFixed(2)} GB/s (generation and width ambiguous)` : undefined;
        if (kind === 'gpu') {
            const gpuModel = osdevs.map(d => info(d, 'GPUModel')).find(m => !!m) ?? info(o, 'GPUModel');
            const index = osdevs.map(d => /^(?:nvml|cuda)(\d+)$/.exec(attr(d, 'name') ?? '')?.[1]).find(i => i !== undefined);
            const { model, note } = modelFor('gpu', trusted ? undefined : vendor, trusted ? undefined : device, gpuModel, subsystem);
            // GPUs are named by their CUDA/NVML index; one without such an OS device by its bus and device.
            const name = index !== undefined ? `gpu${index}` : `gpu_${busId.slice(5, 7)}_${busId.slice(8, 10)}`;
            return { kind: 'gpu', name, model, address: busId, link: link?.link, note: join(trusted ?? `PCI ${vendor}:${device}`, note, linkNote) };
        }
        if (kind === 'nvswitch') {
            const { model, note } = trusted ? { model: '', note: undefined } : modelFor('nvswitch', vendor, device);
            const dev: ImportedDevice = { kind: 'nvswitch', name: `nvswitch${nvswitchCount++}`, model, address: busId, note: join(trusted ?? `PCI ${vendor}:${device}`, note) };
            if (trusted) unreadNvswitches.push(dev);
            return dev;
        }
        if (kind === 'nic') {
            const rdma = osdevs.find(d => attr(d, 'osdev_type') === '48' || attr(d, 'subtype') === 'OpenFabrics');
            const net = osdevs.find(d => attr(d, 'osdev_type') === '16' || attr(d, 'subtype') === 'Network');
            const name = attr(rdma ?? net ?? {}, 'name') ?? `nic_${busId.replace(/[:.]/g, '_')}`;
            const others = osdevs.map(d => attr(d, 'name')).filter(n => n && n !== name);
            const { model, note } = modelFor('nic', trusted ? undefined : vendor, trusted ? undefined : device, info(o, 'PCIDevice'), subsystem);
            void nicGroup;
            return {
                kind: 'nic', name, model, address: busId, link: link?.link,
                note: join(trusted ?? `PCI ${vendor}:${device}`, note, others.length > 0 ? `also ${others.join(', ')}` : undefined, linkNote)
            };
        }
        return undefined;
    };

    /** NIC functions of one parent: the PFs, with the functions hwloc lists without an OS device and with another device id folded in as their SR-IOV VFs. */
    const addFunctions = (functions: HwlocObject[], container: (ImportedSwitch | ImportedDevice)[], socket: string | undefined) => {
        let pf: { obj: HwlocObject; dev: ImportedDevice; vfs: HwlocObject[] } | undefined;
        const pfs: NonNullable<typeof pf>[] = [];
        for (const o of functions) {
            const { classCode, vendor, device } = pciType(o);
            const { kind } = kindOf(o);
            const busId = attr(o, 'pci_busid') ?? '';
            if (kind === 'other' || kind === 'bridge') {
                const name = info(o, 'PCIDevice');
                notRepresented.push(`PCI ${busId} class ${classCode} [${vendor}:${device}]${name ? ` (${name})` : ''}: vmtopo has GPUs, NICs and NVSwitches only`);
                continue;
            }
            const hasOsDev = (o.object ?? []).some(c => type(c) === 'OSDev');
            if (kind === 'nic' && pf && !hasOsDev && pciType(pf.obj).device !== device && sameBus(busId, attr(pf.obj, 'pci_busid'))) {
                pf.vfs.push(o);
                continue;
            }
            const dev = deviceOf(o, functions);
            if (!dev) continue;
            if (socket !== undefined) dev.socket = socket;
            container.push(dev);
            if (kind === 'nic') pfs.push(pf = { obj: o, dev, vfs: [] });
        }
        for (const p of pfs) {
            if (p.vfs.length === 0) continue;
            const pfRid = ridOf(attr(p.obj, 'pci_busid'));
            const rids = p.vfs.map(v => ridOf(attr(v, 'pci_busid')));
            const stride = rids.length > 1 && rids[1] !== undefined && rids[0] !== undefined ? rids[1] - rids[0] : 1;
            const uniform = pfRid !== undefined && rids.every((r, i) => r !== undefined && r === rids[0]! + i * stride) && stride > 0;
            if (uniform) {
                p.dev.vfs = rids.length;
                p.dev.vfOffset = rids[0]! - pfRid;
                p.dev.vfStride = stride;
                p.dev.note = join(p.dev.note, `${rids.length} VFs (${pciType(p.vfs[0]).vendor}:${pciType(p.vfs[0]).device}) at ${p.vfs.map(v => attr(v, 'pci_busid')).join(' ')}`);
            } else {
                for (const v of p.vfs) {
                    const dev = deviceOf(v, functions);
                    if (dev) { if (p.dev.socket !== undefined) dev.socket = p.dev.socket; container.push(dev); }
                }
            }
        }
    };

    const visit = (o: HwlocObject, role: Role, container: (ImportedSwitch | ImportedDevice)[], socket: string | undefined, current: ImportedSwitch | undefined) => {
        const children = o.object ?? [];
        const bridges = children.filter(c => type(c) === 'Bridge');
        const functions = children.filter(c => type(c) === 'PCIDev');
        for (const c of children) {
            if (type(c) === 'Misc' || (type(c) === 'OSDev' && role === 'hostbridge')) notRepresented.push(`${type(c)} ${attr(c, 'name') ?? ''} outside the PCI tree`);
        }
        if (role === 'upstream') {
            // o is a switch's upstream port: devices on its internal bus belong to the switch, bridges are downstream ports.
            addFunctions(functions, container, socket);
            for (const down of bridges) {
                addFunctions((down.object ?? []).filter(c => type(c) === 'PCIDev'), container, socket);
                for (const b of (down.object ?? []).filter(c => type(c) === 'Bridge')) upstream(b, container, socket);
            }
            return;
        }
        // A host bridge's or a port's secondary bus: devices hang off the current container, bridges
        // below a host bridge are root ports, below a port they are upstream ports of switches.
        addFunctions(functions, container, socket);
        for (const b of bridges) {
            if ((attr(b, 'bridge_type') ?? '').startsWith('0-')) visit(b, 'hostbridge', container, socket, current);
            else if (role === 'hostbridge') visit(b, 'port', container, socket, current);
            else upstream(b, container, socket);
        }
    };
    const upstream = (b: HwlocObject, container: (ImportedSwitch | ImportedDevice)[], socket: string | undefined) => {
        const { vendor, device, subsystemVendor, subsystemDevice } = pciType(b);
        const link = linkOfGBs(Number(attr(b, 'pci_link_speed') ?? 0));
        const sw: ImportedSwitch = {
            kind: 'switch', name: `sw${switchCount++}`, address: normalizeBusId(attr(b, 'pci_busid') ?? '') ?? '',
            socket, link: link?.link, pciId: vendor && device ? pciIdText(vendor, device, subsystemVendor, subsystemDevice) : undefined,
            children: [], note: info(b, 'PCIDevice')
        };
        visit(b, 'upstream', sw.children, undefined, sw);
        container.push(sw);
    };

    const walkIo = (o: HwlocObject, socket: string | undefined) => {
        for (const c of o.object ?? []) {
            if (type(c) === 'Bridge') {
                const s = socket ?? socketOf(o);
                if ((attr(c, 'bridge_type') ?? '').startsWith('0-')) visit(c, 'hostbridge', items, s, undefined);
                else visit(c, 'port', items, s, undefined); // a bridge without a host bridge above: a root port
            } else if (type(c) === 'PCIDev') {
                addFunctions([c], items, socket ?? socketOf(o));
            } else if (!isIo(c)) {
                walkIo(c, undefined);
            }
        }
    };
    walkIo(machine, undefined);
    // An NVSwitch identified by subtype only is of the generation of the host's other NVSwitches,
    // when they all are of one; else its model is left out (the clause's model is optional).
    const generations = new Set(walkItemsOf(items).flatMap(d => d.kind === 'nvswitch' && !unreadNvswitches.includes(d) ? [d.model] : []));
    for (const sw of unreadNvswitches) {
        const [only] = [...generations];
        if (generations.size === 1 && findNvSwitch(only)) {
            sw.model = only;
            sw.note = join(sw.note, 'model: that of the host\'s other NVSwitches');
        }
    }

    // Switches with no GPU, NIC or NVSwitch below are not written (listed instead).
    const prune = (list: (ImportedSwitch | ImportedDevice)[]): (ImportedSwitch | ImportedDevice)[] => list.filter(item => {
        if (item.kind !== 'switch') return true;
        item.children = prune(item.children);
        if (item.children.length > 0) return true;
        notRepresented.push(`PCIe switch at ${item.address}${item.pciId ? ` [${item.pciId}]` : ''} with no GPU, NIC or NVSwitch below`);
        return false;
    });
    const kept = prune(items);
    // Switch names in written order.
    let n = 0;
    const rename = (list: (ImportedSwitch | ImportedDevice)[]) => { for (const i of list) if (i.kind === 'switch') { i.name = `sw${n++}`; rename(i.children); } };
    rename(kept);

    const distances = text.includes('<distances') ? ['hwloc distance matrices (NUMA latency, NVLink bandwidth)'] : [];
    notRepresented.push(...distances);
    const brand = cpuModels[0];
    const cpuModel = brand !== undefined ? findCpuByBrand(brand)?.model : undefined;
    const description = [`hwloc topology version ${version}: ${packages.length} package(s), ${sockets.length} NUMA node(s).`];
    const product = info(machine, 'DMIProductName');
    if (product) description.push(`Machine: ${[info(machine, 'DMISysVendor'), product].filter(Boolean).join(' ')}.`);
    if (brand && !cpuModel) description.push(`CPU "${brand}" is not in the catalog: no \`cpu\` clause (it is optional; NCCL's CPU identity needs a catalog model).`);
    if (sockets.some(n => n.memoryMiB !== undefined)) description.push('Memory per NUMA node from hwloc\'s local_memory.');
    return {
        name: hostName ?? toId(info(machine, 'HostName') ?? hostNameFromFile(sourceFile)),
        cpuModel,
        sockets, items: kept, notRepresented,
        sourceFile, formatName: `hwloc XML, topology version ${version}`, description
    };
}

/** Every switch and device of a list, depth first. */
function walkItemsOf(list: readonly (ImportedSwitch | ImportedDevice)[]): (ImportedSwitch | ImportedDevice)[] {
    return list.flatMap(i => i.kind === 'switch' ? [i, ...walkItemsOf(i.children)] : [i]);
}

function overlaps(a: readonly number[], b: readonly number[]): boolean {
    const set = new Set(b);
    return a.some(x => set.has(x));
}

function sameBus(a: string | undefined, b: string | undefined): boolean {
    const pa = parseBdf(normalizeBusId(a ?? '') ?? '');
    const pb = parseBdf(normalizeBusId(b ?? '') ?? '');
    return pa.ok && pb.ok && pa.value.domain === pb.value.domain && pa.value.bus === pb.value.bus;
}

function ridOf(busId: string | undefined): number | undefined {
    const p = parseBdf(normalizeBusId(busId ?? '') ?? '');
    return p.ok ? routingId(p.value) : undefined;
}

function join(...parts: (string | undefined)[]): string | undefined {
    const kept = parts.filter((p): p is string => !!p);
    return kept.length > 0 ? kept.join('; ') : undefined;
}
