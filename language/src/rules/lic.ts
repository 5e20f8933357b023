/**
 * LIC — licensing.
 *
 * - LIC001 (error): a VM with a vGPU or MIG slice (delivered as a MIG-backed vGPU), and no licence
 *   on the VM or its host. All C-series vGPU types need NVIDIA AI Enterprise [NVAIE-LIC] [VGPU-HOPPER].
 *   Quick-fix: `license nvaie` as the VM's last clause.
 * - LIC002 (error): the declared edition (vWS, vPC, vApps) does not cover C-series vGPU, which needs
 *   NVIDIA AI Enterprise (vCS in older releases) [VGPU-HOPPER] [VGPU-AMPERE] [GRID-LIC12].
 *   Quick-fix: `license nvaie`.
 * - LIC003 (info): a VM with only passthrough GPUs declares a licence: passthrough needs no vGPU
 *   licence [GRID-LIC12] [NVAIE-LIC].
 */
import type { RuleContext, RuleFamily, RuleInfo } from './engine/rule.js';
import { appendVmClause, combine, replaceProperty } from './engine/fixes.js';
import { sliceTypeName } from '../model/topology.js';

export const LIC001: RuleInfo = {
    id: 'LIC001', severity: 'error', summary: 'vGPU or MIG-backed vGPU without an NVIDIA AI Enterprise licence',
    why: 'All C-series vGPU types need an NVIDIA AI Enterprise licence; an unlicensed vGPU is restricted after a 20-minute grace period.',
    fix: 'Add `license nvaie` to the VM or its host (quick-fix).', quickFix: true, sources: ['NVAIE-LIC', 'VGPU-HOPPER']
};

export const LIC002: RuleInfo = {
    id: 'LIC002', severity: 'error', summary: 'the declared licence edition does not cover C-series vGPU',
    why: 'C-series (compute) vGPU types need NVIDIA AI Enterprise (vCS in older releases); RTX vWS, vPC and vApps licences do not enable them.',
    fix: 'Use `license nvaie` (quick-fix).', quickFix: true, sources: ['VGPU-HOPPER', 'VGPU-AMPERE', 'GRID-LIC12']
};
export const LIC003: RuleInfo = {
    id: 'LIC003', severity: 'info', summary: 'a passthrough-only VM declares a vGPU licence',
    why: 'Passthrough (DirectPath/VFIO) needs no vGPU licence; an NVIDIA AI Enterprise subscription covers software and support only.',
    fix: 'Drop the licence from the VM, or keep it for the software subscription.', quickFix: false, sources: ['GRID-LIC12', 'NVAIE-LIC']
};

export const LIC: RuleFamily = {
    rules: [LIC001, LIC002, LIC003],
    checks: [
        { rules: [LIC001], run: checkLicence },
        { rules: [LIC002, LIC003], run: checkLicences }
    ]
};

function checkLicence(ctx: RuleContext): void {
    for (const vm of ctx.topology.vms) {
        if (vm.license) continue;
        const slice = vm.gpus.find(g => g.mode !== 'passthrough');
        if (!slice) continue;
        const node = ctx.resolved.trace.get(vm)?.node;
        const type = sliceTypeName(slice) ?? '';
        ctx.report({
            rule: LIC001, severity: 'error', target: vm, property: 'name',
            message: `${vm.name} uses vGPU ${type} on ${slice.gpu.name} but no NVIDIA AI Enterprise license is configured (on the VM or on ${vm.host.name}); unlicensed vGPUs are restricted after the grace period (20 min).`,
            data: { vm: vm.name, type, license: 'nvaie' },
            // "Add license nvaie to {vm}": the clause as the VM's last line.
            fixes: [node && combine(`Add license nvaie to ${vm.name}`, [appendVmClause(node, 'license nvaie')])]
        });
    }
}

/** Editions that cover C-series vGPU: NVIDIA AI Enterprise, and vCS in older releases [VGPU-HOPPER] [GRID-LIC12]. */
const C_SERIES_EDITIONS = new Set(['nvaie', 'vcs']);
const EDITION_NAMES: Record<string, string> = { nvaie: 'NVIDIA AI Enterprise', vcs: 'NVIDIA Virtual Compute Server', vws: 'NVIDIA RTX vWS', vpc: 'NVIDIA vPC', vapps: 'NVIDIA vApps' };

function checkLicences(ctx: RuleContext): void {
    for (const vm of ctx.topology.vms) {
        if (!vm.license) continue;
        const slice = vm.gpus.find(g => g.mode !== 'passthrough');
        if (slice && !C_SERIES_EDITIONS.has(vm.license)) {
            const type = sliceTypeName(slice) ?? '';
            const where = vm.licenseOnVm ? ctx.resolved.trace.get(vm)?.node : ctx.resolved.trace.get(vm.host)?.node;
            const fix = where && combine(`Use license nvaie${vm.licenseOnVm ? '' : ` on ${vm.host.name}`}`, [replaceProperty(where, 'license', 'nvaie')]);
            ctx.report({
                rule: LIC002, target: vm, property: vm.licenseOnVm ? 'license' : 'name',
                related: vm.licenseOnVm ? [] : [{ target: vm.host, property: 'license', message: `license ${vm.license} on ${vm.host.name}` }],
                message: `${type} (C-series, ${vm.name}) needs NVIDIA AI Enterprise; ${EDITION_NAMES[vm.license]} (license ${vm.license}${vm.licenseOnVm ? '' : ` on ${vm.host.name}`}) does not cover it.`,
                data: { vm: vm.name },
                fixes: [fix]
            });
        }
        if (!slice && vm.licenseOnVm && vm.gpus.length > 0) {
            ctx.report({
                rule: LIC003, target: vm, property: 'license',
                message: `${vm.name}: passthrough of ${[...new Set(vm.gpus.map(g => g.gpu.name))].join(', ')} (DirectPath/VFIO) needs no vGPU license; an NVIDIA AI Enterprise subscription only covers software/support.`,
                data: { vm: vm.name }
            });
        }
    }
}
