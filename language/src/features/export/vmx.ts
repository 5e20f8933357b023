/**
 * VMware ESXi `.vmx` fragment for one VM on an ESXi host: the lines vmtopo owns, to merge into the
 * VM's configuration (vSphere Client → Edit Settings → Advanced Parameters, or the `.vmx` file of a
 * powered-off VM). Every line is `key = "value"` (the `.vmx` syntax); VMware publishes no schema of
 * it, so {@link VMX_KEYS} lists each key vmtopo writes with its type and the document that defines it,
 * and the writer checks every line it writes against that table.
 *
 * Choices (sources in {@link VMX_KEYS}):
 * - vNUMA: `numvcpus`, `cpuid.coresPerSocket` = vCPUs per guest cell, and with several cells
 *   `numa.vcpu.maxPerVirtualNode` (ESXi sizes virtual NUMA nodes by it).
 * - Placement: `numa.nodeAffinity` (the host nodes of the plan's cells), not `sched.cpu.affinity`.
 *   CPU affinity pins all vCPUs of the VM to one CPU set (not vCPU k to CPU c), and VMware's Resource
 *   Management guide ("Potential Issues with CPU Affinity") warns that the NUMA scheduler may not manage
 *   a VM with CPU affinity; node affinity keeps the NUMA scheduler and binds vCPUs and memory to the
 *   nodes. ESXi also numbers logical CPUs its own way (the two threads of a core adjacent), so the
 *   host CPU numbers of a vmtopo `pin` list are not ESXi's.
 * - Memory: `memSize` (MiB), full reservation `sched.mem.min` = memSize and `sched.mem.pin = "TRUE"`
 *   (VMware KB 2142307: DirectPath I/O needs all guest memory reserved), or the VM's own smaller
 *   `reserve` (then no `sched.mem.pin`, and no 1 GB pages); 1 GB pages
 *   `sched.mem.lpage.enable1GPage` (vSphere "Backing Guest vRAM with 1GB Pages": needs the full reservation).
 * - Devices: Dynamic DirectPath I/O, `pciPassthruN.allowedDevices = "0x10de:0x2335"` with
 *   `pciPassthruN.customLabel` = the host device's name: the VMware notation of
 *   https://frankdenneman.nl/2023/06/06/vsphere-ml-accelerator-spectrum-deep-dive-using-dynamic-directpath-io-passthrough-with-vms/
 *   (VMware's own table of DirectPath vs Dynamic DirectPath notation; virtual hardware 17 or later).
 *   The fixed form `pciPassthruN.id` is not written: the form ESXi stores there is not settled by a
 *   VMware document vmtopo could read. The label pins the exact device: give the host device the
 *   same hardware label (Host → Configure → PCI Devices → Hardware Label).
 * - 64-bit MMIO: `pciPassthru.use64bitMMIO = "TRUE"`, `pciPassthru.64bitMMIOSizeGB` = the VM's `mmio`
 *   or, for passthrough GPUs, at least the next power of two of their BARs' sum (KB 2142307, rule MMIO002).
 * - vGPU: `pciPassthruN.vgpu = "grid_<type in lower case>"` (NVIDIA vGPU User Guide, VMware vSphere).
 */
import type { VmModel } from '../../model/topology.js';
import type { GuestPlan } from '../../model/guest-plan.js';
import { requiredMmioGiB } from '../../catalog/index.js';
import type { PciId } from '../../catalog/types.js';
import { ExportError } from '../../model/export-error.js';

/** The type of a `.vmx` value: how its text must look. */
export type VmxType =
    /** A decimal integer ≥ 0. */
    | 'integer'
    /** `TRUE` or `FALSE`. */
    | 'boolean'
    /** Comma-separated NUMA node ids: `0`, `0,1`. */
    | 'node-list'
    /** `0xVVVV:0xDDDD`, lowercase hex. */
    | 'pci-id'
    /** `grid_` and a vGPU type in lower case: `grid_h200x-1-18c`. */
    | 'vgpu-profile'
    /** `efi` or `bios`. */
    | 'firmware'
    /** Any text without `"`. */
    | 'string';

/** One key of {@link VMX_KEYS}: `N` in `key` stands for a device index (0, 1, …). */
export interface VmxKey {
    readonly key: string;
    readonly type: VmxType;
    readonly meaning: string;
    readonly source: string;
}

const RM = 'VMware vSphere Resource Management (vSphere 8.0)';
const KB2142307 = 'VMware KB 2142307 "VMware vSphere VMDirectPath I/O: Requirements for Platforms and Devices", https://knowledge.broadcom.com/external/article?legacyId=2142307';
const DDPIO = 'VMware, "vSphere ML Accelerator Spectrum Deep Dive – Using Dynamic DirectPath IO (Passthrough) with VMs", '
    + 'https://frankdenneman.nl/2023/06/06/vsphere-ml-accelerator-spectrum-deep-dive-using-dynamic-directpath-io-passthrough-with-vms/';
const VGPU_UG = 'NVIDIA Virtual GPU Software User Guide, "Configuring a vSphere VM with NVIDIA vGPU", https://docs.nvidia.com/vgpu/latest/grid-vgpu-user-guide/index.html';

/** Every key the writer may write, with its type and source. */
export const VMX_KEYS: readonly VmxKey[] = [
    { key: 'numvcpus', type: 'integer', meaning: 'virtual CPUs', source: `${RM}, "Virtual NUMA Controls"` },
    { key: 'cpuid.coresPerSocket', type: 'integer', meaning: 'cores per virtual socket (vNUMA node size when not overridden)', source: `${RM}, "Virtual NUMA Controls"` },
    { key: 'numa.vcpu.maxPerVirtualNode', type: 'integer', meaning: 'vCPUs per virtual NUMA node', source: `${RM}, "Virtual NUMA Controls"` },
    { key: 'numa.nodeAffinity', type: 'node-list', meaning: 'host NUMA nodes the VM\'s vCPUs and memory may use', source: `${RM}, "Specifying NUMA Controls" / "Associate Virtual Machines with Specified NUMA Nodes"` },
    { key: 'memSize', type: 'integer', meaning: 'guest memory in MiB', source: `${RM}, "Memory Virtualization Basics"` },
    { key: 'sched.mem.min', type: 'integer', meaning: 'memory reservation in MiB', source: `${RM}, "Memory Allocation"; ${KB2142307}` },
    { key: 'sched.mem.pin', type: 'boolean', meaning: 'reserve all guest memory (all locked)', source: KB2142307 },
    { key: 'sched.mem.lpage.enable1GPage', type: 'boolean', meaning: 'back guest memory with 1 GB pages (needs the full reservation)', source: `${RM}, "Backing Guest vRAM with 1GB Pages"` },
    { key: 'firmware', type: 'firmware', meaning: 'guest firmware', source: `${KB2142307} (EFI for 64-bit MMIO)` },
    { key: 'uefi.secureBoot.enabled', type: 'boolean', meaning: 'UEFI Secure Boot', source: 'VMware vSphere Security, "Enable or Disable UEFI Secure Boot for a Virtual Machine"' },
    { key: 'pciPassthru.use64bitMMIO', type: 'boolean', meaning: 'map passthrough BARs above 4 GiB', source: KB2142307 },
    { key: 'pciPassthru.64bitMMIOSizeGB', type: 'integer', meaning: '64-bit MMIO window in GB: the BARs\' sum rounded up to a power of two', source: KB2142307 },
    { key: 'pciPassthruN.present', type: 'boolean', meaning: 'the passthrough or vGPU device N exists', source: DDPIO },
    { key: 'pciPassthruN.allowedDevices', type: 'pci-id', meaning: 'Dynamic DirectPath I/O: vendor and device id of the host device to assign', source: DDPIO },
    { key: 'pciPassthruN.customLabel', type: 'string', meaning: 'Dynamic DirectPath I/O: hardware label the host device must carry', source: DDPIO },
    { key: 'pciPassthruN.vgpu', type: 'vgpu-profile', meaning: 'NVIDIA vGPU profile of device N', source: VGPU_UG }
];

/** The table entry of `key` (`pciPassthru3.vgpu` → `pciPassthruN.vgpu`), or undefined. */
export function vmxKey(key: string): VmxKey | undefined {
    const generic = key.replace(/^pciPassthru\d+\./, 'pciPassthruN.');
    return VMX_KEYS.find(k => k.key === generic);
}

/** Whether `value` is text of type `type`. */
export function vmxValueFits(type: VmxType, value: string): boolean {
    switch (type) {
        case 'integer': return /^(0|[1-9]\d*)$/.test(value);
        case 'boolean': return value === 'TRUE' || value === 'FALSE';
        case 'node-list': return /^\d+(,\d+)*$/.test(value);
        case 'pci-id': return /^0x[0-9a-f]{4}:0x[0-9a-f]{4}$/.test(value);
        case 'vgpu-profile': return /^grid_[a-z0-9][a-z0-9-]*$/.test(value);
        case 'firmware': return value === 'efi' || value === 'bios';
        case 'string': return !/["\n]/.test(value);
    }
}

/**
 * The `key = "value"` pairs of `vm` (pure), in the order written.
 *
 * Throws {@link ExportError} for a VM on a KVM host (a `.vmx` is ESXi's), or a passthrough device
 * whose model has no PCI id in vmtopo's catalog (Dynamic DirectPath I/O names the device by it).
 */
export function vmxEntries(vm: VmModel, plan: GuestPlan): { key: string; value: string }[] {
    if (vm.host.platform !== 'esxi') {
        throw new ExportError(`${vm.name} runs on KVM host ${vm.host.name}; .vmx files are only exported for VMs on ESXi hosts (platform esxi)`);
    }
    const entries: { key: string; value: string }[] = [];
    const add = (key: string, value: string | number | boolean) => {
        const text = typeof value === 'boolean' ? (value ? 'TRUE' : 'FALSE') : String(value);
        const known = vmxKey(key);
        if (!known || !vmxValueFits(known.type, text)) throw new Error(`vmx writer: '${key} = "${text}"' is not in the key table`);
        entries.push({ key, value: text });
    };
    add('numvcpus', vm.vcpus);
    const perCell = Math.max(...plan.cells.map(c => c.vcpus.length));
    const even = plan.cells.every(c => c.vcpus.length === perCell);
    add('cpuid.coresPerSocket', even ? perCell : vm.vcpus);
    if (plan.cells.length > 1 && even) add('numa.vcpu.maxPerVirtualNode', perCell);
    if (plan.bindMemory) add('numa.nodeAffinity', [...new Set(plan.cells.flatMap(c => [c.hostNode, ...c.memoryNodes]))].sort((a, b) => a - b).join(','));
    add('memSize', vm.memoryMiB);
    // The VM's `reserve`; all of its memory when it writes none (DirectPath I/O, vGPU and 1 GB pages need it all).
    const reserved = Math.min(vm.reservedMiB ?? vm.memoryMiB, vm.memoryMiB);
    add('sched.mem.min', reserved);
    if (reserved === vm.memoryMiB) add('sched.mem.pin', true);
    if (vm.hugepageMiB === 1024 && reserved === vm.memoryMiB) add('sched.mem.lpage.enable1GPage', true);
    add('firmware', vm.firmware === 'bios' ? 'bios' : 'efi');
    if (vm.secureBoot && vm.firmware !== 'bios') add('uefi.secureBoot.enabled', true);
    const passthrough = vm.gpus.filter(g => g.mode === 'passthrough').map(g => g.gpu.spec);
    const mmio = Math.max(vm.mmioGiB ?? 0, passthrough.length > 0 ? requiredMmioGiB(passthrough) : 0);
    if (mmio > 0) {
        add('pciPassthru.use64bitMMIO', true);
        add('pciPassthru.64bitMMIOSizeGB', mmio);
    }
    let n = 0;
    for (const d of plan.devices) {
        if (d.role === 'vf') continue; // an SR-IOV VF is a network adapter on ESXi (limits)
        const p = `pciPassthru${n++}`;
        add(`${p}.present`, true);
        if (d.role === 'vgpu') {
            const type = d.mdev?.type ?? d.vgpuVf?.type;
            add(`${p}.vgpu`, `grid_${(type ?? '').toLowerCase()}`);
            continue;
        }
        const id: PciId | undefined = d.location.spec.pciIds[0];
        if (!id) {
            throw new ExportError(`${vm.name}: ${d.location.name} (${d.location.spec.model}) has no PCI id in vmtopo's catalog; `
                + 'Dynamic DirectPath I/O names the device by it (esxcli hardware pci list shows it)');
        }
        add(`${p}.allowedDevices`, `0x${id.vendor}:0x${id.device}`);
        add(`${p}.customLabel`, d.location.name);
    }
    return entries;
}

/** What ESXi cannot express of `vm`, one sentence each (the file's comment, the README). */
export function vmxLimits(vm: VmModel, plan: GuestPlan): string[] {
    const limits = [
        'exact CPUs: no per-vCPU pin; numa.nodeAffinity binds the VM to host NUMA nodes and ESXi\'s scheduler picks the CPUs '
        + '(sched.cpu.affinity would take the VM from the NUMA scheduler, and ESXi numbers CPUs its own way).',
        'PCIe placement: ESXi places the devices in the guest itself; no guest PCIe switch mirroring the host\'s, no device-to-vNUMA-node mapping.'
    ];
    if (vm.emulatorPin) limits.push('emulator pin: no ESXi setting for the VMX threads.');
    const memoryNodes = [...new Set(plan.cells.flatMap(c => c.memoryNodes))].sort((a, b) => a - b);
    const cpuOnly = [...new Set(plan.cells.map(c => c.hostNode))].filter(n => !memoryNodes.includes(n)).sort((a, b) => a - b);
    if (plan.bindMemory && cpuOnly.length > 0) {
        limits.push(`memory nodes: numa.nodeAffinity binds vCPUs and memory together; it names node(s) ${cpuOnly.join(',')} of the vCPUs too, `
            + `so ESXi may place memory there, not only on node(s) ${memoryNodes.join(',')}.`);
    }
    const perCell = plan.cells.map(c => c.vcpus.length);
    if (perCell.some(c => c !== perCell[0])) limits.push(`uneven guest NUMA cells (${perCell.join(', ')} vCPUs): vNUMA nodes are equal; one virtual socket is written.`);
    if (vm.hugepageMiB === 1024 && (vm.reservedMiB ?? vm.memoryMiB) < vm.memoryMiB) {
        limits.push('1 GB pages: ESXi backs a VM with them only when all its memory is reserved; this VM reserves less, so they are not enabled.');
    }
    if (vm.hugepageMiB && vm.hugepageMiB !== 1024) limits.push(`hugepages of ${vm.hugepageMiB} MiB: ESXi backs guests with 2 MB pages by default and offers only 1 GB pages as a setting.`);
    if (plan.devices.some(d => d.role === 'vf')) {
        limits.push('SR-IOV VFs: on ESXi a VF is a network adapter of type SR-IOV passthrough on a port group, not a PCI device line; add it in vSphere.');
    }
    if (plan.devices.some(d => d.role === 'vgpu')) {
        limits.push('vGPU profile names: written as grid_ and the type in lower case; the profiles vSphere lists for the GPU (Edit Settings, PCI device, NVIDIA vGPU) are authoritative.');
    }
    const ids = plan.devices.filter(d => d.role !== 'vgpu' && d.role !== 'vf' && d.location.spec.pciIds.length > 1);
    if (ids.length > 0) limits.push(`PCI id: ${[...new Set(ids.map(d => d.location.spec.model))].join(', ')} has several device ids; the catalog's first is written: check with esxcli hardware pci list.`);
    return limits;
}

/** The `.vmx` fragment of `vm`: `#` comments (what it is, what ESXi cannot express), then one `key = "value"` line per entry. */
export function exportVmx(vm: VmModel, plan: GuestPlan): string {
    const entries = vmxEntries(vm, plan);
    const version = vm.host.platformVersion ? ` ${vm.host.platformVersion.text}` : '';
    const lines = [
        `# Generated by vmtopo: VM ${vm.name} on ESXi${version} host ${vm.host.name}. Merge these lines into the VM's .vmx`,
        '# (powered off; virtual hardware 17 or later for Dynamic DirectPath I/O). Give each passthrough host device the',
        '# hardware label its customLabel names.',
        '# ESXi cannot express:'
    ];
    for (const limit of vmxLimits(vm, plan)) lines.push(`# - ${limit}`);
    for (const e of entries) lines.push(`${e.key} = "${e.value}"`);
    return `${lines.join('\n')}\n`;
}
