/**
 * NIC models of the vmtopo catalog. Source keys resolve in `sources.ts`.
 */
import type { NicSpec } from './types.js';

const CONNECTX_7: NicSpec = {
    kind: 'nic',
    model: 'ConnectX-7',
    aliases: ['CX-7', 'CX7', 'ConnectX7', 'MT2910', 'MT2910 Family [ConnectX-7]'],
    pciIds: [{ vendor: '15b3', device: '1021' }], // [VMCFG-SETUP] [SIMAI-128] [PCI-IDS] [OCI-H100-TOPO]
    // InfiniBand controller; a port in Ethernet (RoCE) mode reports 0x020000 [OCI-H100-TOPO].
    // NCCL treats any 0x02… class as a NIC [NCCL-TOPO].
    pciClass: '0x020700', // [AZ-NDV5] [NCCL-TOPO]
    link: { speedGTs: 32, width: 16 }, // PCIe Gen5 x16 [CX7-UM] [MLPERF-DGXH100]
    speedsGbps: [400, 200, 100, 50, 25], // IB NDR/NDR200/HDR/EDR, Eth up to 400GbE [MLNX-OFED-RN]
    maxVfsPerPf: 127, // legacy SR-IOV and switchdev: "127 VF per PF" [CX7-FW-RN] [DOCA-SRIOV]
    sources: ['VMCFG-SETUP', 'SIMAI-128', 'PCI-IDS', 'OCI-H100-TOPO', 'AZ-NDV5', 'NCCL-TOPO', 'CX7-UM', 'MLPERF-DGXH100', 'MLNX-OFED-RN', 'CX7-FW-RN', 'DOCA-SRIOV']
};

const CONNECTX_6: NicSpec = {
    kind: 'nic',
    model: 'ConnectX-6',
    aliases: ['CX-6', 'CX6', 'ConnectX6', 'MT28908', 'MT28908 Family [ConnectX-6]'],
    pciIds: [{ vendor: '15b3', device: '101b' }], // "MT28908 Family [ConnectX-6]" [PCI-IDS]
    pciClass: '0x020700', // InfiniBand controller (Ethernet mode: 0x020000) [PCI-IDS] [NCCL-TOPO]
    link: { speedGTs: 16, width: 16 }, // PCIe Gen 3.0/4.0 x16, up to 16 GT/s [CX6-UM]
    speedsGbps: [200, 100, 50, 25, 10], // IB HDR/EDR, Eth 10…200GbE [MLNX-OFED-RN]
    maxVfsPerPf: 127, // "up to 127 VFs per port" [DOCA-SRIOV]
    sources: ['PCI-IDS', 'NCCL-TOPO', 'CX6-UM', 'MLNX-OFED-RN', 'DOCA-SRIOV']
};

const CONNECTX_6_DX: NicSpec = {
    kind: 'nic',
    model: 'ConnectX-6 Dx',
    aliases: ['CX-6 Dx', 'CX6DX', 'ConnectX6DX', 'MT2892', 'MT2892 Family [ConnectX-6 Dx]'],
    pciIds: [{ vendor: '15b3', device: '101d' }], // "MT2892 Family [ConnectX-6 Dx]" [PCI-IDS]
    pciClass: '0x020000', // Ethernet controller: ConnectX-6 Dx is Ethernet-only [PCI-IDS]
    link: { speedGTs: 16, width: 16 }, // PCIe Gen4 x16 [PCI-IDS]
    speedsGbps: [200, 100, 50, 25, 10], // Ethernet [MLNX-OFED-RN]
    maxVfsPerPf: 127, // [DOCA-SRIOV]
    sources: ['PCI-IDS', 'MLNX-OFED-RN', 'DOCA-SRIOV']
};

const BLUEFIELD_3: NicSpec = {
    kind: 'nic',
    model: 'BlueField-3',
    aliases: ['BF3', 'BlueField3', 'MT43244', 'MT43244 BlueField-3 integrated ConnectX-7 network controller'],
    pciIds: [{ vendor: '15b3', device: 'a2dc' }], // "MT43244 BlueField-3" [PCI-IDS]
    pciClass: '0x020000', // Ethernet by default; InfiniBand mode 0x020700 (the NIC's `link-layer` decides) [PCI-IDS] [NCCL-TOPO]
    link: { speedGTs: 32, width: 16 }, // PCIe Gen5 x16 (integrated ConnectX-7) [PCI-IDS]
    speedsGbps: [400, 200, 100, 50, 25], // as ConnectX-7 [MLNX-OFED-RN]
    maxVfsPerPf: 127, // [DOCA-SRIOV]
    sources: ['PCI-IDS', 'NCCL-TOPO', 'MLNX-OFED-RN', 'DOCA-SRIOV']
};

// ---------------------------------------------------------------------------------------------
// Models of real captures (issue 16): ids and names from the PCI ID Repository [PCI-IDS-MLNX]
// ---------------------------------------------------------------------------------------------

const CONNECTX_4: NicSpec = {
    kind: 'nic', model: 'ConnectX-4', aliases: ['CX-4', 'CX4', 'ConnectX4', 'MT27700', 'MT27700 Family [ConnectX-4]'],
    pciIds: [{ vendor: '15b3', device: '1013' }], // "MT27700 Family [ConnectX-4]" [PCI-IDS-MLNX]
    pciClass: '0x020700', // InfiniBand controller (Ethernet mode 0x020000); class 0207 in a real lstopo capture [PCI-IDS-MLNX] [NCCL-TOPO]
    link: { speedGTs: 8, width: 16 }, // PCIe Gen 3.0, x8 or x16 edge connector [CX4-UM]
    speedsGbps: [100, 56, 50, 40, 25, 10], // [MLX5-SPEEDS]
    maxVfsPerPf: 127, // mlx5 SR-IOV [DOCA-SRIOV]
    sources: ['PCI-IDS-MLNX', 'NCCL-TOPO', 'CX4-UM', 'MLX5-SPEEDS', 'DOCA-SRIOV']
};

const CONNECTX_5: NicSpec = {
    kind: 'nic', model: 'ConnectX-5', aliases: ['CX-5', 'CX5', 'ConnectX5', 'MT27800', 'MT27800 Family [ConnectX-5]'],
    pciIds: [{ vendor: '15b3', device: '1017' }], // "MT27800 Family [ConnectX-5]" [PCI-IDS-MLNX]
    pciClass: '0x020700', // InfiniBand controller (Ethernet mode 0x020000) [NCCL-TOPO]
    link: { speedGTs: 8, width: 16 }, // "ConnectX-5: PCIe Gen 3.0 … x16, 2.5, 5.0 or 8.0 GT/s" [CX5-UM]
    speedsGbps: [100, 56, 50, 40, 25, 10], // [MLX5-SPEEDS]
    maxVfsPerPf: 127, // [DOCA-SRIOV]
    sources: ['PCI-IDS-MLNX', 'NCCL-TOPO', 'CX5-UM', 'MLX5-SPEEDS', 'DOCA-SRIOV']
};

const CONNECTX_5_EX: NicSpec = {
    kind: 'nic', model: 'ConnectX-5 Ex', aliases: ['CX-5 Ex', 'CX5EX', 'ConnectX5Ex', 'MT28800', 'MT28800 Family [ConnectX-5 Ex]'],
    pciIds: [{ vendor: '15b3', device: '1019' }], // "MT28800 Family [ConnectX-5 Ex]" [PCI-IDS-MLNX]
    pciClass: '0x020700', // [NCCL-TOPO]
    link: { speedGTs: 16, width: 16 }, // "ConnectX-5 Ex: PCIe Gen 3.0/4.0 … x16, … 16GT/s" [CX5-UM]
    speedsGbps: [100, 56, 50, 40, 25, 10], // ConnectX-5 family [MLX5-SPEEDS]
    maxVfsPerPf: 127, // [DOCA-SRIOV]
    sources: ['PCI-IDS-MLNX', 'NCCL-TOPO', 'CX5-UM', 'MLX5-SPEEDS', 'DOCA-SRIOV']
};

const CONNECTX_8: NicSpec = {
    kind: 'nic', model: 'ConnectX-8', aliases: ['CX-8', 'CX8', 'ConnectX8', 'ConnectX-8 SuperNIC', 'CX8 Family [ConnectX-8]'],
    pciIds: [{ vendor: '15b3', device: '1023' }], // "CX8 Family [ConnectX-8]" [PCI-IDS-MLNX]; also in [OCI-B300-TOPO]
    pciClass: '0x020000', // Ethernet in the OCI B300 dump; InfiniBand mode 0x020700 [OCI-B300-TOPO] [NCCL-TOPO]
    link: { speedGTs: 64, width: 16 }, // "64.0 GT/s PCIe", width 16 in the OCI B300 dump [OCI-B300-TOPO]
    speedsGbps: [800, 400, 200], // "800Gb/s or XDR IB or 2 x 400GbE" [CX8-FW-RN]
    maxVfsPerPf: 127, // "127 VF per PF" [CX8-FW-RN]
    sources: ['PCI-IDS-MLNX', 'OCI-B300-TOPO', 'NCCL-TOPO', 'CX8-FW-RN']
};

const BLUEFIELD: NicSpec = {
    kind: 'nic', model: 'BlueField', aliases: ['BF1', 'BlueField-1', 'MT416842', 'MT416842 BlueField integrated ConnectX-5 network controller'],
    pciIds: [{ vendor: '15b3', device: 'a2d2' }], // "MT416842 BlueField integrated ConnectX-5 network controller" [PCI-IDS-MLNX]
    pciClass: '0x020000', // Ethernet by default; InfiniBand mode 0x020700 [NCCL-TOPO]
    link: { speedGTs: 8, width: 16 }, // as its integrated ConnectX-5 [PCI-IDS-MLNX] [CX5-UM]
    speedsGbps: [100, 50, 40, 25, 10], // as ConnectX-5 [MLX5-SPEEDS]
    maxVfsPerPf: 127, // [DOCA-SRIOV]
    sources: ['PCI-IDS-MLNX', 'NCCL-TOPO', 'CX5-UM', 'MLX5-SPEEDS', 'DOCA-SRIOV']
};

const BLUEFIELD_2: NicSpec = {
    kind: 'nic', model: 'BlueField-2', aliases: ['BF2', 'BlueField2', 'MT42822', 'MT42822 BlueField-2 integrated ConnectX-6 Dx network controller'],
    pciIds: [{ vendor: '15b3', device: 'a2d6' }], // "MT42822 BlueField-2 integrated ConnectX-6 Dx network controller" [PCI-IDS-MLNX]
    pciClass: '0x020000', // Ethernet, as its integrated ConnectX-6 Dx [PCI-IDS-MLNX]
    link: { speedGTs: 16, width: 16 }, // as ConnectX-6 Dx (PCIe Gen4 x16) [PCI-IDS]
    speedsGbps: [200, 100, 50, 25, 10], // as ConnectX-6 Dx [MLNX-OFED-RN]
    maxVfsPerPf: 127, // [DOCA-SRIOV]
    sources: ['PCI-IDS-MLNX', 'PCI-IDS', 'MLNX-OFED-RN', 'DOCA-SRIOV']
};

/** All NIC models of the catalog. */
export const NICS: readonly NicSpec[] = [CONNECTX_7, CONNECTX_6, CONNECTX_6_DX, BLUEFIELD_3, CONNECTX_4, CONNECTX_5, CONNECTX_5_EX, CONNECTX_8, BLUEFIELD, BLUEFIELD_2];
