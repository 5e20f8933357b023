/**
 * PCI facts the importers share: class codes, PCI ids → catalog models, CPU masks → cpulists and
 * link speeds.
 *
 * Class codes: PCI Code and ID Assignment Specification (PCI-SIG), as NCCL prefix-matches them
 * (`src/graph/topo.cc`, https://github.com/NVIDIA/nccl/blob/master/src/graph/topo.cc): `0x03…`
 * display (GPU), `0x02…` network (`0x0200` Ethernet, `0x0207` InfiniBand), `0x0680` other bridge
 * (NVIDIA: NVSwitch), `0x0604` PCI-to-PCI bridge; `0x0c06` is the serial-bus InfiniBand class of
 * older HCAs (ConnectX-2, `mlx4`).
 */
import { findByPciId, findGpu, findNic, findNvSwitch } from '../../catalog/index.js';
import { formatCpuList } from '../../syntax/tokens.js';
import type { ImportedLink } from './host-text.js';

export const NVIDIA_VENDOR = '10de';

/** What a PCI function is to vmtopo, from its class (4 hex digits, `0302`) and vendor. */
export type PciKind = 'gpu' | 'nic' | 'nvswitch' | 'bridge' | 'other';

/**
 * Kind of a PCI function: GPU = display class (`03xx`) of NVIDIA, NIC = network class (`02xx`) or
 * InfiniBand (`0c06`), NVSwitch = `0680` of NVIDIA, bridge = `0604`.
 * @param classCode 4 or more hex digits, with or without `0x` (`0x030200`, `0302`)
 * @param vendor 4 hex digits, or undefined when the source does not say
 */
export function pciKind(classCode: string, vendor: string | undefined): PciKind {
    const c = classCode.toLowerCase().replace(/^0x/, '');
    const nvidia = vendor === undefined || vendor === NVIDIA_VENDOR;
    if (c.startsWith('03')) return nvidia ? 'gpu' : 'other';
    if (c.startsWith('02') || c.startsWith('0c06')) return 'nic';
    if (c.startsWith('0680')) return nvidia ? 'nvswitch' : 'other';
    if (c.startsWith('0604')) return 'bridge';
    return 'other';
}

/** A vendor or device id as lowercase 4-digit hex without `0x` (`0x10DE` → `10de`). */
export function hexId(text: string | undefined): string | undefined {
    if (text === undefined) return undefined;
    const m = /^(?:0x)?([0-9a-f]{1,4})$/i.exec(text.trim());
    return m ? m[1].toLowerCase().padStart(4, '0') : undefined;
}

/**
 * The catalog model of a device: by its PCI id first (the catalog's `pciIds`, the subsystem deciding
 * where the catalog lists one) [PCI-IDS], then by the model name the source writes (NVML's
 * `GPUModel`, e.g. `NVIDIA H100 80GB HBM3`, `lspci`'s device name), matched against catalog keys and
 * aliases. When the catalog knows neither, the PCI id `vendor:device` is written so that `check`
 * names it (CAT001, a warning), and the source's name goes into `note`; a device with neither id nor
 * known name is written `unknown` (CAT001 says which command identifies it).
 * @param vendor, device 4 lowercase hex digits, or undefined when the source does not give them
 * @param written the name the source gives the device, if any
 * @param subsystem `ssvv:ssdd`, when the source gives it
 * @returns the model to write, whether the catalog knows it, and a note on where it came from
 */
export function modelFor(kind: 'gpu' | 'nic' | 'nvswitch', vendor: string | undefined, device: string | undefined, written?: string, subsystem?: string): { model: string; known: boolean; note?: string } {
    const id = vendor && device && !/^0+$/.test(vendor) ? { vendor, device } : undefined;
    const byId = id ? findByPciId(kind, id.vendor, id.device, subsystem) : undefined;
    if (byId) return { model: byId.model, known: true };
    const byName = kind === 'gpu' ? findGpu(written) : kind === 'nic' ? findNic(written) : findNvSwitch(written);
    const name = written?.trim();
    if (byName) return { model: byName.model, known: true, note: id ? `${id.vendor}:${id.device} not in the catalog; identified by its name "${name}"` : undefined };
    if (id) return { model: `${id.vendor}:${id.device}`, known: false, note: name ? `"${name}"` : undefined };
    return { model: 'unknown', known: false, note: name ? `"${name}"` : undefined };
}

/**
 * CPUs of a CPU mask written as comma-separated 32-bit hex words, most significant first: Linux
 * `cpumap` form (`00000000,0000ffff,ffffffff`, NCCL's `<cpu affinity>`) or hwloc's bitmap form
 * (`0x0000ffff,0xffffffff`, where an empty word is zero).
 * @returns CPU numbers ascending, or undefined when the text is not a mask
 */
export function cpusOfMask(mask: string): number[] | undefined {
    // An empty word (hwloc writes `0xffffff00,,0x0`) is a zero word.
    const words = mask.trim().split(',').map(w => w.trim().replace(/^0x/i, '') || '0');
    if (mask.trim() === '' || words.some(w => !/^[0-9a-f]{1,8}$/i.test(w))) return undefined;
    const cpus: number[] = [];
    words.reverse().forEach((word, index) => {
        const value = parseInt(word, 16);
        for (let bit = 0; bit < 32; bit++) {
            if ((value >>> bit) & 1) cpus.push(index * 32 + bit);
        }
    });
    return cpus;
}

/** CPUs as the kernel's cpulist text (`0-47,96-143`). */
export function cpuListText(cpus: readonly number[]): string {
    return formatCpuList(cpus);
}

/** CPUs of a kernel cpulist (`0-47,96-143`), or undefined when it is not one. */
export function cpusOfList(text: string): number[] | undefined {
    const cpus: number[] = [];
    for (const part of text.trim().split(',')) {
        const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
        if (!m) return undefined;
        const a = Number(m[1]);
        const b = m[2] !== undefined ? Number(m[2]) : a;
        if (b < a || b - a > 1 << 20) return undefined;
        for (let c = a; c <= b; c++) cpus.push(c);
    }
    return cpus;
}

/**
 * PCIe transfer rates per lane (GT/s) and the data rate per lane in GB/s that hwloc reports for
 * them: Gen1/Gen2 8b/10b encoding, Gen3-Gen5 128b/130b, Gen6 FLIT (hwloc 2.x `pci_link_speed`,
 * https://www.open-mpi.org/projects/hwloc/doc/v2.9.0/a00362.php and PCIe Base Specification).
 */
const GB_PER_LANE: readonly [gts: number, gbs: number][] = [
    [2.5, 0.25], [5, 0.5], [8, 8 * 128 / 130 / 8], [16, 16 * 128 / 130 / 8], [32, 32 * 128 / 130 / 8], [64, 64 * 242 / 256 / 8]
];

/**
 * A link from hwloc's `pci_link_speed` (GB/s over the whole link): the widest of x16, x8, x4, x2,
 * x1 whose per-lane rate is a PCIe generation's, within 1 %. The GB/s figure alone cannot tell
 * Gen2 x8 from Gen1 x16, so the result is marked `ambiguous` when another width also fits.
 * @returns undefined for 0 (unknown) or a figure no PCIe link gives
 */
export function linkOfGBs(gbs: number): { link: ImportedLink; ambiguous: boolean } | undefined {
    if (!(gbs > 0)) return undefined;
    const fits: ImportedLink[] = [];
    for (const width of [16, 8, 4, 2, 1]) {
        for (const [gts, perLane] of GB_PER_LANE) {
            if (Math.abs(gbs / width - perLane) <= perLane * 0.01) fits.push({ speedGTs: gts, width });
        }
    }
    return fits.length > 0 ? { link: fits[0], ambiguous: fits.length > 1 } : undefined;
}

/**
 * A link from NCCL's `link_speed` (`32.0 GT/s PCIe`, `16 GT/s`) and `link_width` (`16`).
 * @returns undefined when either is missing or not a PCIe rate/width
 */
export function linkOfNccl(speedText: string | undefined, widthText: string | undefined): ImportedLink | undefined {
    const s = /^\s*([0-9.]+)\s*GT\/s/i.exec(speedText ?? '');
    const w = Number(widthText);
    if (!s) return undefined;
    const gts = Number(s[1]);
    if (![2.5, 5, 8, 16, 32, 64].includes(gts) || ![1, 2, 4, 8, 16, 32].includes(w)) return undefined;
    return { speedGTs: gts, width: w };
}

/** A PCI bus id in vmtopo's form (`dddd:bb:dd.f`, lowercase), from hwloc/NCCL/nvidia-smi forms (`00000000:19:00.0`, `0000:19:00.0`). */
export function normalizeBusId(text: string): string | undefined {
    const m = /^(?:([0-9a-f]+):)?([0-9a-f]{1,2}):([0-9a-f]{1,2})\.([0-7])$/i.exec(text.trim());
    if (!m) return undefined;
    const domain = parseInt(m[1] ?? '0', 16);
    if (domain > 0xffff) return undefined;
    return `${domain.toString(16).padStart(4, '0')}:${m[2].toLowerCase().padStart(2, '0')}:${m[3].toLowerCase().padStart(2, '0')}.${m[4]}`;
}

/**
 * A switch's `pci-id` text: `vvvv:dddd`, followed by the subsystem ` ssvv:ssdd` when known and not
 * all zero (hwloc writes `[0000:0000]` for ports without a subsystem id).
 */
export function pciIdText(vendor: string, device: string, subsystemVendor?: string, subsystemDevice?: string): string {
    const subsystem = subsystemVendor && subsystemDevice && `${subsystemVendor}${subsystemDevice}` !== '00000000' ? ` ${subsystemVendor}:${subsystemDevice}` : '';
    return `${vendor}:${device}${subsystem}`;
}
