/**
 * What the topology view shows beside the drawing: the stranded-capacity report of the drawn host
 * (the Capacity toggle; the same report as `vmtopo plan --report`, features/plan
 * {@link currentCapacity}) and NCCL's path types between a VM's GPUs and NICs in its guest (the
 * labels of the selected VM's pairs; {@link predictVmNcclPaths}, after NCCL's paths.cc,
 * https://github.com/NVIDIA/nccl/blob/master/src/graph/paths.cc). Pure.
 */
import type { Request } from '../../generated/ast.js';
import type { TopologyCapacity, TopologyPathPair, TopologyVmPaths } from '../../protocol.js';
import type { GpuModel, HostModel, Topology, VmModel } from '../../model/topology.js';
import { predictVmNcclPaths } from '../../model/nccl-paths.js';
import { currentCapacity } from '../plan/index.js';
import { deviceId, entryNodeId } from './graph.js';

/** The report's cause (features/plan `unusableBecause`) of a stranded GPU as a sentence. */
export function causeText(cause: string, gpu?: GpuModel): string {
    const node = gpu ? `NUMA node ${gpu.numa}` : 'the GPU\'s NUMA node';
    switch (cause) {
        case 'cores': return `no free cores left on ${node}`;
        case 'memory': return `no free memory left on ${node}`;
        case 'hugepages': return `no free hugepages left on ${node}`;
        case 'GPUs': return 'too few free GPUs left for any shape';
        case 'no same-switch NIC': return 'no free NIC left under the GPU\'s PCIe switch';
        case 'no VF near the GPU': return 'no free VF left on a NIC near the GPU';
        default: return cause;
    }
}

/**
 * The capacity report of `hosts` (each host's row, then with more than one host the fleet's), the
 * workload being the workspace's `requests`, else its VMs' shapes; each stranded GPU with its
 * diagram node and its cause as a sentence.
 */
export function diagramCapacity(topology: Topology, requests: readonly Request[], hosts: readonly HostModel[]): TopologyCapacity {
    const report = currentCapacity(topology, requests, hosts);
    const rows = hosts.length > 1 ? report.rows : report.rows.filter(r => r.host !== 'fleet');
    return {
        from: report.from, shapes: report.shapes,
        hosts: rows.map(r => {
            const host = hosts.find(h => h.name === r.host);
            const gpuOf = (name: string) => host?.devices.find((d): d is GpuModel => d.kind === 'gpu' && d.name === name);
            return {
                host: r.host, freeGpus: r.freeGpus, freeGpuEquivalents: r.freeGpuEquivalents, freeCores: r.freeCores, freeMemoryGiB: r.freeMemoryGiB,
                strandedGpuEquivalents: r.strandedGpuEquivalents, strandedCores: r.strandedCores, strandedMemoryGiB: r.strandedMemoryGiB,
                // Per host the NUMA node is named by each GPU's line; the sums keep the cause's general sentence.
                causes: r.causes.map(c => ({ cause: causeText(c.cause), gpuEquivalents: c.gpuEquivalents })),
                gpus: r.gpus.map(g => ({ node: deviceId(r.host, g.gpu), gpu: g.gpu, gpuEquivalents: g.gpuEquivalents, cause: causeText(g.cause, gpuOf(g.gpu)) }))
            };
        })
    };
}

/**
 * NCCL's paths in the guest of each VM of `vms` with GPUs: every GPU↔NIC pair (type, GPUDirect
 * RDMA, the relay GPU of PXN) and every GPU↔GPU pair (`NV<links>` over NVLink, else the PCI type
 * and whether NCCL does P2P), with the diagram nodes of both ends. A VM vmtopo cannot export for
 * NCCL (an ESXi host) gets `message` instead.
 */
export function diagramNcclPaths(vms: readonly VmModel[]): TopologyVmPaths[] {
    const out: TopologyVmPaths[] = [];
    for (const vm of vms) {
        if (vm.gpus.length === 0) continue;
        let p: ReturnType<typeof predictVmNcclPaths>;
        try {
            p = predictVmNcclPaths(vm);
        } catch (err) {
            out.push({ vm: vm.name, pairs: [], message: err instanceof Error ? err.message : String(err) });
            continue;
        }
        const node = (name: string) => { const e = p.entries.get(name); return e && 'mode' in e ? entryNodeId(vm, e) : undefined; };
        const links = (name: string) => { const e = p.entries.get(name); return e && 'gpu' in e ? e.gpu.spec.nvlinks : 0; };
        const pairs: TopologyPathPair[] = [];
        for (const x of p.gpuNic) {
            const a = node(x.gpu);
            const b = node(x.nic);
            if (!a || !b) continue;
            const label = `${x.type}${x.via ? ` via ${x.via}` : ''} · ${x.gdr ? 'GDR' : 'no GDR'}`;
            pairs.push({ kind: 'gpu-nic', a, b, aName: x.gpu, bName: x.nic, type: x.type, label, gdr: x.gdr });
        }
        for (const x of p.gpuPairs) {
            const a = node(x.a);
            const b = node(x.b);
            if (!a || !b) continue;
            const label = x.type === 'NVL' ? `NV${Math.min(links(x.a), links(x.b))}` : `${x.type} · ${x.p2p ? 'P2P' : 'no P2P'}`;
            pairs.push({ kind: 'gpu-gpu', a, b, aName: x.a, bName: x.b, type: x.type, label, p2p: x.p2p });
        }
        out.push({ vm: vm.name, pairs });
    }
    return out;
}
