/**
 * A libvirt domain XML reduced to what vmtopo writes and drift compares ({@link DomainFacts}),
 * normalised so that what libvirt adds or reorders when it defines or starts a domain is not a
 * difference: attribute order and quoting (parsed), device aliases, `<seclabel>`, addresses libvirt
 * assigns to devices vmtopo left without one (only hostdevs' and vmtopo's controllers' are read),
 * controllers libvirt adds (only `pci` controllers are read, keyed by index, so their order does not
 * matter), the CPU model libvirt expands for `host-model` (the `<cpu>` element is not read), and
 * units (every size in KiB, every CPU set as a sorted list).
 *
 * Element and attribute meanings: libvirt "Domain XML format", https://libvirt.org/formatdomain.html
 * (CPU tuning `cputune`, `numatune`, `memoryBacking`, `hostdev`, `controller`, `pcihole64`) and
 * https://libvirt.org/pci-addresses.html.
 */
import { XMLParser } from 'fast-xml-parser';
import { formatCpuList } from '../../syntax/tokens.js';

/** One PCI controller: its index, model, and for an expander bus its `busNr` and NUMA `<node>`. */
export interface PciController {
    readonly index: number;
    readonly model: string;
    readonly busNr?: number;
    readonly node?: number;
}

/** One hostdev: `pci` with its host address `dddd:bb:dd.f`, or `mdev` with its UUID; and the guest address libvirt keeps. */
export interface Hostdev {
    readonly type: 'pci' | 'mdev';
    readonly source: string;
    /** Guest `bus:slot.function` (controller index, slot, function), when the XML has one. */
    readonly guest?: string;
}

/** What drift compares of a domain. Sizes in KiB; CPU and node sets as ascending cpulists (`0-3,8`). */
export interface DomainFacts {
    readonly name: string;
    readonly uuid?: string;
    /** `<domain id=…>`: the domain runs (live XML of a running domain). */
    readonly running: boolean;
    readonly vcpus?: number;
    /** vCPU → host CPUs (`<vcpupin>`). */
    readonly pins: ReadonlyMap<number, string>;
    readonly emulatorPin?: string;
    readonly memoryKiB?: number;
    /** `<numatune><memory mode nodeset>`. */
    readonly numatune?: { readonly mode: string; readonly nodeset: string };
    /** `<memnode cellid mode nodeset>` by guest cell. */
    readonly memnodes: ReadonlyMap<number, string>;
    /** Hugepage size of `<memoryBacking><hugepages><page>`, when hugepages are asked for. */
    readonly hugepageKiB?: number;
    readonly hostdevs: readonly Hostdev[];
    readonly pciControllers: ReadonlyMap<number, PciController>;
    readonly pcihole64KiB?: number;
}

/** Why a domain XML could not be read: one line. */
export class DomainXmlError extends Error {}

const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    processEntities: true,
    isArray: name => ['vcpupin', 'memnode', 'hostdev', 'controller', 'page', 'cell'].includes(name)
});

type El = Record<string, unknown>;

/**
 * Reads a domain XML (`virsh dumpxml`, with or without `--inactive`, or vmtopo's export).
 * @throws DomainXmlError when the text is not XML with a `<domain>` root
 */
export function readDomain(xml: string): DomainFacts {
    let doc: El;
    try {
        doc = parser.parse(xml, true) as El;
    } catch (err) {
        throw new DomainXmlError(`not well-formed XML: ${(err as Error).message.split('\n')[0]}`);
    }
    const d = doc.domain as El | undefined;
    if (!d || typeof d !== 'object') throw new DomainXmlError('no <domain> element');
    const cputune = el(d.cputune);
    const pins = setsById(cputune?.vcpupin, '@vcpu', '@cpuset');
    const numatune = el(d.numatune);
    const mem = el(numatune?.memory);
    const memnodes = setsById(numatune?.memnode, '@cellid', '@nodeset');
    const backing = el(d.memoryBacking);
    const hugepages = backing && 'hugepages' in backing ? el(backing.hugepages) ?? {} : undefined;
    const page = hugepages ? list(hugepages.page)[0] : undefined;
    const devices = el(d.devices) ?? {};
    const pciControllers = new Map<number, PciController>();
    let pcihole64KiB: number | undefined;
    for (const c of list(devices.controller)) {
        if (c['@type'] !== 'pci') continue;
        const index = int(c['@index']);
        if (index === undefined) continue;
        const target = el(c.target);
        pciControllers.set(index, {
            index, model: typeof c['@model'] === 'string' ? c['@model'] : '',
            busNr: int(target?.['@busNr']), node: int(textOf(target?.node))
        });
        const hole = c.pcihole64;
        if (hole !== undefined) pcihole64KiB = kib(textOf(hole), el(hole)?.['@unit'] as string | undefined);
    }
    const hostdevs: Hostdev[] = [];
    for (const h of list(devices.hostdev)) {
        const source = el(el(h.source)?.address);
        const guest = el(h.address);
        const guestText = guest && guest['@type'] === 'pci' ? `${hexInt(guest['@bus'])}:${hexInt(guest['@slot'])}.${hexInt(guest['@function'])}` : undefined;
        if (h['@type'] === 'mdev' && typeof source?.['@uuid'] === 'string') {
            hostdevs.push({ type: 'mdev', source: source['@uuid'].toLowerCase(), guest: guestText });
        } else if (h['@type'] === 'pci' && source) {
            const [dom, bus, slot, fn] = ['@domain', '@bus', '@slot', '@function'].map(k => hexInt(source[k]) ?? 0);
            hostdevs.push({ type: 'pci', source: bdfText(dom, bus, slot, fn), guest: guestText });
        }
    }
    const memory = el(d.memory);
    return {
        name: textOf(d.name) ?? '',
        uuid: textOf(d.uuid),
        running: d['@id'] !== undefined && d['@id'] !== '-1',
        vcpus: int(textOf(d.vcpu)),
        pins,
        emulatorPin: cpuset(el(cputune?.emulatorpin)?.['@cpuset']),
        memoryKiB: kib(textOf(d.memory), memory?.['@unit'] as string | undefined),
        numatune: mem && typeof mem['@nodeset'] === 'string' ? { mode: typeof mem['@mode'] === 'string' ? mem['@mode'] : 'strict', nodeset: cpuset(mem['@nodeset']) ?? String(mem['@nodeset']) } : undefined,
        memnodes,
        hugepageKiB: hugepages ? (page ? kib(String(page['@size']), page['@unit'] as string | undefined) : undefined) ?? 0 : undefined,
        hostdevs,
        pciControllers,
        pcihole64KiB
    };
}

function el(x: unknown): El | undefined {
    return x && typeof x === 'object' && !Array.isArray(x) ? x as El : undefined;
}

function list(x: unknown): El[] {
    return Array.isArray(x) ? x.filter((e): e is El => !!e && typeof e === 'object') : el(x) ? [x as El] : [];
}

/**
 * Elements that give a set per id (`<vcpupin vcpu="0" cpuset="2"/>`, `<memnode cellid="0"
 * nodeset="0"/>`) as id → the set in cpulist form; an element whose id or set is malformed is left out.
 */
function setsById(x: unknown, idAttr: string, setAttr: string): Map<number, string> {
    const sets = new Map<number, string>();
    for (const e of list(x)) {
        const id = int(e[idAttr]);
        const set = cpuset(e[setAttr]);
        if (id !== undefined && set !== undefined) sets.set(id, set);
    }
    return sets;
}

/** The text of an element (a string, or `#text` of one with attributes). */
function textOf(x: unknown): string | undefined {
    if (typeof x === 'string' || typeof x === 'number') return String(x);
    const t = el(x)?.['#text'];
    return typeof t === 'string' || typeof t === 'number' ? String(t) : undefined;
}

function int(x: unknown): number | undefined {
    if (typeof x !== 'string' && typeof x !== 'number') return undefined;
    const s = String(x).trim();
    return /^\d+$/.test(s) ? Number(s) : undefined;
}

/** A libvirt number in decimal or `0x` hex (addresses). */
function hexInt(x: unknown): number | undefined {
    if (typeof x !== 'string') return undefined;
    const s = x.trim();
    if (/^0x[0-9a-f]+$/i.test(s)) return parseInt(s, 16);
    return /^\d+$/.test(s) ? Number(s) : undefined;
}

function bdfText(dom: number, bus: number, slot: number, fn: number): string {
    const h = (n: number, w: number) => n.toString(16).padStart(w, '0');
    return `${h(dom, 4)}:${h(bus, 2)}:${h(slot, 2)}.${fn.toString(16)}`;
}

/** libvirt's scaled integers (formatdomain.html "Memory Allocation"): the value in KiB. Default unit KiB. */
const UNIT_BYTES: Record<string, number> = {
    b: 1, bytes: 1, kb: 1e3, k: 1024, kib: 1024, mb: 1e6, m: 1024 ** 2, mib: 1024 ** 2,
    gb: 1e9, g: 1024 ** 3, gib: 1024 ** 3, tb: 1e12, t: 1024 ** 4, tib: 1024 ** 4
};

export function kib(value: string | undefined, unit: string | undefined): number | undefined {
    if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
    const factor = UNIT_BYTES[(unit ?? 'KiB').toLowerCase()];
    return factor === undefined ? undefined : Math.round(Number(value) * factor / 1024);
}

/** Hard cap on the CPUs one set may name (libvirt's own VIR_DOMAIN_CPUMASK_LEN is 8192). */
const MAX_CPUS = 8192;

/**
 * A libvirt cpuset (`0-3,^2,8`: ranges, single ids, `^` exclusions) as an ascending cpulist, or
 * undefined when it is not one.
 */
export function cpuset(x: unknown): string | undefined {
    if (typeof x !== 'string') return undefined;
    const ids = expandCpuset(x);
    return ids ? formatCpuList(ids) : undefined;
}

/** The ids of a libvirt cpuset, or undefined when it is malformed or names more than 8192. */
export function expandCpuset(text: string): number[] | undefined {
    const set = new Set<number>();
    for (const raw of text.split(',')) {
        const part = raw.trim();
        const m = /^(\^)?(\d+)(?:-(\d+))?$/.exec(part);
        if (!m) return undefined;
        const a = Number(m[2]);
        const b = m[3] !== undefined ? Number(m[3]) : a;
        if (b < a || b >= MAX_CPUS) return undefined;
        for (let i = a; i <= b; i++) if (m[1]) set.delete(i); else set.add(i);
    }
    return [...set].sort((x, y) => x - y);
}
