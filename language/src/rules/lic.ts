/**
 * LIC — licensing (rules.md Part B, "LIC").
 *
 * - LIC001 (error): a VM with a vGPU or MIG slice (delivered as a MIG-backed vGPU), and no licence
 *   on the VM or its host. All C-series vGPU types need NVIDIA AI Enterprise [NVAIE-LIC] [VGPU-HOPPER].
 */
import type { RuleContext, RuleFamily, RuleInfo } from './engine/rule.js';

export const LIC001: RuleInfo = {
    id: 'LIC001', severity: 'error', summary: 'vGPU or MIG-backed vGPU without an NVIDIA AI Enterprise licence',
    why: 'All C-series vGPU types need an NVIDIA AI Enterprise licence; an unlicensed vGPU is restricted after a 20-minute grace period.',
    fix: 'Add `license nvaie` to the VM or its host (quick-fix).', quickFix: true, sources: ['NVAIE-LIC', 'VGPU-HOPPER']
};

export const LIC: RuleFamily = {
    rules: [LIC001],
    checks: [{ rules: [LIC001], run: checkLicence }]
};

function checkLicence(ctx: RuleContext): void {
    for (const vm of ctx.topology.vms) {
        if (vm.license) continue;
        const slice = vm.gpus.find(g => g.mode !== 'passthrough');
        if (!slice) continue;
        const type = slice.mode === 'vgpu' ? slice.type.name
            : slice.mode === 'mig' ? (slice.type?.name ?? `MIG ${slice.profile.name}`) : '';
        ctx.report({
            rule: LIC001, severity: 'error', target: vm, property: 'name',
            message: `${vm.name} uses vGPU ${type} on ${slice.gpu.name} but no NVIDIA AI Enterprise license is configured (on the VM or on ${vm.host.name}); unlicensed vGPUs are restricted after the grace period (20 min).`,
            data: { vm: vm.name, type, license: 'nvaie' }
        });
    }
}
