/**
 * `vmtopo import`: a real host's description → vmtopo host text. Pure functions (text in, text out),
 * used by the CLI (`vmtopo import`) and the language server (the editor's "vmtopo: Import Host…").
 *
 * Formats, detected by content (or forced with `format`):
 * - `hwloc`: `lstopo --of xml` (hwloc topology XML 2.0/3.0), see `hwloc.ts`;
 * - `nccl`: an NCCL topology XML (`NCCL_TOPO_DUMP_FILE`, `NCCL_TOPO_FILE`), see `nccl.ts`;
 * - `nvidia-smi`: `nvidia-smi topo -m`, plus optional extra inputs for its missing PCI addresses
 *   (`nvidia-smi --query-gpu=index,pci.bus_id --format=csv`, `ls -l /sys/class/infiniband/`), see
 *   `nvidia-smi.ts`.
 */
import { ImportError } from './errors.js';
import type { ImportFormat } from './formats.js';
import { writeHost, walkItems, type ImportedHost } from './host-text.js';
import { importHwloc, isHwlocXml } from './hwloc.js';
import { importNccl, isNcclXml } from './nccl.js';
import { importNvidiaSmi, isGpuBusIdCsv, isInfinibandListing, isNvidiaSmiTopo } from './nvidia-smi.js';

export { ImportError } from './errors.js';
export type { ImportedDevice, ImportedHost, ImportedSocket, ImportedSwitch } from './host-text.js';
export { importHwloc, importNccl, importNvidiaSmi, writeHost, walkItems };

export { IMPORT_FORMATS, type ImportFormat } from './formats.js';

/** One input file: its name as given (for messages and the doc comment) and its text. */
export interface ImportInput {
    readonly file: string;
    readonly text: string;
}

/**
 * The result of an import: the vmtopo text, the format used, and what was found (for summaries).
 * A multi-host NCCL dump (MNNVL, several `host_hash` values) gives one host each, in `hosts` and in
 * `text` (one after the other); `host` is the first, and `counts` are summed over all.
 */
export interface ImportResult {
    readonly text: string;
    readonly format: ImportFormat;
    readonly host: ImportedHost;
    readonly hosts: readonly ImportedHost[];
    readonly counts: { readonly gpus: number; readonly nics: number; readonly nvswitches: number; readonly switches: number; readonly numaNodes: number };
}

/** The format of a text by its content, or undefined when it is none of the three. */
export function detectFormat(text: string): ImportFormat | undefined {
    if (isHwlocXml(text)) return 'hwloc';
    if (isNcclXml(text)) return 'nccl';
    if (isNvidiaSmiTopo(text)) return 'nvidia-smi';
    return undefined;
}

/**
 * Imports one host from its inputs: exactly one main input (hwloc XML, NCCL XML or
 * `nvidia-smi topo -m`) and, for nvidia-smi, the extra inputs that fill in its PCI addresses.
 * @param inputs the files, in any order
 * @param options `format` forces the main input's format; `name` names the host (else from the source, else `host`)
 * @throws ImportError with a one-line message naming the file, when an input cannot be used
 */
export function importHost(inputs: readonly ImportInput[], options: { format?: ImportFormat; name?: string } = {}): ImportResult {
    if (inputs.length === 0) throw new ImportError('no input file');
    const isExtra = (i: ImportInput) => isGpuBusIdCsv(i.text) || isInfinibandListing(i.text);
    const mains = inputs.filter(i => !isExtra(i));
    const extras = inputs.filter(isExtra);
    if (mains.length === 0) throw new ImportError(`no topology among ${inputs.map(i => i.file).join(', ')}: give an hwloc XML, an NCCL topology XML or \`nvidia-smi topo -m\` output`);
    if (mains.length > 1) throw new ImportError(`one host per import: ${mains.map(i => i.file).join(', ')} are each a topology`);
    const main = mains[0];
    if (!options.format && /<graphs[\s>]/.test(main.text)) throw new ImportError(`${main.file} is an NCCL graph file (NCCL_GRAPH_FILE: ring/tree channels), not a topology`);
    const format = options.format ?? detectFormat(main.text);
    if (!format) throw new ImportError(`${main.file}: not hwloc XML (lstopo --of xml), NCCL topology XML or nvidia-smi topo -m output; use --format to say which`);
    if (extras.length > 0 && format !== 'nvidia-smi') throw new ImportError(`${extras.map(e => e.file).join(', ')}: extra inputs complete nvidia-smi topo -m only`);
    const name = options.name;
    if (name !== undefined && !/^[_a-zA-Z][\w-]*$/.test(name)) throw new ImportError(`host name "${name}" is not a vmtopo name (letters, digits, _ and -, not starting with a digit)`);
    const hosts = format === 'hwloc' ? [importHwloc(main.text, main.file, name)]
        : format === 'nccl' ? importNccl(main.text, main.file, name)
        : [importNvidiaSmi(main.text, main.file, name, extras)];
    const text = hosts.map(h => writeHost(h)).join('\n');
    const all = hosts.flatMap(h => walkItems(h));
    const count = (kind: string) => all.filter(i => i.kind === kind).length;
    return {
        text, format, host: hosts[0], hosts,
        counts: { gpus: count('gpu'), nics: count('nic'), nvswitches: count('nvswitch'), switches: count('switch'), numaNodes: hosts.reduce((n, h) => n + h.sockets.length, 0) }
    };
}
