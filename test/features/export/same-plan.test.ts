/**
 * Same plan everywhere (issue 15, item 6): for every VM of the HGX example (KVM) and of its ESXi
 * twin, every per-VM format of the registry that runs on the VM's platform is written from the one
 * guest plan (`planGuestAddresses`), and each format's file, read back by a reader of that format's
 * own (test/support/plan-facts.ts, not the writer's code), states the same facts: the devices (by
 * role), the vCPU count, the memory, the guest NUMA cells (vCPUs and memory per cell), the cell each
 * device hangs under, the host CPUs (per vCPU and as one set) and the host nodes the memory is bound
 * to. A format that cannot express a fact records why in its file (or, for cloud-hypervisor's
 * comment-less JSON, in its limits) and the comparison checks that record exists, never skipping a
 * fact silently.
 *
 * Adding a format: its reader in test/support/plan-facts.ts; the first test fails until it is there.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { EXPORT_FORMATS, formatById, type VmFormat } from '../../../language/src/features/export/formats.js';
import { ExportError } from '../../../language/src/model/export-error.js';
import { planGuestAddresses } from '../../../language/src/model/guest-plan.js';
import type { VmModel } from '../../../language/src/model/topology.js';
import { FACTS, FORMAT_READERS, compareWithPlan, libvirtAddressesOf, planFacts, runsOn, stated, type Fact } from '../../support/plan-facts.js';
import { buildWorkspace, readRepoFile } from '../../support/util.js';

const VM_FORMATS = EXPORT_FORMATS.filter((f): f is VmFormat => f.scope === 'vm');

const EXAMPLES = [
    { file: 'examples/hgx-h200.vmtopo', platform: 'kvm' as const, vms: ['train-a', 'fm-service', 'infer-b', 'tenant-c', 'tenant-d'] },
    { file: 'examples/hgx-h200-esxi.vmtopo', platform: 'esxi' as const, vms: ['train-e', 'tenant-e'] }
];

const vms = new Map<string, VmModel>();
beforeAll(async () => {
    for (const example of EXAMPLES) {
        const ws = await buildWorkspace({ [example.file.split('/').pop()!]: readRepoFile(example.file) });
        for (const vm of ws.resolved().topology.vms) vms.set(vm.name, vm);
    }
}, 60_000);

/** Every per-VM format's text of `vm`, and the formats that refused it (ExportError). */
async function exportAll(vm: VmModel): Promise<{ texts: Map<string, string>; refused: string[] }> {
    const plan = planGuestAddresses(vm);
    const texts = new Map<string, string>();
    const refused: string[] = [];
    for (const f of VM_FORMATS) {
        const writer = await f.writer();
        try {
            texts.set(f.id, writer(vm, plan));
        } catch (e) {
            expect(e, `${f.id} on ${vm.name}`).toBeInstanceOf(ExportError);
            refused.push(f.id);
        }
    }
    return { texts, refused };
}

describe('same plan everywhere: every format states the guest plan\'s devices, cells, CPUs and memory', () => {
    const comparedBy: Partial<Record<Fact, Set<string>>> = {};

    it('every per-VM format of the registry has a reader', () => {
        expect(VM_FORMATS.map(f => f.id).filter(id => !(id in FORMAT_READERS))).toEqual([]);
        expect(Object.keys(FORMAT_READERS).filter(id => formatById(id)?.scope !== 'vm')).toEqual([]);
        // and the VMs compared below are every VM of the two examples
        expect([...vms.keys()]).toEqual(EXAMPLES.flatMap(e => e.vms));
    });

    for (const example of EXAMPLES) {
        for (const name of example.vms) {
            it(`${example.platform} ${name}: each format's facts equal the plan's, or the format records that it cannot state them`, async () => {
                const vm = vms.get(name)!;
                expect(vm.host.platform).toBe(example.platform);
                const plan = planGuestAddresses(vm);
                const { texts, refused } = await exportAll(vm);
                // the formats that refuse the VM are exactly those that do not run on its platform
                expect(refused).toEqual(VM_FORMATS.filter(f => !runsOn(f, example.platform)).map(f => f.id));
                const libvirtAddresses = libvirtAddressesOf(texts.get('libvirt'));
                for (const [id, text] of texts) {
                    const { compared, problems } = compareWithPlan(FORMAT_READERS[id](text, { vm, plan, libvirtAddresses }), plan);
                    expect(problems, `${id} of ${name}`).toEqual([]);
                    for (const fact of compared) (comparedBy[fact] ??= new Set()).add(id);
                }
            });
        }
    }

    it('every fact is compared in at least two formats (the NVSwitches: one, the others do not pass them)', () => {
        for (const fact of FACTS) expect([...(comparedBy[fact] ?? [])].length, fact).toBeGreaterThanOrEqual(fact === 'nvswitches' ? 1 : 2);
        // the new formats take part: cells, CPUs and memory binding of cloud-hypervisor and Proxmox, vmx's memory nodes
        expect([...comparedBy.cellVcpus!].sort()).toEqual(['cloud-hypervisor', 'cloud-hypervisor-cli', 'libvirt', 'nccl', 'proxmox', 'vmx']);
        expect([...comparedBy.memoryNodes!].sort()).toEqual(['cloud-hypervisor', 'cloud-hypervisor-cli', 'libvirt', 'proxmox', 'vmx']);
        expect([...comparedBy.cpuSet!].sort()).toEqual(['cloud-hypervisor', 'cloud-hypervisor-cli', 'libvirt', 'proxmox']);
    });
});

describe('the comparison has teeth', () => {
    /** The problems the comparison finds in `format`'s file of VM `name` after `perturb`. */
    async function problemsAfter(name: string, format: string, perturb: (text: string) => string): Promise<string[]> {
        const vm = vms.get(name)!;
        const plan = planGuestAddresses(vm);
        const text = (await formatById(format)!.writer() as (v: VmModel, p: typeof plan) => string)(vm, plan);
        const changed = perturb(text);
        expect(changed, 'the perturbation changed the file').not.toBe(text);
        const libvirt = (await formatById('libvirt')!.writer() as (v: VmModel, p: typeof plan) => string);
        const libvirtAddresses = vm.host.platform === 'kvm' ? libvirtAddressesOf(libvirt(vm, plan)) : new Map<string, string>();
        return [...compareWithPlan(FORMAT_READERS[format](changed, { vm, plan, libvirtAddresses }), plan).problems];
    }

    it('a KubeVirt file that drops a device, or a libvirt file with a cell moved, differs from the plan', async () => {
        const vm = vms.get('train-a')!;
        const plan = planGuestAddresses(vm);
        const text = (await formatById('kubevirt')!.writer() as (v: VmModel, p: typeof plan) => string)(vm, plan).replace(/ {12}- name: gpu3\n {14}deviceName: \S+\n/, '');
        expect(stated(FORMAT_READERS.kubevirt(text, { vm, plan, libvirtAddresses: new Map() }), plan).gpus).not.toEqual(planFacts(plan).gpus);
        expect(await problemsAfter('train-a', 'libvirt', t => t.replace('cpus="0-95"', 'cpus="0-94"'))).toContainEqual(expect.stringMatching(/^cellVcpus: /));
    });

    it('a Proxmox file with a cell\'s memory changed, or without its per-vCPU pinning limit, is caught', async () => {
        expect(await problemsAfter('infer-b', 'proxmox', t => t.replace(/(numa0: .*memory=)\d+/, '$11024'))).toEqual([
            'cellMemoryMiB: {"0":1024}, the plan {"0":262144}'
        ]);
        expect(await problemsAfter('infer-b', 'proxmox', t => t.replace(/^#- per-vCPU pinning:.*\n/m, ''))).toEqual([
            'vcpuPins: not (wholly) stated, and the file records no reason'
        ]);
    });

    it('a cloud-hypervisor script with a vCPU pinned elsewhere, or a device that is not the plan\'s, is caught', async () => {
        const pinned = await problemsAfter('tenant-c', 'cloud-hypervisor-cli', t => t.replace('0@[88]', '0@[89]'));
        expect(pinned).toContainEqual(expect.stringMatching(/^vcpuPins: \{"0":89,.*the plan \{"0":88,/));
        const other = await problemsAfter('train-a', 'cloud-hypervisor', t => t.replace('/sys/bus/pci/devices/0000:19:00.0/', '/sys/bus/pci/devices/0000:9a:00.0/'));
        expect(other).toContainEqual('devices the plan lacks: unknown pci:0000:9a:00.0');
    });

    it('a .vmx fragment with another host node, or a device missing, is caught', async () => {
        expect(await problemsAfter('tenant-e', 'vmx', t => t.replace('numa.nodeAffinity = "1"', 'numa.nodeAffinity = "0"'))).toEqual([
            'memoryNodes: [0], the plan [1]'
        ]);
        expect(await problemsAfter('train-e', 'vmx', t => t.replace(/^pciPassthru1\.present = .*\n/m, '')))
            .toContainEqual(expect.stringMatching(/^gpus: /));
    });
});
