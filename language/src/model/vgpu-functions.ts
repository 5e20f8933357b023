/**
 * Which host PCI function carries each vGPU on KVM.
 *
 * On SR-IOV GPUs (Ampere and later: A100, A30, H100, H200, L40S, …) every vGPU lives on one virtual
 * function of the GPU: with mediated devices (`vgpu-delivery mdev`, the default) the VF is the mdev
 * parent (never the PF); with NVIDIA's vendor-specific VFIO framework (`vgpu-delivery vfio`, vGPU 17
 * and later on recent kernels such as Ubuntu 24.04, Ada/Hopper and later GPUs) there is no mdev: the
 * vGPU type is written to the VF's `nvidia/current_vgpu_type` and the VF is attached to the VM as a
 * PCI hostdev. On GPUs without SR-IOV (Volta, Turing) the mdev parent is the GPU itself.
 * Sources: NVIDIA vGPU software user guide (https://docs.nvidia.com/vgpu/latest/grid-vgpu-user-guide/index.html,
 * "Creating an NVIDIA vGPU on a Linux with KVM hypervisor", mdev and vendor-specific VFIO sections).
 *
 * VFs are numbered per GPU in workspace order: the k-th vGPU or MIG slice that any VM of the host
 * takes from a GPU is VF k.
 */
import { vfAddress, type Bdf } from '../syntax/tokens.js';
import type { GpuModel, HostModel, VmGpu, VmModel } from './topology.js';

/** The VMs of each host, in workspace order, as the last resolution saw them. */
const VMS_OF_HOST = new WeakMap<HostModel, readonly VmModel[]>();

/** Records the VMs of each host (called by `resolveTopology`). */
export function registerHostVms(vms: readonly VmModel[]): void {
    const byHost = new Map<HostModel, VmModel[]>();
    for (const vm of vms) {
        const l = byHost.get(vm.host);
        if (l) l.push(vm); else byHost.set(vm.host, [vm]);
    }
    for (const [host, list] of byHost) VMS_OF_HOST.set(host, list);
}

/** The VMs of a host as last resolved (just `fallback` when the host was not resolved with them). */
function vmsOf(host: HostModel, fallback: VmModel): readonly VmModel[] {
    const list = VMS_OF_HOST.get(host);
    return list && list.includes(fallback) ? list : [fallback];
}

/** Index of a vGPU/MIG slice among all slices any VM of the host takes from the same GPU (workspace order). */
export function vgpuSliceIndex(vm: VmModel, entry: VmGpu): number {
    let k = 0;
    for (const other of vmsOf(vm.host, vm)) {
        for (const g of other.gpus) {
            if (g === entry) return k;
            if (g.gpu === entry.gpu && g.mode !== 'passthrough') k++;
        }
    }
    return k;
}

/** The VF of `gpu` with index `vf` (0-based), or undefined on a GPU without SR-IOV or past the routing ids. */
export function gpuVfAddress(gpu: GpuModel, vf: number): Bdf | undefined {
    const sriov = gpu.spec.sriov;
    return sriov ? vfAddress(gpu.address, sriov.vfOffset, sriov.vfStride, vf) : undefined;
}

/** The host function of a vGPU slice: the GPU's VF for it (SR-IOV GPUs) or the GPU itself. */
export function vgpuFunction(vm: VmModel, entry: VmGpu): { readonly address: Bdf; readonly vf?: number } {
    const vf = vgpuSliceIndex(vm, entry);
    const address = gpuVfAddress(entry.gpu, vf);
    return address ? { address, vf } : { address: entry.gpu.address };
}
