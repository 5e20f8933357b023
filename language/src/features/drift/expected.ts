/**
 * What vmtopo's libvirt export of a VM holds, as {@link DomainFacts}, made straight from the VM and
 * its guest plan: the same facts as `readDomain(exportLibvirtDomain(vm, plan))` (features/export/
 * libvirt.ts writes each from the same fields of the plan; test/features/drift/expected.test.ts
 * checks the two agree on every VM of the examples and fixtures), without building and parsing the
 * XML — which a fleet's drift would do for every VM (xmlbuilder2 then fast-xml-parser: about 10 ms
 * a VM).
 */
import type { VmModel } from '../../model/topology.js';
import type { GuestPlan } from '../../model/guest-plan.js';
import { formatBdf, formatCpuList } from '../../syntax/tokens.js';
import { cpuset, type DomainFacts, type Hostdev, type PciController } from './domain.js';

/** The facts of vmtopo's libvirt export of `vm` (sizes in KiB, sets as cpulists). */
export function expectedDomain(vm: VmModel, plan: GuestPlan): DomainFacts {
    const pins = new Map<number, string>();
    plan.vcpuPins?.forEach((cpu, vcpu) => pins.set(vcpu, String(cpu)));
    const memnodes = new Map<number, string>();
    if (plan.bindMemory) for (const cell of plan.cells) memnodes.set(cell.id, formatCpuList(cell.memoryNodes));
    const hostdevs: Hostdev[] = plan.devices.map(d => d.mdev
        ? { type: 'mdev', source: d.mdev.uuid.toLowerCase(), guest: `${d.port}:0.0` }
        : { type: 'pci', source: formatBdf(d.hostAddress!), guest: `${d.port}:0.0` });
    const pciControllers = new Map<number, PciController>();
    for (const c of plan.controllers) {
        pciControllers.set(c.index, c.model === 'pcie-expander-bus'
            ? { index: c.index, model: c.model, busNr: c.bus, node: c.node ?? 0 }
            : { index: c.index, model: c.model });
    }
    return {
        name: vm.name,
        running: false,
        vcpus: vm.vcpus,
        pins,
        emulatorPin: vm.emulatorPin ? cpuset(vm.emulatorPin.toString()) : undefined,
        memoryKiB: vm.memoryMiB * 1024,
        numatune: plan.bindMemory ? { mode: 'strict', nodeset: formatCpuList(plan.cells.flatMap(c => c.memoryNodes)) } : undefined,
        memnodes,
        hugepageKiB: vm.hugepageMiB ? vm.hugepageMiB * 1024 : undefined,
        hostdevs,
        pciControllers,
        pcihole64KiB: plan.pcihole64GiB > 0 ? plan.pcihole64GiB * 1024 * 1024 : undefined
    };
}
