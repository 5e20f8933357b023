/**
 * The kinds of drift finding: one code each, in four areas. Inventory: the host's devices against
 * the file's (lstopo, sysfs). Configuration: each domain's next-boot XML against vmtopo's export of
 * its VM. Runtime: a running domain against its own next-boot XML (changes pending until a restart).
 * Capacity: what the host has left for the file's VMs (hugepages, MIG mode, mdev instances).
 * DRIFT018–024 come from `virsh capabilities` or lstopo (NUMA nodes), sysfs `resource` (BARs) and
 * `/proc/cmdline` (IOMMU, boot-time hugepages); drift.ts says what each compares.
 */
export type DriftArea = 'inventory' | 'configuration' | 'runtime' | 'capacity';

export interface DriftKind {
    readonly id: string;
    readonly area: DriftArea;
    readonly severity: 'error' | 'warning' | 'info';
    readonly summary: string;
}

const kinds = [
    ['DRIFT001', 'inventory', 'error', 'A device of the file is not on the host'],
    ['DRIFT002', 'inventory', 'info', 'The host has a GPU, NIC or NVSwitch the file does not declare'],
    ['DRIFT003', 'inventory', 'error', 'A device is at another PCI address'],
    ['DRIFT004', 'inventory', 'error', 'The device at the address is another model'],
    ['DRIFT005', 'inventory', 'error', 'A device hangs off another NUMA node'],
    ['DRIFT006', 'inventory', 'warning', 'A device sits behind another PCIe switch'],
    ['DRIFT007', 'inventory', 'warning', 'A PCIe link trained with fewer lanes than the device has'],
    ['DRIFT008', 'inventory', 'warning', 'A NIC has another number of SR-IOV virtual functions'],
    ['DRIFT009', 'inventory', 'warning', 'A device is in another IOMMU group'],
    ['DRIFT010', 'configuration', 'error', 'A domain is not defined on the host'],
    ['DRIFT011', 'configuration', 'error', 'A domain\'s configuration differs from vmtopo\'s export'],
    ['DRIFT012', 'runtime', 'warning', 'A running domain differs from its own configuration (changes pending)'],
    ['DRIFT013', 'capacity', 'error', 'The hugepages reserved on a NUMA node differ from the file'],
    ['DRIFT014', 'capacity', 'warning', 'A GPU\'s MIG mode change is pending (needs a GPU reset)'],
    ['DRIFT015', 'capacity', 'error', 'No instance of a vGPU type is left on its GPU'],
    ['DRIFT016', 'inventory', 'warning', 'The file\'s PCIe link differs from the device\'s'],
    ['DRIFT017', 'capacity', 'warning', 'Fewer free hugepages on a NUMA node than its stopped VMs need'],
    ['DRIFT018', 'inventory', 'error', 'A NUMA node\'s CPUs or SMT siblings differ from its socket, or a node is on one side only'],
    ['DRIFT019', 'inventory', 'warning', 'A NUMA node\'s memory differs from its socket\'s'],
    ['DRIFT020', 'configuration', 'error', 'A VM is pinned to host CPUs the host lacks or puts on another NUMA node'],
    ['DRIFT021', 'configuration', 'error', 'A passthrough VM\'s 64-bit MMIO window is smaller than its GPUs\' BARs on the host need'],
    ['DRIFT022', 'inventory', 'warning', 'A GPU\'s BAR1 is smaller than its memory (no large BAR from the host firmware)'],
    ['DRIFT023', 'inventory', 'error', 'The host runs without an IOMMU under VMs that assign devices'],
    ['DRIFT024', 'capacity', 'warning', 'The kernel command line reserves other hugepages at boot than the file\'s pools']
] as const;

export const DRIFT_KINDS: readonly DriftKind[] = kinds.map(([id, area, severity, summary]) => ({ id, area, severity, summary }));

export type DriftCode = typeof kinds[number][0];

export function driftKind(id: string): DriftKind | undefined {
    return DRIFT_KINDS.find(k => k.id === id);
}
