/**
 * Same plan everywhere (issue 15, item 6): what each per-VM export format states of a VM's guest plan,
 * read back from the format's text by a reader of that format's own syntax (never the writer's code),
 * in one shape ({@link Facts}), and the comparison of those facts with the plan's
 * ({@link compareWithPlan}).
 *
 * A format that cannot express a fact records why, and the reader takes the reason from where the
 * format records it: KubeVirt in its `vmtopo/not-expressed` annotation; cloud-hypervisor's script,
 * Proxmox VE and ESXi in their `cannot express` comment lines (for cloud-hypervisor's JSON, which has
 * no comments, in `cloudHypervisorLimits`, the text the README and the script show); NCCL by the
 * nature of the file (the reasons are stated here). A reason the file lacks is reported as a problem:
 * the comparison never skips a fact silently.
 *
 * Adding a format: one entry in {@link FORMAT_READERS}, keyed by its registry id.
 */
import { XMLParser } from 'fast-xml-parser';
import { parseAllDocuments } from 'yaml';
import { NOT_EXPRESSED_ANNOTATION, kubevirtName } from '../../language/src/features/export/kubevirt.js';
import { cloudHypervisorLimits } from '../../language/src/features/export/cloud-hypervisor.js';
import type { GuestPlan } from '../../language/src/model/guest-plan.js';
import type { VmFormat } from '../../language/src/features/export/formats.js';
import type { Platform, VmModel } from '../../language/src/model/topology.js';
import { formatBdf } from '../../language/src/syntax/tokens.js';
import { predictGuestAddresses } from './libvirt-guest.js';
import { chvFacts, idList, parseChvScript, parsePveConf, parseVmx, pveFacts, pveSubKeys, vmxFacts, type ChvConfig } from './platform-files.js';

/** The facts every format is compared on, as the guest plan states them. */
export interface Facts {
    /** Names of the plan's devices by role group, sorted. */
    readonly gpus: readonly string[];
    readonly nics: readonly string[];
    readonly nvswitches: readonly string[];
    readonly vcpus: number;
    /** Guest memory in MiB. */
    readonly memoryMiB: number;
    /** Guest cell id → its vCPU ids (ascending). */
    readonly cellVcpus: Readonly<Record<number, readonly number[]>>;
    /** Guest cell id → its memory in MiB. */
    readonly cellMemoryMiB: Readonly<Record<number, number>>;
    /** Device name → the guest cell it hangs under. */
    readonly deviceCell: Readonly<Record<string, number>>;
    /** vCPU → the host CPU it is pinned to (empty: the vCPUs float). */
    readonly vcpuPins: Readonly<Record<number, number>>;
    /** The host CPUs the VM's threads may run on: the vCPU pins and the emulator pin, ascending (empty: floating). */
    readonly cpuSet: readonly number[];
    /** Guest cell id → the host NUMA nodes its memory is bound to (empty: memory not bound). */
    readonly cellHostNodes: Readonly<Record<number, readonly number[]>>;
    /** The host NUMA nodes of the VM's memory, ascending (empty: not bound). */
    readonly memoryNodes: readonly number[];
}
export type Fact = keyof Facts;
export const FACTS: readonly Fact[] = [
    'gpus', 'nics', 'nvswitches', 'vcpus', 'memoryMiB', 'cellVcpus', 'cellMemoryMiB', 'deviceCell', 'vcpuPins', 'cpuSet', 'cellHostNodes', 'memoryNodes'
];
/** Facts that are maps: with a recorded reason, a format may state some of their keys (each must agree). */
const MAPS: readonly Fact[] = ['cellVcpus', 'cellMemoryMiB', 'deviceCell', 'vcpuPins', 'cellHostNodes'];
/** Facts that are lists: with a recorded reason, a format may state part of the list (each element must be the plan's). */
const LISTS: readonly Fact[] = ['gpus', 'nics', 'nvswitches', 'cpuSet', 'memoryNodes'];

type StatedFacts = Partial<Omit<Facts, 'gpus' | 'nics' | 'nvswitches'>>;

/** What one format's file states: its facts (devices as one list of plan device names) and, per fact, the reason it records for not stating it (or only part of it). */
export interface View {
    readonly devices?: readonly string[];
    readonly facts: StatedFacts;
    /** Fact → the reason as the format records it; `undefined`: the file records none. */
    readonly notExpressed: Partial<Record<Fact, string | undefined>>;
}

/** What a reader may use besides the file: the VM, its plan and the libvirt file's guest addresses. */
export interface ReadContext {
    readonly vm: VmModel;
    readonly plan: GuestPlan;
    /** Guest `dddd:bb:dd.f` → device name, read from the VM's libvirt file (test/support/libvirt-guest.ts); empty without one. */
    readonly libvirtAddresses: ReadonlyMap<string, string>;
}

/** Reads the facts from a format's text. */
export type FormatReader = (text: string, context: ReadContext) => View;

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' });
const list = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);
const sortedSet = (ids: Iterable<number>): number[] => [...new Set(ids)].sort((a, b) => a - b);

/** A size with a libvirt unit or a Kubernetes quantity suffix, in MiB. */
function mib(value: number, unit: string): number {
    const factor: Record<string, number> = { KiB: 1 / 1024, MiB: 1, GiB: 1024, TiB: 1024 * 1024, Ki: 1 / 1024, Mi: 1, Gi: 1024, Ti: 1024 * 1024 };
    if (!(unit in factor)) throw new Error(`unit ${unit}`);
    return value * factor[unit];
}

/** Linux cpumask words (`ffffffff,0000000f`, most significant first) → bit numbers. */
function maskBits(mask: string): number[] {
    const words = mask.split(',').reverse();
    return words.flatMap((w, i) => Array.from({ length: 32 }, (_, b) => b).filter(b => (parseInt(w, 16) >>> b) & 1).map(b => i * 32 + b));
}

/** The line of `text` that holds the limit starting with `start` (e.g. `per-vCPU pinning:`), trimmed; undefined when the text records no such limit. */
function limitLine(text: string, start: string): string | undefined {
    return text.split('\n').find(l => l.includes(start))?.trim();
}

/** The plan's device names by the keys platform-files.ts uses (`pci:<BDF>`, `mdev:<uuid>`, `mdev-parent:<BDF>`), several names per key in plan order. */
function deviceKeys(plan: GuestPlan): (key: string) => string {
    const byKey = new Map<string, string[]>();
    const add = (key: string, name: string) => byKey.set(key, [...(byKey.get(key) ?? []), name]);
    for (const d of plan.devices) {
        if (d.hostAddress) add(`pci:${formatBdf(d.hostAddress)}`, d.name);
        if (d.mdev) {
            add(`mdev:${d.mdev.uuid}`, d.name);
            add(`mdev-parent:${formatBdf(d.mdev.parent)}`, d.name);
        }
    }
    return key => byKey.get(key)?.shift() ?? `unknown ${key}`;
}

function readLibvirt(text: string): View {
    const domain = xml.parse(text).domain;
    const memory = domain.memory;
    const cells = list<any>(domain.cpu?.numa?.cell);
    const functions = predictGuestAddresses(text).filter(f => f.element === 'hostdev');
    const pins = list<any>(domain.cputune?.vcpupin);
    const emulator = domain.cputune?.emulatorpin ? idList(String(domain.cputune.emulatorpin.cpuset)) : [];
    const memnodes = list<any>(domain.numatune?.memnode);
    return {
        devices: functions.map(f => String(f.alias).replace(/^ua-/, '')),
        facts: {
            vcpus: Number(domain.vcpu['#text'] ?? domain.vcpu),
            memoryMiB: mib(Number(memory['#text']), memory.unit),
            cellVcpus: Object.fromEntries(cells.map(c => [Number(c.id), idList(String(c.cpus))])),
            cellMemoryMiB: Object.fromEntries(cells.map(c => [Number(c.id), mib(Number(c.memory), c.unit)])),
            deviceCell: Object.fromEntries(functions.map(f => [String(f.alias).replace(/^ua-/, ''), f.node!])),
            vcpuPins: Object.fromEntries(pins.map(p => [Number(p.vcpu), Number(p.cpuset)])),
            cpuSet: sortedSet([...pins.flatMap(p => idList(String(p.cpuset))), ...emulator]),
            cellHostNodes: Object.fromEntries(memnodes.map(m => [Number(m.cellid), idList(String(m.nodeset))])),
            memoryNodes: sortedSet(memnodes.flatMap(m => idList(String(m.nodeset))))
        },
        notExpressed: {}
    };
}

function readNccl(text: string, { libvirtAddresses }: ReadContext): View {
    const system = xml.parse(text).system;
    const devices: string[] = [];
    const deviceCell: Record<string, number> = {};
    const cellVcpus: Record<number, number[]> = {};
    for (const cpu of list<any>(system.cpu)) {
        const cell = Number(cpu.numaid);
        cellVcpus[cell] = maskBits(String(cpu.affinity));
        const walk = (pci: any) => {
            for (const p of list<any>(pci)) {
                const name = libvirtAddresses.get(String(p.busid));
                if (name) {
                    devices.push(name);
                    deviceCell[name] = cell;
                } else if (!p.pci) {
                    throw new Error(`NCCL names ${p.busid}, which the libvirt file has no device at`);
                }
                walk(p.pci);
            }
        };
        walk(cpu.pci);
    }
    const host = 'an NCCL topology describes the guest only: no host CPUs or host NUMA nodes';
    return {
        devices,
        facts: { cellVcpus, deviceCell },
        // NCCL records nothing: these reasons are the nature of the file (NCCL's topology XML, src/graph/xml.cc)
        notExpressed: {
            nvswitches: 'NCCL finds NVSwitches through NVML; the file names GPUs and NICs only',
            vcpus: 'an NCCL topology states the CPUs of the cells that hold devices, not the VM\'s vCPU count',
            memoryMiB: 'an NCCL topology has no memory',
            cellVcpus: 'a <cpu> is written only for guest cells that hold devices',
            cellMemoryMiB: 'an NCCL topology has no memory',
            deviceCell: 'NVSwitches are not in the file (partial: the cells of its GPUs and NICs)',
            vcpuPins: host, cpuSet: host, cellHostNodes: host, memoryNodes: host
        }
    };
}

function readKubevirt(text: string, { plan }: ReadContext): View {
    const [machine] = parseAllDocuments(text) as unknown as { toJS(): any }[];
    const vmObject = machine.toJS();
    const domain = vmObject.spec.template.spec.domain;
    const byKubeName = new Map(plan.devices.map(d => [kubevirtName(d.name), d.name]));
    const named = [...list<any>(domain.devices.gpus), ...list<any>(domain.devices.hostDevices), ...list<any>(domain.devices.interfaces)]
        .map(d => byKubeName.get(d.name) ?? `unknown ${d.name}`);
    const guest = /^(\d+)(Mi|Gi|Ti)$/.exec(domain.memory.guest)!;
    const lost = new Set(String(vmObject.metadata.annotations[NOT_EXPRESSED_ANNOTATION]).split(',').filter(Boolean));
    const reason = (key: string) => (lost.has(key) ? `not-expressed: ${key}` : undefined);
    const facts: { -readonly [K in keyof StatedFacts]: StatedFacts[K] } = { vcpus: domain.cpu.sockets * domain.cpu.cores * domain.cpu.threads, memoryMiB: mib(Number(guest[1]), guest[2]) };
    const notExpressed: View['notExpressed'] = {};
    const lose = (fact: Fact, key: string, nothing: unknown) => {
        // KubeVirt pins and binds nothing itself: when it records no loss, the plan has nothing to state either
        if (lost.has(key)) notExpressed[fact] = reason(key);
        else (facts as Record<string, unknown>)[fact] = nothing;
    };
    notExpressed.cellVcpus = reason('numa-cells');
    notExpressed.cellMemoryMiB = reason('numa-cells');
    lose('deviceCell', 'guest-pci-addresses', {});
    lose('vcpuPins', 'host-cpus', {});
    if (lost.has('host-cpus') || lost.has('emulator-cpus')) notExpressed.cpuSet = reason(lost.has('host-cpus') ? 'host-cpus' : 'emulator-cpus');
    else facts.cpuSet = [];
    lose('cellHostNodes', 'memory-nodes', {});
    lose('memoryNodes', 'memory-nodes', []);
    return { devices: named, facts, notExpressed };
}

/** cloud-hypervisor's `VmConfig` (from the JSON or the script); `limits`: where the format records what it cannot express; `emulatorCpus`: the script's `taskset` CPUs. */
function readChv(config: ChvConfig, limits: string, { plan }: ReadContext, emulatorCpus?: readonly number[]): View {
    const facts = chvFacts(config);
    const name = deviceKeys(plan);
    const cells = facts.cells!;
    const ids: number[] = config.numa.map((n: any) => Number(n.guest_numa_id));
    const cellOfSegment = new Map<number, number>(config.numa.flatMap((n: any) => (n.pci_segments ?? []).map((s: number) => [s, Number(n.guest_numa_id)])));
    const devices = facts.devices.map(name);
    const pins = facts.vcpuPins ?? [];
    const severalNodes = limitLine(limits, 'memory on several host nodes per cell');
    const emulatorLimit = emulatorCpus ? undefined : limitLine(limits, 'emulator pin:');
    return {
        devices,
        facts: {
            vcpus: config.cpus.boot_vcpus,
            memoryMiB: facts.memoryMiB,
            cellVcpus: Object.fromEntries(cells.map((c, k) => [ids[k], c.vcpus])),
            cellMemoryMiB: Object.fromEntries(cells.map((c, k) => [ids[k], c.memoryMiB])),
            // segment 0 (no NUMA node names it) is guest node 0's (cloud-hypervisor docs/memory.md, "pci_segments")
            deviceCell: Object.fromEntries((config.devices ?? []).map((d: any, k: number) => [devices[k], cellOfSegment.get(d.pci_segment) ?? 0])),
            vcpuPins: Object.fromEntries(pins.map((cpu, vcpu) => [vcpu, cpu])),
            cpuSet: sortedSet([...pins, ...(emulatorCpus ?? [])]),
            ...(severalNodes ? {} : {
                cellHostNodes: Object.fromEntries(cells.flatMap((c, k) => (c.hostNodes ? [[ids[k], c.hostNodes]] : []))),
                memoryNodes: sortedSet(cells.flatMap(c => c.hostNodes ?? []))
            })
        },
        notExpressed: {
            ...(severalNodes ? { cellHostNodes: severalNodes, memoryNodes: severalNodes } : {}),
            // without the script's taskset, the emulator pin is lost: the stated CPU set is the vCPUs' part
            ...(plan.vm.emulatorPin && !emulatorCpus ? { cpuSet: emulatorLimit } : {})
        }
    };
}

function readPve(text: string, { plan }: ReadContext): View {
    const { keys } = parsePveConf(text);
    const facts = pveFacts(text);
    const name = deviceKeys(plan);
    const cells = [...keys.keys()].filter(k => /^numa\d+$/.test(k)).map(k => ({ id: Number(k.slice(4)), sub: pveSubKeys(keys.get(k)!) }));
    const bound = cells.filter(c => c.sub.hostnodes !== undefined);
    return {
        devices: facts.devices.map(name),
        facts: {
            vcpus: Number(keys.get('sockets')) * Number(keys.get('cores')),
            memoryMiB: facts.memoryMiB,
            cellVcpus: Object.fromEntries(cells.map(c => [c.id, idList(c.sub.cpus)])),
            cellMemoryMiB: Object.fromEntries(cells.map(c => [c.id, Number(c.sub.memory)])),
            cpuSet: facts.cpuSet ?? [],
            cellHostNodes: Object.fromEntries(bound.map(c => [c.id, idList(c.sub.hostnodes)])),
            memoryNodes: sortedSet(bound.flatMap(c => idList(c.sub.hostnodes)))
        },
        notExpressed: {
            vcpuPins: limitLine(text, 'per-vCPU pinning:'),
            deviceCell: limitLine(text, 'PCIe placement:')
        }
    };
}

function readVmx(text: string, { plan }: ReadContext): View {
    const { pairs } = parseVmx(text);
    const facts = vmxFacts(text);
    const vgpus = plan.devices.filter(d => d.role === 'vgpu');
    const devices = facts.devices.map(key => {
        const id = /^id:[^/]+\/(.*)$/.exec(key);
        if (id) return plan.devices.find(d => d.role !== 'vgpu' && d.role !== 'vf' && d.location.name === id[1])?.name ?? `unknown ${key}`;
        const k = vgpus.findIndex(d => key === `vgpu:grid_${((d.mdev ?? d.vgpuVf)?.type ?? '').toLowerCase()}`);
        return k < 0 ? `unknown ${key}` : vgpus.splice(k, 1)[0].name;
    });
    const vcpus = Number(pairs.get('numvcpus'));
    const uneven = limitLine(text, 'uneven guest NUMA cells');
    // vNUMA: ESXi makes equal virtual nodes of numa.vcpu.maxPerVirtualNode consecutive vCPUs each, the memory split evenly
    const per = Number(pairs.get('numa.vcpu.maxPerVirtualNode') ?? vcpus);
    const count = Math.ceil(vcpus / per);
    const exact = limitLine(text, 'exact CPUs:');
    return {
        devices,
        facts: {
            vcpus,
            memoryMiB: facts.memoryMiB,
            ...(uneven ? {} : {
                cellVcpus: Object.fromEntries(Array.from({ length: count }, (_, k) => [k, Array.from({ length: per }, (__, i) => k * per + i)])),
                cellMemoryMiB: Object.fromEntries(Array.from({ length: count }, (_, k) => [k, facts.memoryMiB / count]))
            }),
            ...(limitLine(text, 'memory nodes:') ? {} : { memoryNodes: facts.hostNodes ?? [] })
        },
        notExpressed: {
            ...(uneven ? { cellVcpus: uneven, cellMemoryMiB: uneven } : {}),
            ...(plan.devices.some(d => d.role === 'vf') ? { nics: limitLine(text, 'SR-IOV VFs:') } : {}),
            deviceCell: limitLine(text, 'PCIe placement:'),
            vcpuPins: exact, cpuSet: exact, cellHostNodes: exact,
            // numa.nodeAffinity names the vCPUs' nodes with the memory's
            ...(limitLine(text, 'memory nodes:') ? { memoryNodes: limitLine(text, 'memory nodes:') } : {})
        }
    };
}

/** The reader of every per-VM format, by registry id. */
export const FORMAT_READERS: Readonly<Record<string, FormatReader>> = {
    libvirt: readLibvirt,
    nccl: readNccl,
    kubevirt: readKubevirt,
    'cloud-hypervisor': (text, context) => readChv(JSON.parse(text), cloudHypervisorLimits(context.vm, context.plan).join('\n'), context),
    'cloud-hypervisor-cli': (text, context) => {
        const { config, exec } = parseChvScript(text);
        const taskset = /^taskset -c (\S+) /.exec(exec);
        return readChv(config, text, context, taskset ? idList(taskset[1]) : []);
    },
    proxmox: readPve,
    vmx: readVmx
};

/** Whether a format's files run on a platform: its registry record's `platforms` (absent: any). */
export function runsOn(format: VmFormat, platform: Platform): boolean {
    return format.platforms?.includes(platform) ?? true;
}

/** The plan's facts of a VM. */
export function planFacts(plan: GuestPlan): Facts {
    const names = (roles: string[]) => plan.devices.filter(d => roles.includes(d.role)).map(d => d.name).sort();
    const cellOfNode = new Map(plan.expanders.map(x => [x.hostNode, x.cell]));
    const pins = plan.vcpuPins ?? [];
    return {
        gpus: names(['gpu', 'vgpu']),
        nics: names(['nic', 'vf']),
        nvswitches: names(['nvswitch']),
        vcpus: plan.vm.vcpus,
        memoryMiB: plan.vm.memoryMiB,
        cellVcpus: Object.fromEntries(plan.cells.map(c => [c.id, [...c.vcpus]])),
        cellMemoryMiB: Object.fromEntries(plan.cells.map(c => [c.id, c.memoryMiB])),
        deviceCell: Object.fromEntries(plan.devices.map(d => [d.name, cellOfNode.get(d.location.numa)!])),
        vcpuPins: Object.fromEntries(pins.map((cpu, vcpu) => [vcpu, cpu])),
        cpuSet: sortedSet([...pins, ...(plan.vm.emulatorPin ? [...plan.vm.emulatorPin] : [])]),
        cellHostNodes: plan.bindMemory ? Object.fromEntries(plan.cells.map(c => [c.id, [...c.memoryNodes]])) : {},
        memoryNodes: plan.bindMemory ? sortedSet(plan.cells.flatMap(c => c.memoryNodes)) : []
    };
}

/** The view's facts, its device list split by the plan's roles (a name the plan lacks lands in `unknown`). */
export function stated(view: View, plan: GuestPlan): Partial<Facts> & { unknown?: string[] } {
    if (!view.devices) return view.facts;
    const role = new Map(plan.devices.map(d => [d.name, d.role]));
    const of = (roles: string[]) => view.devices!.filter(n => roles.includes(role.get(n) ?? '')).sort();
    return {
        ...view.facts, gpus: of(['gpu', 'vgpu']), nics: of(['nic', 'vf']), nvswitches: of(['nvswitch']),
        unknown: view.devices.filter(n => !role.has(n))
    };
}

/** What one format's file said against the plan: the facts compared (wholly or in part) and every disagreement or unrecorded omission, one line each. */
export interface Comparison {
    readonly compared: readonly Fact[];
    readonly problems: readonly string[];
}

/**
 * Compares a view with the plan. Per fact: stated and no reason recorded → equal to the plan's;
 * stated with a reason → a partial map (each stated key agrees) or list (each element is the plan's),
 * a scalar is not compared; not stated → the format must record a reason. Devices the plan lacks are problems.
 */
export function compareWithPlan(view: View, plan: GuestPlan): Comparison {
    const expected = planFacts(plan);
    const facts = stated(view, plan);
    const problems: string[] = [];
    const compared: Fact[] = [];
    const show = (v: unknown) => JSON.stringify(v);
    if ((facts.unknown ?? []).length > 0) problems.push(`devices the plan lacks: ${facts.unknown!.join(', ')}`);
    for (const fact of FACTS) {
        const value = facts[fact];
        const why = view.notExpressed[fact];
        const hasReason = fact in view.notExpressed;
        if (hasReason && !why) {
            problems.push(`${fact}: not (wholly) stated, and the file records no reason`);
            continue;
        }
        if (value === undefined) {
            if (!why) problems.push(`${fact}: not stated, and the file records no reason`);
            continue;
        }
        if (why && !MAPS.includes(fact) && !LISTS.includes(fact)) continue;
        compared.push(fact);
        if (why && MAPS.includes(fact)) {
            const want = expected[fact] as Record<string, unknown>;
            for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
                if (show(v) !== show(want[key])) problems.push(`${fact}[${key}]: ${show(v)}, the plan ${show(want[key])}`);
            }
        } else if (why) {
            const want = new Set(expected[fact] as readonly unknown[]);
            const extra = (value as readonly unknown[]).filter(v => !want.has(v));
            if (extra.length > 0) problems.push(`${fact}: ${show(extra)} not in the plan's ${show(expected[fact])}`);
        } else if (show(normalise(value)) !== show(normalise(expected[fact]))) {
            problems.push(`${fact}: ${show(value)}, the plan ${show(expected[fact])}`);
        }
    }
    return { compared, problems };
}

/** Maps with their keys in one order, so two equal maps print equal. */
function normalise(v: unknown): unknown {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)));
}

/** Guest `dddd:bb:dd.f` → device name of a libvirt file (for the NCCL reader). */
export function libvirtAddressesOf(domainXml: string | undefined): Map<string, string> {
    return new Map(domainXml
        ? predictGuestAddresses(domainXml).filter(f => f.element === 'hostdev').map(f => [f.bdf, String(f.alias).replace(/^ua-/, '')])
        : []);
}
