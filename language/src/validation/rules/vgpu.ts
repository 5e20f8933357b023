/**
 * VGPU — NVIDIA vGPU for Compute types (node checks; rules.md Part B, "VGPU").
 *
 * - VGPU001 (error): a vGPU type not defined for the GPU's board (e.g. `H100XM-40C` on an H200)
 *   [VGPU-HOPPER] [VGPU-AMPERE].
 */
import { findGpu, findVgpuType } from '../../catalog/index.js';
import { shortText } from '../../export/escape.js';
import type { RuleFamily, RuleInfo } from '../rule.js';

export const VGPU001: RuleInfo = {
    id: 'VGPU001', severity: 'error', summary: 'vGPU type not defined for the GPU board',
    why: 'The vGPU manager offers only its own board\'s types (`mdev_supported_types`); another board\'s type cannot be created.',
    fix: 'Use a type of the board (the message lists them), e.g. `H200X-1-18C` on an H200.', quickFix: false, sources: ['VGPU-HOPPER', 'VGPU-AMPERE']
};

export const VGPU: RuleFamily = {
    rules: [VGPU001],
    nodeChecks: {
        VgpuSlice: [(a, report) => {
            if (a.vgpuType === undefined) return;
            (a.gpus ?? []).forEach((ref, index) => {
                const gpu = ref?.ref;
                const spec = gpu && findGpu(gpu.model);
                if (!gpu || !spec || findVgpuType(spec, a.vgpuType)) return;
                const types = spec.vgpuTypes.map(t => t.name);
                report({
                    rule: VGPU001, node: a, property: 'vgpuType', data: { gpu: gpu.name, index },
                    message: `vGPU type '${shortText(a.vgpuType, 60)}' is not available on ${spec.model} (${gpu.name}). Types: ${types.length ? types.join(', ') : 'none'}.`
                });
            });
        }]
    }
};
