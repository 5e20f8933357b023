/**
 * NVSwitch generations of the vmtopo catalog. Source keys resolve in `sources.ts`.
 */
import type { NvSwitchSpec } from './types.js';

const NVSWITCH_GEN3: NvSwitchSpec = {
    kind: 'nvswitch',
    model: 'NVSwitch',
    aliases: ['NVSwitch3', 'NVSwitch Gen3', 'NVSwitch third generation', 'NVSwitch 3rd generation', 'HGX H100 NVSwitch', 'HGX H200 NVSwitch'],
    pciIds: [
        { vendor: '10de', device: '22a3' }, // HGX H100, 4 switches at 03-06:00.0 [WP-12736]
        { vendor: '10de', device: '22a4' } // the NVIDIA VM white paper's H200 system [VMCFG-SETUP]
    ],
    pciClass: '0x068000', // NCCL's NVSwitch class; also <nvlink tclass> in [OCI-H100-TOPO] [NCCL-TOPO]
    sources: ['WP-12736', 'VMCFG-SETUP', 'NCCL-TOPO', 'OCI-H100-TOPO']
};

/** All NVSwitch generations of the catalog. */
export const NVSWITCHES: readonly NvSwitchSpec[] = [NVSWITCH_GEN3];
