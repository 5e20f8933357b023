/**
 * NCCL topology XML (`NCCL_TOPO_DUMP_FILE` dumps and `NCCL_TOPO_FILE` files) → an {@link ImportedHost}.
 *
 * The element tree and attributes are NCCL's (`src/graph/xml.cc`, `src/graph/topo.cc`,
 * https://github.com/NVIDIA/nccl/tree/master/src/graph):
 * `<cpu numaid affinity arch vendor familyid modelid>` is a NUMA node whose `affinity` is a Linux
 * cpumap (comma-separated 32-bit hex words, most significant first); `<pci busid class vendor device
 * link_speed link_width>` is a PCI switch (class `0x0604…`, nested) or an endpoint: `0x03…` GPU,
 * `0x02…` NIC (also any `<pci>` holding a `<nic>`), `0x0680…` NVSwitch; `<gpu dev sm>` holds
 * `<nvlink target count tclass>`; `<nic>` holds one `<net name …>` per port.
 */
import { XMLParser } from 'fast-xml-parser';
import { CPUS } from '../../catalog/index.js';
import type { ImportedDevice, ImportedHost, ImportedSocket, ImportedSwitch } from './host-text.js';
import { hostNameFromFile, toId } from './host-text.js';
import { ImportError } from './errors.js';
import { cpuListText, cpusOfMask, hexId, linkOfNccl, modelFor, normalizeBusId, pciIdText, pciKind } from './pci.js';

interface NcclNode {
    readonly [attr: `@_${string}`]: string | undefined;
    readonly cpu?: NcclNode[];
    readonly pci?: NcclNode[];
    readonly gpu?: NcclNode[];
    readonly nic?: NcclNode[];
    readonly net?: NcclNode[];
    readonly nvlink?: NcclNode[];
    readonly c2c?: NcclNode[];
    readonly pcilink?: NcclNode[];
}

const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    parseAttributeValue: false,
    isArray: (_name: string, _path: unknown, _leaf: boolean, isAttribute: boolean) => !isAttribute
});

/** Whether a text is an NCCL topology: a `<system version=…>` root with `<cpu>` or `<pci>` elements. */
export function isNcclXml(text: string): boolean {
    return /<system\s+version=/.test(text) && /<(cpu|pci)[\s>/]/.test(text);
}

/** NVSwitch class as NCCL writes it on `<nvlink tclass>` (`topo.cc`). */
const NVSWITCH_CLASS = '0x068000';

/**
 * Imports an NCCL topology XML.
 * @param text the file as NCCL dumps it (or a hand-written `NCCL_TOPO_FILE`)
 * @param sourceFile the file name for the doc comment
 * @param hostName name of the host (default: the `<system name>`, else `host`)
 * @throws ImportError when the text is not an NCCL topology (a `<graphs>` file included)
 */
export function importNccl(text: string, sourceFile: string, hostName?: string): ImportedHost[] {
    let doc: { system?: NcclNode[]; graphs?: unknown };
    try {
        doc = parser.parse(text) as typeof doc;
    } catch (err) {
        throw new ImportError(`${sourceFile} is not well-formed XML: ${(err as Error).message.split('\n')[0]}`);
    }
    if (doc.graphs) throw new ImportError(`${sourceFile} is an NCCL graph file (NCCL_GRAPH_FILE: ring/tree channels), not a topology`);
    const system = doc.system?.[0];
    if (!system) throw new ImportError(`${sourceFile} is not an NCCL topology: no <system version="1">`);
    const a = (n: NcclNode, name: string) => n[`@_${name}`];
    // A multi-node NVLink dump (MNNVL) holds several hosts, told apart by `host_hash`: one host each.
    const allCpus = system.cpu ?? [];
    const hashes = [...new Set(allCpus.map(c => a(c, 'host_hash')))];
    if (allCpus.length === 0) throw new ImportError(`${sourceFile} has no <cpu> element: nothing to import`);
    const baseName = hostName ?? (a(system, 'name') ? toId(a(system, 'name')!) : hostNameFromFile(sourceFile));
    return hashes.map((hash, index) => importOneHost(system, allCpus.filter(c => a(c, 'host_hash') === hash), sourceFile,
        hashes.length > 1 ? `${baseName}-${index + 1}` : baseName,
        hashes.length > 1 ? `host ${index + 1} of ${hashes.length} (host_hash ${hash})` : undefined));
}

/** One host of an NCCL dump: the `<cpu>` elements of one `host_hash` (all of them in a single-host dump). */
function importOneHost(system: NcclNode, cpusOfHost: readonly NcclNode[], sourceFile: string, name: string, which: string | undefined): ImportedHost {
    const a = (n: NcclNode, attrName: string) => n[`@_${attrName}`];
    const notRepresented: string[] = [];
    const sockets: ImportedSocket[] = [];
    const items: (ImportedSwitch | ImportedDevice)[] = [];
    let gpuIndex = 0;
    let nicIndex = 0;
    let switchIndex = 0;
    const nvswitchTargets = new Map<string, string>();
    const nvlinkNotes: string[] = [];
    let hiddenNvswitch = false;
    const cpuIds = new Set<string>();

    const usedNuma = new Set<number>();
    const claimed = new Set<number>();
    const gpuSms = new Set<string>();
    for (const [index, cpu] of cpusOfHost.entries()) {
        const written = Number(a(cpu, 'numaid'));
        let numa = Number.isInteger(written) && written >= 0 ? written : index;
        while (usedNuma.has(numa)) numa++;
        usedNuma.add(numa);
        const mask = a(cpu, 'affinity') !== undefined ? cpusOfMask(a(cpu, 'affinity')!) : undefined;
        // A CPU belongs to one NUMA node: CPUs an earlier <cpu> already has are the file's mistake (Azure/azhpc-images#391, #393 fixed such masks).
        const cpus = mask?.filter(c => !claimed.has(c));
        if (mask && cpus && cpus.length < mask.length) notRepresented.push(`<cpu numaid="${a(cpu, 'numaid')}"> affinity repeats ${mask.length - cpus.length} CPUs of an earlier <cpu> (left out here; a CPU belongs to one NUMA node)`);
        for (const c of cpus ?? []) claimed.add(c);
        const socketName = `numa${numa}`;
        const identity = [a(cpu, 'arch'), a(cpu, 'vendor'), a(cpu, 'familyid') && `family ${a(cpu, 'familyid')}`, a(cpu, 'modelid') && `model ${a(cpu, 'modelid')}`].filter(Boolean).join(' ');
        if (identity) cpuIds.add(identity);
        sockets.push({
            name: socketName, numa, cpus: cpus && cpus.length > 0 ? cpuListText(cpus) : undefined, memoryUnknown: true,
            note: [numa !== written ? `numaid ${a(cpu, 'numaid') ?? '(none)'}` : undefined, a(cpu, 'affinity') === undefined ? 'no affinity in the file' : undefined].filter(Boolean).join('; ') || undefined
        });
        if (a(cpu, 'affinity') !== undefined && !mask) notRepresented.push(`<cpu numaid="${a(cpu, 'numaid')}"> affinity "${a(cpu, 'affinity')}" is not a CPU mask`);
        for (const nic of cpu.nic ?? []) {
            notRepresented.push(`NIC without a PCI device on NUMA node ${numa}: ${(nic.net ?? []).map(n => a(n, 'name')).join(', ') || '(no net)'}`);
        }
        for (const pci of cpu.pci ?? []) {
            const item = visit(pci, 0);
            if (item) { item.socket = socketName; items.push(item); }
        }
    }

    function visit(pci: NcclNode, depth: number): ImportedSwitch | ImportedDevice | undefined {
        const busId = normalizeBusId(a(pci, 'busid') ?? '');
        const cls = a(pci, 'class');
        const vendor = hexId(a(pci, 'vendor'));
        const device = hexId(a(pci, 'device'));
        const subVendor = hexId(a(pci, 'subsystem_vendor'));
        const subDevice = hexId(a(pci, 'subsystem_device'));
        const subsystem = subVendor && subDevice ? `${subVendor}:${subDevice}` : undefined;
        const link = linkOfNccl(a(pci, 'link_speed'), a(pci, 'link_width'));
        if (!busId) {
            notRepresented.push(`<pci busid="${a(pci, 'busid') ?? ''}">: not a PCI bus id`);
            return undefined;
        }
        const hasNic = (pci.nic ?? []).length > 0;
        const kind = hasNic ? 'nic' : cls !== undefined ? pciKind(cls, vendor) : 'unknown';
        const idNote = vendor && device ? `PCI ${vendor}:${device}` : cls ? `class ${cls}` : undefined;
        if (kind === 'gpu') {
            const g = pci.gpu?.[0];
            const dev = g && a(g, 'dev') !== undefined ? Number(a(g, 'dev')) : gpuIndex;
            gpuIndex++;
            const { model } = modelFor('gpu', vendor, device, undefined, subsystem);
            if (g && a(g, 'sm') !== undefined) gpuSms.add(a(g, 'sm')!);
            const nvlinks = g?.nvlink ?? [];
            for (const l of nvlinks) {
                const target = normalizeBusId(a(l, 'target') ?? '');
                if (a(l, 'tclass') === NVSWITCH_CLASS && target) nvswitchTargets.set(target, target);
                else if (a(l, 'tclass') === NVSWITCH_CLASS) hiddenNvswitch = true; // NVML's `fffffff:ff:ff.0`: an NVSwitch this host does not show
            }
            if (nvlinks.length > 0) nvlinkNotes.push(`gpu${dev}: ${nvlinks.map(l => `${a(l, 'count')}×→${a(l, 'target')}`).join(' ')}`);
            if ((g?.c2c ?? []).length > 0) notRepresented.push(`gpu${dev}: C2C links (${(g!.c2c ?? []).map(c => `${a(c, 'count')}×${a(c, 'bw')} MB/s`).join(', ')})`);
            const extra = g ? [a(g, 'sm') && `sm ${a(g, 'sm')}`, a(g, 'gdr') !== undefined && `gdr ${a(g, 'gdr')}`].filter(Boolean).join(', ') : '';
            return { kind: 'gpu', name: `gpu${dev}`, model, address: busId, link, note: [idNote, extra].filter(Boolean).join('; ') || undefined };
        }
        if (kind === 'nic') {
            const nets = (pci.nic ?? []).flatMap(n => n.net ?? []);
            const names = nets.map(n => a(n, 'name')).filter((n): n is string => !!n);
            const name = names[0] ?? `nic${nicIndex}`;
            nicIndex++;
            const speeds = nets.map(n => Number(a(n, 'speed'))).filter(s => s > 0);
            const { model } = modelFor('nic', vendor, device, undefined, subsystem);
            const note = [idNote, names.length > 1 ? `ports ${names.join(', ')}` : undefined, speeds.length > 0 ? `net speed ${speeds[0]} Mb/s` : undefined].filter(Boolean).join('; ');
            return { kind: 'nic', name, model, address: busId, link, note: note || undefined };
        }
        if (kind === 'nvswitch') {
            const { model } = modelFor('nvswitch', vendor, device, undefined, subsystem);
            nvswitchTargets.delete(busId);
            return { kind: 'nvswitch', name: `nvswitch_${busId.slice(5, 7)}`, model, address: busId, note: idNote };
        }
        const children = pci.pci ?? [];
        if (kind === 'unknown' && children.length === 0) {
            notRepresented.push(`<pci busid="${a(pci, 'busid')}"> without class or devices (NCCL fills its class from sysfs in the VM)`);
            return undefined;
        }
        // A switch: class 0x0604, or any other class NCCL treats as one.
        const sw: ImportedSwitch = {
            kind: 'switch', name: `sw${switchIndex++}`, address: busId, link,
            pciId: vendor && device ? pciIdText(vendor, device, hexId(a(pci, 'subsystem_vendor')), hexId(a(pci, 'subsystem_device'))) : undefined, children: [],
            note: cls && !cls.startsWith('0x0604') ? `class ${cls}` : busId.startsWith('ffff:') ? 'bus id absent on the host (a switch NCCL is told about)' : undefined
        };
        for (const child of children) {
            const c = visit(child, depth + 1);
            if (c) sw.children.push(c);
        }
        if ((pci.pcilink ?? []).length > 0) notRepresented.push(`switch ${busId}: pcilink to ${(pci.pcilink ?? []).map(l => a(l, 'target')).join(', ')}`);
        if (sw.children.length === 0) {
            notRepresented.push(`switch <pci busid="${a(pci, 'busid')}"> with no GPU or NIC below`);
            return undefined;
        }
        return sw;
    }

    // NVSwitches the GPUs' NVLinks reach (the dump has no <pci> for them): written on the first node,
    // of the generation that goes with the GPUs' architecture (`sm` 80 Ampere: second, 90 Hopper:
    // third, as on HGX A100 / HGX H100 [WP-12736]); without the model for any other.
    const generation = gpuSms.size === 1 ? ({ '80': 'NVSwitch Gen2', '90': 'NVSwitch' } as Record<string, string>)[[...gpuSms][0]] ?? '' : '';
    let nv = 0;
    for (const target of nvswitchTargets.keys()) {
        items.push({ kind: 'nvswitch', name: `nvswitch${nv++}`, model: generation, address: target, socket: sockets[0].name, note: 'NVLink target; NUMA node not in the dump' });
    }
    if (hiddenNvswitch) notRepresented.push('NVLinks to NVSwitches outside this host\'s PCI tree (target fffffff:ff:ff.0, e.g. an NVL72 rack switch tray)');
    if (nvlinkNotes.length > 0) notRepresented.push(`NVLink counts per GPU: ${nvlinkNotes.join('; ')}`);
    let cpuModel: string | undefined;
    const matching = catalogCpus(cpusOfHost[0], a);
    if (cpuIds.size === 1 && matching.length === 1) {
        cpuModel = matching[0];
    } else if (cpuIds.size > 0) {
        notRepresented.push(`CPU identity ${[...cpuIds].join(' / ')}: vmtopo names the CPU by model; set \`cpu\` (catalog models with this identity: ${matching.join(', ') || 'none'})`);
    }
    return {
        name, cpuModel, sockets, items, notRepresented,
        sourceFile, formatName: `NCCL topology XML, version ${a(system, 'version') ?? '?'}`,
        description: [
            ...(which ? [`The dump's ${which}.`] : []),
            `${sockets.length} NUMA node(s); GPUs named by NCCL's dev index, NICs by their first net port.`,
            'The dump gives no memory sizes: `memory unknown` until written (`numactl -H`, or an hwloc import).'
        ]
    };
}

/** Catalog CPU models whose NCCL identity (vendor, familyid, modelid) equals the `<cpu>`'s. */
function catalogCpus(cpu: NcclNode | undefined, a: (n: NcclNode, name: string) => string | undefined): string[] {
    if (!cpu) return [];
    return CPUS.filter(c => c.vendor === a(cpu, 'vendor') && String(c.familyId) === a(cpu, 'familyid') && String(c.modelId) === a(cpu, 'modelid')).map(c => c.model);
}
