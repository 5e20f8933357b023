/**
 * NCCL — limits of NCCL's topology-file parser (vmtopo addition; NVIDIA/nccl 2.30 `src/graph/xml.cc`,
 * `xml.h`, `topo.h` [NCCL-XML]).
 *
 * - NCCL001 (warning): the VM has GPUs, and its NCCL topology file would break a limit of NCCL's
 *   parser: an attribute longer than 253 characters (the `<cpu affinity>` cpumap of a VM with more
 *   than 896 vCPUs), more than 16 attributes or 640 children per element, or more than 256 elements.
 *   NCCL would reject the file (`value … too long`, `too many XML nodes`), so `vmtopo export nccl`
 *   refuses the VM with the same words; the libvirt export is not affected, hence a warning.
 */
import { ExportError } from '../model/export-error.js';
import { planGuestAddresses } from '../model/guest-plan.js';
import { ncclLimitProblems, ncclSurelyWithinLimits, ncclTopologyTree } from '../model/nccl-topology.js';
import type { VmModel } from '../model/topology.js';
import type { RuleContext, RuleFamily, RuleInfo } from './engine/rule.js';

export const NCCL001: RuleInfo = {
    id: 'NCCL001', severity: 'warning', summary: 'the VM\'s NCCL topology file would break a limit of NCCL\'s parser',
    why: 'NCCL rejects a topology file with a value of more than 253 characters or more than 256 elements; the `<cpu affinity>` of a VM with more than 896 vCPUs is such a value.',
    fix: 'Give the VM at most 896 vCPUs, or let NCCL detect the topology itself (no NCCL_TOPO_FILE); `vmtopo export nccl` refuses the VM.', quickFix: false, sources: ['NCCL-XML']
};

/** Problems per VM model; the resolved topology is rebuilt (new objects) after every change. */
const problemsOf = new WeakMap<VmModel, readonly string[]>();

/** The NCCL limit problems of the VM's file (empty when it cannot be planned: other rules say why). */
export function ncclProblems(vm: VmModel): readonly string[] {
    if (ncclSurelyWithinLimits(vm)) return [];
    let problems = problemsOf.get(vm);
    if (!problems) {
        try {
            problems = ncclLimitProblems(ncclTopologyTree(vm, planGuestAddresses(vm)));
        } catch (err) {
            if (!(err instanceof ExportError)) throw err;
            problems = [];
        }
        problemsOf.set(vm, problems);
    }
    return problems;
}

function checkNcclLimits(ctx: RuleContext): void {
    for (const vm of ctx.topology.vms) {
        if (vm.gpus.length === 0 || vm.host.platform !== 'kvm') continue;
        const problems = ncclProblems(vm);
        if (problems.length === 0) continue;
        ctx.report({
            rule: NCCL001, severity: 'warning', target: vm, property: problems.some(p => p.includes('affinity')) ? 'vcpus' : 'name',
            message: `${vm.name}: NCCL could not read its topology file, so 'vmtopo export nccl' refuses it: ${problems.join('; ')}.`,
            data: { vm: vm.name, problems: [...problems] }
        });
    }
}

export const NCCL: RuleFamily = {
    rules: [NCCL001],
    checks: [{ rules: [NCCL001], run: checkNcclLimits }]
};
