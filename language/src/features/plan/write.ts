/**
 * Writes planned VMs as ordinary `vm` blocks (the formatter's layout: 4-space clauses, one clause a
 * line), each with a doc comment saying it was planned, by which method, and its score.
 */
import { requiredMmioGiB } from '../../catalog/index.js';
import { formatCpuList } from '../../syntax/tokens.js';
import type { PlannedVm, PlanResult } from './planner.js';

/** A size in MiB as vmtopo writes it: whole GiB when it is, else MiB. */
function sizeText(mib: number): string {
    return mib % 1024 === 0 ? `${mib / 1024} GiB` : `${mib} MiB`;
}

/** The score line of a plan: method, gap, placed, locality, stranded capacity. */
export function planSummary(plan: PlanResult): string {
    const gap = plan.method === 'milp' ? 'optimal (gap 0 %)' : `gap ${(plan.gap * 100).toFixed(1)} % to the bound (every VM placed)`;
    return `${plan.method === 'milp' ? 'exact MILP (HiGHS)' : 'heuristic with look-ahead'}, ${gap}; placed ${plan.placed}/${plan.requested}, `
        + `locality cost ${plan.locality}, stranded ${plan.stranded.toFixed(2)} GPU-equivalents`;
}

/** The `vm` block of one planned VM, with its doc comment (ends with a newline). */
export function vmText(vm: PlannedVm, plan: PlanResult): string {
    const o = vm.committed.option;
    const lines: string[] = [];
    const paths = o.nics.map(n => `${n.gpu.name}↔${n.nic.name} ${n.path}`);
    lines.push('/**');
    lines.push(` * Planned by vmtopo plan from request ${vm.request}: ${planSummary(plan)}.`);
    lines.push(` * This VM: locality cost ${o.locality}${paths.length ? ` (${paths.join(', ')})` : ''}.`);
    lines.push(' */');
    lines.push(`vm ${vm.name} on ${vm.host.name} {`);
    lines.push(`    vcpus ${vm.shape.vcpus} pin ${formatCpuList(vm.committed.cpus)}`);
    const nodes = [...o.memory.keys()].sort((a, b) => a - b);
    lines.push(`    memory ${sizeText(vm.shape.memoryMiB)} on numa ${nodes.join(',')}${vm.shape.hugepageMiB ? ` hugepages ${sizeText(vm.shape.hugepageMiB)}` : ''}`);
    const whole = o.gpus.filter(g => g.mode === 'passthrough');
    if (whole.length > 0) lines.push(`    gpu ${whole.map(g => g.gpu.name).join(', ')} passthrough`);
    for (const g of o.gpus) {
        if (g.mode === 'mig') lines.push(`    mig ${g.gpu.name} "${g.slice}"${g.start !== undefined ? ` start ${g.start}` : ''}`);
        if (g.mode === 'vgpu') lines.push(`    vgpu ${g.gpu.name} "${g.slice}"`);
    }
    const pfs = o.nics.filter(n => !n.vf);
    if (pfs.length > 0) lines.push(`    nic ${pfs.map(n => n.nic.name).join(', ')} passthrough`);
    for (const n of o.nics) if (n.vf) lines.push(`    nic ${n.nic.name} vf ${vm.committed.vfs.get(n)}`);
    if (whole.length > 0) {
        lines.push(`    mmio ${requiredMmioGiB(whole.map(g => g.gpu.spec))} GiB`);
        if (vm.host.platform === 'esxi') { lines.push('    firmware efi'); lines.push('    reserve all'); }
    }
    if (o.gpus.some(g => g.mode !== 'passthrough') && vm.host.license !== 'nvaie') lines.push('    license nvaie');
    lines.push('}');
    return `${lines.join('\n')}\n`;
}

/** Every planned VM's block, separated by blank lines (ends with a newline; empty when none). */
export function planText(plan: PlanResult): string {
    return plan.vms.map(vm => vmText(vm, plan)).join('\n');
}
