/**
 * MIG — Multi-Instance GPU: the slices' profiles (node checks, as the user types) and the layout of
 * each GPU's instances (topology checks over every VM of a host).
 *
 * - MIG001 (error): a MIG slice on a GPU model without MIG [MIG-GPUS].
 * - MIG002 (error): a MIG profile the GPU model does not have; the message lists the valid ones [MIG-PROF].
 * - MIG003 (error): more instances of one profile than its maximum per GPU (H100/H200: 7/1/4/3/2/1/1
 *   for 1g/1g+me/1g.2x/2g/3g/4g/7g) [MIG-PROF]; one diagnostic per profile, at the first instance
 *   beyond the maximum (MIG006 likewise).
 * - MIG004 (error): the instances have no non-overlapping assignment of valid start slots, or need
 *   more compute slices than the GPU has (backtracking, `placeMig`) [MIG-PROF].
 * - MIG005 (error): a written start slot (`start N`) is not valid for the profile, or overlaps another
 *   written one [MIG-PROF].
 * - MIG006 (error): more than one media-extension (`+me`) instance on one GPU [MIG-PROF].
 * - MIG008 (error): a VM that expects P2P (`p2p`) has a MIG instance: MIG devices have no P2P
 *   (`nvidia-smi mig -lgip` prints `P2P: No`) [MIG-PROF] [MIGPARTED-139].
 * - MIG010 (info): a GPU declared in MIG mode (`vgpu-mode mig`) given by passthrough, of a model whose
 *   MIG mode change needs a GPU reset (the catalog's `migModeNeedsReset`: A100, A30): enabling MIG
 *   inside the VM may need a VM reboot [MIG-START].
 *
 * The layout of a GPU (`model/mig-layout.ts`) counts `mig` slices and MIG-backed vGPU types alike;
 * a finding whose instances are all vGPU types is VGPU007's (`vgpu.ts`), the others are reported here.
 *
 * Not expressible: MIG007 (the language has no guest driver version), MIG009 (a `mig` slice is
 * always delivered as a MIG-backed vGPU; bare MIG instances never reach a VM).
 *
 * Quick-fixes: "Keep the largest MIG layout that fits" (removes the fewest, latest-declared
 * instances so that the rest fits); for MIG005, "Move to start slot N" (the nearest free valid slot,
 * when the whole layout then fits); for MIG006, "Use the plain profile" when the layout then fits.
 */
import { findGpu, findMigProfile } from '../catalog/index.js';
import { shortText } from '../kernel/text.js';
import { byVgpuTypes, findingRelated, keepLargestTitle, migLayouts, type MigFinding } from '../model/mig-layout.js';
import type { RuleContext, RuleFamily, RuleInfo } from './engine/rule.js';
import { combine, removeEntries, replaceProperty, type FixData } from './engine/fixes.js';

export const MIG001: RuleInfo = {
    id: 'MIG001', severity: 'error', summary: 'MIG slice on a GPU model without MIG',
    why: 'Only MIG-capable GPUs (A100, A30, H100, H200, …) can be partitioned into GPU instances.',
    fix: 'Give the VM a time-sliced vGPU of the same frame buffer, or the whole GPU by passthrough.', quickFix: false, sources: ['MIG-GPUS']
};
export const MIG002: RuleInfo = {
    id: 'MIG002', severity: 'error', summary: 'MIG profile does not exist on the GPU model (the message lists the valid ones)',
    why: 'Each GPU model has its own GPU-instance profiles (`nvidia-smi mig -lgip`); `1g.10gb` exists on A100 80GB, not on H200.',
    fix: 'Use the model\'s profile of the same compute and memory share, e.g. `1g.18gb` on H200.', quickFix: false, sources: ['MIG-PROF']
};

export const MIG003: RuleInfo = {
    id: 'MIG003', severity: 'error', summary: 'more instances of a MIG profile on one GPU than it allows',
    why: 'Each GPU-instance profile has a maximum per GPU (`nvidia-smi mig -lgip`, e.g. one 4g, two 3g, seven 1g on H100/H200); more cannot be created.',
    fix: 'Reduce the count or use a smaller profile (quick-fix: keep the largest layout that fits).', quickFix: true, sources: ['MIG-PROF']
};
export const MIG004: RuleInfo = {
    id: 'MIG004', severity: 'error', summary: 'the MIG instances of a GPU do not fit (no non-overlapping start slots, or too many compute slices)',
    why: 'GPU instances occupy consecutive memory slices from fixed start slots (`nvidia-smi mig -lgipp`); `7g` + `1g`, or `3g` ×2 + `1g`, have no placement.',
    fix: 'Drop or shrink instances (quick-fix: keep the largest layout that fits).', quickFix: true, sources: ['MIG-PROF']
};
export const MIG005: RuleInfo = {
    id: 'MIG005', severity: 'error', summary: 'a written MIG start slot is invalid for the profile or overlaps another',
    why: 'A profile can start only at its valid slots (`nvidia-smi mig -lgipp`, e.g. 3g at 0 or 4), and instances cannot share memory slices.',
    fix: 'Move the instance to a free valid start slot (quick-fix).', quickFix: true, sources: ['MIG-PROF']
};
export const MIG006: RuleInfo = {
    id: 'MIG006', severity: 'error', summary: 'more than one media-extension (+me) MIG instance on one GPU',
    why: 'The media engines (NVDEC/NVJPG/OFA) exist once per GPU; only one `+me` instance can hold them.',
    fix: 'Change the extra ones to the plain 1g profile (quick-fix, when that fits) or drop them.', quickFix: true, sources: ['MIG-PROF']
};
export const MIG008: RuleInfo = {
    id: 'MIG008', severity: 'error', summary: 'a VM expecting GPU P2P / NVLink uses a MIG instance',
    why: 'MIG devices have no GPU-to-GPU peer-to-peer, over NVLink or PCIe (`nvidia-smi mig -lgip` prints `P2P: No`).',
    fix: 'Use full GPUs (passthrough or the full-size vGPU type), or drop `p2p`.', quickFix: false, sources: ['MIG-PROF', 'MIGPARTED-139']
};
export const MIG010: RuleInfo = {
    id: 'MIG010', severity: 'info', summary: 'MIG mode on an A100/A30 given by passthrough',
    why: 'Changing MIG mode on A100/A30 needs a GPU reset, which inside a VM may mean rebooting the VM.',
    fix: 'Plan a VM reboot after enabling MIG in the guest.', quickFix: false, sources: ['MIG-START']
};
/** The rule of a finding reported here. */
const RULE_OF: Record<MigFinding['violation'], RuleInfo> = { count: MIG003, placement: MIG004, start: MIG005, media: MIG006 };

/**
 * MIG003–MIG006 on every GPU's layout, for the findings that involve a `mig` slice (VGPU007 reports
 * the others). Each carries its own fixes; the first also the fix that keeps the largest layout
 * that fits (its edits grow with the layout: carried by every finding, N findings would carry N²).
 */
function checkLayouts(ctx: RuleContext): void {
    for (const layout of migLayouts(ctx.topology.vms)) {
        let keep: FixData[] | undefined;
        for (const f of layout.findings) {
            if (byVgpuTypes(f)) continue;
            if (keep) keep = [];
            else {
                const remove = combine(keepLargestTitle(layout), [removeEntries(layout.removeToFit.map(i => ctx.resolved.trace.get(i.entry)))]);
                keep = layout.removeToFit.length > 0 && remove ? [remove] : [];
            }
            const own: FixData[] = [];
            const node = ctx.resolved.trace.get(f.instance.entry)?.node;
            if (f.plainProfile && node) {
                const fix = combine(`Use ${f.plainProfile.name} (without media engines)`, [replaceProperty(node, 'profile', `"${f.plainProfile.name}"`)]);
                if (fix) own.push(fix);
            }
            if (f.freeStart !== undefined && node) {
                const fix = combine(`Move ${f.instance.profile.name} to start slot ${f.freeStart}`, [replaceProperty(node, 'start', String(f.freeStart))]);
                if (fix) own.push(fix);
            }
            ctx.report({
                rule: RULE_OF[f.violation], target: f.instance.entry, property: f.violation === 'start' ? 'start' : undefined, message: f.message,
                data: { gpu: layout.gpu.name, vm: f.instance.vm.name }, fixes: [...own, ...keep],
                related: findingRelated(layout, f)
            });
        }
    }
}

function checkP2p(ctx: RuleContext): void {
    for (const vm of ctx.topology.vms) {
        if (!vm.p2p) continue;
        for (const entry of vm.gpus) {
            const mig = entry.mode === 'mig' ? entry.profile.name : entry.mode === 'vgpu' && entry.type.mode === 'mig-backed' ? entry.type.name : undefined;
            if (!mig) continue;
            ctx.report({
                rule: MIG008, target: entry,
                message: `MIG instances have no GPU-to-GPU P2P (NVLink or PCIe); ${mig} on ${entry.gpu.name} in ${vm.name} cannot use P2P.`,
                data: { vm: vm.name, gpu: entry.gpu.name }
            });
        }
    }
}

function checkPassthroughMig(ctx: RuleContext): void {
    for (const vm of ctx.topology.vms) {
        for (const entry of vm.gpus) {
            // The catalog says which models reset the GPU to change MIG mode (A100, A30) [MIG-START].
            if (entry.mode !== 'passthrough' || entry.gpu.vgpuMode !== 'mig' || !entry.gpu.spec.migModeNeedsReset) continue;
            ctx.report({
                rule: MIG010, target: entry,
                message: `Enabling MIG on ${entry.gpu.spec.model} (${entry.gpu.name}) inside ${vm.name} may need a VM reboot (GPU reset).`,
                data: { vm: vm.name, gpu: entry.gpu.name }
            });
        }
    }
}

export const MIG: RuleFamily = {
    rules: [MIG001, MIG002, MIG003, MIG004, MIG005, MIG006, MIG008, MIG010],
    checks: [
        { rules: [MIG003, MIG004, MIG005, MIG006], run: checkLayouts },
        { rules: [MIG008], run: checkP2p },
        { rules: [MIG010], run: checkPassthroughMig }
    ],
    nodeChecks: {
        MigSlice: [(a, report) => {
            if (a.profile === undefined) return;
            for (const ref of a.gpus ?? []) {
                const gpu = ref?.ref;
                const spec = gpu && findGpu(gpu.model);
                if (!gpu || !spec) continue;
                if (spec.migProfiles.length === 0) {
                    report({ rule: MIG001, node: a, property: 'profile', message: `${spec.model} does not support MIG (${gpu.name}).` });
                } else if (!findMigProfile(spec, a.profile)) {
                    report({
                        rule: MIG002, node: a, property: 'profile',
                        message: `MIG profile '${shortText(a.profile, 60)}' does not exist on ${spec.model}. Valid: ${spec.migProfiles.map(p => p.name).join(', ')}.`
                    });
                }
            }
        }]
    }
};
