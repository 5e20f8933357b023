/**
 * Source keys of the vmtopo catalog and validation rules.
 *
 * The keys are the catalog's own short names for the documents its facts and rules were read from;
 * each title says what was read and where. Rules and catalog facts cite these keys; `sourceUrl`
 * turns a key into the address shown in diagnostics, hovers and docs/rules.md.
 */

/** One source: a short title and the address (URL, or repository + path where no URL exists). */
export interface Source {
    readonly title: string;
    readonly url: string;
}

const VMCFG = 'https://docs.nvidia.com/ai-enterprise/planning-resource/optimizing-vm-configuration-ai-inference/latest';
const NVAIE8_VGPU = 'https://docs.nvidia.com/ai-enterprise/release-8/latest/infra-software/vgpu';
const NVAIE6_CSERIES = 'https://docs.nvidia.com/ai-enterprise/release-6/latest/appendix/vgpu.html';
const MIG_UG = 'https://docs.nvidia.com/datacenter/tesla/mig-user-guide';

export const SOURCES: Record<string, Source> = {
    // ---- vendor, hypervisor and kernel documentation cited by the rules ------------------
    'MIG-PROF': { title: 'NVIDIA MIG User Guide, "Supported MIG Profiles"', url: `${MIG_UG}/supported-mig-profiles.html` },
    'MIG-GPUS': { title: 'NVIDIA MIG User Guide, "Supported GPUs"', url: `${MIG_UG}/supported-gpus.html` },
    'MIG-START': { title: 'NVIDIA MIG User Guide, "Getting Started with MIG"', url: `${MIG_UG}/getting-started-with-mig.html` },
    'MIGPARTED': {
        title: 'NVIDIA/mig-parted, deployments/systemd/config-default.yaml (device IDs, per-model profile sets)',
        url: 'https://github.com/NVIDIA/mig-parted/blob/main/deployments/systemd/config-default.yaml'
    },
    'MIGPARTED-139': {
        title: 'NVIDIA/mig-parted PR #139 and NVIDIA/gpu-operator PR #1303 (nvidia-smi mig -lgip output, "P2P: No")',
        url: 'https://github.com/NVIDIA/mig-parted/pull/139'
    },
    'VGPU-HOPPER': {
        title: 'NVIDIA AI Enterprise, vGPU Types Reference, "Hopper Architecture vGPU Types" (release 7)',
        url: 'https://docs.nvidia.com/ai-enterprise/release-7/latest/infra-software/vgpu/reference/hopper.html'
    },
    'VGPU-AMPERE': {
        title: 'NVIDIA AI Enterprise, vGPU Types Reference (Ampere tables) and release-6 page "NVIDIA AI Enterprise and NVIDIA vGPU (C-Series)"',
        url: NVAIE6_CSERIES
    },
    'VGPU-OVERVIEW': { title: 'NVIDIA AI Enterprise release 8, vGPU overview (time-sliced, MIG-backed)', url: `${NVAIE8_VGPU}/overview.html` },
    'VGPU-HETERO': { title: 'NVIDIA AI Enterprise release 8, heterogeneous (mixed-size) vGPU', url: `${NVAIE8_VGPU}/features/heterogeneous-vgpu.html` },
    'VGPU-EQUAL': {
        title: 'NVIDIA vGPU docs, vGPU profiles ("By default, a GPU operates in equal-size mode…")',
        url: 'https://docs.nvidia.com/vgpu/deployment/citrix-virtual-apps/latest/vgpu-profile.html'
    },
    'VGPU-MULTI': { title: 'NVIDIA AI Enterprise release 8, multi-vGPU and P2P', url: `${NVAIE8_VGPU}/features/multi-vgpu-p2p.html` },
    'VGPU-P2P': { title: 'NVIDIA AI Enterprise release 8, vGPU P2P over NVLink', url: `${NVAIE8_VGPU}/features/p2p.html` },
    'VGPU-NVSWITCH': { title: 'NVIDIA AI Enterprise release 8, vGPU on NVSwitch systems', url: `${NVAIE8_VGPU}/features/nvswitch.html` },
    'VGPU-UG-PT': {
        title: 'NVIDIA vGPU Software User Guide, "Using GPU Pass-Through"',
        url: 'https://docs.nvidia.com/vgpu/latest/grid-vgpu-user-guide/index.html'
    },
    'VSPHERE-VGPUMODE': {
        title: 'vSphere Web Services API, enum HostGraphicsInfoVgpuMode (none, sameSize, mixedSize, multiInstanceGpu)',
        url: 'https://developer.broadcom.com/xapis/vsphere-web-services-api/latest/'
    },
    'NVAIE-LIC': { title: 'NVIDIA AI Enterprise release 8, licensing', url: `${NVAIE8_VGPU}/licensing.html` },
    'GRID-LIC12': {
        title: 'NVIDIA vGPU 12.0 Licensing User Guide',
        url: 'https://docs.nvidia.com/grid/12.0/grid-licensing-user-guide/index.html'
    },
    'NVAIE-MMIO': {
        title: 'NVIDIA AI Enterprise, "GPUs requiring 64 GB or more of MMIO space" (release-5 appendix; release-6 C-series page, Table 18)',
        url: 'https://docs.nvidia.com/ai-enterprise/release-5/latest/appendix/appendix-misc.html'
    },
    'VMW-KB2142307': {
        title: 'VMware KB 2142307, "VMware vSphere VMDirectPath I/O: Requirements for Platforms and Devices"',
        url: 'https://knowledge.broadcom.com/external/article?legacyId=2142307'
    },
    'FM-UG': { title: 'NVIDIA Fabric Manager User Guide', url: 'https://docs.nvidia.com/datacenter/tesla/fabric-manager-user-guide/index.html' },
    'WP-12736': {
        title: 'NVIDIA WP-12736-002 "HGX Shared NVSwitch GPU Passthrough Virtualization Integration Guide", as reproduced in kubeswift-io/kubeswift (test/gpu/fake-hgx-h100-status.json, docs/gpu/hgx-hardware-free-validation.md)',
        url: 'https://github.com/kubeswift-io/kubeswift/blob/main/docs/gpu/hgx-hardware-free-validation.md'
    },
    'FM-TYPES': { title: 'Fabric Manager SDK header nv_fm_types.h (pexip/os-nvidia-fabricmanager)', url: 'https://github.com/pexip/os-nvidia-fabricmanager' },
    'FM-CLIENT': { title: 'NVIDIA/Fabric-Manager-Client (fmpm)', url: 'https://github.com/NVIDIA/Fabric-Manager-Client' },
    'KV-GPU-DP': {
        title: 'NVIDIA/kubevirt-gpu-device-plugin issue #133, PRs #158, #166, #195 (shared NVSwitch support)',
        url: 'https://github.com/NVIDIA/kubevirt-gpu-device-plugin/issues/133'
    },
    'UBICLOUD-B200': {
        title: 'Ubicloud, "Virtualizing NVidia HGX B200 GPUs with Open Source" (2025-12-15; secondary source)',
        url: 'https://www.ubicloud.com/blog/virtualizing-nvidia-hgx-b200-gpus-with-open-source'
    },
    'VMCFG-INTRO': { title: 'NVIDIA white paper "Optimizing VM Configuration for AI Inference", introduction', url: `${VMCFG}/introduction.html` },
    'VMCFG-SETUP': { title: 'NVIDIA white paper "Optimizing VM Configuration for AI Inference", system setup and install', url: `${VMCFG}/system-setup-and-install.html` },
    'VMCFG-CONF': { title: 'NVIDIA white paper "Optimizing VM Configuration for AI Inference", configuring VMs', url: `${VMCFG}/configuring-vms.html` },
    'VMCFG-APPX': { title: 'NVIDIA white paper "Optimizing VM Configuration for AI Inference", appendix', url: `${VMCFG}/appendix.html` },
    'VMCFG-BU-APPX': {
        title: 'NVIDIA white paper "Optimizing VM Configuration for AI Inference", Blackwell Ultra HGX edition, appendix',
        url: 'https://docs.nvidia.com/ai-enterprise/planning-resource/optimizing-vm-configuration-ai-inference-blackwell-ultra-hgx/latest/appendix.html'
    },
    'NCP-PERF': {
        title: 'NVIDIA NCP Software Reference Guide, performance requirements',
        url: 'https://docs.nvidia.com/ncx/ncp-software-reference-guide/latest/performance-requirements.html'
    },
    'NCCL-TS': {
        title: 'NCCL User Guide, Troubleshooting, "PCI Access Control Services (ACS)"',
        url: 'https://docs.nvidia.com/deeplearning/nccl/user-guide/docs/troubleshooting.html#pci-access-control-services-acs'
    },
    'NCCL-ENV': {
        title: 'NCCL User Guide, environment variables (NCCL_NET_GDR_LEVEL, NCCL_P2P_LEVEL); default GDR cutoff in NVIDIA/nccl src/graph/paths.cc',
        url: 'https://docs.nvidia.com/deeplearning/nccl/user-guide/docs/env.html'
    },
    'VFIO': { title: 'Linux kernel, "VFIO - Virtual Function I/O"', url: 'https://docs.kernel.org/driver-api/vfio.html' },
    'ACS-LKML': {
        title: 'Alex Williamson, "pci: Enable overrides for missing ACS capabilities", LKML 2013-05-30',
        url: 'https://www.mail-archive.com/linux-kernel@vger.kernel.org/msg452818.html'
    },
    'RHEL7-NUMA': {
        title: 'RHEL 7 Virtualization Deployment and Administration Guide, NUMA node tuning',
        url: 'https://docs.redhat.com/en/documentation/red_hat_enterprise_linux/7/html/virtualization_deployment_and_administration_guide/sect-manipulating_the_domain_xml-numa_node_tuning'
    },
    'RHEL6-TUNE': {
        title: 'RHEL 6 Virtualization Tuning and Optimization Guide, ch. 9 NUMA',
        url: 'https://docs.redhat.com/en/documentation/red_hat_enterprise_linux/6/html/virtualization_tuning_and_optimization_guide/'
    },
    'NOVA-CPU': { title: 'OpenStack Nova, CPU topologies', url: 'https://docs.openstack.org/nova/latest/admin/cpu-topologies.html' },
    'OVIRT-PIN': {
        title: 'oVirt/RHV CpuPinningPolicy "dedicated" (exclusive pinning)',
        url: 'https://ovirt.github.io/ovirt-engine-api-model/master/#types/cpu_pinning_policy'
    },
    'LIBVIRT-DOM': { title: 'libvirt Domain XML format', url: 'https://libvirt.org/formatdomain.html' },
    'LIBVIRT-PCI': { title: 'libvirt PCI topology and hotplug', url: 'https://libvirt.org/pci-hotplug.html' },
    'OVMF-MMIO64': {
        title: 'edk2 OVMF fw_cfg knob opt/ovmf/X-PciMmio64Mb (MiB); qemu-devel thread (L. Ersek, 2020-06-17) on guest phys-bits and large BARs',
        url: 'https://github.com/tianocore/edk2/blob/master/OvmfPkg/Library/PlatformInitLib/MemDetect.c'
    },
    'DOCA-SRIOV': { title: 'NVIDIA DOCA / MLNX_OFED SR-IOV (up to 127 VFs per port; mlxconfig SRIOV_EN, NUM_OF_VFS)', url: 'https://docs.nvidia.com/doca/sdk/SR-IOV' },
    'CX7-FW-RN': {
        title: 'ConnectX-7 Firmware Release Notes v28.46.1006, Known Issues ("127 VF per PF" in legacy SR-IOV and switchdev mode)',
        url: 'https://docs.nvidia.com/networking/display/connectx7firmwarev28461006/Known+Issues'
    },
    'DGXH100-UG': { title: 'NVIDIA DGX H100/H200 User Guide, "Network Modules"', url: 'https://docs.nvidia.com/dgx/dgxh100-user-guide/' },
    'BASEPOD': {
        title: 'NVIDIA DGX BasePOD reference architecture, core components',
        url: 'https://docs.nvidia.com/dgx-basepod/reference-architecture-infrastructure-foundation-enterprise-ai/latest/core-components.html'
    },
    'MLPERF-DGXH100': {
        title: 'mlcommons/inference_results_v3.1, closed/NVIDIA/documentation/start_from_device/dgx-h100.md',
        url: 'https://github.com/mlcommons/inference_results_v3.1/blob/main/closed/NVIDIA/documentation/start_from_device/dgx-h100.md'
    },
    'AZ-NDV5': {
        title: 'Azure/azhpc-images topology/ndv5-topo.xml (ND H100/H200 v5: GPUs 0x030200 and NDR IB 0x020700 at 32.0 GT/s x16; Intel familyid 6 modelid 143)',
        url: 'https://github.com/Azure/azhpc-images/blob/master/topology/ndv5-topo.xml'
    },
    'SIMAI-128': { title: 'aliyun/SimAI issue #128 (NCCL topology XML of 8x H100 SXM)', url: 'https://github.com/aliyun/SimAI/issues/128' },

    // ---- added by the catalog --------------------------------------------------------------
    'NCCL-TOPO': {
        title: 'NVIDIA/nccl src/graph/topo.h, topo.cc, xml.cc (commit 5067397c, NCCL 2.30.7): <cpu familyid/modelid> formula and Intel thresholds, PCI class prefixes (0x068000 NVSwitch, 0x03 GPU, 0x02 NIC), <gpu sm>',
        url: 'https://github.com/NVIDIA/nccl/blob/5067397c2676d5aed50042fc39e5c8ee96eb0027/src/graph/topo.cc'
    },
    'VGPU-ADA': {
        title: 'NVIDIA AI Enterprise release 6, "NVIDIA AI Enterprise and NVIDIA vGPU (C-Series)", Table 39 "NVIDIA vGPU (C-Series) for NVIDIA L40S" (Ada Lovelace: L40S-48C…-4C, FB in MB, max equal/mixed; footnote: at most 12 vGPUs per GPU); Table 18 (MMIO) does not list L40S',
        url: `${NVAIE6_CSERIES}#nvidia-ada-lovelace-gpu-architecture`
    },
    'PCI-IDS': {
        title: 'The PCI ID Repository (pci.ids, as lspci -nn prints it; read at pciutils/pciids c1c12547, 2026-08-22): NVIDIA 10de (e.g. 1db5 "GV100GL [Tesla V100 SXM2 32GB]", 1db8 "GV100GL [Tesla V100 SXM3 32GB]" with subsystem 10de:131d "Tesla V100-SXM3-32GB-H", 20b5 "GA100 [A100 PCIe 80GB]", 2330 "GH100 [H100 SXM5 80GB]", 2331 "GH100 [H100 PCIe]", 233b "GH100 [H200 NVL]", 26b5 "AD102GL [L40]", 26b9 "AD102GL [L40S]", 27b8 "AD104GL [L4]", 1af1 "GA100 [A100 NVSwitch]", 22a3 "GH100 [H100 NVSwitch]"); Mellanox 15b3 (1013 ConnectX-4, 1015 ConnectX-4 Lx, 1017 ConnectX-5, 1019 ConnectX-5 Ex, 101b ConnectX-6, 101d ConnectX-6 Dx, 101f ConnectX-6 Lx, 1021 ConnectX-7, 1023 ConnectX-8, a2d2 BlueField, a2d6 BlueField-2, a2dc BlueField-3)',
        url: 'https://pci-ids.ucw.cz/read/PC/10de'
    },
    'PCI-IDS-MLNX': {
        title: 'The PCI ID Repository, vendor 15b3 (Mellanox Technologies): the ConnectX and BlueField device ids and names',
        url: 'https://pci-ids.ucw.cz/read/PC/15b3'
    },
    'HWLOC-DGX2': {
        title: 'hwloc test suite, tests/hwloc/xml/nvidiaDGX2.xml (lstopo capture of an NVIDIA DGX-2H: 16 GPUs 10de:1db8 subsystem 10de:131d "Tesla V100-SXM3-32GB-H" at 15.75 GB/s = PCIe Gen3 x16; 12 PCI functions hwloc labels subtype NVSwitch, class 0680, device 10de:1ac2; Intel Xeon Platinum 8174, family 6 model 85)',
        url: 'https://github.com/open-mpi/hwloc/blob/02139ddc71ff2a0a8f241275db9ff4b686ab024a/tests/hwloc/xml/nvidiaDGX2.xml'
    },
    'NCCLTESTS-78': {
        title: 'NVIDIA/nccl-tests issue #78: nvidia-smi topo -m of a 16-GPU DGX-2-class V100 machine (GPU↔GPU NV6 through the NVSwitches)',
        url: 'https://github.com/NVIDIA/nccl-tests/issues/78'
    },
    'A100-DS': {
        title: 'NVIDIA A100 Tensor Core GPU datasheet (A100 80GB PCIe: 80 GB HBM2e, PCIe Gen4 x16; MIG up to 7 instances)',
        url: 'https://www.nvidia.com/content/dam/en-zz/Solutions/Data-Center/a100/pdf/nvidia-a100-datasheet-nvidia-us-2188504-web.pdf'
    },
    'CX4-UM': {
        title: 'NVIDIA ConnectX-4 InfiniBand/Ethernet Adapter Cards User Manual, Interfaces ("PCI Express Gen 3.0 … through an x8 or x16 edge connector", 2.5/5.0/8.0 GT/s)',
        url: 'https://docs.nvidia.com/networking/display/ConnectX4IB/Interfaces'
    },
    'CX5-UM': {
        title: 'NVIDIA ConnectX-5 adapter cards user manuals, Interfaces (ConnectX-5: PCIe Gen 3.0 x16, 8.0 GT/s; ConnectX-5 Ex: PCIe Gen 3.0/4.0 x16, 16 GT/s)',
        url: 'https://docs.nvidia.com/networking/display/ConnectX5ENOCP2/Interfaces'
    },
    'MLX5-SPEEDS': {
        title: 'mlx5en(4) (FreeBSD, also in Ubuntu\'s manpages): ConnectX-4 and ConnectX-5 support 10/20/25/40/50/56/100 Gb/s, ConnectX-4 Lx 10/25/40/50 Gb/s',
        url: 'https://manpages.ubuntu.com/manpages/focal/man4/mlx5en.4freebsd.html'
    },
    'CX8-FW-RN': {
        title: 'NVIDIA ConnectX-8 SuperNIC Firmware Release Notes (800Gb/s XDR IB or 2 x 400GbE; "127 VF per PF" in legacy SR-IOV and switchdev; the "Data Direct" DMA function)',
        url: 'https://docs.nvidia.com/networking/display/connectx8firmwarev40472682lts/Known-Issues'
    },
    'L40S-DS': {
        title: 'NVIDIA L40S product specifications (Ada Lovelace, 48 GB GDDR6, PCIe Gen4 x16, no MIG, no NVLink); read via reseller reproductions of the datasheet, e.g. https://www.mullet.se/product.html?product_id=355414',
        url: 'https://www.nvidia.com/en-us/data-center/l40s/'
    },
    'CUDA-GPUS': {
        title: 'NVIDIA CUDA GPUs, compute capability list (L40S = 8.9; corroborated by deviceQuery output "CUDA Capability Major/Minor 8.9" for an L40S)',
        url: 'https://developer.nvidia.com/cuda-gpus'
    },
    'OCI-H100-TOPO': {
        title: 'oracle-quickstart/oci-hpc samples/gpu/H100-topology.xml (BM.GPU.H100.8 NCCL dump: GPU 10de:2330 class 0x030200, CX-7 15b3:1021, both 32.0 GT/s x16; NVLinks to NVSwitch class 0x068000; Intel familyid 6 modelid 143)',
        url: 'https://github.com/oracle-quickstart/oci-hpc/blob/master/samples/gpu/H100-topology.xml'
    },
    'OCI-A100-TOPO': {
        title: 'oracle-quickstart/oci-hpc samples/gpu/topo-flattened.xml (BM.GPU4.8, 8x A100: GPUs class 0x030200 at 16 GT/s x16; AMD Rome familyid 143 modelid 49)',
        url: 'https://github.com/oracle-quickstart/oci-hpc/blob/master/samples/gpu/topo-flattened.xml'
    },
    'OCI-B300-TOPO': {
        title: 'oracle-quickstart/oci-hpc playbooks/roles/healthchecks/files/B300MP.xml (Intel Emerald Rapids host: familyid 6 modelid 207)',
        url: 'https://github.com/oracle-quickstart/oci-hpc/blob/master/playbooks/roles/healthchecks/files/B300MP.xml'
    },
    'LINUX-INTEL-FAM': {
        title: 'Linux arch/x86/include/asm/intel-family.h: INTEL_FAM6_SANDYBRIDGE_X 0x2D, INTEL_FAM6_SAPPHIRERAPIDS_X 0x8F, INTEL_FAM6_EMERALDRAPIDS_X 0xCF (family 6)',
        url: 'https://github.com/torvalds/linux/blob/master/arch/x86/include/asm/intel-family.h'
    },
    'WIKICHIP-AMD-CPUID': {
        title: 'WikiChip, AMD CPUID list and Genoa page ("EPYC 9004 processors identify as … Family 19h, Model 11h"); Rome = Family 17h (ext. family 0x8), model 31h',
        url: 'https://en.wikichip.org/wiki/amd/cores/genoa'
    },
    'MLNX-OFED-RN': {
        title: 'NVIDIA MLNX_OFED v5.8-7.0.6.1 LTS Release Notes, uplink speeds per adapter (ConnectX-7: IB EDR…NDR, Eth up to 400GbE; ConnectX-6: IB up to HDR, Eth up to 200GbE)',
        url: 'https://docs.nvidia.com/networking/display/mlnxofedv587061lts/Release+Notes'
    },
    'CX7-UM': {
        title: 'NVIDIA ConnectX-7 Cards for OCP Spec 3.0 User Manual, Supported Interfaces ("PCIe Gen 5.0 through x16 edge connector")',
        url: 'https://docs.nvidia.com/networking/display/connectx7vpiocp3/supported+interfaces'
    },
    'CX6-UM': {
        title: 'NVIDIA ConnectX-6 Adapter Cards for OCP Spec 3.0 User Manual, Interfaces ("PCIe Gen 3.0/4.0 … through x16 edge connectors", link rates up to 16 GT/s)',
        url: 'https://docs.nvidia.com/networking/display/connectx6enocp3/interfaces'
    },

    // ---- cited by the syntax / catalog validation rules -----------------------------------
    'PCI-BDF': {
        title: 'Linux PCI sysfs: devices are named domain:bus:device.function (dddd:bb:dd.f)',
        url: 'https://docs.kernel.org/PCI/sysfs-pci.html'
    },
    'LINUX-CPULIST': {
        title: 'cpuset(7), "List format": comma-separated decimal CPU numbers and ranges, e.g. 0-4,9',
        url: 'https://man7.org/linux/man-pages/man7/cpuset.7.html'
    },
    'LINUX-CPUTOPO': {
        title: 'Linux kernel, "How CPU topology info is exported via sysfs": cpuN/topology/thread_siblings_list lists the hardware threads of the same core as CPU N (on typical Intel and AMD servers Linux numbers the first thread of every core before the second threads, so a node\'s cpulist is two ranges, 0-63,128-191, whose k-th CPUs are one core)',
        url: 'https://docs.kernel.org/admin-guide/cputopology.html'
    },
    'PCIE-LINK': {
        title: 'PCIe link rates per generation (2.5, 5, 8, 16, 32, 64 GT/s) and widths x1…x16, as Linux and NCCL print them (NCCL <pci link_speed>, src/graph/topo.cc)',
        url: 'https://pcisig.com/specifications'
    },
    'VMTOPO-LIMITS': {
        title: 'vmtopo language limits, each with its source: CPU ids 0-8191 (Linux NR_CPUS), NUMA ids 0-1023 (Linux MAX_NUMNODES), vCPUs 1-4096 (QEMU q35 max_cpus, KVM_MAX_VCPUS), sizes up to 4 PiB (x86-64 MAXPHYADDR 52), SR-IOV fields 16 bit (PCIe SR-IOV capability), switch nesting, names, file size',
        url: 'language/src/syntax/limits.ts'
    },
    'NCCL-XML': {
        title: 'NVIDIA/nccl src/graph/xml.cc, xml.h (NCCL 2.30): the topology-file tokenizer reads attribute names and values of at most 253 characters (MAX_STR_LEN 255 with the terminator and closing quote), 16 attributes and 640 children per element, 256 elements in all (topo.h NCCL_TOPO_XML_MAX_NODES)',
        url: 'https://github.com/NVIDIA/nccl/blob/5067397c2676d5aed50042fc39e5c8ee96eb0027/src/graph/xml.cc'
    },
    'VMTOPO-CATALOG': {
        title: 'vmtopo hardware catalog (GPU, NIC, NVSwitch and CPU models known to the language)',
        url: 'language/src/catalog/index.ts'
    },
    'NOVA-PCI-NUMA': {
        title: 'OpenStack Nova, PCI passthrough: PCI NUMA affinity policies (hw:pci_numa_affinity_policy required, preferred, legacy, socket)',
        url: 'https://docs.openstack.org/nova/latest/admin/pci-passthrough.html'
    },
    'VMTOPO-PLAN': {
        title: 'vmtopo README, "Placement planner": request blocks, vmtopo plan, the stranded-capacity report',
        url: 'README.md#placement-planner'
    },
    'VMTOPO-RULE-CONTROL': {
        title: 'vmtopo README, "Rule control": severity overrides (vmtopo.rules, --rule) and suppression comments (// vmtopo-ignore RULE: reason)',
        url: 'README.md#rule-control'
    },

    // ---- cited by the host and workspace integrity rules (HOST, SYN005/SYN009/SYN010, SRIOV003) --
    'LINUX-PCI-SYSFS': {
        title: 'Linux ABI, sysfs-bus-pci: one /sys/bus/pci/devices/dddd:bb:dd.f entry per PCI function; its numa_node is the NUMA node the device is attached to',
        url: 'https://www.kernel.org/doc/Documentation/ABI/testing/sysfs-bus-pci'
    },
    'LINUX-PCI-IOV': {
        title: 'Linux drivers/pci/iov.c: VF n sits at routing id PF + First VF Offset + n x VF Stride (pci_iov_virtfn_bus/devfn, SR-IOV spec §3.3.10-3.3.11); a PF whose offset is 0, or whose stride is 0 with more than one VF, is refused (-EIO)',
        url: 'https://github.com/torvalds/linux/blob/master/drivers/pci/iov.c'
    },
    'LINUX-PCI-PROBE': {
        title: 'Linux drivers/pci/probe.c, pci_scan_bridge_extend(): a bridge whose secondary bus is not above its own bus (secondary <= bus->number) has an invalid configuration; the buses behind a bridge are numbered above it',
        url: 'https://github.com/torvalds/linux/blob/master/drivers/pci/probe.c'
    },
    'LINUX-NODE-SYSFS': {
        title: 'Linux ABI, sysfs-devices-node: /sys/devices/system/node/nodeX, one directory per NUMA node id, and nodeX/cpulist, the CPUs of that node',
        url: 'https://www.kernel.org/doc/Documentation/ABI/stable/sysfs-devices-node'
    },
    'LIBVIRT-CAPS': {
        title: 'libvirt capabilities XML: <topology><cells>, one <cell id> per host NUMA node with its <cpus>',
        url: 'https://libvirt.org/formatcaps.html'
    },
    'WIN-CASE': {
        title: 'Microsoft Learn, "Case sensitivity": Windows treats file and directory names as case-insensitive (FOO.txt and foo.txt name the same file)',
        url: 'https://learn.microsoft.com/en-us/windows/wsl/case-sensitivity'
    },
    'UNICODE-TR36': {
        title: 'Unicode Technical Report #36, "Unicode Security Considerations": visually confusable identifiers (a Latin a and a Cyrillic а look alike)',
        url: 'https://www.unicode.org/reports/tr36/'
    },
    'KUBEVIRT-NUMA': {
        title: 'KubeVirt user guide, "NUMA": guestMappingPassthrough needs the NUMA feature gate, dedicatedCpuPlacement and hugepages; the admission webhook (pkg/virt-api/webhooks/validating-webhook/admitters/vmi-create-admitter.go, validateNUMA) refuses it otherwise',
        url: 'https://kubevirt.io/user-guide/compute/numa/'
    },
    'KUBEVIRT-CPU': {
        title: 'KubeVirt user guide, "Dedicated CPU resources": dedicatedCpuPlacement through the kubelet\'s CPU manager, isolateEmulatorThread',
        url: 'https://kubevirt.io/user-guide/compute/dedicated_cpu_resources/'
    },
    'KUBEVIRT-HOSTDEV': {
        title: 'KubeVirt user guide, "Host devices assignment": permittedHostDevices (pciVendorSelector, mdevNameSelector → resourceName), gpus and hostDevices by deviceName',
        url: 'https://kubevirt.io/user-guide/compute/host-devices/'
    },
    'KUBEVIRT-HOLE64': {
        title: 'KubeVirt writes no pcihole64 size (only 0, with kubevirt.io/disablePCIHole64; converter.go); a size annotation is an open proposal (PR #18013); QEMU q35 default 32 GiB (Q35_PCI_HOST_HOLE64_SIZE_DEFAULT); large-BAR GPUs failing (issue #11093)',
        url: 'https://github.com/kubevirt/kubevirt/pull/18013'
    },
    'KUBEVIRT-19103': {
        title: 'kubevirt/kubevirt issue #19103, "PCINUMAAwareTopology groups devices by NUMA node, not PCIe root complex" (VEP 115: one pxb-pcie per NUMA node)',
        url: 'https://github.com/kubevirt/kubevirt/issues/19103'
    }
};

/**
 * Address of a source key (`SOURCES[key].url`).
 * @throws Error when the key is not in `SOURCES` — a typo in a rule or catalog entry should fail loudly.
 */
export function sourceUrl(key: string): string {
    const source = Object.prototype.hasOwnProperty.call(SOURCES, key) ? SOURCES[key] : undefined;
    if (!source) {
        throw new Error(`Unknown source key '${key}'. Known keys: ${Object.keys(SOURCES).join(', ')}`);
    }
    return source.url;
}
