/**
 * cloud-hypervisor for one VM: one structure, the REST API's `VmConfig` ({@link cloudHypervisorConfig},
 * derived from the resolved VM and its {@link GuestPlan}), written two ways from it:
 *
 * - `<vm>.chv.json` ({@link exportCloudHypervisorJson}): the body of `PUT /api/v1/vm.create`
 *   (`components.schemas.VmConfig` of cloud-hypervisor's `vmm/src/api/openapi/cloud-hypervisor.yaml`);
 * - `<vm>.chv.sh` ({@link exportCloudHypervisorCli}): a bash script running `cloud-hypervisor` with the
 *   same configuration as command-line options ({@link cloudHypervisorArgs}), the user's disk, network and
 *   console appended as the script's own arguments.
 *
 * Two files, because the registry has one file suffix per format: the two formats `cloud-hypervisor`
 * and `cloud-hypervisor-cli` load this one writer file.
 *
 * What maps to what (cloud-hypervisor docs, https://github.com/cloud-hypervisor/cloud-hypervisor/tree/main/docs):
 * - vCPUs: `--cpus boot=N,max=N,topology=threads:cores:dies:packages,affinity=[vcpu@[host cpu],…]`
 *   (docs/cpu.md): one host CPU per vCPU, from the plan's pin order;
 * - memory: `--memory size=0` and one `--memory-zone id=memK,size=…,host_numa_node=…,hugepages=on,
 *   hugepage_size=…` per guest NUMA cell (docs/memory.md, "Memory zones": the zone's memory is bound to
 *   the host node through `mbind(2)`; with zones the `--memory` size is 0);
 * - guest NUMA: `--numa guest_numa_id=K,cpus=[…],memory_zones=[memK],pci_segments=[…]` (docs/memory.md,
 *   "NUMA settings", "PCI bus": the default segment 0 has affinity to guest node 0);
 * - device locality: cloud-hypervisor has no PCIe bridges; a device's NUMA node is its PCI segment's
 *   (`pci_segments` of the NUMA node). One segment per host NUMA node holding the VM's devices, like the
 *   libvirt export's expander buses; segment 0 stays for the user's virtio devices
 *   (`--platform num_pci_segments=…`, docs/memory.md "pci_segments");
 * - devices: `--device path=/sys/bus/pci/devices/<BDF>/,id=…,pci_segment=…` (docs/vfio.md); a vGPU
 *   mediated device by its sysfs path `/sys/bus/mdev/devices/<uuid>/`;
 * - 64-bit MMIO: `--pci-segment pci_segment=K,mmio64_aperture_weight=W`: the device manager divides the
 *   64-bit device area among the segments in proportion to their weights (default 1; `vmm/src/config.rs`
 *   `PciSegmentConfig`, `vmm/src/device_manager.rs` `create_mmio_allocators`); W is the GiB the segment's
 *   passthrough GPUs need (1 for a segment without), so the GPU segments get their share.
 */
import type { VmModel } from '../../model/topology.js';
import type { GuestDevice, GuestPlan } from '../../model/guest-plan.js';
import { requiredMmioGiB } from '../../catalog/index.js';
import { formatBdf, formatCpuList } from '../../syntax/tokens.js';
import { ExportError } from '../../model/export-error.js';

/** Where the script and the JSON look for the EFI firmware (cloud-hypervisor's edk2 `CLOUDHV_EFI.fd`); edit it to yours. */
export const CHV_FIRMWARE = '/usr/share/cloud-hypervisor/CLOUDHV_EFI.fd';

const MIB = 1024 * 1024;

/** `CpusConfig` (the subset written). */
export interface ChvCpus {
    readonly boot_vcpus: number;
    readonly max_vcpus: number;
    readonly topology: { readonly threads_per_core: number; readonly cores_per_die: number; readonly dies_per_package: number; readonly packages: number };
    readonly affinity?: readonly { readonly vcpu: number; readonly host_cpus: readonly number[] }[];
}

/** `MemoryZoneConfig`: sizes in bytes. */
export interface ChvMemoryZone {
    readonly id: string;
    readonly size: number;
    readonly host_numa_node?: number;
    readonly hugepages?: boolean;
    readonly hugepage_size?: number;
}

/** `NumaConfig`. */
export interface ChvNuma {
    readonly guest_numa_id: number;
    readonly cpus: readonly number[];
    readonly memory_zones: readonly string[];
    readonly pci_segments?: readonly number[];
}

/** `DeviceConfig`. */
export interface ChvDevice {
    readonly path: string;
    readonly id: string;
    readonly pci_segment: number;
}

/** `PciSegmentConfig`. */
export interface ChvPciSegment {
    readonly pci_segment: number;
    readonly mmio64_aperture_weight: number;
}

/** The `VmConfig` vmtopo writes: everything it owns; the user adds disks, network and console. */
export interface ChvVmConfig {
    readonly payload: { readonly firmware: string };
    readonly cpus: ChvCpus;
    readonly memory: { readonly size: number; readonly zones: readonly ChvMemoryZone[] };
    readonly numa: readonly ChvNuma[];
    readonly devices?: readonly ChvDevice[];
    readonly pci_segments?: readonly ChvPciSegment[];
    readonly platform?: { readonly num_pci_segments: number };
}

/**
 * The `VmConfig` of `vm` (pure). Sizes in bytes, as the API takes them. One memory zone `memK` per
 * guest cell K of the plan, bound to the cell's host node when the plan binds memory; the devices
 * in the plan's order, segment 1… for the plan's expanders (host NUMA nodes) in order.
 *
 * Throws {@link ExportError} for a VM on an ESXi host (cloud-hypervisor runs on KVM).
 */
export function cloudHypervisorConfig(vm: VmModel, plan: GuestPlan): ChvVmConfig {
    if (vm.host.platform === 'esxi') {
        throw new ExportError(`${vm.name} runs on ESXi host ${vm.host.name}; cloud-hypervisor files are only exported for VMs on KVM hosts (platform kvm)`);
    }
    const t = plan.cpuTopology;
    const cpus: ChvCpus = {
        boot_vcpus: vm.vcpus,
        max_vcpus: vm.vcpus,
        topology: { threads_per_core: t.threads, cores_per_die: t.cores, dies_per_package: t.dies, packages: t.sockets },
        ...(plan.vcpuPins ? { affinity: plan.vcpuPins.map((cpu, vcpu) => ({ vcpu, host_cpus: [cpu] })) } : {})
    };
    const zones: ChvMemoryZone[] = plan.cells.map(cell => ({
        id: zoneId(cell.id),
        size: cell.memoryMiB * MIB,
        ...(plan.bindMemory ? { host_numa_node: cell.memoryNodes[0] } : {}),
        ...(vm.hugepageMiB ? { hugepages: true, hugepage_size: vm.hugepageMiB * MIB } : {})
    }));
    const segmentOf = new Map(plan.expanders.map((x, i) => [x.hostNode, i + 1]));
    const numa: ChvNuma[] = plan.cells.map(cell => {
        const segments = plan.expanders.filter(x => x.cell === cell.id).map(x => segmentOf.get(x.hostNode)!);
        return { guest_numa_id: cell.id, cpus: cell.vcpus, memory_zones: [zoneId(cell.id)], ...(segments.length > 0 ? { pci_segments: segments } : {}) };
    });
    const config: ChvVmConfig = { payload: { firmware: CHV_FIRMWARE }, cpus, memory: { size: 0, zones }, numa };
    if (plan.devices.length === 0) return config;
    const devices = plan.devices.map(d => ({ path: sysfsPath(d), id: d.name, pci_segment: segmentOf.get(d.location.numa)! }));
    const pciSegments = plan.expanders.map(x => {
        const gpus = plan.devices.flatMap(d => (d.role === 'gpu' && d.location.kind === 'gpu' && d.location.numa === x.hostNode ? [d.location.spec] : []));
        const need = requiredMmioGiB(gpus);
        return { pci_segment: segmentOf.get(x.hostNode)!, mmio64_aperture_weight: Math.max(1, need) };
    });
    return { ...config, devices, pci_segments: pciSegments, platform: { num_pci_segments: plan.expanders.length + 1 } };
}

/** The memory zone id of guest cell `cell`. */
function zoneId(cell: number): string {
    return `mem${cell}`;
}

/** The sysfs directory cloud-hypervisor opens: the PCI function, or the mediated device of a vGPU. */
function sysfsPath(d: GuestDevice): string {
    if (d.mdev) return `/sys/bus/mdev/devices/${d.mdev.uuid}/`;
    return `/sys/bus/pci/devices/${formatBdf(d.hostAddress!)}/`;
}

/** One option of the command line and its values (several for `--memory-zone`, `--numa`, `--pci-segment`, `--device`). */
export interface ChvOption {
    readonly option: string;
    readonly values: readonly string[];
}

/**
 * The command-line options of `config`, in order, each with its values as cloud-hypervisor's option
 * parser reads them: `key=value` pairs, lists in brackets, sizes in bytes with a `K`/`M`/`G` suffix
 * when whole. The options taking several values (`--memory-zone`, `--numa`, `--pci-segment`,
 * `--device`: clap `num_args(1..)` without `Append` in cloud-hypervisor's `src/main.rs`, so the option
 * may be given only once) get all their values after one occurrence, as in docs/memory.md's examples.
 */
export function cloudHypervisorArgs(config: ChvVmConfig): ChvOption[] {
    const options: ChvOption[] = [{ option: '--firmware', values: [config.payload.firmware] }];
    const add = (option: string, values: readonly string[]) => {
        if (values.length > 0) options.push({ option, values });
    };
    const c = config.cpus;
    const t = c.topology;
    const cpuParts = [`boot=${c.boot_vcpus}`, `max=${c.max_vcpus}`, `topology=${t.threads_per_core}:${t.cores_per_die}:${t.dies_per_package}:${t.packages}`];
    if (c.affinity) cpuParts.push(`affinity=[${c.affinity.map(a => `${a.vcpu}@[${listText(a.host_cpus)}]`).join(',')}]`);
    add('--cpus', [cpuParts.join(',')]);
    add('--memory', [`size=${byteText(config.memory.size)}`]);
    add('--memory-zone', config.memory.zones.map(z => {
        const parts = [`id=${z.id}`, `size=${byteText(z.size)}`];
        if (z.host_numa_node !== undefined) parts.push(`host_numa_node=${z.host_numa_node}`);
        if (z.hugepages) parts.push('hugepages=on');
        if (z.hugepage_size !== undefined) parts.push(`hugepage_size=${byteText(z.hugepage_size)}`);
        return parts.join(',');
    }));
    add('--numa', config.numa.map(n => {
        const parts = [`guest_numa_id=${n.guest_numa_id}`, `cpus=[${listText(n.cpus)}]`, `memory_zones=[${n.memory_zones.join(',')}]`];
        if (n.pci_segments) parts.push(`pci_segments=[${listText(n.pci_segments)}]`);
        return parts.join(',');
    }));
    if (config.platform) add('--platform', [`num_pci_segments=${config.platform.num_pci_segments}`]);
    add('--pci-segment', (config.pci_segments ?? []).map(s => `pci_segment=${s.pci_segment},mmio64_aperture_weight=${s.mmio64_aperture_weight}`));
    add('--device', (config.devices ?? []).map(d => `path=${d.path},id=${d.id},pci_segment=${d.pci_segment}`));
    return options;
}

/** `0-3,8` (cloud-hypervisor's list syntax inside brackets: ranges and commas). */
function listText(ids: readonly number[]): string {
    return formatCpuList(ids);
}

/** Bytes as cloud-hypervisor's size parser reads them: `768G`, `2M`, or plain bytes. */
function byteText(bytes: number): string {
    for (const [unit, factor] of [['G', 1024 * MIB], ['M', MIB], ['K', 1024]] as const) {
        if (bytes > 0 && bytes % factor === 0) return `${bytes / factor}${unit}`;
    }
    return String(bytes);
}

/** What cloud-hypervisor cannot express of `vm`, one sentence each (the script's comment, the README). */
export function cloudHypervisorLimits(vm: VmModel, plan: GuestPlan): string[] {
    const limits = [
        'PCIe switches: cloud-hypervisor has no PCIe bridges; every device sits on the root bus of its PCI segment, so the guest sees '
        + 'no GPU/NIC switch pairing (NCCL reads such pairs as PHB, not PIX). A device\'s NUMA node is its segment\'s.',
        '64-bit MMIO size: not a size but a share; the aperture above guest RAM (from the guest physical address bits) is divided '
        + 'among the segments by mmio64_aperture_weight.'
    ];
    if (vm.emulatorPin) {
        limits.push(`emulator pin: no per-thread option; the script starts cloud-hypervisor under taskset -c ${vm.emulatorPin.toString()} `
            + '(its own threads stay there, each vCPU thread moves to its affinity); the JSON cannot say it.');
    }
    if (plan.cells.some(c => c.memoryNodes.length > 1)) {
        limits.push('memory on several host nodes per cell: a memory zone binds to one host_numa_node; the first node of each cell is written.');
    }
    if (plan.devices.some(d => d.mdev)) {
        limits.push('vGPU as a mediated device: cloud-hypervisor documents the assignment of PCI devices only (docs/vfio.md); the mediated '
            + 'device is passed by its sysfs path, untested. With vgpu-delivery vfio on the host (NVIDIA vGPU 17+), a vGPU is a VF, a PCI device.');
    }
    if (vm.firmware === 'bios') limits.push('firmware bios: cloud-hypervisor boots EFI firmware or a kernel, no legacy BIOS; the EFI firmware is written.');
    if (vm.secureBoot) limits.push('secure-boot: not a cloud-hypervisor option.');
    return limits;
}

/** The `VmConfig` JSON of `vm` (two-space indentation, final newline). JSON has no comments: the limits are in the `.chv.sh` file and the README. */
export function exportCloudHypervisorJson(vm: VmModel, plan: GuestPlan): string {
    return `${JSON.stringify(cloudHypervisorConfig(vm, plan), null, 2)}\n`;
}

/**
 * The bash script of `vm`: comments (what it is, the devices and what to prepare on the host, what
 * cloud-hypervisor cannot express), the options as one array, then `exec cloud-hypervisor`, under
 * `taskset -c <emulator pin>` when the VM pins its emulator. Extra arguments are passed on
 * (`train-a.chv.sh --disk path=… --net …`). Every value is single-quoted (the lists hold `[`, a
 * glob character); shellcheck accepts the file.
 */
export function exportCloudHypervisorCli(vm: VmModel, plan: GuestPlan): string {
    const config = cloudHypervisorConfig(vm, plan);
    const options = cloudHypervisorArgs(config);
    const lines = [
        '#!/bin/bash',
        `# Generated by vmtopo: VM ${vm.name} on host ${vm.host.name}, for cloud-hypervisor (command line; the REST API's VmConfig`,
        `# is ${vm.name}.chv.json). Add the boot disk, network and console as arguments: ${vm.name}.chv.sh --disk path=... --net ...`,
        `# The firmware path is ${CHV_FIRMWARE}: edit it to yours.`
    ];
    for (const d of plan.devices) lines.push(`# ${deviceNote(d)}`);
    lines.push('# cloud-hypervisor cannot express:');
    for (const limit of cloudHypervisorLimits(vm, plan)) lines.push(...wrap(`- ${limit}`).map(l => `#   ${l}`));
    lines.push('set -euo pipefail', 'args=(');
    for (const { option, values } of options) {
        lines.push(`    ${option} ${shellQuote(values[0])}`, ...values.slice(1).map(v => `        ${shellQuote(v)}`));
    }
    lines.push(')');
    const taskset = vm.emulatorPin ? `taskset -c ${vm.emulatorPin.toString()} ` : '';
    lines.push(`exec ${taskset}cloud-hypervisor "\${args[@]}" "$@"`);
    return `${lines.join('\n')}\n`;
}

function deviceNote(d: GuestDevice): string {
    if (d.mdev) {
        const m = d.mdev;
        const what = m.migProfile ? `MIG-backed vGPU ${m.type} (MIG ${m.migProfile})` : `vGPU ${m.type}`;
        return `${d.name}: ${what} on ${d.location.name}; first create it: `
            + (m.migProfile ? `nvidia-smi mig -cgi ${m.migProfile}, then ` : '')
            + `mdevctl start -u ${m.uuid} -p ${formatBdf(m.parent)} -t <the type named ${m.type}>`;
    }
    const host = formatBdf(d.hostAddress!);
    if (d.vgpuVf) return `${d.name}: vGPU ${d.vgpuVf.type} on VF ${d.vgpuVf.vf} of ${d.location.name} (${host}); first write its id to ${host}/nvidia/current_vgpu_type`;
    return `${d.name}: ${d.role === 'vf' ? `VF of ${d.location.name}` : d.location.spec.model} at ${host}, bound to vfio-pci`;
}

/** Single-quoted for bash. */
function shellQuote(value: string): string {
    return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Text cut into lines of at most `width` characters at spaces. */
function wrap(text: string, width = 100): string[] {
    const lines: string[] = [];
    let line = '';
    for (const word of text.split(' ')) {
        if (line && line.length + 1 + word.length > width) {
            lines.push(line);
            line = `  ${word}`;
        } else {
            line = line ? `${line} ${word}` : word;
        }
    }
    if (line) lines.push(line);
    return lines;
}
