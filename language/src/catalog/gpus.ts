/**
 * GPU models of the vmtopo catalog.
 *
 * Facts come from NVIDIA's tables, each cited by its source key (resolved in `sources.ts`): PCI
 * device ids [MIGPARTED], MIG GPU-instance profiles [MIG-PROF], vGPU for Compute (C-series) types
 * [VGPU-HOPPER] [VGPU-AMPERE] [VGPU-ADA], the 64-bit MMIO each GPU needs [NVAIE-MMIO]. A fact that
 * was derived rather than read says so (`derived`, or "derived" / "unverified" in a comment).
 *
 * Framebuffer convention: NVIDIA's vGPU tables print the framebuffer in MB (release 6, [VGPU-AMPERE]
 * [VGPU-ADA]) — for every type here that value is `n × 1024` where `n` is the number in the type
 * name (`H200X-70C` → 71680 MB). `framebufferGB` stores `n` (= MB / 1024, i.e. GiB) and
 * `framebufferMB` the table value. (The release-7 Hopper page [VGPU-HOPPER] prints MB / 1000 rounded down,
 * e.g. 81 for `H100XM-80C` and 144 for `H200X-141C`. Storing MB / 1024 keeps
 * "Σ framebuffer of the vGPUs on a GPU ≤ memoryGB" meaningful: 1 × `H200X-141C` = 141 ≤ 141.)
 */
import type { GpuSpec, MigProfile, VgpuType } from './types.js';

// ---------------------------------------------------------------------------------------------
// MIG: the seven-compute-slice / eight-memory-slice family [MIG-PROF]
// ---------------------------------------------------------------------------------------------

/** Per-slot facts of the 7-slice family [MIG-PROF], in `sevenSliceMig`'s slot order: GI profile id, compute, memory slices, start slots, max. */
const SEVEN_SLICE_SLOTS: readonly Omit<MigProfile, 'name'>[] = [
    { giProfileId: 19, computeSlices: 1, memorySlices: 1, startSlots: [0, 1, 2, 3, 4, 5, 6], maxPerGpu: 7, mediaExtensions: false }, // 1g
    { giProfileId: 20, computeSlices: 1, memorySlices: 1, startSlots: [0, 1, 2, 3, 4, 5, 6], maxPerGpu: 1, mediaExtensions: true }, // 1g+me
    { giProfileId: 15, computeSlices: 1, memorySlices: 2, startSlots: [0, 2, 4, 6], maxPerGpu: 4, mediaExtensions: false }, // 1g, 2 memory slices
    { giProfileId: 14, computeSlices: 2, memorySlices: 2, startSlots: [0, 2, 4], maxPerGpu: 3, mediaExtensions: false }, // 2g
    { giProfileId: 9, computeSlices: 3, memorySlices: 4, startSlots: [0, 4], maxPerGpu: 2, mediaExtensions: false }, // 3g
    { giProfileId: 5, computeSlices: 4, memorySlices: 4, startSlots: [0], maxPerGpu: 1, mediaExtensions: false }, // 4g
    { giProfileId: 0, computeSlices: 7, memorySlices: 8, startSlots: [0], maxPerGpu: 1, mediaExtensions: false } // 7g
];

/**
 * The 7-slice MIG family of one model from its profile names.
 * @param names GI profile names in this order: 1g, 1g+me, 1g (2 mem), 2g, 3g, 4g, 7g; e.g. `['1g.18gb', '1g.18gb+me', '1g.35gb', '2g.35gb', '3g.71gb', '4g.71gb', '7g.141gb']`.
 */
function sevenSliceMig(names: readonly [string, string, string, string, string, string, string]): MigProfile[] {
    return SEVEN_SLICE_SLOTS.map((slot, i) => ({ name: names[i], ...slot }));
}

// ---------------------------------------------------------------------------------------------
// vGPU for Compute (C-series) types — all need NVIDIA AI Enterprise [VGPU-HOPPER]
// ---------------------------------------------------------------------------------------------

/** One time-sliced row: size n (type `<prefix>nC`, n × 1024 MB), max in equal-size mode, max in mixed-size mode. */
type TimeSlicedRow = readonly [sizeGB: number, maxEqual: number, maxMixed: number];

/** Time-sliced types `<prefix><n>C`, e.g. `timeSliced('H200X-', [[141, 1, 1], …])` → `H200X-141C`. */
function timeSliced(prefix: string, rows: readonly TimeSlicedRow[]): VgpuType[] {
    return rows.map(([sizeGB, maxEqual, maxMixed]) => ({
        name: `${prefix}${sizeGB}C`,
        mode: 'time-sliced',
        framebufferGB: sizeGB,
        framebufferMB: sizeGB * 1024,
        maxPerGpu: maxEqual,
        maxPerGpuMixed: maxMixed,
        license: 'nvaie'
    }));
}

/**
 * MIG-backed types of a board, one per GI profile: `<prefix><compute>-<GB>C` (+`ME` for the `+me`
 * profile), max per GPU = the profile's max, framebuffer = the profile's GB (× 1024 MB).
 * E.g. prefix `H200X-` + `1g.18gb` → `H200X-1-18C`; `1g.18gb+me` → `H200X-1-18CME`.
 * This reproduces every MIG-backed row of NVIDIA's tables for the 7-slice boards [VGPU-HOPPER] [VGPU-AMPERE].
 */
function migBacked(prefix: string, profiles: readonly MigProfile[]): VgpuType[] {
    // NVIDIA's order: largest first (7g, 4g, 3g, 2g, 1g with 2 memory slices, 1g), `+me` after its plain twin.
    const isMe = (p: MigProfile): number => (p.mediaExtensions ? 1 : 0);
    const ordered = [...profiles].sort((a, b) => b.computeSlices - a.computeSlices || b.memorySlices - a.memorySlices || isMe(a) - isMe(b));
    return ordered.map((p) => {
        const match = /^(\d+)g\.(\d+)gb(\+me)?$/.exec(p.name);
        if (!match) {
            throw new Error(`catalog: unexpected MIG profile name '${p.name}'`);
        }
        const [, compute, gb, me] = match;
        return {
            name: `${prefix}${compute}-${gb}C${me ? 'ME' : ''}`,
            mode: 'mig-backed',
            framebufferGB: Number(gb),
            framebufferMB: Number(gb) * 1024,
            maxPerGpu: p.maxPerGpu,
            migProfile: p.name,
            mediaExtensions: p.mediaExtensions,
            license: 'nvaie'
        };
    });
}

// ---------------------------------------------------------------------------------------------
// Per-model tables
// ---------------------------------------------------------------------------------------------

/**
 * SR-IOV layout of NVIDIA's Ampere-and-later datacenter GPUs: VFs from function 4 of the PF's device
 * on, stride 1 (the A100 example of NVIDIA's vGPU user guide lists `virtfn0 -> 0000:41:00.4` …;
 * assumed for the other SR-IOV boards) [VGPU-UG-PT].
 */
const GPU_SRIOV = { vfOffset: 4, vfStride: 1 } as const;

// MIG profile names of A100 80GB, H100 80GB (SXM5, PCIe), H800 80GB [MIG-PROF]
const MIG_80GB = sevenSliceMig(['1g.10gb', '1g.10gb+me', '1g.20gb', '2g.20gb', '3g.40gb', '4g.40gb', '7g.80gb']);
// MIG profile names of H200 141GB (SXM5, NVL), H20 141GB [MIG-PROF]
const MIG_141GB = sevenSliceMig(['1g.18gb', '1g.18gb+me', '1g.35gb', '2g.35gb', '3g.71gb', '4g.71gb', '7g.141gb']);

const H100_SXM5_80GB: GpuSpec = {
    kind: 'gpu',
    model: 'H100 SXM5 80GB',
    aliases: ['H100 SXM5', 'H100 SXM', 'H100-SXM5-80GB', 'NVIDIA H100 80GB HBM3', 'HGX H100'],
    pciIds: [{ vendor: '10de', device: '2330' }], // "GH100 [H100 SXM5 80GB]" [PCI-IDS] [MIGPARTED]; also in [OCI-H100-TOPO]
    pciClass: '0x030200', // 3D controller [OCI-H100-TOPO] [NCCL-TOPO]
    memoryGB: 80, // [VGPU-HOPPER]
    link: { speedGTs: 32, width: 16 }, // Gen5 x16 [MLPERF-DGXH100] [OCI-H100-TOPO]
    mmioGiB: 256, // "H100 (all variants) 256GB" [NVAIE-MMIO]
    formFactor: 'sxm',
    nvlinks: 18, // NV18 in nvidia-smi topo -m [SIMAI-128]
    sm: 90, // Hopper [NCCL-TOPO]
    migProfiles: MIG_80GB, // [MIG-PROF]
    vgpuTypes: [
        // Time-sliced `H100XM-` [VGPU-HOPPER]. NOTE (unverified): NVIDIA's table gives
        // 6 × H100XM-16C in equal-size mode although 6 × 16 GB > 80 GB (H800XM/A100DX give 5 for the
        // same size). Encoded as the table says; treat the value as suspect.
        ...timeSliced('H100XM-', [
            [80, 1, 1],
            [40, 2, 2],
            [20, 4, 4],
            [16, 6, 4],
            [10, 8, 8],
            [8, 10, 8],
            [5, 16, 16],
            [4, 20, 16]
        ]),
        ...migBacked('H100XM-', MIG_80GB) // MIG-backed [VGPU-HOPPER]
    ],
    sources: ['PCI-IDS', 'MIGPARTED', 'MIG-PROF', 'VGPU-HOPPER', 'NVAIE-MMIO', 'MLPERF-DGXH100', 'OCI-H100-TOPO', 'SIMAI-128', 'NCCL-TOPO', 'VGPU-UG-PT', 'WP-12736'],
    sriov: GPU_SRIOV,
    baseboard: 'hgx-h100-8' // HGX H100 8-GPU, its Fabric Manager partition table [WP-12736]
};

const H200_SXM5_141GB: GpuSpec = {
    kind: 'gpu',
    model: 'H200 SXM5 141GB',
    aliases: ['H200 SXM5', 'H200 SXM', 'H200-SXM5-141GB', 'NVIDIA H200', 'HGX H200'],
    // 2335 in mig-parted [MIGPARTED]; the NVIDIA VM white paper's vfio example uses 2336 [VMCFG-SETUP]
    pciIds: [
        { vendor: '10de', device: '2335' },
        { vendor: '10de', device: '2336' }
    ],
    pciClass: '0x030200', // 3D controller [AZ-NDV5] [NCCL-TOPO]
    memoryGB: 141, // [VGPU-HOPPER]
    link: { speedGTs: 32, width: 16 }, // Gen5 x16 [AZ-NDV5] (ND H200 v5 uses the same file)
    mmioGiB: 512, // "H200 (all variants) 512GB" [NVAIE-MMIO]
    formFactor: 'sxm',
    nvlinks: 18, // NV18 in the nvidia-smi topo -m of an 8× H200 host, https://github.com/dw-flyingw/GLM-5.2-FP8/blob/5788952bb2451f052345b5c6072515dd38082615/topo.txt
    sm: 90, // Hopper [NCCL-TOPO]
    migProfiles: MIG_141GB, // [MIG-PROF]
    vgpuTypes: [
        // Time-sliced `H200X-` [VGPU-HOPPER]
        ...timeSliced('H200X-', [
            [141, 1, 1],
            [70, 2, 2],
            [35, 4, 4],
            [28, 5, 5],
            [17, 8, 8],
            [14, 10, 10],
            [8, 16, 16],
            [7, 20, 20],
            [4, 32, 32]
        ]),
        ...migBacked('H200X-', MIG_141GB) // MIG-backed [VGPU-HOPPER]
    ],
    sources: ['MIGPARTED', 'VMCFG-SETUP', 'MIG-PROF', 'VGPU-HOPPER', 'NVAIE-MMIO', 'AZ-NDV5', 'NCCL-TOPO', 'VGPU-UG-PT', 'WP-12736'],
    sriov: GPU_SRIOV,
    baseboard: 'hgx-h200-8', // HGX H200 8-GPU: the HGX H100 board's partition table [WP-12736]
    derived: {
        pciIds: 'device id 0x2336 has no public source beside one example (the NVIDIA VM white paper\'s vfio command for its H200 SXM system); 0x2335 is mig-parted\'s'
    }
};

const A100_SXM4_80GB: GpuSpec = {
    kind: 'gpu',
    model: 'A100 SXM4 80GB',
    aliases: ['A100 SXM4', 'A100 HGX 80GB', 'A100-SXM4-80GB', 'NVIDIA A100-SXM4-80GB', 'A100 80GB SXM'],
    pciIds: [{ vendor: '10de', device: '20b2' }], // [MIGPARTED]
    pciClass: '0x030200', // 3D controller [OCI-A100-TOPO] [NCCL-TOPO]
    memoryGB: 80, // [VGPU-AMPERE]
    link: { speedGTs: 16, width: 16 }, // Gen4 x16 [OCI-A100-TOPO] ("16 GT/s", width 16)
    mmioGiB: 256, // "A100 80GB (all variants) 256GB" [NVAIE-MMIO]
    formFactor: 'sxm',
    nvlinks: 12, // NV12 in the nvidia-smi topo -m of a DGX A100, https://github.com/gengwg/cheatsheets/blob/aa724849dc8925cb4ac658c349be24cd1f0868b9/gpu.md
    sm: 80, // Ampere GA100 [NCCL-TOPO]
    migProfiles: MIG_80GB, // [MIG-PROF]
    vgpuTypes: [
        // Time-sliced `A100DX-` (A100 HGX 80GB) [VGPU-AMPERE]; no 5C type on this board
        ...timeSliced('A100DX-', [
            [80, 1, 1],
            [40, 2, 2],
            [20, 4, 4],
            [16, 5, 4],
            [10, 8, 8],
            [8, 10, 8],
            [4, 20, 16]
        ]),
        ...migBacked('A100DX-', MIG_80GB) // MIG-backed [VGPU-AMPERE]
    ],
    sources: ['MIGPARTED', 'MIG-PROF', 'VGPU-AMPERE', 'NVAIE-MMIO', 'OCI-A100-TOPO', 'NCCL-TOPO', 'VGPU-UG-PT', 'MIG-START', 'VGPU-P2P'],
    sriov: GPU_SRIOV,
    migModeNeedsReset: true, // Ampere: changing MIG mode resets the GPU [MIG-START]
    unifiedMemoryDisablesP2p: true // vGPU NVLink P2P is disabled with unified memory on A100 [VGPU-P2P]
};

const L40S: GpuSpec = {
    kind: 'gpu',
    model: 'L40S',
    aliases: ['NVIDIA L40S', 'L40S 48GB', 'L40S PCIe'],
    pciIds: [{ vendor: '10de', device: '26b9' }], // "AD102GL [L40S]" [PCI-IDS] (seen in public lspci -nn output)
    pciClass: '0x030200', // modalias bc03sc02 = 3D controller [PCI-IDS]
    memoryGB: 48, // 48 GB GDDR6 [L40S-DS]
    link: { speedGTs: 16, width: 16 }, // PCIe Gen4 x16 [L40S-DS]
    // UNVERIFIED: the NVAIE MMIO table ([NVAIE-MMIO]; release-6 Table 18) lists L40 (128 GB) but not
    // L40S. L40S is the same AD102 board with 48 GB, so L40's 128 GB is the best-supported value.
    mmioGiB: 128, // [NVAIE-MMIO] (L40 row, applied to L40S; unverified)
    formFactor: 'pcie',
    nvlinks: 0, // no NVLink [L40S-DS]
    sm: 89, // Ada, compute capability 8.9 [CUDA-GPUS]
    migProfiles: [], // no MIG [L40S-DS] [MIG-GPUS]
    // Table 39 [VGPU-ADA]: FB 49152/24576/16384/12288/8192/6144/4096 MB; -4C max 12 (footnote: at most
    // 12 vGPUs per physical GPU).
    vgpuTypes: timeSliced('L40S-', [
        [48, 1, 1],
        [24, 2, 2],
        [16, 3, 2],
        [12, 4, 4],
        [8, 6, 4],
        [6, 8, 8],
        [4, 12, 8]
    ]),
    sources: ['VGPU-ADA', 'NVAIE-MMIO', 'PCI-IDS', 'L40S-DS', 'CUDA-GPUS', 'MIG-GPUS', 'VGPU-UG-PT'],
    sriov: GPU_SRIOV,
    derived: {
        mmioGiB: 'derived: NVIDIA\'s MMIO table lists L40 (128 GB), not L40S; the same AD102 board\'s value is applied'
    }
};

// ---------------------------------------------------------------------------------------------
// Fleet models (issue 7). Where no public source or capture gave a PCI device id, none is listed.
// ---------------------------------------------------------------------------------------------

// MIG profile names of H100 94GB (NVL, SXM5 94GB), H800 NVL [MIG-PROF]
const MIG_94GB = sevenSliceMig(['1g.12gb', '1g.12gb+me', '1g.24gb', '2g.24gb', '3g.47gb', '4g.47gb', '7g.94gb']);
// MIG profile names of H20 96GB [MIG-PROF]
const MIG_96GB = sevenSliceMig(['1g.12gb', '1g.12gb+me', '1g.24gb', '2g.24gb', '3g.48gb', '4g.48gb', '7g.96gb']);
// MIG profile names of A100 40GB [MIG-PROF]
const MIG_40GB = sevenSliceMig(['1g.5gb', '1g.5gb+me', '1g.10gb', '2g.10gb', '3g.20gb', '4g.20gb', '7g.40gb']);
// MIG profile names of B200 180GB [MIG-PROF]; placements assumed from the 7-slice family (unverified: not seen printed)
const MIG_180GB = sevenSliceMig(['1g.23gb', '1g.23gb+me', '1g.45gb', '2g.45gb', '3g.90gb', '4g.90gb', '7g.180gb']);

/**
 * A30's MIG profiles (4 compute / 4 memory slices), NVIDIA's A30 table [MIG-PROF] [VGPU-AMPERE]:
 * GI profile ids as `nvidia-smi mig -lgip` prints them on A30 (1g.6gb 14, 1g.6gb+me 21, 2g.12gb 5,
 * 2g.12gb+me 6, 4g.24gb 0); the 2g start slots {0,2} are derived from "max 2 on 4 slices" [MIG-PROF].
 */
const MIG_A30: readonly MigProfile[] = [
    { name: '1g.6gb', giProfileId: 14, computeSlices: 1, memorySlices: 1, startSlots: [0, 1, 2, 3], maxPerGpu: 4, mediaExtensions: false },
    { name: '1g.6gb+me', giProfileId: 21, computeSlices: 1, memorySlices: 1, startSlots: [0, 1, 2, 3], maxPerGpu: 1, mediaExtensions: true },
    { name: '2g.12gb', giProfileId: 5, computeSlices: 2, memorySlices: 2, startSlots: [0, 2], maxPerGpu: 2, mediaExtensions: false },
    { name: '2g.12gb+me', giProfileId: 6, computeSlices: 2, memorySlices: 2, startSlots: [0, 2], maxPerGpu: 1, mediaExtensions: true },
    { name: '4g.24gb', giProfileId: 0, computeSlices: 4, memorySlices: 4, startSlots: [0], maxPerGpu: 1, mediaExtensions: false }
];

/** H100 80GB time-sliced rows [VGPU-HOPPER], shared by the SXM5 (`H100XM-`) and PCIe (`H100-`) boards. */
const H100_80GB_ROWS: readonly TimeSlicedRow[] = [[80, 1, 1], [40, 2, 2], [20, 4, 4], [16, 6, 4], [10, 8, 8], [8, 10, 8], [5, 16, 16], [4, 20, 16]];
/** H200 141GB time-sliced rows [VGPU-HOPPER], shared by H200 SXM5 (`H200X-`), H200 NVL (`H200-`). */
const H200_ROWS: readonly TimeSlicedRow[] = [[141, 1, 1], [70, 2, 2], [35, 4, 4], [28, 5, 5], [17, 8, 8], [14, 10, 10], [8, 16, 16], [7, 20, 20], [4, 32, 32]];

const H100_PCIE_80GB: GpuSpec = {
    kind: 'gpu', model: 'H100 PCIe 80GB', aliases: ['H100 PCIe', 'H100-PCIE-80GB', 'NVIDIA H100 PCIe'],
    pciIds: [{ vendor: '10de', device: '2331' }], // "GH100 [H100 PCIe]" [PCI-IDS] (the SXM5 board is 2330)
    pciClass: '0x030200', memoryGB: 80, link: { speedGTs: 32, width: 16 }, // Gen5 x16 (Hopper)
    mmioGiB: 256, // "H100 (all variants)" [NVAIE-MMIO]
    formFactor: 'pcie', nvlinks: 0, sm: 90, migProfiles: MIG_80GB,
    // the H100 SXM5 80GB numbers with prefix `H100-` [VGPU-HOPPER]
    vgpuTypes: [...timeSliced('H100-', H100_80GB_ROWS), ...migBacked('H100-', MIG_80GB)],
    sources: ['PCI-IDS', 'VGPU-HOPPER', 'NVAIE-MMIO', 'MIG-PROF', 'VGPU-UG-PT'], sriov: GPU_SRIOV
};

const H100_NVL: GpuSpec = {
    kind: 'gpu', model: 'H100 NVL 94GB', aliases: ['H100 NVL', 'H100NVL', 'NVIDIA H100 NVL'],
    pciIds: [{ vendor: '10de', device: '2321' }], // [MIGPARTED]
    pciClass: '0x030200', memoryGB: 94, link: { speedGTs: 32, width: 16 },
    mmioGiB: 256, // [NVAIE-MMIO]
    formFactor: 'pcie', nvlinks: 0, // NVLink bridge between pairs; its NV# count was not captured
    sm: 90, migProfiles: MIG_94GB,
    // `H100L-` types [VGPU-HOPPER]
    vgpuTypes: [...timeSliced('H100L-', [[94, 1, 1], [47, 2, 2], [23, 4, 4], [15, 6, 4], [11, 8, 8], [6, 15, 8], [4, 23, 16]]), ...migBacked('H100L-', MIG_94GB)],
    sources: ['MIGPARTED', 'VGPU-HOPPER', 'NVAIE-MMIO', 'MIG-PROF', 'VGPU-UG-PT'], sriov: GPU_SRIOV
};

const H200_NVL: GpuSpec = {
    kind: 'gpu', model: 'H200 NVL 141GB', aliases: ['H200 NVL', 'H200NVL', 'NVIDIA H200 NVL'],
    pciIds: [{ vendor: '10de', device: '233b' }], // "GH100 [H200 NVL]" [PCI-IDS]
    pciClass: '0x030200', memoryGB: 141, link: { speedGTs: 32, width: 16 },
    mmioGiB: 512, // "H200 (all variants)" [NVAIE-MMIO]
    formFactor: 'pcie', nvlinks: 0, // NVLink bridge; NV# count not captured
    sm: 90, migProfiles: MIG_141GB,
    vgpuTypes: [...timeSliced('H200-', H200_ROWS), ...migBacked('H200-', MIG_141GB)], // the H200 SXM5 numbers with prefix `H200-` [VGPU-HOPPER]
    sources: ['PCI-IDS', 'VGPU-HOPPER', 'NVAIE-MMIO', 'MIG-PROF', 'VGPU-UG-PT'], sriov: GPU_SRIOV
};

const H20_96GB: GpuSpec = {
    kind: 'gpu', model: 'H20 96GB', aliases: ['H20', 'H20 SXM5 96GB', 'NVIDIA H20'],
    pciIds: [{ vendor: '10de', device: '2329' }], // mig-parted key "H20" [MIGPARTED]
    pciClass: '0x030200', memoryGB: 96, link: { speedGTs: 32, width: 16 },
    mmioGiB: 256, // "H20 96GB" [NVAIE-MMIO]
    formFactor: 'sxm', nvlinks: 18, sm: 90, migProfiles: MIG_96GB, // NV18 in an 8× H20 nvidia-smi topo -m, https://github.com/sgl-project/sglang/issues/24966
    vgpuTypes: [...timeSliced('H20-', [[96, 1, 1], [48, 2, 2], [24, 4, 2], [16, 6, 4], [12, 8, 4], [6, 16, 8], [4, 24, 8]]), ...migBacked('H20-', MIG_96GB)],
    sources: ['MIGPARTED', 'VGPU-HOPPER', 'NVAIE-MMIO', 'MIG-PROF', 'VGPU-UG-PT'], sriov: GPU_SRIOV
};

const B200: GpuSpec = {
    kind: 'gpu', model: 'B200 180GB', aliases: ['B200', 'HGX B200', 'NVIDIA B200'],
    pciIds: [{ vendor: '10de', device: '2901' }], // [MIGPARTED]
    pciClass: '0x030200', memoryGB: 180, link: { speedGTs: 32, width: 16 },
    mmioGiB: 512, // not in NVIDIA's MMIO table [NVAIE-MMIO]: derived, see `derived`
    formFactor: 'sxm', nvlinks: 18, sm: 100, migProfiles: MIG_180GB,
    // only the full-size type was seen, in [VGPU-P2P]; B200's type table was not read
    vgpuTypes: timeSliced('B200X-', [[180, 1, 1]]),
    sources: ['MIGPARTED', 'MIG-PROF', 'VGPU-P2P', 'VGPU-UG-PT'], sriov: GPU_SRIOV,
    derived: {
        mmioGiB: 'derived: B200 is not in NVIDIA\'s MMIO table; 512 GiB assumed (the next power of two above its 180 GB frame buffer, as for H200)',
        migProfiles: 'B200 MIG start slots were not seen printed; the 7-slice family layout is assumed (unverified)'
    }
};

const A100_SXM4_40GB: GpuSpec = {
    kind: 'gpu', model: 'A100 SXM4 40GB', aliases: ['A100 40GB', 'A100 HGX 40GB', 'A100-SXM4-40GB', 'NVIDIA A100-SXM4-40GB'],
    pciIds: [{ vendor: '10de', device: '20b0' }], // [MIGPARTED]
    pciClass: '0x030200', memoryGB: 40, link: { speedGTs: 16, width: 16 },
    mmioGiB: 128, // "A100 40GB (all variants)" [NVAIE-MMIO]
    formFactor: 'sxm', nvlinks: 12, sm: 80, migProfiles: MIG_40GB,
    // `A100X-` types [VGPU-AMPERE]
    vgpuTypes: [...timeSliced('A100X-', [[40, 1, 1], [20, 2, 2], [10, 4, 4], [8, 5, 4], [5, 8, 8], [4, 10, 8]]), ...migBacked('A100X-', MIG_40GB)],
    sources: ['MIGPARTED', 'VGPU-AMPERE', 'NVAIE-MMIO', 'MIG-PROF', 'VGPU-UG-PT', 'MIG-START', 'VGPU-P2P'], sriov: GPU_SRIOV,
    migModeNeedsReset: true, // [MIG-START]
    unifiedMemoryDisablesP2p: true // [VGPU-P2P]
};

const A30: GpuSpec = {
    kind: 'gpu', model: 'A30 24GB', aliases: ['A30', 'NVIDIA A30'],
    pciIds: [{ vendor: '10de', device: '20b7' }], // [MIGPARTED]
    pciClass: '0x030200', memoryGB: 24, link: { speedGTs: 16, width: 16 },
    mmioGiB: 64, // [NVAIE-MMIO]
    formFactor: 'pcie', nvlinks: 0, // NVLink bridge; NV# count not captured
    sm: 80, migProfiles: MIG_A30,
    // `A30-` types [VGPU-AMPERE]
    vgpuTypes: [...timeSliced('A30-', [[24, 1, 1], [12, 2, 2], [8, 3, 2], [6, 4, 4], [4, 6, 4]]), ...migBacked('A30-', MIG_A30)],
    sources: ['MIGPARTED', 'VGPU-AMPERE', 'NVAIE-MMIO', 'MIG-PROF', 'VGPU-UG-PT', 'MIG-START'], sriov: GPU_SRIOV,
    migModeNeedsReset: true // [MIG-START]
};

/** A GPU without MIG (time-sliced vGPU only [MIG-GPUS]) whose C-series type table was not read for vmtopo. */
function noMigPcie(model: string, aliases: string[], pciIds: GpuSpec['pciIds'], memoryGB: number, mmioGiB: number, sm: number, link: { speedGTs: number; width: number }): GpuSpec {
    return {
        kind: 'gpu', model, aliases, pciIds, pciClass: '0x030200', memoryGB, link, mmioGiB, formFactor: 'pcie', nvlinks: 0, sm,
        migProfiles: [], // no MIG [MIG-GPUS]
        vgpuTypes: [], // NVIDIA publishes C-series types for it; not read for vmtopo, so none here yet
        sources: ['PCI-IDS', 'NVAIE-MMIO', 'MIG-GPUS'], ...(sm >= 80 ? { sriov: GPU_SRIOV } : {})
    };
}

const L4 = noMigPcie('L4 24GB', ['L4', 'NVIDIA L4'], [{ vendor: '10de', device: '27b8' }], 24, 64, 89, { speedGTs: 16, width: 16 }); // "AD104GL [L4]" [PCI-IDS]; MMIO 64 GB [NVAIE-MMIO]
const L40 = noMigPcie('L40 48GB', ['L40', 'NVIDIA L40'], [{ vendor: '10de', device: '26b5' }], 48, 128, 89, { speedGTs: 16, width: 16 }); // "AD102GL [L40]" [PCI-IDS]; MMIO 128 GB [NVAIE-MMIO]

/**
 * Tesla V100 SXM2 32GB: Volta, no MIG, no SR-IOV (the mdev parent is the GPU), no mixed-size mode
 * ("This GPU does not support mixed-size mode" [VGPU-AMPERE]). MMIO "Tesla V100 (all variants)" 64 GB [NVAIE-MMIO].
 * C-series types `V100DX-<n>C` with max = 32 / n (single column); the sizes are derived from the
 * equal-size rule, not read from NVIDIA's table (see `derived`).
 */
const V100_SXM2_32GB: GpuSpec = {
    kind: 'gpu', model: 'V100 SXM2 32GB', aliases: ['V100', 'Tesla V100', 'V100 SXM2', 'Tesla V100-SXM2-32GB', 'Tesla V100 SXM2 32GB', 'GV100GL [Tesla V100 SXM2 32GB]'],
    pciIds: [{ vendor: '10de', device: '1db5' }], // "GV100GL [Tesla V100 SXM2 32GB]" [PCI-IDS] (SXM3 32GB is 1db8)
    pciClass: '0x030200', memoryGB: 32, link: { speedGTs: 8, width: 16 },
    mmioGiB: 64, formFactor: 'sxm', nvlinks: 0, sm: 70, migProfiles: [],
    vgpuTypes: [[32, 1], [16, 2], [8, 4], [4, 8]].map(([n, max]) => ({
        name: `V100DX-${n}C`, mode: 'time-sliced' as const, framebufferGB: n, framebufferMB: n * 1024, maxPerGpu: max, license: 'nvaie' as const
    })),
    sources: ['PCI-IDS', 'VGPU-AMPERE', 'NVAIE-MMIO', 'MIG-GPUS'],
    derived: { vgpuTypes: 'derived: V100DX-<n>C sizes and maxima (32 / n) follow the equal-size rule; NVIDIA\'s V100 table was not read' }
};

/**
 * Tesla V100 SXM3 32GB, the DGX-2 / HGX-2 board (16 GPUs, 12 first-generation NVSwitches): device
 * 10de:1db8 [PCI-IDS]; the DGX-2H's higher-clocked "-H" part is the same device with subsystem
 * 10de:131d (NVML name `Tesla V100-SXM3-32GB-H`) [PCI-IDS] [HWLOC-DGX2], the same catalog model.
 * Volta: no MIG, no SR-IOV. MMIO "Tesla V100 (all variants)" 64 GB [NVAIE-MMIO]. Host link PCIe Gen3
 * x16 (15.75 GB/s in hwloc) [HWLOC-DGX2]; NV6 between GPU pairs through the NVSwitches [NCCLTESTS-78].
 * No vGPU types: NVIDIA's V100 SXM3 table was not read for vmtopo.
 */
const V100_SXM3_32GB: GpuSpec = {
    kind: 'gpu', model: 'V100 SXM3 32GB',
    aliases: ['V100 SXM3', 'Tesla V100 SXM3', 'Tesla V100-SXM3-32GB', 'Tesla V100-SXM3-32GB-H', 'Tesla V100 SXM3 32GB', 'GV100GL [Tesla V100 SXM3 32GB]'],
    pciIds: [{ vendor: '10de', device: '1db8' }], // [PCI-IDS] [HWLOC-DGX2]
    pciClass: '0x030200', // 3D controller, class 0302 in [HWLOC-DGX2]
    memoryGB: 32, link: { speedGTs: 8, width: 16 }, // [PCI-IDS] (32GB) [HWLOC-DGX2] (Gen3 x16)
    mmioGiB: 64, // "Tesla V100 (all variants)" [NVAIE-MMIO]
    formFactor: 'sxm', nvlinks: 6, sm: 70, // NV6 [NCCLTESTS-78]; Volta 7.0 [CUDA-GPUS]
    migProfiles: [], vgpuTypes: [], // no MIG [MIG-GPUS]; vGPU table not read
    sources: ['PCI-IDS', 'HWLOC-DGX2', 'NVAIE-MMIO', 'NCCLTESTS-78', 'CUDA-GPUS', 'MIG-GPUS']
};

/**
 * A100 80GB PCIe: device 10de:20b5 "GA100 [A100 PCIe 80GB]" [PCI-IDS]; 80 GB, PCIe Gen4 x16 [A100-DS];
 * MMIO "A100 80GB (all variants)" 256 GB [NVAIE-MMIO]; the A100 80GB MIG profiles [MIG-PROF]; MIG
 * mode change resets the GPU (Ampere) [MIG-START]. No vGPU types: its `A100D-` table was not read.
 */
const A100_PCIE_80GB: GpuSpec = {
    kind: 'gpu', model: 'A100 PCIe 80GB', aliases: ['A100 PCIe', 'A100 80GB PCIe', 'NVIDIA A100 80GB PCIe', 'A100-PCIE-80GB', 'GA100 [A100 PCIe 80GB]'],
    pciIds: [{ vendor: '10de', device: '20b5' }], // [PCI-IDS]
    pciClass: '0x030200', memoryGB: 80, link: { speedGTs: 16, width: 16 }, // [A100-DS]
    mmioGiB: 256, // [NVAIE-MMIO]
    formFactor: 'pcie', nvlinks: 0, // NVLink bridge between pairs; its NV# count was not captured
    sm: 80, migProfiles: MIG_80GB, vgpuTypes: [], // [CUDA-GPUS] [MIG-PROF]
    sources: ['PCI-IDS', 'A100-DS', 'NVAIE-MMIO', 'MIG-PROF', 'MIG-START', 'CUDA-GPUS', 'VGPU-UG-PT'], sriov: GPU_SRIOV,
    migModeNeedsReset: true // [MIG-START]
};

/** All GPU models of the catalog. */
export const GPUS: readonly GpuSpec[] = [
    H100_SXM5_80GB, H200_SXM5_141GB, A100_SXM4_80GB, L40S,
    H100_PCIE_80GB, H100_NVL, H200_NVL, H20_96GB, B200, A100_SXM4_40GB, A30, L4, L40, V100_SXM2_32GB,
    V100_SXM3_32GB, A100_PCIE_80GB
];
