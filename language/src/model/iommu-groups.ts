/**
 * IOMMU groups as vmtopo infers them on a KVM host (a written `iommu-group N` wins): the functions
 * of one multi-function device share a group unless one declares ACS or the host uses
 * `pcie_acs_override`; who holds each endpoint (a VM by passthrough, or the host); the endpoints
 * below a PCIe switch and the VMs that use them. VFIO assigns devices by group: "the group is the
 * minimum granularity that can be assigned to a user" (https://docs.kernel.org/driver-api/vfio.html).
 * Read by the IOMMU and RDMA rules.
 */
import { formatBdf, vfAddress } from '../syntax/tokens.js';
import { vmsOnHost, type DeviceModel, type HostModel, type PcieSwitchModel, type Topology, type VmModel } from './topology.js';

/** Who holds an endpoint: a VM (passthrough) or the host (its own driver: vGPU, MIG, unused, a PF whose VFs are used). */
export type Owner = VmModel | 'host';

/** The owners of every endpoint of the host's VMs: passthrough GPUs, NIC PFs and NVSwitches. Endpoints not listed stay with the host. */
export function endpointOwners(topology: Topology, host: HostModel): Map<DeviceModel, VmModel[]> {
    const owners = new Map<DeviceModel, VmModel[]>();
    const add = (d: DeviceModel, vm: VmModel) => {
        const list = owners.get(d);
        if (!list) owners.set(d, [vm]);
        else if (!list.includes(vm)) list.push(vm);
    };
    for (const vm of vmsOnHost(topology, host)) {
        for (const g of vm.gpus) if (g.mode === 'passthrough') add(g.gpu, vm);
        for (const n of vm.nics) if (n.mode === 'passthrough') add(n.nic, vm);
        for (const s of vm.nvswitches) add(s.nvswitch, vm);
    }
    return owners;
}

/** One IOMMU group as vmtopo infers it. */
export interface IommuGroup {
    /** `iommu group 42`, or `the IOMMU group of 0000:5e:00 (one device without ACS)`. */
    readonly label: string;
    readonly devices: readonly DeviceModel[];
    /** Whether the group comes from a multi-function device (not a written group). */
    readonly inferred: boolean;
}

/** The multi-function groups and written groups of a host with more than one endpoint (see the module comment). */
export function iommuGroups(host: HostModel): IommuGroup[] {
    const groups = new Map<string, { label: string; devices: DeviceModel[]; inferred: boolean }>();
    const slotOf = (d: DeviceModel) => `${d.address.domain}:${d.address.bus}:${d.address.device}`;
    // Functions at one address (HOST001) or at another PF's VF address (HOST002) are those rules'
    // mistakes, not groups: they are left out.
    const taken = new Map<number, number>();
    // a number per BDF (16-bit domain, 8-bit bus, 5-bit device, 3-bit function): cheaper than strings for hosts with many VFs
    const key = (b: { domain: number; bus: number; device: number; function: number }) => ((b.domain * 256 + b.bus) * 32 + b.device) * 8 + b.function;
    for (const d of host.devices) {
        taken.set(key(d.address), (taken.get(key(d.address)) ?? 0) + 1);
        if (d.kind !== 'nic') continue;
        for (let k = 0; k < d.vfs && k < 4096; k++) {
            const a = vfAddress(d.address, d.vfOffset, d.vfStride, k);
            if (a) taken.set(key(a), (taken.get(key(a)) ?? 0) + 1);
        }
    }
    const hasAcs = new Set<string>();
    for (const d of host.devices) {
        if ((d.kind === 'gpu' || d.kind === 'nic') && (d.acs === 'enabled' || d.acs === 'direct-translated')) hasAcs.add(slotOf(d));
    }
    for (const d of host.devices) {
        if ((taken.get(key(d.address)) ?? 0) > 1) continue;
        let groupKey: string;
        let label: string;
        let inferred = false;
        if (d.iommuGroup !== undefined) {
            groupKey = `g${d.iommuGroup}`;
            label = `IOMMU group ${d.iommuGroup}`;
        } else if (!host.acsOverride && !hasAcs.has(slotOf(d))) {
            groupKey = `s${slotOf(d)}`;
            const slot = formatBdf(d.address).replace(/\.[0-9a-f]+$/, '');
            label = `the IOMMU group of ${slot} (functions of one device without ACS)`;
            inferred = true;
        } else continue;
        const g = groups.get(groupKey);
        if (g) g.devices.push(d); else groups.set(groupKey, { label, devices: [d], inferred });
    }
    return [...groups.values()].filter(g => g.devices.length > 1);
}

/** Every endpoint below a switch (its own devices and those of nested switches). */
export function endpointsBelow(sw: PcieSwitchModel): DeviceModel[] {
    return [...sw.devices, ...sw.switches.flatMap(endpointsBelow)];
}

/** The VMs of `host` that hold endpoints of `devices` (passthrough, or a VF of a NIC among them), in workspace order. */
export function vmsUsing(topology: Topology, host: HostModel, devices: readonly DeviceModel[]): VmModel[] {
    const set = new Set(devices);
    return vmsOnHost(topology, host).filter(vm => vm.gpus.some(g => g.mode === 'passthrough' && set.has(g.gpu))
        || vm.nics.some(n => set.has(n.nic)) || vm.nvswitches.some(s => set.has(s.nvswitch)));
}
