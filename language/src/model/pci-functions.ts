/**
 * Claims on PCI functions: which VM takes which function of its host (a passthrough GPU, NIC PF or
 * NVSwitch at its address, a VF at its computed address), and the claims that collide with an
 * earlier one. Functions are told apart by host and PCI address, never by name (a VFIO device
 * belongs to one VM at a time: https://docs.kernel.org/driver-api/vfio.html). Read by GEN001 and
 * SRIOV003.
 */
import { formatBdf, routingId, type Bdf } from '../syntax/tokens.js';
import type { HostModel, VmGpu, VmModel, VmNic, VmNvSwitch } from './topology.js';

/** One VM's claim on a PCI function of its host: a passthrough GPU or NIC PF, or a VF. */
export interface FunctionClaim {
    readonly vm: VmModel;
    /** The VM's entry (what a diagnostic underlines). */
    readonly entry: VmGpu | VmNic | VmNvSwitch;
    readonly host: HostModel;
    readonly address: Bdf;
    /** How the VM names it: `gpu0`, `nic0`, `VF 2 of nic1`. */
    readonly label: string;
    /** Whether the claim is a VF (SRIOV003) rather than a GPU or PF (GEN001). */
    readonly vf: boolean;
}

/** A claim on a function an earlier claim (in workspace order) already took. */
export interface FunctionClash {
    readonly claim: FunctionClaim;
    readonly first: FunctionClaim;
}

/** Key of an address within a host: domain and routing id. */
export function addressKey(a: Bdf): number {
    return a.domain * 0x10000 + routingId(a);
}

/** The clashes of a list of VMs (computed once per list: GEN001 and SRIOV003 both read them). */
const clashesOf = new WeakMap<readonly VmModel[], readonly FunctionClash[]>();

/**
 * Every claim on a PCI function that an earlier claim already holds, by host and address (never by
 * name): passthrough GPUs and NIC PFs at their address, VFs at their computed address. vGPU and MIG
 * slices are not claims (GEN002/GEN003). Computed once per list of VMs.
 */
export function functionClashes(vms: readonly VmModel[]): readonly FunctionClash[] {
    let clashes = clashesOf.get(vms);
    if (!clashes) clashesOf.set(vms, clashes = findClashes(vms));
    return clashes;
}

function findClashes(vms: readonly VmModel[]): FunctionClash[] {
    const owners = new Map<HostModel, Map<number, FunctionClaim>>();
    const clashes: FunctionClash[] = [];
    const claim = (c: FunctionClaim) => {
        let byAddress = owners.get(c.host);
        if (!byAddress) owners.set(c.host, byAddress = new Map<number, FunctionClaim>());
        const key = addressKey(c.address);
        const first = byAddress.get(key);
        if (first) clashes.push({ claim: c, first });
        else byAddress.set(key, c);
    };
    for (const vm of vms) {
        for (const g of vm.gpus) {
            if (g.mode === 'passthrough') claim({ vm, entry: g, host: vm.host, address: g.gpu.address, label: g.gpu.name, vf: false });
        }
        for (const n of vm.nics) {
            if (n.mode === 'passthrough') claim({ vm, entry: n, host: vm.host, address: n.nic.address, label: n.nic.name, vf: false });
            else claim({ vm, entry: n, host: vm.host, address: n.address, label: `VF ${n.vf} of ${n.nic.name}`, vf: true });
        }
        for (const e of vm.nvswitches) claim({ vm, entry: e, host: vm.host, address: e.nvswitch.address, label: e.nvswitch.name, vf: false });
    }
    return clashes;
}

/** The message of a clash (GEN001 and SRIOV003). */
export function clashMessage({ claim, first }: FunctionClash): string {
    const address = formatBdf(claim.address);
    const tail = 'a VFIO device belongs to one VM at a time.';
    const label = claim.vf ? `${claim.label} (${address})` : claim.label;
    if (claim.label === first.label) {
        return first.vm === claim.vm
            ? `${label} is assigned to ${claim.vm.name} twice; ${tail}`
            : `${label} is assigned to both ${first.vm.name} and ${claim.vm.name}; ${tail}`;
    }
    return first.vm === claim.vm
        ? `${claim.label} is ${first.label}: both are PCI function ${address}, assigned to ${claim.vm.name} twice; ${tail}`
        : `${claim.label} is assigned to ${claim.vm.name}, but its address ${address} is also ${first.label}, assigned to ${first.vm.name}; ${tail}`;
}
