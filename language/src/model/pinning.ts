/**
 * How a VM's vCPUs map to the host CPUs of its `pin` list, and the host's SMT sibling map applied
 * to CPU lists. One definition, read by the validation rules (LOC001, LOC014, LOC016), the
 * quick-fix re-pin plan and the exporters' guest plan, so that what the README promises, what the
 * checks assume and what `<vcpupin>` says are the same thing.
 *
 * SMT siblings come from `NumaNode.siblingOf`: a socket whose `cores` list is two ranges of equal
 * length (`0-63,128-191`) has CPU k of the first range and CPU k of the second range as the two
 * threads of one physical core — the numbering Linux gives Intel and AMD servers
 * (`/sys/devices/system/cpu/cpuN/topology/thread_siblings_list`,
 * https://docs.kernel.org/admin-guide/cputopology.html). Any other `cores` list has no known
 * siblings.
 */
import { CpuList, type IdRange } from '../syntax/cpu-list.js';
import type { HostModel, VmModel } from './topology.js';

/**
 * The host CPU of each vCPU (index = vCPU id), or undefined when the VM is not pinned or its `pin`
 * list does not hold exactly `vcpus` CPUs (rule LOC014; nothing is assigned then).
 *
 * The pairing rule: vCPUs take the listed CPUs in the order written, keeping SMT siblings together.
 * vCPU 0 gets the first CPU of the list. After a vCPU got CPU c, the next vCPU gets c's SMT sibling
 * when the sibling is in the list and not yet taken; otherwise it gets the next CPU of the list not
 * yet taken. So `pin 8-11,136-139` (siblings c and c+128) gives vCPUs 0-7 the CPUs
 * 8, 136, 9, 137, 10, 138, 11, 139, and a list without siblings keeps its written order.
 *
 * Cost: O(vcpus), and `vcpus` is at most 4096 (the list is only expanded when it has that many CPUs).
 */
export function vcpuPinOrder(vm: VmModel): number[] | undefined {
    const pin = vm.pin;
    if (!pin || pin.isEmpty || pin.size !== vm.vcpus) return undefined;
    const order: number[] = [];
    const taken = new Set<number>();
    for (const cpu of pin) {
        if (taken.has(cpu)) continue;
        order.push(cpu);
        taken.add(cpu);
        const sibling = siblingOf(vm.host, cpu);
        if (sibling !== undefined && !taken.has(sibling) && pin.has(sibling)) {
            order.push(sibling);
            taken.add(sibling);
        }
    }
    return order;
}

/**
 * Whether guest vCPUs 2k and 2k+1 are the two threads of one host core for every k (an even
 * number of vCPUs, every listed CPU's sibling listed too): then the guest may be told it has
 * 2 threads per core.
 */
export function pairsOnSiblings(vm: VmModel, order: readonly number[]): boolean {
    if (order.length === 0 || order.length % 2 !== 0) return false;
    for (let k = 0; k < order.length; k += 2) {
        if (siblingOf(vm.host, order[k]) !== order[k + 1]) return false;
    }
    return true;
}

/** The SMT sibling of a host CPU (`NumaNode.siblingOf` of the CPU's node), if known. */
export function siblingOf(host: HostModel, cpu: number): number | undefined {
    return host.numaOfCpu(cpu)?.siblingOf(cpu);
}

/**
 * The SMT siblings of the CPUs of `list` that have one, as a list (ascending). Works on ranges:
 * within each written range of a node's `cores` the sibling map is a shift (CPU k of one range ↔
 * CPU k of the other), so a run of CPUs maps to a run of CPUs; the cost depends on the number of
 * ranges, never on the numbers in them.
 */
export function siblingCpus(host: HostModel, list: CpuList): CpuList {
    const out: IdRange[] = [];
    for (const node of host.numaNodes) {
        for (const [a, b] of node.cpus.ranges) {
            for (const [first, last] of list.sorted) {
                // The part of the list's range on this run of the node's CPUs.
                const p = Math.max(a, first);
                const q = Math.min(b, last);
                if (p > q) continue;
                const sp = node.siblingOf(p);
                const sq = node.siblingOf(q);
                if (sp === undefined || sq === undefined || sq - sp !== q - p) continue;
                out.push([sp, sq]);
            }
        }
    }
    return CpuList.union([CpuList.fromRanges(out)]);
}
