/**
 * KubeVirt `VirtualMachine` YAML (`kubevirt.io/v1`) for one VM, written with the `yaml` library from
 * the resolved model and the VM's {@link GuestPlan} (the plan the libvirt and NCCL files use), and,
 * as a second YAML document in the same file, the part of the cluster's `KubeVirt` custom resource
 * that permits the VM's devices (`spec.configuration.permittedHostDevices`) and turns on the feature
 * gates the VM needs.
 *
 * What is written, and from where (KubeVirt user guide, https://kubevirt.io/user-guide/):
 * - `domain.cpu`: `sockets`/`cores`/`threads` of the plan's guest CPU topology, and for a pinned VM
 *   `dedicatedCpuPlacement` and, with an emulator pin, `isolateEmulatorThread`
 *   (https://kubevirt.io/user-guide/compute/dedicated_cpu_resources/);
 * - `domain.cpu.numa.guestMappingPassthrough` for a pinned VM with hugepages: KubeVirt's admission
 *   webhook refuses it without dedicated CPUs or hugepages (kubevirt/kubevirt
 *   `pkg/virt-api/webhooks/validating-webhook/admitters/vmi-create-admitter.go`, `validateNUMA`;
 *   https://kubevirt.io/user-guide/compute/numa/), so otherwise it is left out, said in a comment and
 *   reported by rule KVIRT001;
 * - `domain.memory`: `guest` and `hugepages.pageSize` (https://kubevirt.io/user-guide/compute/hugepages/);
 * - `domain.devices.gpus` (passthrough GPUs and vGPUs) and `hostDevices` (NICs, NVSwitches) whose
 *   `deviceName` is the resource name the second document permits: PCI devices by the catalog's
 *   vendor:device ids (`pciVendorSelector`), vGPUs as mediated devices by type name
 *   (`mdevNameSelector`) (https://kubevirt.io/user-guide/compute/host-devices/);
 * - SR-IOV virtual functions as `sriov` interfaces on Multus networks
 *   (https://kubevirt.io/user-guide/network/interfaces_and_networks/#sriov);
 * - `nodeSelector` `kubernetes.io/hostname`: the VM's host.
 *
 * What KubeVirt cannot state is written as comments and, for tools, as the annotation
 * {@link NOT_EXPRESSED_ANNOTATION} (its keys: {@link NotExpressed}).
 */
import { Document, isMap, isScalar, type YAMLMap } from 'yaml';
import type { VmModel } from '../../model/topology.js';
import type { GuestDevice, GuestPlan } from '../../model/guest-plan.js';
import { ExportError } from '../../model/export-error.js';
import { formatBdf } from '../../syntax/tokens.js';
import { QEMU_Q35_DEFAULT_MMIO64_GIB } from '../../syntax/limits.js';

/**
 * Annotation of the `VirtualMachine` listing, comma-separated, the facts of the VM's guest plan that
 * KubeVirt's API cannot state ({@link NotExpressed}); the comments of the file say why for each.
 */
export const NOT_EXPRESSED_ANNOTATION = 'vmtopo/not-expressed';

/**
 * A fact of the guest plan that a KubeVirt `VirtualMachine` cannot state:
 * - `host-cpus`: which host CPUs run the vCPUs (KubeVirt asks the kubelet's CPU manager for
 *   dedicated CPUs, which picks them);
 * - `emulator-cpus`: which host CPUs run QEMU's emulator thread (`isolateEmulatorThread` gets one
 *   more dedicated CPU of the CPU manager's choice);
 * - `numa-cells`: the guest NUMA cells, their vCPUs and memory (with `guestMappingPassthrough`
 *   KubeVirt derives them from the CPUs it was given);
 * - `memory-nodes`: the host NUMA nodes of the memory (the kubelet's memory and topology managers
 *   decide);
 * - `guest-pci-addresses`: the guest PCIe tree and addresses (KubeVirt places host devices itself);
 * - `mmio64`: the size of the 64-bit PCI MMIO window (no API field; QEMU's default applies);
 * - `vf-index`: which virtual function of which PF a VF NIC is (the SR-IOV device plugin allocates
 *   any VF of the network's pool);
 * - `mig-instance`: the MIG GPU instance behind a MIG-backed vGPU (created on the node beforehand).
 */
export type NotExpressed = 'host-cpus' | 'emulator-cpus' | 'numa-cells' | 'memory-nodes' | 'guest-pci-addresses' | 'mmio64' | 'vf-index' | 'mig-instance';

/** Kubernetes domain of the extended resources of a PCI vendor id; `vendor-<id>.pci` for vendors not listed. */
const VENDOR_DOMAINS: Readonly<Record<string, string>> = {
    '10de': 'nvidia.com',
    // Mellanox (ConnectX, BlueField) is NVIDIA's networking business; NVIDIA's network operator names its resources nvidia.com/…
    '15b3': 'nvidia.com'
};

/**
 * A name Kubernetes and KubeVirt accept for an object, a device, an interface or a network (RFC 1123
 * label: lowercase letters, digits and `-`, at most 63): `mlx5_8-vf0` → `mlx5-8-vf0`.
 */
export function kubevirtName(name: string): string {
    const label = name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63).replace(/-+$/, '');
    return label || 'vm';
}

/** An extended-resource name part (`[A-Za-z0-9._-]`, alphanumeric at both ends): `H200 SXM5 141GB` → `H200_SXM5_141GB`. */
function resourcePart(text: string): string {
    return text.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '').slice(0, 63);
}

/** A permitted device: the resource name the VM asks for and how KubeVirt finds the devices on the node. */
interface PermittedDevice {
    readonly resourceName: string;
    /** PCI `vendor:device` selectors (pciHostDevices), or the mdev type name (mediatedDevices). */
    readonly pci?: readonly string[];
    readonly mdev?: string;
}

/** The resource of one guest device: PCI ids of its catalog model, or its vGPU type (mdev). */
function permittedDevice(vm: VmModel, d: GuestDevice): PermittedDevice {
    const spec = d.location.spec;
    const ids = spec.pciIds;
    const domain = (vendor: string | undefined) => (vendor && VENDOR_DOMAINS[vendor]) ?? `vendor-${vendor ?? 'unknown'}.pci`;
    if (d.role === 'vgpu') {
        const type = d.mdev?.type ?? d.vgpuVf?.type;
        if (!type) throw new ExportError(`${vm.name}: ${d.name} has no vGPU type, so KubeVirt cannot be asked for it`);
        return d.mdev
            ? { resourceName: `${domain(ids[0]?.vendor)}/${resourcePart(type)}`, mdev: type }
            : { resourceName: `${domain(ids[0]?.vendor)}/${resourcePart(type)}` };
    }
    if (ids.length === 0) {
        throw new ExportError(`${vm.name}: the catalog has no PCI id for ${spec.model} (${d.name}), so no pciVendorSelector can permit it in KubeVirt`);
    }
    return { resourceName: `${domain(ids[0].vendor)}/${resourcePart(spec.model)}`, pci: ids.map(id => `${id.vendor}:${id.device}`.toUpperCase()) };
}

/** `768Gi`, `1536Mi`: a Kubernetes quantity of MiB. */
function quantity(mib: number): string {
    return mib % 1024 === 0 ? `${mib / 1024}Gi` : `${mib}Mi`;
}

/**
 * The KubeVirt YAML of `vm` (pure; ends with a newline): the `VirtualMachine`, `---`, then the part
 * of the `KubeVirt` custom resource that permits its devices (merge it into the cluster's CR, e.g.
 * with `kubectl patch kubevirt kubevirt -n kubevirt --type merge --patch-file`; it is not a whole
 * CR to apply). Names are made RFC 1123 labels ({@link kubevirtName}).
 *
 * Throws {@link ExportError} for a VM on an ESXi host, for a device whose catalog model has no PCI
 * id, and for a vGPU without a type.
 */
export function exportKubevirt(vm: VmModel, plan: GuestPlan): string {
    if (vm.host.platform === 'esxi') {
        throw new ExportError(`${vm.name} runs on ESXi host ${vm.host.name}; KubeVirt runs VMs on KVM (platform kubevirt or kvm)`);
    }
    const pinned = plan.vcpuPins !== undefined;
    const numaPassthrough = pinned && vm.hugepageMiB !== undefined;
    const notExpressed: NotExpressed[] = [];
    const notes: string[] = [];
    const lost = (key: NotExpressed, text: string) => {
        if (!notExpressed.includes(key)) notExpressed.push(key);
        notes.push(text);
    };

    if (pinned) {
        lost('host-cpus', `host CPUs: the pin list ${vm.pin!.toString()} is not stated; dedicatedCpuPlacement asks the kubelet's CPU manager (policy static) for ${vm.vcpus} dedicated CPUs and it picks them (https://kubevirt.io/user-guide/compute/dedicated_cpu_resources/).`);
    }
    if (vm.emulatorPin) {
        lost('emulator-cpus', `emulator CPUs: the emulator pin ${vm.emulatorPin.toString()} is not stated; ${pinned ? 'isolateEmulatorThread gives the emulator thread one more dedicated CPU of the CPU manager\'s choice' : 'without dedicated CPUs the emulator thread shares the pod\'s CPUs'}.`);
    }
    const cellText = plan.cells.map(c => `cell ${c.id}: ${c.vcpus.length} vCPUs, ${quantity(c.memoryMiB)} on host node ${c.hostNode}`).join('; ');
    lost('numa-cells', numaPassthrough
        ? `guest NUMA cells (${cellText}): guestMappingPassthrough derives them from the host CPUs KubeVirt is given; the kubelet's topology manager (policy single-numa-node or restricted) keeps them on the nodes of the devices (https://kubevirt.io/user-guide/compute/numa/).`
        : `guest NUMA cells (${cellText}): without ${pinned ? 'hugepages' : 'dedicated CPUs'} KubeVirt's admission webhook refuses guestMappingPassthrough, so the guest sees one NUMA node (rule KVIRT001 on platform kubevirt hosts).`);
    if (plan.bindMemory) {
        lost('memory-nodes', `memory nodes: the binding to host NUMA node(s) ${[...new Set(plan.cells.flatMap(c => c.memoryNodes))].join(',')} is not stated; the kubelet's memory manager and topology manager place the memory.`);
    }
    if (plan.devices.length > 0) {
        lost('guest-pci-addresses', `guest PCI addresses: the plan's (${plan.devices.map(d => `${d.name} ${formatBdf(d.guestBdf)}`).join(', ')}) are not stated; KubeVirt places host devices on root ports of its own (with the PCINUMAAwareTopology feature gate, one pxb-pcie per host NUMA node: no PCIe switches mirrored, rule KVIRT003).`);
    }
    if (plan.pcihole64GiB > 0) {
        lost('mmio64', `64-bit MMIO window: ${plan.pcihole64GiB} GiB needed, and KubeVirt has no field for its size; QEMU's q35 default of ${QEMU_Q35_DEFAULT_MMIO64_GIB} GiB applies unless the firmware sizes it from the CPU's physical address bits (rule KVIRT002).`);
    }
    const vfs = plan.devices.filter(d => d.role === 'vf');
    if (vfs.length > 0) {
        lost('vf-index', `VF index: ${vfs.map(d => d.name).join(', ')} is asked as "a VF of the network's pool"; the SR-IOV device plugin picks which VF.`);
    }
    const migs = plan.devices.filter(d => (d.mdev ?? d.vgpuVf)?.migProfile);
    if (migs.length > 0) {
        lost('mig-instance', `MIG instances: create the GPU instances (${migs.map(d => `${(d.mdev ?? d.vgpuVf)!.migProfile} on ${d.location.name}`).join(', ')}) and their vGPUs on the node before the VM starts (NVIDIA GPU Operator or nvidia-smi mig -cgi).`);
    }

    const permitted = new Map<string, PermittedDevice>();
    const gpus: Record<string, string>[] = [];
    const hostDevices: Record<string, string>[] = [];
    const interfaces: Record<string, unknown>[] = [];
    const networks: Record<string, unknown>[] = [];
    for (const d of plan.devices) {
        if (d.role === 'vf') {
            const name = kubevirtName(d.name);
            interfaces.push({ name, sriov: {} });
            networks.push({ name, multus: { networkName: `sriov-${kubevirtName(d.location.name)}` } });
            continue;
        }
        const p = permittedDevice(vm, d);
        permitted.set(p.resourceName, p);
        (d.role === 'gpu' || d.role === 'vgpu' ? gpus : hostDevices).push({ name: kubevirtName(d.name), deviceName: p.resourceName });
    }

    const cpu: Record<string, unknown> = {
        sockets: plan.cpuTopology.sockets,
        cores: plan.cpuTopology.cores,
        threads: plan.cpuTopology.threads,
        model: 'host-passthrough'
    };
    if (pinned) cpu.dedicatedCpuPlacement = true;
    if (pinned && vm.emulatorPin) cpu.isolateEmulatorThread = true;
    if (numaPassthrough) cpu.numa = { guestMappingPassthrough: {} };
    const memory: Record<string, unknown> = { guest: quantity(vm.memoryMiB) };
    if (vm.hugepageMiB) memory.hugepages = { pageSize: quantity(vm.hugepageMiB) };
    const devices: Record<string, unknown> = {};
    if (gpus.length > 0) devices.gpus = gpus;
    if (hostDevices.length > 0) devices.hostDevices = hostDevices;
    if (interfaces.length > 0) devices.interfaces = interfaces;
    const bios = vm.firmware === 'bios';
    const domain: Record<string, unknown> = {
        machine: { type: 'q35' },
        firmware: { bootloader: bios ? { bios: {} } : { efi: { secureBoot: vm.secureBoot === true } } },
        ...(vm.secureBoot && !bios ? { features: { smm: { enabled: true } } } : {}),
        cpu, memory, devices
    };
    const name = kubevirtName(vm.name);
    const vmSpec: Record<string, unknown> = {
        nodeSelector: { 'kubernetes.io/hostname': vm.host.name },
        domain,
        ...(networks.length > 0 ? { networks } : {})
    };
    const doc = new Document({
        apiVersion: 'kubevirt.io/v1',
        kind: 'VirtualMachine',
        metadata: { name, annotations: { [NOT_EXPRESSED_ANNOTATION]: notExpressed.join(',') } },
        spec: {
            runStrategy: 'Halted',
            template: { metadata: { labels: { 'kubevirt.io/vm': name } }, spec: vmSpec }
        }
    });
    doc.commentBefore = [
        ` Generated by vmtopo: VM ${vm.name} on host ${vm.host.name}, as a KubeVirt VirtualMachine (kubevirt.io/v1).`,
        ...(name !== vm.name ? [` Kubernetes name: ${name} (RFC 1123 label of ${vm.name}).`] : []),
        ' Add the boot disk and the pod network; start it with virtctl start.',
        ' What KubeVirt cannot state (also in the annotation vmtopo/not-expressed):',
        ...notes.map(n => ` - ${n}`)
    ].join('\n');
    const templateSpec = doc.getIn(['spec', 'template', 'spec'], true) as YAMLMap;
    commentKey(templateSpec, 'nodeSelector', ` the VM's host; use the Kubernetes node name if it differs from ${vm.host.name}`);
    const domainMap = doc.getIn(['spec', 'template', 'spec', 'domain'], true) as YAMLMap;
    if (pinned && !numaPassthrough) {
        commentKey(domainMap, 'cpu', ' no numa.guestMappingPassthrough: the admission webhook refuses it without hugepages (rule KVIRT001)');
    }
    if (gpus.length + hostDevices.length > 0) {
        commentKey(domainMap, 'devices', ' deviceName: resources of the KubeVirt CR below (permittedHostDevices)');
    }
    if (networks.length > 0) {
        commentKey(templateSpec, 'networks', [
            ' Multus networks: one NetworkAttachmentDefinition of type sriov per PF, whose',
            ' k8s.v1.cni.cncf.io/resourceName is the SR-IOV device plugin pool of that PF\'s VFs',
            ...[...new Set(vfs.map(d => `   sriov-${kubevirtName(d.location.name)}: VFs of ${d.location.name} (host ${formatBdf(d.location.address)})`))]
        ].join('\n'));
    }

    const text = doc.toString({ lineWidth: 0 });
    return `${text}---\n${kubevirtConfig(vm, [...permitted.values()], numaPassthrough, plan.devices.length > 0).toString({ lineWidth: 0 })}`;
}

/** The KubeVirt CR part: feature gates and permittedHostDevices of the VM's devices. */
function kubevirtConfig(vm: VmModel, permitted: readonly PermittedDevice[], numaPassthrough: boolean, devices: boolean): Document {
    const gates = [
        ...(numaPassthrough ? ['NUMA'] : []),
        ...(numaPassthrough && devices ? ['PCINUMAAwareTopology'] : [])
    ];
    const pciHostDevices = permitted.flatMap(p => (p.pci ?? []).map(selector => ({ pciVendorSelector: selector, resourceName: p.resourceName })));
    const mediatedDevices = permitted.filter(p => p.mdev).map(p => ({ mdevNameSelector: p.mdev!, resourceName: p.resourceName }));
    const configuration: Record<string, unknown> = {};
    if (gates.length > 0) configuration.developerConfiguration = { featureGates: gates };
    const hostDevices: Record<string, unknown> = {};
    if (pciHostDevices.length > 0) hostDevices.pciHostDevices = pciHostDevices;
    if (mediatedDevices.length > 0) hostDevices.mediatedDevices = mediatedDevices;
    if (Object.keys(hostDevices).length > 0) configuration.permittedHostDevices = hostDevices;
    const doc = new Document({
        apiVersion: 'kubevirt.io/v1',
        kind: 'KubeVirt',
        metadata: { name: 'kubevirt', namespace: 'kubevirt' },
        spec: { configuration }
    });
    const vfVgpus = permitted.filter(p => !p.pci && !p.mdev);
    doc.commentBefore = [
        ` What the cluster's KubeVirt CR needs for VM ${vm.name}: merge it into yours`,
        ' (kubectl patch kubevirt kubevirt -n kubevirt --type merge --patch-file this-part.yaml); lists replace, so',
        ' join them with the entries other VMs need. PCI devices are permitted by the catalog\'s vendor:device',
        ' ids (https://kubevirt.io/user-guide/compute/host-devices/); mdevNameSelector is the name of the',
        ' vGPU\'s mdev type (mdev_supported_types/*/name on the node, which NVIDIA may prefix, e.g. "GRID T4-1Q").',
        ...(gates.includes('NUMA') ? [' NUMA: the gate the admission webhook checks for guestMappingPassthrough (https://kubevirt.io/user-guide/compute/numa/).'] : []),
        ...(gates.includes('PCINUMAAwareTopology') ? [' PCINUMAAwareTopology: host devices on one pxb-pcie per host NUMA node (KubeVirt VEP 115, https://github.com/kubevirt/enhancements/issues/115).'] : []),
        ...(vfVgpus.length > 0 ? [` ${vfVgpus.map(p => p.resourceName).join(', ')}: vGPUs on SR-IOV virtual functions (vendor-specific VFIO); their resources come from an external device plugin (NVIDIA GPU Operator).`] : [])
    ].join('\n');
    if (Object.keys(configuration).length === 0) {
        const spec = doc.get('spec', true) as YAMLMap;
        commentKey(spec, 'configuration', ' nothing: the VM has no host devices and no NUMA passthrough');
    }
    return doc;
}

/** Sets the comment written above `key` of `map`. */
function commentKey(map: YAMLMap, key: string, comment: string): void {
    const pair = map.items.find(p => isScalar(p.key) && p.key.value === key);
    if (pair && isScalar(pair.key)) pair.key.commentBefore = comment;
    else if (pair && isMap(pair.value)) pair.value.commentBefore = comment;
}
