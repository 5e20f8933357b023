/**
 * PLAN — requests for the placement planner (node checks on `request` blocks; README "Placement
 * planner").
 *
 * - PLAN001 (error): a request names a GPU model, vGPU type or MIG profile the catalog does not know
 *   (for `any`: that no GPU of the catalog offers) [VMTOPO-CATALOG] [VMTOPO-PLAN].
 * - PLAN002 (error): a request contradicts itself: NICs per GPU without GPUs, SMT pairs with an odd
 *   vCPU count, memory that is not a whole number of hugepages, `locality required` with NICs asked
 *   for `any` place (Nova's `required` policy keeps every device on the guest's NUMA node
 *   [NOVA-PCI-NUMA]), a zero count, no vCPUs or memory.
 */
import type { RuleFamily, RuleInfo } from './engine/rule.js';
import { resolveRequest } from '../model/request.js';

export const PLAN001: RuleInfo = {
    id: 'PLAN001', severity: 'error', summary: 'request names an unknown GPU model, vGPU type or MIG profile',
    why: 'The planner can only give a request GPUs, vGPUs or MIG slices the catalog describes; an unknown name matches no device.',
    fix: 'Use a catalog GPU model (or any) and one of its vGPU types or MIG profiles (the message lists them).', quickFix: false, sources: ['VMTOPO-CATALOG', 'VMTOPO-PLAN']
};

export const PLAN002: RuleInfo = {
    id: 'PLAN002', severity: 'error', summary: 'request contradicts itself (NICs without GPUs, odd vCPUs as SMT pairs, locality, hugepages, count)',
    why: 'A request that asks for two incompatible things has no placement; the planner refuses it rather than guess which part was meant.',
    fix: 'Change the clause the message names.', quickFix: false, sources: ['NOVA-PCI-NUMA', 'VMTOPO-PLAN']
};

/**
 * PLAN003 (error): a VM of a request cannot be placed — reported by the planner (`vmtopo plan`,
 * "Place this request"), not while editing: the message says which resource ran out first.
 */
export const PLAN003: RuleInfo = {
    id: 'PLAN003', severity: 'error', summary: 'a request cannot be placed (reported by vmtopo plan; the message names the resource that ran out first)',
    why: 'No host the request may use has the GPUs, MIG slots, NICs, cores, memory or hugepages it asks for next to the VMs already there.',
    fix: 'Free the resource the message names, ask for less, or allow more hosts (request … on HOST, …).', quickFix: false, sources: ['NOVA-PCI-NUMA', 'VMTOPO-PLAN']
};

export const PLAN: RuleFamily = {
    rules: [PLAN001, PLAN002, PLAN003],
    nodeChecks: {
        Request: [(request, report) => {
            for (const p of resolveRequest(request).problems) {
                report({ rule: p.kind === 'unknown' ? PLAN001 : PLAN002, node: request, property: p.property, message: p.message });
            }
        }]
    }
};
