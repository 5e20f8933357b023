/**
 * The NCCL path type between two devices of one host, by NCCL's names: `PIX` (the same PCIe switch),
 * `PXB` (a common switch higher up), `PHB` (through the PCIe host bridge of one CPU: the same NUMA
 * node without a common switch), `SYS` (across the interconnect between NUMA nodes). These are the
 * values of `NCCL_P2P_LEVEL` and `NCCL_NET_GDR_LEVEL`
 * (https://docs.nvidia.com/deeplearning/nccl/user-guide/docs/env.html#nccl-p2p-level) and the path
 * types of NVIDIA/nccl `src/graph/topo.h` (`PATH_PIX`, `PATH_PXB`, `PATH_PHB`, `PATH_SYS`); NCCL uses
 * GPUDirect RDMA between a NIC and a GPU only up to `PXB` by default.
 *
 * Computed from the resolved PCIe tree through {@link pathType} (`nvidia-smi topo -m` names): its
 * `NODE` (same NUMA node, no common switch) is NCCL's `PHB`; the others are the same. Kept small on
 * purpose: the editor's VM hover reads it (a fuller NCCL path prediction may replace it).
 */
import { pathType, type DeviceModel } from './topology.js';

/** NCCL's name of a PCIe path between a NIC and a GPU (or two GPUs). */
export type NcclPathType = 'PIX' | 'PXB' | 'PHB' | 'SYS';

/** The NCCL path type between the devices `a` and `b` of one host (symmetric). */
export function ncclPathType(a: DeviceModel, b: DeviceModel): NcclPathType {
    const type = pathType(a, b);
    return type === 'NODE' ? 'PHB' : type;
}
