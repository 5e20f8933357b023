/**
 * The placement planner's entry point for the CLI (`vmtopo plan`) and the editor ("Place this
 * request"): the requests of the workspace's documents, resolved and planned next to the VMs there,
 * the `vm` blocks to write, and one located error per VM that cannot be placed (rule PLAN003,
 * saying which resource ran out first). Pure apart from loading the MILP solver.
 */
import type { Model, Request } from '../../generated/ast.js';
import type { Topology } from '../../model/topology.js';
import { resolveRequest, vmShape, type RequestShape } from '../../model/request.js';
import { hostStates } from './state.js';
import { planRequests, workloadOf, type PlanOptions, type PlanResult, type Workload } from './planner.js';
import { planText } from './write.js';
import { capacityReport, type HostCapacity } from './report.js';

export { planRequests } from './planner.js';
export type { PlanResult, PlanOptions } from './planner.js';

/** A request that cannot be planned, at its node. */
export interface PlanError {
    readonly node: Request;
    readonly message: string;
}

export interface WorkspacePlan {
    readonly result?: PlanResult;
    /** The `vm` blocks (empty when there are errors: nothing is written then). */
    readonly text: string;
    readonly errors: readonly PlanError[];
    /** The capacity report after the plan (free and stranded per host and fleet). */
    readonly report: readonly HostCapacity[];
}

/** Every request of the documents (in document order), or only `only`. */
export function requestsOf(models: readonly Model[], only?: Request): Request[] {
    return only ? [only] : models.flatMap(m => m.requests);
}

/**
 * The workload a stranded-capacity report measures against: the request shapes, or, when there are
 * none, the shapes of the workspace's VMs ({@link vmShape}; the Fabric Manager service VM left
 * out). `from` says which.
 */
export function reportWorkload(topology: Topology, shapes: readonly RequestShape[]): { workload: Workload; from: 'requests' | 'vms'; shapes: number } {
    if (shapes.length > 0) return { workload: workloadOf(shapes), from: 'requests', shapes: shapes.length };
    const vms = topology.vms.filter(v => !v.fabricManagerService).map(vmShape);
    return { workload: workloadOf(vms), from: 'vms', shapes: vms.length };
}

/** The capacity of `hosts` as the files leave it (no plan applied), and the workload measured against. */
export interface CurrentCapacity {
    /** One row per host, then the fleet's sum (host `fleet`). */
    readonly rows: readonly HostCapacity[];
    readonly from: 'requests' | 'vms';
    /** How many shapes the workload has. */
    readonly shapes: number;
}

/**
 * The stranded-capacity report of the hosts as written (the topology view's Capacity): the same
 * {@link capacityReport} and {@link reportWorkload} as `vmtopo plan --report`, on the current
 * state instead of the state after a plan. Requests with PLAN001/PLAN002 problems are left out of
 * the workload (their diagnostics say why).
 */
export function currentCapacity(topology: Topology, requests: readonly Request[], hosts = topology.hosts): CurrentCapacity {
    const shapes = requests.map(r => resolveRequest(r).shape).filter((s): s is RequestShape => !!s);
    const { workload, from, shapes: count } = reportWorkload(topology, shapes);
    return { rows: capacityReport(hostStates(topology, hosts), workload), from, shapes: count };
}

/**
 * Plans `requests` (AST nodes) next to the VMs of `topology`. Requests with PLAN001/PLAN002
 * problems give one error each and nothing is planned; so does a VM that cannot be placed.
 */
export async function planWorkspace(topology: Topology, requests: readonly Request[], options: PlanOptions = {}): Promise<WorkspacePlan> {
    const errors: PlanError[] = [];
    const shapes: RequestShape[] = [];
    const nodes = new Map<string, Request>();
    for (const r of requests) {
        const { shape, problems } = resolveRequest(r);
        if (problems.length > 0 || !shape) { errors.push({ node: r, message: `${r.name ?? "request"}: ${problems[0]?.message ?? 'cannot be read'}` }); continue; }
        if (options.host && shape.hosts && !shape.hosts.includes(options.host)) continue;
        shapes.push(shape);
        nodes.set(shape.name, r);
    }
    const hosts = topology.hosts.filter(h => !options.host || h.name === options.host);
    if (options.host && hosts.length === 0) {
        return { text: '', errors: requests.slice(0, 1).map(node => ({ node, message: `no host ${options.host} in the files (hosts: ${topology.hosts.map(h => h.name).join(', ') || 'none'})` })), report: [] };
    }
    if (errors.length > 0) return { text: '', errors, report: [] };
    const result = await planRequests(topology, shapes, options);
    const seen = new Set<string>();
    for (const u of result.unplaced) {
        if (seen.has(u.request)) continue;
        seen.add(u.request);
        const count = result.unplaced.filter(x => x.request === u.request).length;
        const shape = shapes.find(s => s.name === u.request)!;
        errors.push({ node: nodes.get(u.request)!, message: `${u.request}: ${count} of ${shape.count} VM${shape.count > 1 ? 's' : ''} cannot be placed; ${u.reason} ran out first.` });
    }
    // The report of the state after the plan: recompute the states with the plan applied.
    const states = hostStates(topology, hosts);
    const after = states.map(s => result.vms.some(v => v.host === s.host) ? result.vms.find(v => v.host === s.host)!.committed.option.state : s);
    return { result, text: errors.length > 0 ? '' : planText(result), errors, report: capacityReport(after, reportWorkload(topology, shapes).workload) };
}
