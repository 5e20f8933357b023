/**
 * NVSwitch generations of the vmtopo catalog. Source keys resolve in `sources.ts`.
 */
import type { NvSwitchSpec } from './types.js';

const NVSWITCH_GEN3: NvSwitchSpec = {
    kind: 'nvswitch',
    model: 'NVSwitch',
    aliases: ['NVSwitch3', 'NVSwitch Gen3', 'NVSwitch third generation', 'NVSwitch 3rd generation', 'HGX H100 NVSwitch', 'HGX H200 NVSwitch'],
    pciIds: [
        { vendor: '10de', device: '22a3' }, // "GH100 [H100 NVSwitch]" [PCI-IDS]; HGX H100, 4 switches at 03-06:00.0 [WP-12736]
        { vendor: '10de', device: '22a4' } // the NVIDIA VM white paper's H200 system [VMCFG-SETUP]
    ],
    pciClass: '0x068000', // NCCL's NVSwitch class; also <nvlink tclass> in [OCI-H100-TOPO] [NCCL-TOPO]
    sources: ['PCI-IDS', 'WP-12736', 'VMCFG-SETUP', 'NCCL-TOPO', 'OCI-H100-TOPO']
};

/**
 * First generation (DGX-2 / HGX-2, 12 switches with 16 V100 SXM3). The PCI ID Repository does not
 * list its id: 10de:1ac2 is what a real DGX-2H shows, class 0680, and hwloc labels those functions
 * `subtype="NVSwitch"` [HWLOC-DGX2].
 */
const NVSWITCH_GEN1: NvSwitchSpec = {
    kind: 'nvswitch',
    model: 'NVSwitch Gen1',
    aliases: ['NVSwitch1', 'NVSwitch first generation', 'NVSwitch 1st generation', 'DGX-2 NVSwitch', 'HGX-2 NVSwitch'],
    pciIds: [{ vendor: '10de', device: '1ac2' }], // [HWLOC-DGX2]
    pciClass: '0x068000', // class 0680 in [HWLOC-DGX2]; NCCL's NVSwitch class [NCCL-TOPO]
    sources: ['HWLOC-DGX2', 'NCCL-TOPO']
};

/** Second generation (HGX A100 / DGX A100, 6 switches). */
const NVSWITCH_GEN2: NvSwitchSpec = {
    kind: 'nvswitch',
    model: 'NVSwitch Gen2',
    aliases: ['NVSwitch2', 'NVSwitch second generation', 'NVSwitch 2nd generation', 'A100 NVSwitch', 'HGX A100 NVSwitch', 'GA100 [A100 NVSwitch]'],
    pciIds: [{ vendor: '10de', device: '1af1' }], // "GA100 [A100 NVSwitch]" [PCI-IDS]
    pciClass: '0x068000', // [NCCL-TOPO]
    sources: ['PCI-IDS', 'NCCL-TOPO']
};

/** All NVSwitch generations of the catalog (`NVSwitch` is the third, Hopper's, as before). */
export const NVSWITCHES: readonly NvSwitchSpec[] = [NVSWITCH_GEN3, NVSWITCH_GEN1, NVSWITCH_GEN2];
