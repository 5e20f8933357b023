/**
 * The resolved topology: plain TypeScript data (no AST types) built from all vmtopo documents of a
 * workspace. Validation's cross-object rules, both exporters and the diagram read only this.
 * Sizes are in MiB, link speeds in GT/s per lane, network speeds in Gb/s.
 */
import type { CpuSpec, GpuSpec, NicSpec, NvSwitchSpec, PcieLink, VgpuType, MigProfile } from '../catalog/types.js';
import type { Bdf, CpuList } from '../syntax/tokens.js';

export type Platform = 'kvm' | 'esxi';

/** Licence editions a host or VM can declare: NVIDIA AI Enterprise, and the vGPU editions vCS, RTX vWS, vPC, vApps [GRID-LIC12]. */
export type LicenseEdition = 'nvaie' | 'vcs' | 'vws' | 'vpc' | 'vapps';

/**
 * A hypervisor release as written after the platform (`platform esxi 8.0u3`): major, minor and
 * update (ESXi "Update n"; 0 when not written). `text` is what was written.
 */
export interface PlatformVersion {
    readonly text: string;
    readonly major: number;
    readonly minor: number;
    readonly update: number;
}

/** Whether `v` is at least `major.minor` Update `update`. */
export function versionAtLeast(v: PlatformVersion, major: number, minor: number, update = 0): boolean {
    if (v.major !== major) return v.major > major;
    if (v.minor !== minor) return v.minor > minor;
    return v.update >= update;
}

/**
 * How vGPUs reach VMs on KVM: `mdev` (mediated devices under the GPU, or under a VF on SR-IOV GPUs)
 * or `vfio` (NVIDIA's vendor-specific VFIO framework, vGPU 17+: one SR-IOV VF per vGPU, attached
 * as a PCI hostdev).
 */
export type VgpuDelivery = 'mdev' | 'vfio';

/** Fabric Manager virtualization model of an HGX baseboard [FM-UG]. */
export type FabricManagerMode = 'shared-nvswitch' | 'full-passthrough';

/**
 * PCIe Access Control Services of a bridge or multi-function device: `enabled` (the kernel's
 * default: peer requests redirected to the root complex), `disabled`, or `direct-translated`
 * (redirect on, ATS-translated peer requests go direct: what GPUDirect RDMA in a VM needs on the
 * GPU↔NIC path [VMCFG-APPX]).
 */
export type AcsMode = 'enabled' | 'disabled' | 'direct-translated';

/** A GPU's vGPU mode (vSphere `HostGraphicsInfoVgpuMode`: sameSize, mixedSize, multiInstanceGpu). */
export type VgpuMode = 'equal-size' | 'mixed-size' | 'mig';

export interface Topology {
    readonly hosts: readonly HostModel[];
    readonly vms: readonly VmModel[];
    /**
     * Every named host and VM as declared, in workspace order, including VMs whose host does not
     * resolve: names are unique across the workspace (SYN005, SYN009 read these).
     */
    readonly declarations: readonly Declaration[];
}

/** A host or VM declaration: its kind, name and where it was written (for messages). */
export interface Declaration {
    readonly kind: 'host' | 'vm';
    readonly name: string;
    /** URI of the document (`URI.toString()`), when the AST belongs to one. */
    readonly uri?: string;
    /** 0-based line of the name. */
    readonly line: number;
}

/** A NUMA node of a host (one per socket in vmtopo): logical CPUs and memory. */
export interface NumaNode {
    readonly id: number;
    /**
     * Where `id` comes from: the socket's `numa` clause, its position among the host's sockets (no
     * `numa` written), or its position because the `numa` written is out of bounds (SYN008).
     */
    readonly idFrom: 'written' | 'position' | 'invalid';
    readonly socket: string;
    /** Logical CPUs of the node, as the socket's `cores` list names them (ranges, never one entry per CPU). */
    readonly cpus: CpuList;
    /**
     * SMT sibling of a CPU of the node, when the `cores` list is two equal-length ranges
     * (`0-47,96-143`: CPU k of the first range and CPU k of the second are the two threads of one
     * core); undefined otherwise.
     */
    siblingOf(cpu: number): number | undefined;
    /** Memory of the node in MiB; 0 when not written or written as `memory unknown`. */
    readonly memoryMiB: number;
    /** `memory unknown` written: the node's memory is not known yet (LOC004 says so once, at the socket, and judges no VM on it). */
    readonly memoryUnknown?: boolean;
    /** Hugepage pools reserved on the node (`hugepages 1 GiB count 900`): page size in MiB and page count. */
    readonly hugepagePools: ReadonlyArray<{ readonly sizeMiB: number; readonly count: number }>;
}

export interface HostModel {
    readonly name: string;
    readonly platform: Platform;
    /**
     * The host is a Kubernetes node whose VMs KubeVirt runs (`platform kubevirt`): the hypervisor is
     * KVM (`platform` is `kvm`, so every KVM rule applies), and the KVIRT rules add what KubeVirt's API
     * cannot express or its admission webhook refuses (https://kubevirt.io/user-guide/).
     */
    readonly kubevirt?: boolean;
    /** Hypervisor release, when written (`platform esxi 8.0u3`). */
    readonly platformVersion?: PlatformVersion;
    /** vGPU delivery on KVM, when written (the libvirt export defaults to `mdev`). */
    readonly vgpuDelivery?: VgpuDelivery;
    readonly cpu?: CpuSpec;
    readonly license?: LicenseEdition;
    /** Fabric Manager model of the host's NVSwitch baseboard, when declared. */
    readonly fabricManager?: FabricManagerMode;
    /** IOMMU for device assignment; `enabled` is assumed when not written. */
    readonly iommu?: 'enabled' | 'disabled';
    /** The kernel's `pcie_acs_override` is in use. */
    readonly acsOverride?: boolean;
    readonly numaNodes: readonly NumaNode[];
    /** Every PCIe switch of the host, outermost first. */
    readonly switches: readonly PcieSwitchModel[];
    /** Every endpoint device of the host (GPUs, NICs, NVSwitches), in declaration order. */
    readonly devices: readonly DeviceModel[];
    /** NUMA node of a host CPU, if the host has that CPU. */
    numaOfCpu(cpu: number): NumaNode | undefined;
}

interface Located {
    readonly name: string;
    readonly host: HostModel;
    readonly address: Bdf;
    /** The host NUMA node the device hangs off (its socket's node). */
    readonly numa: number;
    /** Innermost PCIe switch above the device, if any. */
    readonly parentSwitch?: PcieSwitchModel;
    /**
     * The socket named by its own `on SOCKET`, when written (and resolved); without it the device
     * inherits its switch's socket (`numa`). HOST005 compares the two.
     */
    readonly declaredSocket?: NumaNode;
    /** IOMMU group written with `iommu-group N` (endpoints only), else inferred (rules/iommu.ts). */
    readonly iommuGroup?: number;
}

export interface PcieSwitchModel extends Located {
    readonly kind: 'switch';
    /** Uplink of the switch, when declared. */
    readonly link?: PcieLink;
    /** ACS of the switch's ports, when declared (the kernel default `enabled` otherwise). */
    readonly acs?: AcsMode;
    /** Model of the switch chip as written (`model "PEX89144"`). */
    readonly model?: string;
    /** PCI identity of the upstream port (`pci-id "1000:c030 1000:0072"`), when written and well-formed. */
    readonly pciId?: SwitchPciId;
    readonly switches: readonly PcieSwitchModel[];
    readonly devices: readonly DeviceModel[];
}

/**
 * PCI vendor, device, subsystem vendor and subsystem device id of a switch's upstream port, 4 hex
 * digits each, lowercase (`lspci -vnn`). NCCL combines them into one 64-bit id and flattens Broadcom
 * PEX Gen4/Gen5 switches by it (`getBcmGen`, NVIDIA/nccl `src/graph/topo.cc`).
 */
export interface SwitchPciId {
    readonly vendor: string;
    readonly device: string;
    readonly subsystemVendor?: string;
    readonly subsystemDevice?: string;
}

export interface GpuModel extends Located {
    readonly kind: 'gpu';
    readonly spec: GpuSpec;
    /** HGX module id (Fabric Manager's physical id), if declared. */
    readonly module?: number;
    readonly link: PcieLink;
    /** vGPU mode, when declared (`vgpu-mode mixed-size`); equal-size applies when absent. */
    readonly vgpuMode?: VgpuMode;
    /** ACS of the GPU's functions, when declared. */
    readonly acs?: AcsMode;
}

export interface NicModel extends Located {
    readonly kind: 'nic';
    readonly spec: NicSpec;
    readonly speedGbps?: number;
    /** SR-IOV virtual functions enabled on this PF. */
    readonly vfs: number;
    /** SR-IOV First VF Offset and VF Stride, in routing ids (PCIe SR-IOV capability; default 1 and 1). */
    readonly vfOffset: number;
    readonly vfStride: number;
    readonly link: PcieLink;
    /** ACS between the NIC's functions, when declared. */
    readonly acs?: AcsMode;
    /** ATS in the NIC firmware (`mlxconfig ATS_ENABLED`), when declared. */
    readonly ats?: 'enabled' | 'disabled';
    /** Port link layer, when declared: Ethernet/RoCE (PCI class 0x020000) or InfiniBand (0x020700). */
    readonly linkLayer?: 'ethernet' | 'infiniband';
    /** The hypervisor's own boot/management NIC. */
    readonly management?: boolean;
}

export interface NvSwitchModel extends Located {
    readonly kind: 'nvswitch';
    readonly spec: NvSwitchSpec;
}

export type DeviceModel = GpuModel | NicModel | NvSwitchModel;

/** A GPU as a VM receives it. */
export type VmGpu =
    | { readonly mode: 'passthrough'; readonly gpu: GpuModel }
    | { readonly mode: 'vgpu'; readonly gpu: GpuModel; readonly type: VgpuType }
    /** A MIG slice delivered as the MIG-backed vGPU of its profile (`type` absent when the board has none). */
    | { readonly mode: 'mig'; readonly gpu: GpuModel; readonly profile: MigProfile; readonly type?: VgpuType; readonly start?: number };

/** An NVSwitch a VM receives by passthrough. */
export interface VmNvSwitch {
    readonly nvswitch: NvSwitchModel;
}

/** A NIC as a VM receives it: the whole PF, or one VF (index from 0) with its host address. */
export type VmNic =
    | { readonly mode: 'passthrough'; readonly nic: NicModel }
    | { readonly mode: 'vf'; readonly nic: NicModel; readonly vf: number; readonly address: Bdf };

export interface VmModel {
    readonly name: string;
    readonly host: HostModel;
    readonly vcpus: number;
    /** Host CPUs of the `pin` list, in the order written, else undefined (not pinned). */
    readonly pin?: CpuList;
    readonly emulatorPin?: CpuList;
    readonly memoryMiB: number;
    /** Host NUMA nodes the memory is bound to (numatune strict), if declared. */
    readonly memoryNuma?: readonly number[];
    readonly hugepageMiB?: number;
    readonly gpus: readonly VmGpu[];
    readonly nics: readonly VmNic[];
    /** Declared 64-bit MMIO window in GiB. */
    readonly mmioGiB?: number;
    /** Licence of the VM, or inherited from its host. */
    readonly license?: LicenseEdition;
    /** Whether the licence is written on the VM itself (not inherited). */
    readonly licenseOnVm?: boolean;
    /** Guest firmware, when declared. */
    readonly firmware?: 'efi' | 'bios';
    /** UEFI Secure Boot requested (`secure-boot`). */
    readonly secureBoot?: boolean;
    /** Reserved memory in MiB (`reserve all` = the VM's memory), when declared. */
    readonly reservedMiB?: number;
    /** The VM expects GPU peer-to-peer (`p2p`). */
    readonly p2p?: boolean;
    /** The VM uses CUDA unified memory (`unified-memory`). */
    readonly unifiedMemory?: boolean;
    /** NVSwitches passed through to the VM. */
    readonly nvswitches: readonly VmNvSwitch[];
    /** The VM is its host's Fabric Manager service VM (`fabric-manager service`). */
    readonly fabricManagerService?: boolean;
    /** Fabric Manager version the service VM runs, when written. */
    readonly fabricManagerVersion?: string;
    /** NVIDIA driver version in the guest, when written. */
    readonly guestDriver?: string;
    /** The VM declares GPUDirect RDMA use (`gpudirect-rdma`). */
    readonly gpudirectRdma?: boolean;
}

/** The VMs of each host, per topology object (made once, in workspace order). */
const vmsByHost = new WeakMap<Topology, Map<HostModel, VmModel[]>>();

/** The VMs on `host`, in workspace order: one pass over `topology.vms` per topology, not one per host. */
export function vmsOnHost(topology: Topology, host: HostModel): readonly VmModel[] {
    let byHost = vmsByHost.get(topology);
    if (!byHost) {
        byHost = new Map();
        for (const vm of topology.vms) {
            const list = byHost.get(vm.host);
            if (list) list.push(vm); else byHost.set(vm.host, [vm]);
        }
        vmsByHost.set(topology, byHost);
    }
    return byHost.get(host) ?? [];
}

/** Every switch from the host root down to the device (outermost first). */
export function switchPath(device: { readonly parentSwitch?: PcieSwitchModel }): PcieSwitchModel[] {
    const path: PcieSwitchModel[] = [];
    for (let s = device.parentSwitch; s; s = s.parentSwitch) path.unshift(s);
    return path;
}

/**
 * Connection type between two devices of one host, as the legend of `nvidia-smi topo -m` names it:
 * `PIX` = same innermost switch, `PXB` = a common switch higher up, `NODE` = same NUMA node
 * without a common switch, `SYS` = across NUMA nodes.
 */
export type PathType = 'PIX' | 'PXB' | 'NODE' | 'SYS';

export function pathType(a: Located, b: Located): PathType {
    if (a.parentSwitch && a.parentSwitch === b.parentSwitch) return 'PIX';
    const pa = switchPath(a);
    const pb = new Set(switchPath(b));
    if (pa.some(s => pb.has(s))) return 'PXB';
    return a.numa === b.numa ? 'NODE' : 'SYS';
}

/** Rank of a path type, lower is closer (the order of the `nvidia-smi topo -m` legend: PIX, PXB, PHB, NODE, SYS). */
export const PATH_RANK: Record<PathType, number> = { PIX: 1, PXB: 2, NODE: 4, SYS: 5 };

/** Distinct host NUMA nodes of the VM's GPUs, ascending. */
export function gpuNumaNodes(vm: VmModel): number[] {
    return [...new Set(vm.gpus.map(g => g.gpu.numa))].sort((a, b) => a - b);
}

/**
 * The vGPU type a VM's slice is delivered as, for messages: the vGPU type (`H200X-1-18C`), a MIG
 * slice's MIG-backed type, or `MIG 1g.18gb` when the profile has none; undefined for passthrough.
 */
export function sliceTypeName(entry: VmGpu): string | undefined {
    return entry.mode === 'vgpu' ? entry.type.name : entry.mode === 'mig' ? (entry.type?.name ?? `MIG ${entry.profile.name}`) : undefined;
}
