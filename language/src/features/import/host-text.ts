/**
 * The intermediate form of an imported host and its writer: every importer (hwloc, NCCL,
 * nvidia-smi) builds an {@link ImportedHost}, and {@link writeHost} turns it into formatted vmtopo
 * text in the style of the README and `examples/` (4-space indentation, one clause per line, the
 * host's doc comment naming the source file and format, a comment block at the top listing what the
 * source holds that vmtopo cannot represent).
 */
import { AstUtils, GrammarAST } from 'langium';
import { VmtopoGrammar } from '../../generated/grammar.js';
import { findCpu } from '../../catalog/index.js';

/** A PCIe link as vmtopo writes it: GT/s per lane (2.5 … 64) and lane count. */
export interface ImportedLink {
    readonly speedGTs: number;
    readonly width: number;
}

/** A GPU, NIC PF or NVSwitch of the imported host. */
export interface ImportedDevice {
    readonly kind: 'gpu' | 'nic' | 'nvswitch';
    /** Name as the source calls it (`gpu0`, `mlx5_3`, `eth0`), made a valid vmtopo ID. */
    name: string;
    /**
     * Catalog model; the PCI id `vvvv:dddd` when the catalog lacks it, `unknown` when the source gives
     * neither id nor a known name (both CAT001 warnings); `''` for an NVSwitch of unknown generation
     * (written without a model).
     */
    model: string;
    /** `dddd:bb:dd.f`, lowercase. */
    address: string;
    /** Socket (NUMA node) name, for a device outside any switch. */
    socket?: string;
    link?: ImportedLink;
    /** HGX module id (GPUs). */
    module?: number;
    /** SR-IOV VFs of a NIC PF, with their routing-id offset and stride. */
    vfs?: number;
    vfOffset?: number;
    vfStride?: number;
    /** A comment written at the end of the device's line (what the source said that vmtopo has no clause for). */
    note?: string;
}

/** A PCIe switch: the BDF of its upstream port, its uplink, its identity and what hangs below it. */
export interface ImportedSwitch {
    readonly kind: 'switch';
    name: string;
    address: string;
    socket?: string;
    link?: ImportedLink;
    /** PCI vendor:device id of the switch's upstream port, lowercase hex without 0x (`1000:c030`). */
    pciId?: string;
    children: (ImportedSwitch | ImportedDevice)[];
    note?: string;
}

/** A socket (NUMA node) of the imported host. */
export interface ImportedSocket {
    name: string;
    numa: number;
    /** Kernel cpulist form (`0-47,96-143`); absent when the source gives none. */
    cpus?: string;
    memoryMiB?: number;
    /** The source gives no memory size (NCCL, nvidia-smi): written `memory unknown`, which `check` reports once at the socket. */
    memoryUnknown?: boolean;
    note?: string;
}

/** A whole imported host. */
export interface ImportedHost {
    name: string;
    /** CPU model: catalog key when found, else as the source writes it. */
    cpuModel?: string;
    sockets: ImportedSocket[];
    /** Top-level switches and devices (each with its `socket`). */
    items: (ImportedSwitch | ImportedDevice)[];
    /** What the source holds that vmtopo cannot represent, one line each. */
    notRepresented: string[];
    /** Source file name (as given) and the format's name, for the doc comment. */
    sourceFile: string;
    formatName: string;
    /** Extra doc-comment lines (machine description from the source). */
    description?: string[];
}

/** Every switch and device of the host, depth first. */
export function walkItems(host: ImportedHost): (ImportedSwitch | ImportedDevice)[] {
    const all: (ImportedSwitch | ImportedDevice)[] = [];
    const visit = (item: ImportedSwitch | ImportedDevice) => {
        all.push(item);
        if (item.kind === 'switch') item.children.forEach(visit);
    };
    host.items.forEach(visit);
    return all;
}

/** A vmtopo ID from a source name: characters outside `[\w-]` become `_`, a leading digit gets a `_` (ID = /[_a-zA-Z][\w\-]*\/). */
export function toId(name: string): string {
    let id = name.replace(/[^\w-]/g, '_');
    if (!/^[_a-zA-Z]/.test(id)) id = `_${id}`;
    return id;
}

/** A string literal of vmtopo (double quotes; a `"` or line break inside becomes `'` / space: STRING = /"[^"\n\r]*"/). */
export function quote(text: string): string {
    return `"${text.replace(/"/g, "'").replace(/[\r\n]+/g, ' ')}"`;
}

/** Text of a comment that cannot end the comment it is in (`*\/` broken up). */
function commentSafe(text: string): string {
    return text.replace(/\*\//g, '* /').replace(/[\r\n]+/g, ' ');
}

/** Formats a speed in GT/s the way vmtopo writes it (`2.5`, `32`). */
function speed(gts: number): string {
    return Number.isInteger(gts) ? String(gts) : String(gts);
}

function linkText(link: ImportedLink | undefined): string {
    return link ? ` link ${speed(link.speedGTs)} GT/s x${link.width}` : '';
}

/** A memory size in MiB as vmtopo writes it: whole GiB when exact, else MiB. */
function sizeText(mib: number): string {
    return mib % 1024 === 0 ? `${mib / 1024} GiB` : `${mib} MiB`;
}

/**
 * A PCI address vmtopo can write: its lexer reads an address starting with a digit, so a domain
 * starting with a hex letter (NCCL's made-up switch ids `ffff:ff:01.0`) gets a leading `0` digit in
 * place of its first one (`0fff:ff:01.0`). Returns the address to write and whether it changed.
 */
export function writableAddress(address: string): { address: string; changed: boolean } {
    if (/^[0-9]/.test(address)) return { address, changed: false };
    return { address: `0${address.slice(1)}`, changed: true };
}

let keywords: ReadonlySet<string> | undefined;

/**
 * Keywords of the vmtopo grammar that look like names (`host`, `vm`, `kubevirt`, `same-switch`…): a
 * name is an `ID`, so none of them can be one. Read from the generated grammar once.
 */
function grammarKeywords(): ReadonlySet<string> {
    return keywords ??= new Set(AstUtils.streamAllContents(VmtopoGrammar())
        .filter(GrammarAST.isKeyword).map(k => k.value).filter(v => /^[_a-zA-Z][\w-]*$/.test(v)));
}

/** A host name from a file name: its base name without extension, made an ID, never a keyword. */
export function hostNameFromFile(file: string): string {
    const base = file.split(/[\\/]/).pop()!.replace(/\.(xml|txt|out|log)$/i, '');
    return hostId(base || 'imported');
}

/** A host name as vmtopo can write it: an ID that is not a keyword (`vm` → `vm-host`). */
export function hostId(name: string): string {
    const id = toId(name);
    return grammarKeywords().has(id) ? `${id}-host` : id;
}

/** Makes every switch and device name unique within the host (a later duplicate gets `_2`, `_3`…). */
function uniqueNames(host: ImportedHost): void {
    const seen = new Set<string>(host.sockets.map(s => s.name));
    for (const item of walkItems(host)) {
        let name = toId(item.name);
        for (let n = 2; seen.has(name); n++) name = `${toId(item.name)}_${n}`;
        seen.add(name);
        item.name = name;
    }
}

/**
 * The vmtopo text of an imported host: the "not represented" comment block (when the source holds
 * anything vmtopo cannot express), the doc comment naming the source file and format, then the host.
 */
export function writeHost(host: ImportedHost): string {
    uniqueNames(host);
    for (const item of walkItems(host)) {
        const w = writableAddress(item.address);
        if (w.changed) {
            host.notRepresented.push(`${item.kind === 'switch' ? 'switch' : item.kind} ${item.name} at ${item.address}: written as ${w.address} (a vmtopo address starts with a digit)`);
            item.address = w.address;
        }
    }
    const out: string[] = [];
    if (host.notRepresented.length > 0) {
        out.push(`// Not represented in vmtopo (from ${commentSafe(host.sourceFile)}):`);
        for (const line of host.notRepresented) out.push(`//   - ${commentSafe(line)}`);
        out.push('');
    }
    out.push('/**');
    out.push(` * Imported from ${commentSafe(host.sourceFile)} (${commentSafe(host.formatName)}) by \`vmtopo import\`.`);
    for (const line of host.description ?? []) out.push(` * ${commentSafe(line)}`);
    out.push(' */');
    out.push(`host ${hostId(host.name)} {`);
    if (host.cpuModel !== undefined) {
        const known = findCpu(host.cpuModel);
        out.push(`    cpu ${quote(known?.model ?? host.cpuModel)}`);
    }
    for (const s of host.sockets) {
        const parts = [`numa ${s.numa}`];
        if (s.cpus) parts.push(`cores ${s.cpus}`);
        if (s.memoryMiB !== undefined && s.memoryMiB > 0) parts.push(`memory ${sizeText(s.memoryMiB)}`);
        else if (s.memoryUnknown) parts.push('memory unknown');
        out.push(`    socket ${toId(s.name)} { ${parts.join(' ')} }${s.note ? `   // ${commentSafe(s.note)}` : ''}`);
    }
    const write = (item: ImportedSwitch | ImportedDevice, indent: string) => {
        const on = item.socket !== undefined ? ` on ${toId(item.socket)}` : '';
        const note = item.note ? `   // ${commentSafe(item.note)}` : '';
        if (item.kind === 'switch') {
            const id = item.pciId ? ` pci-id ${quote(item.pciId)}` : '';
            out.push(`${indent}pcie-switch ${item.name} at ${item.address}${on}${linkText(item.link)}${id} {${note}`);
            for (const child of item.children) write(child, `${indent}    `);
            out.push(`${indent}}`);
            return;
        }
        // An NVSwitch's model is optional: one whose generation is not known is written without it.
        const model = item.kind === 'nvswitch' && item.model === '' ? '' : ` ${quote(item.model)}`;
        let line = `${indent}${item.kind} ${item.name}${model} at ${item.address}${on}`;
        if (item.kind === 'gpu' && item.module !== undefined) line += ` module ${item.module}`;
        if (item.kind === 'nic' && item.vfs) {
            line += ` vfs ${item.vfs}`;
            if (item.vfOffset !== undefined && item.vfOffset !== 1) line += ` vf-offset ${item.vfOffset}`;
            if (item.vfStride !== undefined && item.vfStride !== 1) line += ` vf-stride ${item.vfStride}`;
        }
        if (item.kind !== 'nvswitch') line += linkText(item.link);
        out.push(line + note);
    };
    if (host.items.length > 0) out.push('');
    for (const item of host.items) write(item, '    ');
    out.push('}');
    return `${out.join('\n')}\n`;
}
