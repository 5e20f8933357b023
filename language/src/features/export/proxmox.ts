/**
 * Proxmox VE VM configuration (`/etc/pve/qemu-server/<VMID>.conf`) for one VM, from the resolved
 * model and its {@link GuestPlan}. Keys and values as Proxmox's own schema states them (the API's
 * `/nodes/{node}/qemu/{vmid}/config` parameters, documented in qm.conf(5):
 * https://pve.proxmox.com/pve-docs/qm.conf.5.html; PCI passthrough:
 * https://pve.proxmox.com/pve-docs/chapter-qm.html#qm_pci_passthrough):
 *
 * - `machine: q35`, `bios: ovmf` (or `seabios` for `firmware bios`), `cpu: host,phys-bits=host`
 *   (the guest's physical address width is the host's, so large GPU BARs fit);
 * - `sockets`/`cores` from the plan's CPU topology (Proxmox has no threads: cores × threads);
 * - `numa: 1` and one `numaN: cpus=…,hostnodes=…,memory=<MiB>,policy=bind` per guest cell (lists in
 *   Proxmox's `id[-id];…` syntax);
 * - `affinity`: the host CPUs of the whole QEMU process (the `pin` and `emulator pin` CPUs together);
 * - `memory` (MiB), `balloon: 0`, `hugepages: 2|1024`;
 * - `hostpciN: <BDF>,pcie=1` per device of the plan, in its order;
 * - the 64-bit window (the plan's `pcihole64`): `args: -global q35-pcihost.pci-hole64-size=<N>G`
 *   (QEMU's q35 host bridge property; Proxmox has no key for it).
 *
 * The VMID is not vmtopo's: the file is `<vm>.pve.conf`, and its first comment line says to install it
 * under a free VMID of the cluster (`pvesh get /cluster/nextid`). The leading `#` lines are the VM's
 * notes in the web interface (the schema's `description`: "saved as comment inside the configuration file").
 */
import type { VmModel } from '../../model/topology.js';
import type { GuestDevice, GuestPlan } from '../../model/guest-plan.js';
import { formatBdf, formatCpuList } from '../../syntax/tokens.js';
import { ExportError } from '../../model/export-error.js';

/** Hugepage sizes Proxmox's `hugepages` key takes, in MiB (its enum `2 | 1024 | any`). */
const PVE_HUGEPAGES = new Set([2, 1024]);

/** Proxmox's `hostpci[n]`: n = 0…15 (qemu-server `PVE::QemuServer::PCI`, `$MAX_HOSTPCI_DEVICES = 16`). */
export const PVE_MAX_HOSTPCI = 16;
/** Proxmox's `numa[n]`: n = 0…7 (qemu-server `$MAX_NUMA = 8`). */
export const PVE_MAX_NUMA = 8;

/** One `key: value` line of the file, in order. */
export interface PveEntry {
    readonly key: string;
    readonly value: string;
}

/**
 * The configuration entries of `vm` (pure), in the order written. A vGPU that Proxmox names by the
 * host's mediated-device type id (`mdev=nvidia-<id>`, not in vmtopo's catalog) is not an entry: its
 * `hostpciN` line is written as a comment to complete ({@link exportProxmoxConfig}).
 *
 * Throws {@link ExportError} for a VM on an ESXi host (Proxmox VE runs KVM), a VM with more devices
 * than Proxmox's 16 `hostpci` slots or more guest NUMA cells than its 8 `numa` entries.
 */
export function proxmoxEntries(vm: VmModel, plan: GuestPlan): { entries: PveEntry[]; commented: PveEntry[] } {
    if (vm.host.platform === 'esxi') {
        throw new ExportError(`${vm.name} runs on ESXi host ${vm.host.name}; Proxmox VE files are only exported for VMs on KVM hosts (platform kvm)`);
    }
    if (plan.devices.length > PVE_MAX_HOSTPCI) {
        throw new ExportError(`${vm.name}: ${plan.devices.length} PCI devices; Proxmox VE gives a VM at most ${PVE_MAX_HOSTPCI} (hostpci0-hostpci${PVE_MAX_HOSTPCI - 1})`);
    }
    if (plan.cells.length > PVE_MAX_NUMA) {
        throw new ExportError(`${vm.name}: ${plan.cells.length} guest NUMA cells; Proxmox VE takes at most ${PVE_MAX_NUMA} (numa0-numa${PVE_MAX_NUMA - 1})`);
    }
    const entries: PveEntry[] = [];
    const add = (key: string, value: string | number) => entries.push({ key, value: String(value) });
    add('name', vm.name);
    add('machine', 'q35');
    add('bios', vm.firmware === 'bios' ? 'seabios' : 'ovmf');
    add('cpu', 'host,phys-bits=host');
    const t = plan.cpuTopology;
    add('sockets', t.sockets);
    add('cores', t.cores * t.threads * t.dies);
    add('numa', 1);
    for (const cell of plan.cells) {
        const parts = [`cpus=${pveList(cell.vcpus)}`];
        if (plan.bindMemory) parts.push(`hostnodes=${pveList(cell.memoryNodes)}`);
        parts.push(`memory=${cell.memoryMiB}`);
        if (plan.bindMemory) parts.push('policy=bind');
        add(`numa${cell.id}`, parts.join(','));
    }
    const pinned = [...(plan.vcpuPins ?? []), ...(vm.emulatorPin ? [...vm.emulatorPin] : [])];
    if (pinned.length > 0) add('affinity', formatCpuList(pinned));
    add('memory', vm.memoryMiB);
    add('balloon', 0);
    if (vm.hugepageMiB && PVE_HUGEPAGES.has(vm.hugepageMiB)) add('hugepages', vm.hugepageMiB);
    const commented: PveEntry[] = [];
    plan.devices.forEach((d, i) => {
        const entry = { key: `hostpci${i}`, value: hostpciValue(d) };
        if (d.mdev) commented.push(entry); else entries.push(entry);
    });
    if (plan.pcihole64GiB > 0) add('args', `-global q35-pcihost.pci-hole64-size=${plan.pcihole64GiB}G`);
    return { entries, commented };
}

/** `0000:19:00.0,pcie=1`; a vGPU: its parent function and `mdev=` (the type id to fill in). */
function hostpciValue(d: GuestDevice): string {
    if (d.mdev) return `${formatBdf(d.mdev.parent)},mdev=nvidia-<id of ${d.mdev.type}>,pcie=1`;
    return `${formatBdf(d.hostAddress!)},pcie=1`;
}

/** Proxmox's list syntax of `numaN` `cpus`/`hostnodes`: `0-3;8-11`. */
function pveList(ids: Iterable<number>): string {
    return formatCpuList(ids).replace(/,/g, ';');
}

/** What Proxmox VE cannot express of `vm`, one sentence each (the file's comment, the README). */
export function proxmoxLimits(vm: VmModel, plan: GuestPlan): string[] {
    const limits = [
        'per-vCPU pinning: affinity is one CPU set for the whole QEMU process (vCPUs, emulator and I/O threads together); '
        + 'vCPU k cannot be pinned to host CPU c, and the emulator shares the vCPUs\' CPUs.',
        'PCIe placement: hostpci devices go to Proxmox\'s own root ports on pcie.0; no expander bus per host NUMA node and no '
        + 'mirror of the host\'s PCIe switches, so the guest sees no NUMA node per device.'
    ];
    if (plan.cpuTopology.threads > 1) limits.push(`SMT: Proxmox has no threads setting; the guest sees ${plan.cpuTopology.cores * plan.cpuTopology.threads} single-thread cores per socket.`);
    if (plan.devices.some(d => d.mdev)) {
        limits.push('vGPU: Proxmox names the type by the host\'s mediated-device type id (mdev=nvidia-<id>), which vmtopo does not know; '
            + 'read it from mdev_supported_types/*/name of the parent function, then uncomment the hostpci line.');
    }
    for (const d of plan.devices.filter(x => x.vgpuVf)) {
        limits.push(`vGPU ${d.vgpuVf!.type} on VF ${formatBdf(d.hostAddress!)}: passed as a PCI device; write the type's id to `
            + `${formatBdf(d.hostAddress!)}/nvidia/current_vgpu_type before the VM starts (a hookscript), or add mdev=nvidia-<id> to its line.`);
    }
    if (vm.hugepageMiB && !PVE_HUGEPAGES.has(vm.hugepageMiB)) limits.push(`hugepages of ${vm.hugepageMiB} MiB: Proxmox takes 2 or 1024.`);
    if (vm.firmware !== 'bios') limits.push('EFI variables: add an efidisk0 on your storage (Proxmox warns and keeps none without it).');
    if (vm.secureBoot) limits.push('secure-boot: set pre-enrolled-keys=1 on that efidisk0.');
    return limits;
}

/**
 * The `.conf` text of `vm`: `#` comment lines first (what it is, where to install it, what Proxmox
 * cannot express, a vGPU's line to complete), then one `key: value` line per entry.
 */
export function exportProxmoxConfig(vm: VmModel, plan: GuestPlan): string {
    const { entries, commented } = proxmoxEntries(vm, plan);
    const lines = [
        `#vmtopo: VM ${vm.name} on host ${vm.host.name}. Install as /etc/pve/qemu-server/<VMID>.conf with a free VMID`,
        '#(pvesh get /cluster/nextid), then add the boot disk and network (qm set <VMID> --scsi0 ... --net0 ...).',
        '#Proxmox VE cannot express:'
    ];
    for (const limit of proxmoxLimits(vm, plan)) lines.push(`#- ${limit}`);
    for (const c of commented) lines.push(`#${c.key}: ${c.value}`);
    for (const e of entries) lines.push(`${e.key}: ${e.value}`);
    return `${lines.join('\n')}\n`;
}
