/**
 * Fabric Manager data of NVSwitch baseboards: the default shared-NVSwitch partition table and the
 * number of GPUs and NVSwitches per board. GPUs are named by **module id** (Fabric
 * Manager's `physicalId`, `nvidia-smi -q` "Module ID"), never by `nvidia-smi` index or PCI order.
 *
 * Sources: the partition table is NVIDIA's *HGX Shared NVSwitch GPU Passthrough Virtualization
 * Integration Guide* (WP-12736-002) as reproduced in kubeswift-io/kubeswift [WP-12736]; the
 * virtualization models (full passthrough, shared NVSwitch with a service VM) are the Fabric
 * Manager User Guide's [FM-UG]; `FM_MAX_FABRIC_PARTITIONS`, `FM_ST_IN_USE` are from `nv_fm_types.h`
 * [FM-TYPES]. No partition table was found for HGX A100, H20 or B200 boards (WP-12736 covers HGX
 * H100/H200 only; the Fabric Manager User Guide's own table was not read): those boards have no
 * entry here and the partition rules do not judge them.
 */

import type { GpuSpec } from './types.js';

/** One Fabric Manager partition: its id (`fmpm -a <id>`) and the module ids of its GPUs, ascending. */
export interface FabricPartition {
    readonly id: number;
    readonly modules: readonly number[];
}

/** An NVSwitch baseboard with a published partition table. */
export interface FabricBaseboard {
    /** Board name for messages, e.g. `HGX H100/H200 8-GPU`. */
    readonly name: string;
    /** The boards (`GpuSpec.baseboard` of the GPUs on it) that share this table, e.g. `hgx-h100-8`, `hgx-h200-8`. */
    readonly baseboards: readonly string[];
    /** GPUs on the board (module ids 1…gpus). */
    readonly gpus: number;
    /** NVSwitch ASICs on the board (HGX H100/H200: 4 [WP-12736] [SIMAI-128]). */
    readonly nvswitches: number;
    /** The default partition table. */
    readonly partitions: readonly FabricPartition[];
    readonly sources: readonly string[];
}

/**
 * HGX H100 / H200 8-GPU: partition 0 = all eight modules, 1 = modules 1-4, 2 = 5-8, 3 = {1,3},
 * 4 = {2,4}, 5 = {5,7}, 6 = {6,8}, 7-14 = one module each (7→1 … 14→8) [WP-12736].
 */
export const HGX_H100_H200: FabricBaseboard = {
    name: 'HGX H100/H200 8-GPU',
    baseboards: ['hgx-h100-8', 'hgx-h200-8'],
    gpus: 8,
    nvswitches: 4,
    partitions: [
        { id: 0, modules: [1, 2, 3, 4, 5, 6, 7, 8] },
        { id: 1, modules: [1, 2, 3, 4] },
        { id: 2, modules: [5, 6, 7, 8] },
        { id: 3, modules: [1, 3] },
        { id: 4, modules: [2, 4] },
        { id: 5, modules: [5, 7] },
        { id: 6, modules: [6, 8] },
        ...[1, 2, 3, 4, 5, 6, 7, 8].map(m => ({ id: 6 + m, modules: [m] }))
    ],
    sources: ['WP-12736', 'FM-UG', 'FM-TYPES']
};

/** Every baseboard with a partition table. */
export const FABRIC_BASEBOARDS: readonly FabricBaseboard[] = [HGX_H100_H200];

/** The partition table of a GPU model's baseboard (`GpuSpec.baseboard`), when one is known. */
export function baseboardOf(gpu: GpuSpec): FabricBaseboard | undefined {
    const board = gpu.baseboard;
    return board === undefined ? undefined : FABRIC_BASEBOARDS.find(b => b.baseboards.includes(board));
}

/** Whether a GPU model sits on `board` (its `baseboard` is one of the board's). */
export function onBaseboard(gpu: GpuSpec, board: FabricBaseboard): boolean {
    return gpu.baseboard !== undefined && board.baseboards.includes(gpu.baseboard);
}

/** The partition whose module set is exactly `modules` (any order), or undefined. */
export function partitionOf(board: FabricBaseboard, modules: readonly number[]): FabricPartition | undefined {
    const sorted = [...modules].sort((a, b) => a - b);
    return board.partitions.find(p => p.modules.length === sorted.length && p.modules.every((m, i) => m === sorted[i]));
}
