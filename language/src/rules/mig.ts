/**
 * MIG — Multi-Instance GPU slices (node checks; rules.md Part B, "MIG").
 *
 * - MIG001 (error): a MIG slice on a GPU model without MIG [MIG-GPUS].
 * - MIG002 (error): a MIG profile the GPU model does not have; the message lists the valid ones [MIG-PROF].
 */
import { findGpu, findMigProfile } from '../catalog/index.js';
import { shortText } from '../kernel/text.js';
import type { RuleFamily, RuleInfo } from './engine/rule.js';

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

export const MIG: RuleFamily = {
    rules: [MIG001, MIG002],
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
