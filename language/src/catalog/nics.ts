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

/** All NIC models of the catalog. */
export const NICS: readonly NicSpec[] = [CONNECTX_7, CONNECTX_6, CONNECTX_6_DX, BLUEFIELD_3];
