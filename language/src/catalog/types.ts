/**
 * Types of the vmtopo hardware catalog. The catalog is data: every fact carries the key of its
 * source (a key of `SOURCES` in `sources.ts`).
 */

/**
 * A PCI vendor:device id pair, lowercase hex without `0x`, e.g. `{ vendor: '10de', device: '2335' }`,
 * as the PCI ID Repository lists it [PCI-IDS] and `lspci -nn` prints it. `subsystem`
 * (`ssvv:ssdd`, e.g. `10de:131d`) is given only where the subsystem id, not the device id, tells two
 * catalog models apart; an id without it matches every subsystem of the device.
 */
export interface PciId {
    readonly vendor: string;
    readonly device: string;
    readonly subsystem?: string;
}

/** PCIe link of a device as the catalog knows it: speed in GT/s per lane (2.5, 5, 8, 16, 32, 64) and lane count. */
export interface PcieLink {
    readonly speedGTs: number;
    readonly width: number;
}

/** One MIG GPU-instance profile of a GPU model, e.g. `1g.18gb` on H200 (source MIG-PROF). */
export interface MigProfile {
    /** Profile name as `nvidia-smi mig -lgip` prints it, e.g. `1g.18gb`, `1g.18gb+me`, `7g.141gb`. */
    readonly name: string;
    /** GPU-instance profile id (19, 20, 15, 14, 9, 5, 0 on the 7-slice family). */
    readonly giProfileId: number;
    /** Compute slices used. */
    readonly computeSlices: number;
    /** Memory slices used (of 8 on the 7-slice family, of 4 on A30). */
    readonly memorySlices: number;
    /** Valid start slots (placements), as `nvidia-smi mig -lgipp` prints them. */
    readonly startSlots: readonly number[];
    /** Maximum instances of this profile on one GPU. */
    readonly maxPerGpu: number;
    /**
     * Whether the instance holds the GPU's media engines (NVDEC/NVJPG/OFA): the `+me` profiles, of
     * which one GPU holds one at most (MIG006) [MIG-PROF].
     */
    readonly mediaExtensions: boolean;
}

/** One NVIDIA vGPU for Compute (C-series) type of a board, e.g. `H200X-1-18C` (sources VGPU-HOPPER / VGPU-AMPERE). */
export interface VgpuType {
    /** Type name as NVIDIA prints it, e.g. `H200X-141C`, `H200X-1-18C`. */
    readonly name: string;
    /** `time-sliced` or `mig-backed`. */
    readonly mode: 'time-sliced' | 'mig-backed';
    /** Framebuffer of one vGPU in GB as in NVIDIA's table. */
    readonly framebufferGB: number;
    /**
     * Optional (added by the catalog): framebuffer of one vGPU in MB exactly as NVIDIA's
     * "Frame Buffer (MB)" column prints it (e.g. 144384 for `H200X-141C`; MB here = MiB).
     */
    readonly framebufferMB?: number;
    /** Maximum vGPUs of this type per GPU (equal-size mode for time-sliced; per-GPU maximum for MIG-backed). */
    readonly maxPerGpu: number;
    /** Maximum per GPU in mixed-size mode (time-sliced types only; absent where the board has no mixed-size mode). */
    readonly maxPerGpuMixed?: number;
    /** For MIG-backed types: the GPU-instance profile name that backs it, e.g. `1g.18gb`. */
    readonly migProfile?: string;
    /**
     * For MIG-backed types: whether the backing profile holds the media engines (`…CME` types on
     * `+me` profiles), which NVIDIA's type tables support on vSphere only from 8.0 Update 3
     * (VGPU016) [VGPU-HOPPER] [VGPU-AMPERE].
     */
    readonly mediaExtensions?: boolean;
    /** Licence edition that covers the type: all C-series types need NVIDIA AI Enterprise (`nvaie`). */
    readonly license: 'nvaie';
}

/** A GPU model of the catalog. */
export interface GpuSpec {
    readonly kind: 'gpu';
    /** Catalog key the language uses, e.g. `H200 SXM5 141GB`. */
    readonly model: string;
    /** Other spellings accepted for the same model (case-insensitive match), e.g. `H200 SXM`. */
    readonly aliases: readonly string[];
    /**
     * PCI ids of this model [PCI-IDS]: importers identify a device by these first, then by name; a
     * model string written as `"vvvv:dddd"` resolves to the model whose ids contain it.
     */
    readonly pciIds: readonly PciId[];
    /** PCI class code as NCCL reads it, e.g. `0x030200` (3D controller). */
    readonly pciClass: string;
    /** Framebuffer in GB as NVIDIA states it (141 for H200). */
    readonly memoryGB: number;
    /** Host link: PCIe generation as GT/s and width. */
    readonly link: PcieLink;
    /** 64-bit MMIO the GPU needs, in GiB (NVIDIA AI Enterprise table [NVAIE-MMIO]; NVIDIA writes "GB"). */
    readonly mmioGiB: number;
    /** Form factor: `sxm` (HGX baseboard, NVLink via NVSwitch) or `pcie`. */
    readonly formFactor: 'sxm' | 'pcie';
    /** NVLink bonded links between GPUs as `nvidia-smi topo -m` shows them (18 for NV18), 0 if none. */
    readonly nvlinks: number;
    /** CUDA compute capability ×10 (90 for Hopper, 80 for A100, 89 for Ada). */
    readonly sm: number;
    /** MIG profiles; empty when the GPU has no MIG. */
    readonly migProfiles: readonly MigProfile[];
    /** vGPU for Compute types of the board (time-sliced and MIG-backed). */
    readonly vgpuTypes: readonly VgpuType[];
    /** Source keys for the facts above (keys of `SOURCES`). */
    readonly sources: readonly string[];
    /**
     * SR-IOV of the GPU (Ampere and later datacenter GPUs): vGPUs are created on virtual functions,
     * VF k at routing id PF + `vfOffset` + k × `vfStride` (NVIDIA's vGPU user guide example lists an
     * A100's VFs from function 4 of the PF's device on: offset 4, stride 1) [VGPU-UG-PT]. Absent on
     * GPUs without SR-IOV (Volta, Turing), where the mdev parent is the GPU itself.
     */
    readonly sriov?: { readonly vfOffset: number; readonly vfStride: number };
    /**
     * Facts of this entry that are derived or rest on a single example rather than a published
     * table, by field (`mmioGiB`, `pciIds`), with the reason; hover and messages say so.
     */
    readonly derived?: Readonly<Record<string, string>>;
    /**
     * The NVSwitch baseboard an SXM model sits on, as `FABRIC_BASEBOARDS` (fabric-manager.ts) lists
     * it: the Fabric Manager partition table that applies to a host of these GPUs (FM001, LOC011).
     * Given where a source names the board and its table: `hgx-h100-8`, `hgx-h200-8` [WP-12736].
     * Absent on PCIe models and on SXM models whose board's table is not known (A100, H20, B200):
     * the partition rules do not judge those.
     */
    readonly baseboard?: string;
    /**
     * Whether enabling or disabling MIG mode needs a GPU reset (A100, A30; not Hopper and later),
     * which inside a VM given the GPU by passthrough may mean rebooting the VM (MIG010) [MIG-START].
     * Absent: no reset needed, or no MIG.
     */
    readonly migModeNeedsReset?: boolean;
    /**
     * Whether vGPU NVLink P2P is disabled when unified memory is enabled in the VM (A100; VGPU017)
     * [VGPU-P2P]. Absent: not so documented.
     */
    readonly unifiedMemoryDisablesP2p?: boolean;
}

/** A NIC model of the catalog. */
export interface NicSpec {
    readonly kind: 'nic';
    readonly model: string;
    readonly aliases: readonly string[];
    readonly pciIds: readonly PciId[];
    /** PCI class code, e.g. `0x020700` (InfiniBand) — NCCL reads any `0x02…` as a NIC. */
    readonly pciClass: string;
    readonly link: PcieLink;
    /** Port speeds the model supports, in Gb/s. */
    readonly speedsGbps: readonly number[];
    /** Maximum SR-IOV virtual functions per PF (legacy SR-IOV). */
    readonly maxVfsPerPf: number;
    readonly sources: readonly string[];
}

/** An NVSwitch generation of the catalog. */
export interface NvSwitchSpec {
    readonly kind: 'nvswitch';
    readonly model: string;
    readonly aliases: readonly string[];
    readonly pciIds: readonly PciId[];
    readonly pciClass: string;
    readonly sources: readonly string[];
}

/** A host CPU model: what NCCL's `<cpu>` element needs (vendor, family/model ids in NCCL's own CPUID formula). */
export interface CpuSpec {
    readonly kind: 'cpu';
    readonly model: string;
    readonly aliases: readonly string[];
    readonly arch: 'x86_64' | 'arm64';
    /** CPUID vendor string: `GenuineIntel` or `AuthenticAMD`. */
    readonly vendor: string;
    /** NCCL's `familyid` = family + (extFamily << 4). */
    readonly familyId: number;
    /** NCCL's `modelid` = model + (extModel << 4). */
    readonly modelId: number;
    readonly sources: readonly string[];
}
