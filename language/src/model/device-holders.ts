/**
 * Who holds a device of a host: the VMs that were given a GPU (passthrough, vGPU, MIG slice) or a
 * NIC (passthrough, SR-IOV virtual function) or an NVSwitch (passthrough, e.g. to the Fabric Manager
 * service VM), read from the resolved topology. Shared by the code
 * lens on each device ("train-a (passthrough)", "tenant-c, tenant-d (MIG 1g.18gb ×2)", "free") and
 * by completion of device references inside a VM (a mark on the devices another VM holds).
 */
import type { GpuSpec, MigProfile } from '../catalog/index.js';
import { migCapacity, placeMig, type GiRequest } from './mig-placement.js';
import type { DeviceModel, Topology, VmModel } from './topology.js';

/** One use of a device by a VM. */
export interface DeviceUse {
    readonly vm: VmModel;
    /**
     * How the VM holds it, as the code lens prints it: `passthrough`, `vGPU H200X-35C`,
     * `MIG 1g.18gb` (a MIG slice, or a MIG-backed vGPU type, which is the same GPU instance), `VF 0`.
     */
    readonly how: string;
    /** The GPU-instance profile taken, for a MIG slice or MIG-backed vGPU (placement on the GPU). */
    readonly migProfile?: MigProfile;
    /** The start slot written for a MIG slice (`start N`), if any. */
    readonly migStart?: number;
}

/** Uses of every device, by device, per topology (one pass over the VMs per build, not one per device). */
const usesByTopology = new WeakMap<Topology, Map<DeviceModel, DeviceUse[]>>();

/** Every use of `device` by the VMs of `topology`, in VM order (a VM with two slices of one GPU appears twice). */
export function deviceUses(topology: Topology, device: DeviceModel): DeviceUse[] {
    let byDevice = usesByTopology.get(topology);
    if (!byDevice) usesByTopology.set(topology, byDevice = indexUses(topology.vms));
    return byDevice.get(device) ?? [];
}

/** The uses of every device the VMs hold, in VM order. */
function indexUses(vms: readonly VmModel[]): Map<DeviceModel, DeviceUse[]> {
    const byDevice = new Map<DeviceModel, DeviceUse[]>();
    const add = (device: DeviceModel, use: DeviceUse) => {
        const list = byDevice.get(device);
        if (list) list.push(use); else byDevice.set(device, [use]);
    };
    for (const vm of vms) {
        for (const g of vm.gpus) {
            if (g.mode === 'passthrough') add(g.gpu, { vm, how: 'passthrough' });
            else if (g.mode === 'mig') add(g.gpu, { vm, how: `MIG ${g.profile.name}`, migProfile: g.profile, migStart: g.start });
            else {
                const profile = g.type.mode === 'mig-backed' && g.type.migProfile
                    ? g.gpu.spec.migProfiles.find(p => p.name === g.type.migProfile)
                    : undefined;
                add(g.gpu, profile ? { vm, how: `MIG ${profile.name}`, migProfile: profile } : { vm, how: `vGPU ${g.type.name}` });
            }
        }
        for (const n of vm.nics) add(n.nic, { vm, how: n.mode === 'passthrough' ? 'passthrough' : `VF ${n.vf}` });
        for (const s of vm.nvswitches ?? []) add(s.nvswitch, { vm, how: 'passthrough' });
    }
    return byDevice;
}

/**
 * One line naming the holders of a device, grouped by how they hold it: `free`,
 * `train-a (passthrough)`, `tenant-c, tenant-d (MIG 1g.18gb ×2)`, `tenant-c, tenant-d (VF 0, 1)`,
 * `a (passthrough); b (vGPU H200X-70C)` (a conflict that the validator reports).
 */
export function describeUses(uses: readonly DeviceUse[]): string {
    if (uses.length === 0) return 'free';
    const groups = new Map<string, DeviceUse[]>();
    for (const use of uses) {
        const key = use.how.startsWith('VF ') ? 'VF' : use.how;
        groups.set(key, [...(groups.get(key) ?? []), use]);
    }
    return [...groups].map(([key, group]) => {
        const names = [...new Set(group.map(u => u.vm.name))].join(', ');
        if (key === 'VF') return `${names} (VF ${group.map(u => u.how.slice(3)).join(', ')})`;
        return `${names} (${key}${group.length > 1 ? ` ×${group.length}` : ''})`;
    }).join('; ');
}

/**
 * Start slots where a GPU instance of `profile` could still be created on a GPU of `spec` that
 * already has the instances `taken` (profile and, when written, start slot): a slot is free when
 * the taken instances and the new one at that slot still have a placement
 * ({@link placeMig}: no two instances share a memory slice). Source: [MIG-PROF]
 * (https://docs.nvidia.com/datacenter/tesla/mig-user-guide/supported-mig-profiles.html).
 * @returns e.g. `[1, 2, 3]` for `1g.18gb` on an H200 holding one `1g.18gb` and one `3g.71gb`.
 */
export function freeStartSlots(spec: GpuSpec, profile: MigProfile, taken: readonly GiRequest[]): number[] {
    const capacity = migCapacity(spec);
    return profile.startSlots.filter(start => placeMig([...taken, { profile, start }], capacity) !== undefined);
}
