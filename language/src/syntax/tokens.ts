/**
 * Parsers for vmtopo's value tokens: PCI addresses (BDF), CPU lists, sizes and PCIe links.
 * The grammar lexes these leniently; these functions give the exact, user-facing verdict.
 * Each returns `{ ok: true, value }` or `{ ok: false, message }` and never throws.
 */

import { CpuList, parseIdList } from './cpu-list.js';
import { MAX_CPU_ID, MAX_NUMA_ID, MAX_SIZE_MIB } from './limits.js';

export { CpuList } from './cpu-list.js';

/** A parse result; `outOfRange` marks a well-formed value outside the language's bounds (SYN008). */
export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string; outOfRange?: boolean };

/** A PCI address: domain (16 bit), bus (8 bit), device (5 bit), function (3 bit). */
export interface Bdf {
    readonly domain: number;
    readonly bus: number;
    readonly device: number;
    readonly function: number;
}

const BDF_FORM = /^([0-9a-fA-F]{4}):([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-9a-fA-F])$/;

/**
 * A pure parser with the results of recent texts kept: a fleet writes the same CPU lists and PCI
 * addresses on every host, and the node checks and the model each read every value on every build.
 * The results are immutable. At most 4096 texts are kept; then the cache starts afresh.
 */
function memo<T>(parse: (text: string) => T): (text: string) => T {
    const cache = new Map<string, T>();
    return text => {
        let result = cache.get(text);
        if (result === undefined) {
            if (cache.size >= 4096) cache.clear();
            cache.set(text, result = parse(text));
        }
        return result;
    };
}

/**
 * Parses `dddd:bb:dd.f` (as `lspci -D` prints it; hex, either case). Device must be 00–1f and
 * function 0–7 (PCI Local Bus spec: 5-bit device, 3-bit function numbers).
 * Example error: `0000:18:00 is not a PCI address: expected dddd:bb:dd.f`.
 */
export function parseBdf(text: string | undefined): Parsed<Bdf> {
    if (text === undefined) {
        return { ok: false, message: 'missing PCI address: expected dddd:bb:dd.f (e.g. 0000:18:00.0)' };
    }
    return parseBdfText(text);
}

const parseBdfText = memo((text: string): Parsed<Bdf> => {
    const m = BDF_FORM.exec(text);
    if (!m) {
        return { ok: false, message: `${text} is not a PCI address: expected dddd:bb:dd.f (domain:bus:device.function in hex, e.g. 0000:18:00.0)` };
    }
    const [domain, bus, device, fn] = m.slice(1).map(h => parseInt(h, 16));
    if (device > 0x1f) {
        return { ok: false, message: `${text}: device ${m[3]} is out of range; a PCI device number is 00-1f` };
    }
    if (fn > 7) {
        return { ok: false, message: `${text}: function ${m[4]} is out of range; a PCI function number is 0-7` };
    }
    return { ok: true, value: { domain, bus, device, function: fn } };
});

/** Formats a BDF as NCCL and libvirt expect it: lowercase, 4-digit domain, `0000:1a:00.0`. */
export function formatBdf(bdf: Bdf): string {
    const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');
    return `${hex(bdf.domain, 4)}:${hex(bdf.bus, 2)}:${hex(bdf.device, 2)}.${bdf.function.toString(16)}`;
}

/** PCIe routing id (bus << 8 | device << 3 | function), the unit of SR-IOV VF offsets and strides. */
export function routingId(bdf: Bdf): number {
    return (bdf.bus << 8) | (bdf.device << 3) | bdf.function;
}

/**
 * Address of SR-IOV virtual function `vf` (0-based) of the PF at `pf`: routing id
 * `rid(PF) + First VF Offset + vf × VF Stride` (PCI Express Base Specification §9.3.3.9–§9.3.3.10;
 * https://docs.kernel.org/PCI/pci-iov-howto.html). Undefined when that routing id is past the last
 * one of the PF's domain (bus ff, device 1f, function 7), where no VF can be.
 */
export function vfAddress(pf: Bdf, vfOffset: number, vfStride: number, vf: number): Bdf | undefined {
    const rid = routingId(pf) + vfOffset + vf * vfStride;
    return Number.isSafeInteger(rid) && rid <= 0xffff ? fromRoutingId(pf.domain, rid) : undefined;
}

/** Inverse of {@link routingId} in the given domain. */
export function fromRoutingId(domain: number, rid: number): Bdf {
    return { domain, bus: (rid >> 8) & 0xff, device: (rid >> 3) & 0x1f, function: rid & 0x7 };
}

/**
 * Parses a CPU list in the kernel's cpulist format (`0-15,96-111`, `16`) into ranges, in the order
 * written; CPU ids are 0–{@link MAX_CPU_ID}, duplicates and descending ranges are errors
 * ({@link parseIdList}).
 */
export function parseCpuList(text: string | number): Parsed<CpuList> {
    return parseCpuListText(String(text));
}

const parseCpuListText = memo((text: string): Parsed<CpuList> => parseIdList(text, MAX_CPU_ID, 'CPU'));

/** Parses a NUMA node list (`0`, `0-1`) like {@link parseCpuList}; node ids are 0–{@link MAX_NUMA_ID}. */
export function parseNumaList(text: string | number): Parsed<CpuList> {
    return parseNumaListText(String(text));
}

const parseNumaListText = memo((text: string): Parsed<CpuList> => parseIdList(text, MAX_NUMA_ID, 'NUMA node'));

/** Formats CPUs as a compact, ascending cpulist: `[0,1,2,3,96]` → `0-3,96`. */
export function formatCpuList(cpus: Iterable<number>): string {
    return formatCpuRuns([...new Set(cpus)].sort((a, b) => a - b));
}

/**
 * Formats CPUs in the order given, each run of consecutive ascending ids as a range:
 * `[0,1,2,64,65,66]` → `0-2,64-66`, `[4,5,0,1]` → `4-5,0-1` (a `pin` list in vCPU order).
 * {@link formatCpuList} sorts first; this keeps the order, so the text may not be ascending.
 */
export function formatCpuRuns(cpus: readonly number[]): string {
    const parts: string[] = [];
    for (let i = 0; i < cpus.length; i++) {
        const start = cpus[i];
        while (i + 1 < cpus.length && cpus[i + 1] === cpus[i] + 1) i++;
        parts.push(start === cpus[i] ? `${start}` : `${start}-${cpus[i]}`);
    }
    return parts.join(',');
}

const BINARY_UNITS: Record<string, number> = { MiB: 1, GiB: 1024, TiB: 1024 * 1024 };
const DECIMAL_UNITS: Record<string, string> = { MB: 'MiB', GB: 'GiB', TB: 'TiB', M: 'MiB', G: 'GiB', T: 'TiB', mb: 'MiB', gb: 'GiB', tb: 'TiB', gib: 'GiB', tib: 'TiB', mib: 'MiB' };

/**
 * Converts a size (`512 GiB`) to MiB. Units: MiB, GiB, TiB (binary, IEC); the result must be a
 * positive whole number of MiB, at most {@link MAX_SIZE_MIB} (4 PiB). `unit` may be missing in a
 * half-typed document (an error, never an exception).
 */
export function sizeToMiB(value: number | undefined, unit: string | undefined): Parsed<number> {
    if (value === undefined || unit === undefined) {
        return { ok: false, message: 'incomplete size: expected a number and a unit (MiB, GiB or TiB)' };
    }
    const factor = Object.hasOwn(BINARY_UNITS, unit) ? BINARY_UNITS[unit] : undefined;
    if (factor === undefined) {
        const hint = Object.hasOwn(DECIMAL_UNITS, unit) ? DECIMAL_UNITS[unit] : undefined;
        return { ok: false, message: hint
            ? `'${unit}' is not a vmtopo size unit; write ${hint} (sizes are binary: MiB, GiB, TiB)`
            : `'${unit}' is not a size unit: expected MiB, GiB or TiB` };
    }
    const mib = value * factor;
    if (!Number.isFinite(mib) || mib > MAX_SIZE_MIB) {
        return { ok: false, outOfRange: true, message: `${value} ${unit} is too large: sizes are at most 4096 TiB (4 PiB, the 2^52-byte physical address space of x86-64)` };
    }
    if (mib <= 0) {
        return { ok: false, outOfRange: true, message: `${value} ${unit}: a size must be larger than 0` };
    }
    if (!Number.isInteger(mib)) {
        return { ok: false, message: `${value} ${unit} is not a whole number of MiB` };
    }
    return { ok: true, value: mib };
}

/** PCIe per-lane rates in GT/s that exist (Gen1–Gen6). */
export const PCIE_SPEEDS_GTS = [2.5, 5, 8, 16, 32, 64] as const;
/** PCIe link widths. */
export const PCIE_WIDTHS = [1, 2, 4, 8, 16, 32] as const;

/** Parses a link width token `x16` → 16. */
/** A size in MiB as GiB for messages, to two decimals: `768`, `0.5`, `1.33`. */
export function gibText(mib: number): string {
    return String(Math.round((mib / 1024) * 100) / 100);
}

export function parseLinkWidth(text: string | undefined): Parsed<number> {
    const m = /^x(\d+)$/.exec(text ?? '');
    const width = m ? Number(m[1]) : NaN;
    if (!(PCIE_WIDTHS as readonly number[]).includes(width)) {
        return { ok: false, message: `${text} is not a PCIe link width: expected x1, x2, x4, x8, x16 or x32` };
    }
    return { ok: true, value: width };
}

/** Checks a PCIe speed per lane in GT/s (2.5, 5, 8, 16, 32, 64). */
export function checkLinkSpeed(speed: number | undefined): Parsed<number> {
    if (speed === undefined || !(PCIE_SPEEDS_GTS as readonly number[]).includes(speed)) {
        return { ok: false, message: `${speed} GT/s is not a PCIe link speed: expected 2.5, 5, 8, 16, 32 or 64 GT/s` };
    }
    return { ok: true, value: speed };
}
