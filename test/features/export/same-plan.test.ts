/**
 * Same plan everywhere (issue 15, item 6): for every VM of the HGX example, every per-VM format is
 * written from the one guest plan (`planGuestAddresses`), and each format's file, read back by a
 * reader of that format's own (not by the writer's code), states the same facts: the devices (by
 * role), the vCPU count, the memory, the guest NUMA cells (vCPUs and memory per cell) and the cell
 * each device hangs under. A format that cannot express a fact says so — KubeVirt in its
 * `vmtopo/not-expressed` annotation, NCCL by the nature of the file (a reason recorded here) — and
 * the comparison skips exactly that fact for that format, never silently.
 *
 * Adding a format (cloud-hypervisor, Proxmox, vmx…): one entry in {@link FORMATS} — its registry id
 * and a reader from its text to a {@link View}.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { XMLParser } from 'fast-xml-parser';
import { parseAllDocuments } from 'yaml';
import { formatById } from '../../../language/src/features/export/formats.js';
import type { VmWriter } from '../../../language/src/features/export/writer.js';
import { NOT_EXPRESSED_ANNOTATION, kubevirtName } from '../../../language/src/features/export/kubevirt.js';
import { ExportError } from '../../../language/src/model/export-error.js';
import { planGuestAddresses, type GuestPlan } from '../../../language/src/model/guest-plan.js';
import type { VmModel } from '../../../language/src/model/topology.js';
import { predictGuestAddresses } from '../../support/libvirt-guest.js';
import { buildWorkspace, readRepoFile } from '../../support/util.js';

/** The facts every format is compared on, as the guest plan states them. */
interface Facts {
    /** Names of the plan's devices by role group. */
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
}
type Fact = keyof Facts;
const FACTS: readonly Fact[] = ['gpus', 'nics', 'nvswitches', 'vcpus', 'memoryMiB', 'cellVcpus', 'cellMemoryMiB', 'deviceCell'];
/** Facts that are maps: a format may state some of their keys only, if it records why. */
const MAPS: readonly Fact[] = ['cellVcpus', 'cellMemoryMiB', 'deviceCell'];

/** What one format's file states: the facts it states (devices as one list of names) and, per fact, why it does not (or only partly). */
interface View {
    readonly devices?: readonly string[];
    readonly facts: Partial<Omit<Facts, 'gpus' | 'nics' | 'nvswitches'>>;
    readonly notExpressed: Partial<Record<Fact, string>>;
}

/** What a reader may use besides the file: the names of the plan's devices and the libvirt file's guest addresses. */
interface ReadContext {
    readonly vm: VmModel;
    readonly plan: GuestPlan;
    /** Guest `dddd:bb:dd.f` → device name, read from the VM's libvirt file (test/support/libvirt-guest.ts). */
    readonly libvirtAddresses: ReadonlyMap<string, string>;
}

interface SamePlanFormat {
    /** The format's id in the export-format registry. */
    readonly id: string;
    /** Reads the facts from the format's text. */
    readonly read: (text: string, context: ReadContext) => View;
}

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' });
const list = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

/** `0-3,8` → [0, 1, 2, 3, 8]. */
function cpuList(text: string): number[] {
    return text.split(',').flatMap(part => {
        const [a, b] = part.split('-').map(Number);
        return Array.from({ length: (b ?? a) - a + 1 }, (_, k) => a + k);
    });
}

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

const FORMATS: readonly SamePlanFormat[] = [
    {
        id: 'libvirt',
        read: text => {
            const domain = xml.parse(text).domain;
            const memory = domain.memory;
            const cells = list<any>(domain.cpu?.numa?.cell);
            const functions = predictGuestAddresses(text).filter(f => f.element === 'hostdev');
            return {
                devices: functions.map(f => String(f.alias).replace(/^ua-/, '')),
                facts: {
                    vcpus: Number(domain.vcpu['#text'] ?? domain.vcpu),
                    memoryMiB: mib(Number(memory['#text']), memory.unit),
                    cellVcpus: Object.fromEntries(cells.map(c => [Number(c.id), cpuList(String(c.cpus))])),
                    cellMemoryMiB: Object.fromEntries(cells.map(c => [Number(c.id), mib(Number(c.memory), c.unit)])),
                    deviceCell: Object.fromEntries(functions.map(f => [String(f.alias).replace(/^ua-/, ''), f.node!]))
                },
                notExpressed: {}
            };
        }
    },
    {
        id: 'nccl',
        read: (text, { libvirtAddresses }) => {
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
            return {
                devices,
                facts: { cellVcpus, deviceCell },
                notExpressed: {
                    nvswitches: 'NCCL finds NVSwitches through NVML; the file names GPUs and NICs only',
                    vcpus: 'an NCCL topology states the CPUs of the cells that hold devices, not the VM\'s vCPU count',
                    memoryMiB: 'an NCCL topology has no memory',
                    cellVcpus: 'a <cpu> is written only for guest cells that hold devices',
                    cellMemoryMiB: 'an NCCL topology has no memory',
                    deviceCell: 'NVSwitches are not in the file (partial: the cells of its GPUs and NICs)'
                }
            };
        }
    },
    {
        id: 'kubevirt',
        read: (text, { plan }) => {
            const [machine] = parseAllDocuments(text) as unknown as { toJS(): any }[];
            const vmObject = machine.toJS();
            const domain = vmObject.spec.template.spec.domain;
            const byKubeName = new Map(plan.devices.map(d => [kubevirtName(d.name), d.name]));
            const named = [...list<any>(domain.devices.gpus), ...list<any>(domain.devices.hostDevices), ...list<any>(domain.devices.interfaces)]
                .map(d => byKubeName.get(d.name) ?? `unknown ${d.name}`);
            const guest = /^(\d+)(Mi|Gi|Ti)$/.exec(domain.memory.guest)!;
            const lost = new Set(String(vmObject.metadata.annotations[NOT_EXPRESSED_ANNOTATION]).split(',').filter(Boolean));
            const notExpressed: Partial<Record<Fact, string>> = {};
            if (lost.has('numa-cells')) {
                notExpressed.cellVcpus = 'not-expressed: numa-cells';
                notExpressed.cellMemoryMiB = 'not-expressed: numa-cells';
            }
            if (lost.has('guest-pci-addresses')) notExpressed.deviceCell = 'not-expressed: guest-pci-addresses';
            return {
                devices: named,
                facts: { vcpus: domain.cpu.sockets * domain.cpu.cores * domain.cpu.threads, memoryMiB: mib(Number(guest[1]), guest[2]) },
                notExpressed
            };
        }
    }
];

/** The plan's facts of a VM. */
function planFacts(plan: GuestPlan): Facts {
    const names = (roles: string[]) => plan.devices.filter(d => roles.includes(d.role)).map(d => d.name).sort();
    const cellOfNode = new Map(plan.expanders.map(x => [x.hostNode, x.cell]));
    return {
        gpus: names(['gpu', 'vgpu']),
        nics: names(['nic', 'vf']),
        nvswitches: names(['nvswitch']),
        vcpus: plan.vm.vcpus,
        memoryMiB: plan.vm.memoryMiB,
        cellVcpus: Object.fromEntries(plan.cells.map(c => [c.id, [...c.vcpus]])),
        cellMemoryMiB: Object.fromEntries(plan.cells.map(c => [c.id, c.memoryMiB])),
        deviceCell: Object.fromEntries(plan.devices.map(d => [d.name, cellOfNode.get(d.location.numa)!]))
    };
}

/** The view's facts, its device list split by the plan's roles (a name the plan lacks lands in `unknown`). */
function stated(view: View, plan: GuestPlan): Partial<Facts> & { unknown?: string[] } {
    if (!view.devices) return view.facts;
    const role = new Map(plan.devices.map(d => [d.name, d.role]));
    const of = (roles: string[]) => view.devices!.filter(n => roles.includes(role.get(n) ?? '')).sort();
    return {
        ...view.facts, gpus: of(['gpu', 'vgpu']), nics: of(['nic', 'vf']), nvswitches: of(['nvswitch']),
        unknown: view.devices.filter(n => !role.has(n))
    };
}

let vms: VmModel[];
beforeAll(async () => {
    const ws = await buildWorkspace({ 'hgx-h200.vmtopo': readRepoFile('examples/hgx-h200.vmtopo') });
    vms = [...ws.resolved().topology.vms];
}, 60_000);

describe('same plan everywhere: every format states the guest plan\'s devices, cells, CPUs and memory', () => {
    const refusals: Record<string, string[]> = {};
    const comparedBy: Record<string, Set<string>> = {};

    it('every format of the list is a per-VM format of the registry', () => {
        for (const f of FORMATS) expect(formatById(f.id)?.scope, f.id).toBe('vm');
    });

    for (const name of ['train-a', 'fm-service', 'infer-b', 'tenant-c', 'tenant-d']) {
        it(`${name}: each format's facts equal the plan's, or the format records that it cannot state them`, async () => {
            const vm = vms.find(v => v.name === name)!;
            const plan = planGuestAddresses(vm);
            const expected = planFacts(plan);
            const texts = new Map<string, string>();
            for (const f of FORMATS) {
                const writer = await formatById(f.id)!.writer() as VmWriter;
                try {
                    texts.set(f.id, writer(vm, plan));
                } catch (e) {
                    expect(e, `${f.id} on ${name}`).toBeInstanceOf(ExportError);
                    (refusals[f.id] ??= []).push(name);
                }
            }
            const libvirt = texts.get('libvirt');
            const libvirtAddresses = new Map(libvirt
                ? predictGuestAddresses(libvirt).filter(f => f.element === 'hostdev').map(f => [f.bdf, String(f.alias).replace(/^ua-/, '')])
                : []);
            for (const f of FORMATS) {
                const text = texts.get(f.id);
                if (text === undefined) continue;
                const view = f.read(text, { vm, plan, libvirtAddresses });
                const facts = stated(view, plan);
                expect(facts.unknown ?? [], `${f.id}: devices the plan lacks`).toEqual([]);
                for (const fact of FACTS) {
                    const value = facts[fact];
                    const why = view.notExpressed[fact];
                    if (value === undefined || (why && !MAPS.includes(fact))) {
                        expect(why, `${f.id} states no ${fact} for ${name} and records no reason`).toBeTruthy();
                        continue;
                    }
                    (comparedBy[fact] ??= new Set()).add(f.id);
                    if (MAPS.includes(fact) && why) {
                        // a partial map: what it states must agree with the plan
                        const want = expected[fact] as Record<string, unknown>;
                        for (const [key, v] of Object.entries(value as Record<string, unknown>)) expect(v, `${f.id} ${fact}[${key}] of ${name}`).toEqual(want[key]);
                        continue;
                    }
                    expect(value, `${f.id} ${fact} of ${name}`).toEqual(expected[fact]);
                }
            }
        });
    }

    it('every fact is compared in at least two formats, and the refusals are the known ones', () => {
        for (const fact of FACTS) expect([...(comparedBy[fact] ?? [])].length, fact).toBeGreaterThanOrEqual(fact === 'nvswitches' || fact === 'cellMemoryMiB' ? 1 : 2);
        // a format that refuses a VM (an ExportError) is listed here with the VMs it refuses
        expect(refusals).toEqual({});
    });
});

describe('the comparison has teeth', () => {
    it('a KubeVirt file that drops a device, or a libvirt file with a cell moved, differs from the plan', async () => {
        const vm = vms.find(v => v.name === 'train-a')!;
        const plan = planGuestAddresses(vm);
        const expected = planFacts(plan);
        const kubevirt = FORMATS.find(f => f.id === 'kubevirt')!;
        const text = (await formatById('kubevirt')!.writer() as VmWriter)(vm, plan).replace(/ {12}- name: gpu3\n {14}deviceName: \S+\n/, '');
        expect(stated(kubevirt.read(text, { vm, plan, libvirtAddresses: new Map() }), plan).gpus).not.toEqual(expected.gpus);
        const libvirt = FORMATS.find(f => f.id === 'libvirt')!;
        const domain = (await formatById('libvirt')!.writer() as VmWriter)(vm, plan).replace("cpus='0-95'", "cpus='0-94'").replace('cpus="0-95"', 'cpus="0-94"');
        expect(stated(libvirt.read(domain, { vm, plan, libvirtAddresses: new Map() }), plan).cellVcpus).not.toEqual(expected.cellVcpus);
    });
});
