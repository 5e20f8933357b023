/**
 * VGPU — NVIDIA vGPU for Compute types (node checks; rules.md Part B, "VGPU").
 *
 * - VGPU001 (error): a vGPU type not defined for the GPU's board (e.g. `H100XM-40C` on an H200)
 *   [VGPU-HOPPER] [VGPU-AMPERE].
 */
import { findGpu, findVgpuType } from '../catalog/index.js';
import { shortText } from '../kernel/text.js';
import type { VgpuType } from '../catalog/types.js';
import type { RuleFamily, RuleInfo } from './engine/rule.js';
import { combine, replaceProperty } from './engine/fixes.js';

export const VGPU001: RuleInfo = {
    id: 'VGPU001', severity: 'error', summary: 'vGPU type not defined for the GPU board',
    why: 'The vGPU manager offers only its own board\'s types (`mdev_supported_types`); another board\'s type cannot be created.',
    fix: 'Use a type of the board (the message lists them; quick-fix: one action per type, same frame buffer first), e.g. `H200X-1-18C` on an H200.', quickFix: true, sources: ['VGPU-HOPPER', 'VGPU-AMPERE']
};

/**
 * The board's types to offer instead of an invalid `written` type, at most `limit` (each offered action is
 * verified by validating the edited workspace, so the list is kept short): the same frame
 * buffer (the number before `C` in NVIDIA's names, `H100XM-40C` → 40, `H100XM-1-10C` → 10) and
 * sharing mode first, then the same frame buffer, then the nearest frame buffers.
 */
export function replacementTypes(types: readonly VgpuType[], written: string, limit = 4): VgpuType[] {
    const m = /(?:-(\d+))?-(\d+)C(?:ME)?$/i.exec(written.trim());
    const fb = m ? Number(m[2]) : undefined;
    const mode = m?.[1] !== undefined ? 'mig-backed' : 'time-sliced';
    const score = (t: VgpuType) => (fb === undefined ? 0 : Math.abs(t.framebufferGB - fb) * 4) + (t.mode === mode ? 0 : 2);
    return [...types].sort((x, y) => score(x) - score(y)).slice(0, limit);
}

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
                const fixes = replacementTypes(spec.vgpuTypes, a.vgpuType)
                    .map(t => combine(`Use ${t.name} (${t.framebufferGB} GB, ${t.mode})`, [replaceProperty(a, 'vgpuType', `"${t.name}"`)]))
                    .filter(f => f);
                report({
                    rule: VGPU001, node: a, property: 'vgpuType', data: { gpu: gpu.name, index, fixes },
                    message: `vGPU type '${shortText(a.vgpuType, 60)}' is not available on ${spec.model} (${gpu.name}). Types: ${types.length ? types.join(', ') : 'none'}.`
                });
            });
        }]
    }
};
