/**
 * Bundles for the drift tests, made the way `vmtopo collect` makes them on a host, from what real
 * tools produce:
 *
 * - `lstopo.xml`: a real hwloc capture (../shared/reference/hwloc), as it is;
 * - `sysfs/pci.tsv`: one row per PCI function of that capture, with the NUMA node and link the
 *   capture shows (current = maximum: an untouched host whose links trained at full capability);
 * - `sysfs/hugepages.tsv`: the pools the vmtopo file declares, all reserved and free;
 * - `virsh/…`: domains that libvirt itself produced: vmtopo's libvirt export of each VM, defined
 *   (and started, for a running VM) in libvirt's test driver (`virsh -c test:///default`), and
 *   taken back with `virsh dumpxml --inactive` and `virsh dumpxml`;
 * - `virsh/capabilities.xml`: `virsh -c test:///default capabilities`, libvirt's own output;
 * - `proc/cmdline`: this machine's `/proc/cmdline` ({@link realCmdline});
 * - `manifest.tsv`: as the collector writes it;
 * - the tar file: made by the system's `tar -cf`, as the collector makes it.
 *
 * A test perturbs these files (a GPU moved in lstopo's XML, a pin changed through `virsh define`,
 * a hugepage pool emptied, a link trained narrower) and expects exactly the finding of that change.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { driftAll, readBundle, type DriftFinding } from '../../language/src/features/drift/index.js';
import { importHost, type ImportedDevice, type ImportedSwitch } from '../../language/src/features/import/index.js';
import { buildWorkspace } from './util.js';
import type { HostModel } from '../../language/src/model/topology.js';
import { formatBdf } from '../../language/src/syntax/tokens.js';

/** The files of a bundle (relative to bundle/) and the commands of its manifest. */
export interface BundleFiles {
    host: string;
    files: Map<string, string>;
    /** Manifest lines after the header, in order: [exit, file, command] or ['missing', tool]. */
    manifest: Array<[string, string, string] | ['missing', string]>;
}

/** Runs a program; its stdout, or throws with its stderr. */
export function run(program: string, args: readonly string[], input?: string): string {
    const r = spawnSync(program, args, { encoding: 'utf8', input, maxBuffer: 64 * 1024 * 1024 });
    if (r.status !== 0) throw new Error(`${program} ${args.join(' ')}: ${r.stderr || r.error?.message}`);
    return r.stdout;
}

/** The vmtopo host text `vmtopo import --name HOST` makes of an hwloc capture (HOST: the capture's HostName), and the host's name. */
export function importedHost(hwlocXml: string, file: string): { text: string; name: string; devices: Array<ImportedDevice & { numa?: number }> } {
    const name = /<info\s+name="HostName"\s+value="([^"]*)"/.exec(hwlocXml)?.[1];
    const result = importHost([{ file, text: hwlocXml }], { name });
    const numa = new Map(result.host.sockets.map(s => [s.name, s.numa]));
    const devices: Array<ImportedDevice & { numa?: number }> = [];
    const walk = (item: ImportedSwitch | ImportedDevice, socket?: string) => {
        const here = item.socket ?? socket;
        if (item.kind === 'switch') item.children.forEach(c => walk(c, here));
        else devices.push({ ...item, numa: here !== undefined ? numa.get(here) : undefined });
    };
    result.host.items.forEach(i => walk(i));
    return { text: result.text, name: result.host.name, devices };
}

const PCI_HEADER = 'address\tvendor\tdevice\tclass\tsubsystem_vendor\tsubsystem_device\tnuma_node\tiommu_group\tsriov_numvfs\tsriov_totalvfs\tcurrent_link_speed\tcurrent_link_width\tmax_link_speed\tmax_link_width\tpath\tbars';

/** `sysfs/pci.tsv` rows of the imported devices: NUMA node and link as the capture shows them. */
export function pciTsv(devices: ReadonlyArray<ImportedDevice & { numa?: number }>): string {
    const rows = devices.map(d => {
        const speed = d.link ? `${d.link.speedGTs.toFixed(1)} GT/s PCIe` : '-';
        const width = d.link ? String(d.link.width) : '-';
        return [d.address, '-', '-', '-', '-', '-', String(d.numa ?? -1), '-', d.kind === 'nic' ? String(d.vfs ?? 0) : '-', '-', speed, width, speed, width, `pci${d.address.slice(0, 7)}/${d.address}`, '-'].join('\t');
    });
    return `${PCI_HEADER}\n${rows.join('\n')}\n`;
}

/** `sysfs/hugepages.tsv` with these pools (node, size in KiB, pages reserved, pages free). */
export function hugepagesTsv(pools: ReadonlyArray<{ node: number; sizeKiB: number; reserved: number; free: number }>): string {
    return `node\tsize_kib\tnr_hugepages\tfree_hugepages\tsurplus_hugepages\n${pools.map(p => `${p.node}\t${p.sizeKiB}\t${p.reserved}\t${p.free}\t0`).join('\n')}\n`;
}

/** What libvirt's test driver makes of domain XMLs: each domain's `--inactive` XML and, for started ones, its live XML. */
export interface LibvirtDomains {
    readonly uuid: Map<string, string>;
    readonly inactive: Map<string, string>;
    readonly live: Map<string, string>;
}

/**
 * Defines each XML in `virsh -c test:///default` (one session: the test driver keeps its state for
 * one connection), starts the domains in `start`, then defines `redefine` (the next boot's
 * configuration of a running domain, as `virsh edit` leaves it), and dumps every domain.
 */
export function libvirtDomains(dir: string, xmls: ReadonlyMap<string, string>, start: readonly string[] = [], redefine: ReadonlyMap<string, string> = new Map()): LibvirtDomains {
    const commands: string[] = [];
    for (const [name, xml] of xmls) {
        const file = path.join(dir, `${name}.define.xml`);
        fs.writeFileSync(file, xml);
        commands.push(`define ${file}`);
    }
    for (const name of start) commands.push(`start ${name}`);
    for (const [name, xml] of redefine) {
        const file = path.join(dir, `${name}.redefine.xml`);
        fs.writeFileSync(file, xml);
        commands.push(`define ${file}`);
    }
    const names = [...xmls.keys()];
    for (const name of names) commands.push(`domuuid ${name}`, `dumpxml --inactive ${name}`, `dumpxml ${name}`);
    const out = run('virsh', ['-q', '-c', 'test:///default', commands.join(' ; ')]);
    const uuids = [...out.matchAll(/^([0-9a-f]{8}-[0-9a-f-]{27})$/gm)].map(m => m[1]);
    const docs = [...out.matchAll(/<domain[\s\S]*?<\/domain>\n/g)].map(m => m[0]);
    const result: LibvirtDomains = { uuid: new Map(), inactive: new Map(), live: new Map() };
    names.forEach((name, i) => {
        result.uuid.set(name, uuids[i]);
        result.inactive.set(name, docs[2 * i]);
        if (start.includes(name)) result.live.set(name, docs[2 * i + 1]);
    });
    if (uuids.length !== names.length || docs.length !== 2 * names.length) throw new Error(`virsh test driver: unexpected output\n${out}`);
    return result;
}

/**
 * `virsh nodedev-dumpxml NAME` of a node device as libvirt's test driver reports it from a node file
 * (`virsh -c test:///FILE`, https://libvirt.org/drvtest.html): `devices` are the `<device>` elements
 * the file declares (what the host's driver would report, as input to libvirt).
 */
export function libvirtNodedev(dir: string, devices: string, name: string): string {
    const file = path.join(dir, `node-${name}.xml`);
    fs.writeFileSync(file, `<node>\n${devices}\n</node>\n`);
    return run('virsh', ['-q', '-c', `test://${file}`, 'nodedev-dumpxml', name]);
}

/** The bundle files of a host: the capture, the sysfs tables, the domains, node devices; `virsh` missing when neither `domains` nor `capabilities` is given. */
export function bundleFiles(host: string, parts: {
    lstopo?: string; pci?: string; hugepages?: string; domains?: LibvirtDomains; nodedevs?: ReadonlyMap<string, string>; capabilities?: string; cmdline?: string;
}): BundleFiles {
    const files = new Map<string, string>();
    const manifest: BundleFiles['manifest'] = [];
    const add = (file: string, text: string, command: string) => { files.set(file, text); manifest.push(['0', file, command]); };
    if (parts.lstopo !== undefined) add('lstopo.xml', parts.lstopo, 'lstopo-no-graphics --of xml -'); else manifest.push(['missing', 'lstopo']);
    if (parts.capabilities !== undefined) add('virsh/capabilities.xml', parts.capabilities, 'virsh -r capabilities');
    if (parts.domains) {
        add('virsh/domains.txt', `${[...parts.domains.uuid.values()].join('\n')}\n`, 'virsh -r list --all --uuid');
        for (const [name, uuid] of parts.domains.uuid) {
            add(`virsh/domain/${uuid}.inactive.xml`, parts.domains.inactive.get(name)!, `virsh -r dumpxml --inactive ${uuid}`);
            const live = parts.domains.live.get(name);
            if (live) add(`virsh/domain/${uuid}.live.xml`, live, `virsh -r dumpxml ${uuid}`);
        }
        for (const [name, xml] of parts.nodedevs ?? []) add(`virsh/nodedev/${name}.xml`, xml, `virsh -r nodedev-dumpxml ${name}`);
    } else if (parts.capabilities === undefined) {
        manifest.push(['missing', 'virsh']);
    }
    manifest.push(['missing', 'nvidia-smi']);
    if (parts.pci !== undefined) add('sysfs/pci.tsv', parts.pci, 'read /sys/bus/pci/devices/*');
    if (parts.hugepages !== undefined) add('sysfs/hugepages.tsv', parts.hugepages, 'read /sys/devices/system/node/node*/hugepages/*');
    if (parts.cmdline !== undefined) add('proc/cmdline', parts.cmdline, 'cat /proc/cmdline');
    return { host, files, manifest };
}

/** `virsh capabilities` of libvirt's test driver: 2 NUMA cells of 8 CPUs (0-7, 8-15) without SMT, 2 and 4 GiB, `<iommu support='no'/>`. */
export function libvirtCapabilities(): string {
    return run('virsh', ['-c', 'test:///default', 'capabilities']);
}

/**
 * This machine's kernel command line without the parameters drift reads (`hugepages`,
 * `hugepagesz`, `default_hugepagesz`, `intel_iommu`, `amd_iommu`, `iommu`): a real command line
 * that asks for nothing, which a test then perturbs by adding those it means.
 */
export function realCmdline(): string {
    const text = fs.readFileSync('/proc/cmdline', 'utf8');
    return `${text.trim().split(/\s+/).filter(w => !/^(hugepages|hugepagesz|default_hugepagesz|intel_iommu|amd_iommu|iommu)=/.test(w)).join(' ')}\n`;
}

/** {@link realCmdline} with `params` added as the kernel's own (before a `--`, after which the words go to init). */
export function cmdlineWith(params: string): string {
    const words = realCmdline().trim().split(' ');
    const end = words.indexOf('--');
    words.splice(end < 0 ? words.length : end, 0, params);
    return `${words.join(' ')}\n`;
}

/**
 * `sysfs/pci.tsv` rows of the devices a vmtopo host declares (its resolved model): an untouched host
 * that matches the file — NUMA node, link (current = maximum), VFs, one IOMMU group per function
 * (the IOMMU on), BARs unknown (`-`) unless `bars` gives a function's column.
 */
export function pciTsvOfHost(host: HostModel, bars: ReadonlyMap<string, string> = new Map()): string {
    const rows = host.devices.map((d, i) => {
        const address = formatBdf(d.address);
        const link = d.kind === 'nvswitch' ? undefined : d.link;
        const speed = link ? `${link.speedGTs.toFixed(1)} GT/s PCIe` : '-';
        const width = link ? String(link.width) : '-';
        return [address, '-', '-', '-', '-', '-', String(d.numa), String(i + 1), d.kind === 'nic' ? String(d.vfs) : '-', '-', speed, width, speed, width,
            `pci${address.slice(0, 7)}/${address}`, bars.get(address) ?? '-'].join('\t');
    });
    return `${PCI_HEADER}\n${rows.join('\n')}\n`;
}

/** The manifest text of a bundle. */
export function manifestText(b: BundleFiles): string {
    const lines = ['vmtopo-bundle\t1', `host\t${b.host}`, 'kernel\t6.1.0', 'collected\t2026-01-01T00:00:00Z'];
    for (const m of b.manifest) lines.push(m[0] === 'missing' ? `missing\t${m[1]}` : `run\t${m[0]}\t${m[1]}\t${m[2]}`);
    return `${lines.join('\n')}\n`;
}

/** The bundle as the collector writes it: bundle/… packed by the system's `tar -cf`. */
export function tarBundle(dir: string, b: BundleFiles, extra: ReadonlyMap<string, string | Uint8Array> = new Map()): Uint8Array {
    const root = fs.mkdtempSync(path.join(dir, 'bundle-'));
    const all = new Map<string, string | Uint8Array>([...b.files, ['manifest.tsv', manifestText(b)], ...extra]);
    for (const [file, text] of all) {
        const target = path.join(root, 'bundle', file);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, text);
    }
    const out = path.join(root, 'bundle.tar');
    run('tar', ['-cf', out, '-C', root, 'bundle']);
    const bytes = fs.readFileSync(out);
    fs.rmSync(root, { recursive: true, force: true });
    return bytes;
}

/** A temporary folder for one test file. */
export function tempDir(): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), 'vmtopo-drift-'));
}

/**
 * The drift findings of `text` (one file, host.vmtopo) against the bundle made of `files` (a tar in
 * `dir`), with the file as a text document and each finding's source text (`at`).
 */
export async function driftOf(dir: string, text: string, files: BundleFiles): Promise<{ findings: DriftFinding[]; at: (f: DriftFinding) => string; document: TextDocument }> {
    const bundle = await readBundle(tarBundle(dir, files), 'host.tar');
    const ws = await buildWorkspace({ 'host.vmtopo': text });
    const findings = driftAll(ws.documents.map(d => d.parseResult.value), ws.resolved(), [bundle]);
    const document = TextDocument.create('file:///ws/host.vmtopo', 'vmtopo', 1, text);
    return { findings, document, at: f => document.getText(f.range) };
}
