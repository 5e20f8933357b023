/**
 * VGPU — NVIDIA vGPU for Compute: the types a clause names (node checks, as the user types), and the
 * vGPUs every VM of a host takes from each GPU — capacity, modes, multi-vGPU, P2P and vSphere gates
 * (topology checks). Maxima per type are the catalog's (`maxPerGpu` in equal-size mode,
 * `maxPerGpuMixed` in mixed-size mode, from NVIDIA's vGPU type tables [VGPU-HOPPER] [VGPU-AMPERE]
 * [VGPU-ADA]); a GPU is in equal-size mode unless it says `vgpu-mode mixed-size` (vSphere
 * `HostGraphicsInfoVgpuMode`; "By default, a GPU operates in equal-size mode" [VGPU-EQUAL]).
 *
 * - VGPU001 (error): a vGPU type not defined for the GPU's board (e.g. `H100XM-40C` on an H200)
 *   [VGPU-HOPPER] [VGPU-AMPERE].
 * - VGPU002 (error): equal-size mode, more vGPUs of a time-sliced type than its maximum; one
 *   diagnostic per GPU, at the first vGPU beyond it.
 * - VGPU003 (error): equal-size mode with time-sliced vGPUs of different frame buffers; or a GPU
 *   declared in one mode carrying slices of another (`vgpu-mode mig` with time-sliced vGPUs).
 * - VGPU004 (error): mixed-size mode, more vGPUs of a type than its mixed-size maximum, or Σ frame
 *   buffer > the GPU's memory [VGPU-HOPPER] [VGPU-HETERO].
 * - VGPU005 (error): mixed-size mode on a GPU whose table has no mixed-size column (Volta/Turing).
 * - VGPU007 (error): MIG-backed vGPU types on one GPU break the MIG limits of MIG003–MIG006 (count,
 *   `+me`, placement) — the findings of the GPU's MIG layout (`model/mig-layout.ts`) whose instances are
 *   all vGPU types; the message names the types [VGPU-HOPPER] [MIG-PROF].
 * - VGPU009 (error): one VM's vGPUs come from different boards [VGPU-MULTI].
 * - VGPU010 (error): vSphere 7.x with several vGPUs in a VM, not all full-size [VGPU-MULTI].
 * - VGPU011 (error): a `p2p` VM with a vGPU that is not the full-size time-sliced type [VGPU-P2P].
 * - VGPU012 (warning): a `p2p` VM whose vGPUs sit on GPUs without NVLink (P2P over PCIe is not
 *   supported for vGPU) [VGPU-P2P].
 * - VGPU014 (error): ESXi passthrough of HGX (NVSwitch) GPUs, before vSphere 9.0; from 9.0 (VCF 9,
 *   VMware Private AI: DirectPath with the NVSwitches in a Fabric Manager service VM) the FM rules
 *   govern [VGPU-NVSWITCH].
 * - VGPU015 (error): ESXi before 8.0 Update 2 with vGPU on a Hopper NVSwitch system [VGPU-NVSWITCH].
 * - VGPU016 (error): ESXi before 8.0 Update 3 with a `…CME` type or a 1g profile with two memory
 *   slices (`-1-35C`, …) [VGPU-HOPPER] [VGPU-AMPERE] (footnotes).
 * - VGPU017 (info): unified memory with a vGPU that is not full-size; or with NVLink P2P on a model
 *   where unified memory disables it (the catalog's `unifiedMemoryDisablesP2p`: A100).
 *
 * The version gates apply only when the host writes its version (`platform esxi 8.0u3`).
 * Not expressible: VGPU006 (a MIG-backed type exists only on a MIG board, so VGPU001 reports it),
 * VGPU008 (the language has no time-sliced MIG-backed mode), VGPU013 (which vGPUs of different VMs
 * are meant to talk over NVLink cannot be said), the Fixed Share scheduler part of VGPU005.
 */
import { findGpu, findVgpuType, vgpuTypesLike } from '../catalog/index.js';
import { MAX_NAMED, nameList } from '../kernel/bounds.js';
import { shortText } from '../kernel/text.js';
import type { VgpuType } from '../catalog/types.js';
import { byVgpuTypes, findingRelated, keepLargestTitle, migLayouts } from '../model/mig-layout.js';
import { sliceTypeName, versionAtLeast, type GpuModel, type VmGpu, type VmModel } from '../model/topology.js';
import type { RuleContext, RuleFamily, RuleInfo } from './engine/rule.js';
import { combine, insertAfterProperty, insertVmClause, removeEntries, replaceProperty, uriOf, type FixData, type FixEdit } from './engine/fixes.js';

export const VGPU001: RuleInfo = {
    id: 'VGPU001', severity: 'error', summary: 'vGPU type not defined for the GPU board',
    why: 'The vGPU manager offers only its own board\'s types (`mdev_supported_types`); another board\'s type cannot be created.',
    fix: 'Use a type of the board (the message lists them; quick-fix: one action per type, same frame buffer first), e.g. `H200X-1-18C` on an H200.', quickFix: true, sources: ['VGPU-HOPPER', 'VGPU-AMPERE']
};

export const VGPU002: RuleInfo = {
    id: 'VGPU002', severity: 'error', summary: 'equal-size mode: more vGPUs of a type on one GPU than it allows',
    why: 'In equal-size mode a GPU holds at most the table\'s number of vGPUs of one type (e.g. one H200X-141C, two H200X-70C); the next one cannot be created.',
    fix: 'Reduce the count or choose a smaller type (quick-fix: remove the vGPUs beyond the maximum).', quickFix: true, sources: ['VGPU-HOPPER', 'VGPU-AMPERE']
};
export const VGPU003: RuleInfo = {
    id: 'VGPU003', severity: 'error', summary: 'equal-size mode with vGPUs of different frame buffers, or slices of another mode than the GPU\'s',
    why: 'A GPU in equal-size mode holds vGPUs of one size only; a GPU runs in exactly one vGPU mode (equal-size, mixed-size, MIG).',
    fix: 'Set the GPU to `vgpu-mode mixed-size` (quick-fix, when the layout fits), or use one type.', quickFix: true, sources: ['VGPU-EQUAL', 'VSPHERE-VGPUMODE']
};
export const VGPU004: RuleInfo = {
    id: 'VGPU004', severity: 'error', summary: 'mixed-size mode: a type over its mixed-size maximum, or frame buffers above the GPU\'s memory',
    why: 'Mixed-size mode has its own per-type maxima (NVIDIA\'s vGPU type tables) and the vGPUs share the GPU\'s frame buffer.',
    fix: 'Drop or resize vGPUs (quick-fix: remove the last-declared ones until the layout fits).', quickFix: true, sources: ['VGPU-HOPPER', 'VGPU-HETERO']
};
export const VGPU005: RuleInfo = {
    id: 'VGPU005', severity: 'error', summary: 'mixed-size mode on a GPU that does not support it',
    why: 'Volta and Turing GPUs have no mixed-size mode ("This GPU does not support mixed-size mode").',
    fix: 'Use equal-size mode.', quickFix: false, sources: ['VGPU-AMPERE', 'VGPU-HETERO']
};
export const VGPU007: RuleInfo = {
    id: 'VGPU007', severity: 'error', summary: 'MIG-backed vGPU types on one GPU break the MIG limits (count, +me, placement)',
    why: 'A MIG-backed vGPU is a GPU instance of its profile: the MIG limits of MIG003–MIG006 apply to the set of types on the GPU.',
    fix: 'Reduce the set (quick-fix: keep the largest layout that fits).', quickFix: true, sources: ['VGPU-HOPPER', 'MIG-PROF']
};
export const VGPU009: RuleInfo = {
    id: 'VGPU009', severity: 'error', summary: 'a VM\'s vGPUs come from different board types',
    why: 'NVIDIA supports several vGPUs in one VM only when all are of the same board type and series.',
    fix: 'Give the VM vGPUs of one board.', quickFix: false, sources: ['VGPU-MULTI']
};
export const VGPU010: RuleInfo = {
    id: 'VGPU010', severity: 'error', summary: 'vSphere 7.x: several vGPUs in a VM, not all full-size',
    why: 'vSphere 7.x supports multiple vGPUs per VM only with types that own the whole GPU.',
    fix: 'Use the full-size type, or vSphere 8.0 or later.', quickFix: false, sources: ['VGPU-MULTI']
};
export const VGPU011: RuleInfo = {
    id: 'VGPU011', severity: 'error', summary: 'P2P VM with a vGPU that is not the full-size time-sliced type',
    why: 'vGPU P2P over NVLink works only between time-sliced vGPUs that own the whole frame buffer; MIG-backed and smaller vGPUs get none.',
    fix: 'Change to the board\'s full-size type (quick-fix).', quickFix: true, sources: ['VGPU-P2P']
};
export const VGPU012: RuleInfo = {
    id: 'VGPU012', severity: 'warning', summary: 'P2P VM with vGPUs on GPUs without NVLink (P2P over PCIe)',
    why: 'vGPU P2P over PCIe is not supported: CUDA P2P between the vGPUs is disabled.',
    fix: 'Use NVLink-connected GPUs, or passthrough.', quickFix: false, sources: ['VGPU-P2P']
};
export const VGPU014: RuleInfo = {
    id: 'VGPU014', severity: 'error', summary: 'ESXi before 9.0: passthrough of GPUs of an NVSwitch (HGX) system',
    why: 'NVIDIA\'s vGPU documentation does not support GPU passthrough on NVSwitch systems with vSphere; VMware Private AI on VCF 9 (vSphere 9.0) supports DirectPath for them with the NVSwitches in a Fabric Manager service VM.',
    fix: 'Use the full-size vGPU type (quick-fix), or declare vSphere 9.0 and a Fabric Manager service VM.', quickFix: true, sources: ['VGPU-NVSWITCH']
};
export const VGPU015: RuleInfo = {
    id: 'VGPU015', severity: 'error', summary: 'ESXi before 8.0 Update 2 with vGPU on a Hopper NVSwitch system',
    why: 'vGPU on Hopper HGX systems needs ESXi 8.0 Update 2 or later.',
    fix: 'Upgrade to ESXi 8.0 Update 2 or later.', quickFix: false, sources: ['VGPU-NVSWITCH']
};
export const VGPU016: RuleInfo = {
    id: 'VGPU016', severity: 'error', summary: 'ESXi before 8.0 Update 3 with a …CME type or a 1g two-memory-slice MIG-backed type',
    why: 'NVIDIA\'s type tables mark the media-extension types and the 1g profiles with two memory slices as supported on vSphere only from 8.0 Update 3.',
    fix: 'Use another type, or upgrade to 8.0 Update 3.', quickFix: false, sources: ['VGPU-HOPPER', 'VGPU-AMPERE']
};
export const VGPU017: RuleInfo = {
    id: 'VGPU017', severity: 'info', summary: 'unified memory with a vGPU that is not full-size, or with NVLink P2P on A100',
    why: 'Unified memory (UVM) is supported only on full-size vGPUs; on A100, vGPU NVLink P2P is disabled when UVM is enabled.',
    fix: 'Use the full-size type, or drop `unified-memory`.', quickFix: false, sources: ['VGPU-NVSWITCH', 'VGPU-P2P']
};

/** The board's full-size time-sliced type (the largest frame buffer), e.g. `H200X-141C`. */
export function fullSizeType(gpu: GpuModel): VgpuType | undefined {
    let best: VgpuType | undefined;
    for (const t of gpu.spec.vgpuTypes) if (t.mode === 'time-sliced' && (!best || t.framebufferGB > best.framebufferGB)) best = t;
    return best;
}

function isFullSize(entry: VmGpu): boolean {
    return entry.mode === 'vgpu' && entry.type.mode === 'time-sliced' && entry.type === fullSizeType(entry.gpu);
}

interface Slice { readonly vm: VmModel; readonly entry: VmGpu & { mode: 'vgpu' }; }

function timeSlicedByGpu(vms: readonly VmModel[]): Map<GpuModel, Slice[]> {
    const byGpu = new Map<GpuModel, Slice[]>();
    for (const vm of vms) {
        for (const entry of vm.gpus) {
            if (entry.mode !== 'vgpu' || entry.type.mode !== 'time-sliced') continue;
            const l = byGpu.get(entry.gpu);
            const s = { vm, entry };
            if (l) l.push(s); else byGpu.set(entry.gpu, [s]);
        }
    }
    return byGpu;
}

/** Whether a set of time-sliced vGPUs is within the mode's limits on the GPU. */
function fits(gpu: GpuModel, slices: readonly Slice[], mixed: boolean): boolean {
    const counts = new Map<VgpuType, number>();
    for (const s of slices) counts.set(s.entry.type, (counts.get(s.entry.type) ?? 0) + 1);
    if (!mixed) {
        if (counts.size > 1) return false;
        return [...counts].every(([t, n]) => n <= t.maxPerGpu);
    }
    if ([...counts].some(([t, n]) => t.maxPerGpuMixed === undefined || n > t.maxPerGpuMixed)) return false;
    return slices.reduce((s, x) => s + x.entry.type.framebufferGB, 0) <= gpu.spec.memoryGB;
}

function removalFix(ctx: RuleContext, title: string, removed: readonly Slice[]): FixData | undefined {
    return combine(title, [removeEntries(removed.map(s => ctx.resolved.trace.get(s.entry)))]);
}

/**
 * VGPU003, other direction: MIG slices (bare or MIG-backed types) on a GPU declared in equal-size or
 * mixed-size mode; once per GPU, at its first such slice, naming the slices' types and VMs.
 */
function checkMigOnTimeSlicedMode(ctx: RuleContext): void {
    const byGpu = new Map<GpuModel, Array<{ vm: VmModel; entry: VmGpu }>>();
    for (const vm of ctx.topology.vms) {
        for (const entry of vm.gpus) {
            const mode = entry.gpu.vgpuMode;
            const mig = entry.mode === 'mig' || (entry.mode === 'vgpu' && entry.type.mode === 'mig-backed');
            if (!mig || (mode !== 'equal-size' && mode !== 'mixed-size')) continue;
            const list = byGpu.get(entry.gpu);
            if (list) list.push({ vm, entry }); else byGpu.set(entry.gpu, [{ vm, entry }]);
        }
    }
    for (const [gpu, list] of byGpu) {
        const { vm, entry } = list[0];
        const fix = modeFix(ctx, gpu, 'mig');
        ctx.report({
            rule: VGPU003, target: entry,
            message: `${gpu.name} is declared in ${gpu.vgpuMode} mode (vgpu-mode ${gpu.vgpuMode}) but carries MIG-backed ${sliceNames(list)}; a GPU is in exactly one vGPU mode.`,
            data: { vm: vm.name, gpu: gpu.name }, fixes: [fix]
        });
    }
}

/**
 * The slices of a group for a message: `H200X-35C (a)`, or with several types or VMs, `H200X-35C,
 * H200X-70C (VMs a, b, c)` (a few of each named, the rest counted).
 */
function sliceNames(list: ReadonlyArray<{ vm: VmModel; entry: VmGpu }>): string {
    const types = [...new Set(list.map(s => sliceTypeName(s.entry) ?? ''))];
    const vms = [...new Set(list.map(s => s.vm.name))];
    return `${nameList(types)} (${vms.length > 1 ? `VMs ${nameList(vms)}` : vms[0]})`;
}

function checkCapacity(ctx: RuleContext): void {
    checkMigOnTimeSlicedMode(ctx);
    for (const [gpu, slices] of timeSlicedByGpu(ctx.topology.vms)) {
        const mixed = gpu.vgpuMode === 'mixed-size';
        const report = (rule: RuleInfo, s: Slice, message: string, fixes: readonly (FixData | undefined)[], property?: string) => ctx.report({
            rule, target: s.entry, property, message, data: { vm: s.vm.name, gpu: gpu.name }, fixes,
            related: [
                { target: gpu, message: `${gpu.name} (${gpu.spec.model}, ${gpu.spec.memoryGB} GB, ${gpu.vgpuMode ?? 'equal-size'} mode)` },
                // the runner keeps the first eight others
                ...slices.filter(o => o !== s).map(o => ({ target: o.entry, message: `${o.entry.type.name} (${o.vm.name})` }))
            ]
        });
        if (gpu.vgpuMode === 'mig') {
            const types = new Set(slices.map(s => s.entry.type));
            report(VGPU003, slices[0], `${gpu.name} is declared in MIG mode (vgpu-mode mig) but carries time-sliced vGPU${types.size > 1 ? 's' : ''} ${sliceNames(slices)}; a GPU is in exactly one vGPU mode.`, []);
            continue;
        }
        if (mixed && slices.some(s => s.entry.type.maxPerGpuMixed === undefined)) {
            report(VGPU005, slices[0], `Mixed-size vGPUs are not supported on ${gpu.spec.model} (${gpu.name}); use equal-size mode.`, []);
            continue;
        }
        if (!mixed) {
            const sizes = [...new Set(slices.map(s => s.entry.type.framebufferGB))];
            if (sizes.length > 1) {
                const first = slices[0].entry.type.framebufferGB;
                const odd = slices.find(s => s.entry.type.framebufferGB !== first)!;
                const toMixed = fits(gpu, slices, true) ? modeFix(ctx, gpu, 'mixed-size') : undefined;
                report(VGPU003, odd,
                    `All vGPUs on ${gpu.name} must have the same frame buffer in equal-size mode (found ${nameList([...new Set(slices.map(s => `${s.entry.type.name} ${s.entry.type.framebufferGB} GB`))])}${vms(slices)}).`,
                    [toMixed], 'vgpuType');
                continue;
            }
            const type = slices[0].entry.type;
            if (slices.length > type.maxPerGpu) {
                // Once per GPU, at the first vGPU beyond the maximum; the fix removes all of them.
                const extra = slices.slice(type.maxPerGpu);
                const fix = removalFix(ctx, `Remove ${extra.length} × ${type.name} beyond the maximum of ${type.maxPerGpu} on ${gpu.name}`, extra);
                report(VGPU002, extra[0], `${slices.length}× ${type.name} on ${gpu.name} (${gpu.spec.model}): at most ${type.maxPerGpu} in equal-size mode${vms(slices)}.`, [fix], 'vgpuType');
            }
            continue;
        }
        // mixed-size
        if (fits(gpu, slices, true)) continue;
        const removed: Slice[] = [];
        const kept = [...slices];
        while (kept.length > 0 && !fits(gpu, kept, true)) removed.unshift(kept.pop()!);
        const fix = removalFix(ctx, `Remove ${nameList(removed.slice(0, MAX_NAMED).map(s => `${s.entry.type.name} (${s.vm.name})`), { total: removed.length })} from ${gpu.name}`, removed);
        const counts = new Map<VgpuType, number>();
        for (const s of slices) counts.set(s.entry.type, (counts.get(s.entry.type) ?? 0) + 1);
        const over = [...counts].find(([t, n]) => n > (t.maxPerGpuMixed ?? 0));
        const sum = slices.reduce((s, x) => s + x.entry.type.framebufferGB, 0);
        const limit = over
            ? `${over[1]}× ${over[0].name}, at most ${over[0].maxPerGpuMixed} in mixed-size mode`
            : `Σ frame buffer ${sum} GB > ${gpu.spec.memoryGB} GB`;
        report(VGPU004, removed[0], `Mixed-size layout on ${gpu.name} (${gpu.spec.model}) exceeds ${limit}${vms(slices)}.`, [fix], 'vgpuType');
    }
}

/** An edit that sets the GPU's `vgpu-mode`. */
function modeFix(ctx: RuleContext, gpu: GpuModel, mode: string): FixData | undefined {
    const where = ctx.resolved.trace.get(gpu);
    if (!where) return undefined;
    const existing = (where.node as { vgpuMode?: string }).vgpuMode;
    const part = existing !== undefined
        ? replaceProperty(where.node, 'vgpuMode', mode)
        : insertAfterProperty(where.node, 'address', ` vgpu-mode ${mode}`);
    return combine(`Set ${gpu.name} to vgpu-mode ${mode}`, [part]);
}

/** `; VMs a, b` when the slices come from more than one VM (a few named, the rest counted), else ''. */
function vms(slices: readonly Slice[]): string {
    const names = new Set(slices.map(s => s.vm.name));
    return names.size > 1 ? `; VMs ${nameList([...names])}` : '';
}

function checkVms(ctx: RuleContext): void {
    for (const vm of ctx.topology.vms) {
        const slices = vm.gpus.filter(g => g.mode !== 'passthrough');
        // VGPU009: one board type
        const boards = [...new Set(slices.map(s => s.gpu.spec.model))];
        if (boards.length > 1) {
            const odd = slices.find(s => s.gpu.spec.model !== slices[0].gpu.spec.model)!;
            ctx.report({
                rule: VGPU009, target: odd,
                related: [{ target: slices[0], message: `${sliceTypeName(slices[0])} on ${slices[0].gpu.name} (${slices[0].gpu.spec.model})` }],
                message: `All vGPUs of ${vm.name} must be of the same board type and series; found ${nameList(slices.slice(0, MAX_NAMED).map(s => `${sliceTypeName(s)} (${s.gpu.spec.model})`), { total: slices.length })}.`,
                data: { vm: vm.name }
            });
        }
        // VGPU010: vSphere 7.x, several vGPUs, not all full-size
        const version = vm.host.platformVersion;
        if (vm.host.platform === 'esxi' && version && version.major === 7 && slices.length > 1) {
            const partial = slices.find(s => !isFullSize(s));
            if (partial) {
                ctx.report({
                    rule: VGPU010, target: partial,
                    message: `vSphere ${version.text} supports multiple vGPUs per VM only with types that own the whole GPU (${fullSizeType(partial.gpu)?.name ?? 'full-size'}); ${vm.name} has ${slices.length} vGPUs including ${sliceTypeName(partial)}.`,
                    data: { vm: vm.name }
                });
            }
        }
        // VGPU011 / VGPU012: P2P
        if (vm.p2p) {
            for (const s of slices) {
                if (isFullSize(s) || s.mode === 'mig' || (s.mode === 'vgpu' && s.type.mode === 'mig-backed')) continue; // MIG: MIG008
                const full = fullSizeType(s.gpu);
                const where = ctx.resolved.trace.get(s);
                const fix = full && where ? combine(`Use ${full.name} (full-size)`, [replaceProperty(where.node, 'vgpuType', `"${full.name}"`)]) : undefined;
                ctx.report({
                    rule: VGPU011, target: s, property: 'vgpuType',
                    message: `vGPU P2P over NVLink needs full-framebuffer time-sliced vGPUs; ${sliceTypeName(s)} on ${s.gpu.name} (${vm.name}) cannot use P2P (full size: ${full?.name ?? 'none'}).`,
                    data: { vm: vm.name, gpu: s.gpu.name }, fixes: [fix]
                });
            }
            const vgpus = slices.filter(s => s.mode === 'vgpu');
            const gpus = [...new Set(vgpus.map(s => s.gpu))];
            if (gpus.length > 1) {
                const noNvlink = gpus.filter(g => g.spec.nvlinks === 0);
                if (noNvlink.length > 0) {
                    const a = noNvlink[0];
                    const b = gpus.find(g => g !== a)!;
                    ctx.report({
                        rule: VGPU012, target: vgpus.find(s => s.gpu === a)!,
                        related: [{ target: b, message: `${b.name} (${b.spec.model})` }],
                        message: `vGPU P2P over PCIe is not supported; CUDA P2P between ${a.name} and ${b.name} (${a.spec.model}, no NVLink) will be disabled in ${vm.name}.`,
                        data: { vm: vm.name }
                    });
                }
            }
        }
        // VGPU017: unified memory
        if (vm.unifiedMemory) {
            const partial = slices.find(s => !isFullSize(s));
            if (partial) {
                ctx.report({
                    rule: VGPU017, target: partial,
                    message: `Unified memory is supported only on full-size vGPUs; ${sliceTypeName(partial)} on ${partial.gpu.name} (${vm.name}) is not (full size: ${fullSizeType(partial.gpu)?.name ?? 'none'}).`,
                    data: { vm: vm.name }
                });
            } else if (vm.p2p) {
                // The catalog says on which models unified memory disables vGPU NVLink P2P (A100) [VGPU-P2P].
                const blocked = slices.find(s => s.gpu.spec.unifiedMemoryDisablesP2p);
                if (blocked) {
                    ctx.report({
                        rule: VGPU017, target: vm, property: 'name',
                        message: `${blocked.gpu.spec.model} vGPU NVLink P2P is disabled when unified memory is enabled (${vm.name}).`,
                        data: { vm: vm.name }
                    });
                }
            }
        }
    }
}

/** Whether the GPU sits on an NVSwitch baseboard: an SXM GPU on a host with NVSwitches. */
function onNvSwitchSystem(gpu: GpuModel): boolean {
    return gpu.spec.formFactor === 'sxm' && gpu.host.devices.some(d => d.kind === 'nvswitch');
}

function checkEsxiGates(ctx: RuleContext): void {
    for (const vm of ctx.topology.vms) {
        if (vm.host.platform !== 'esxi') continue;
        const version = vm.host.platformVersion;
        // VGPU014: passthrough on NVSwitch systems, before vSphere 9.0
        if (!version || !versionAtLeast(version, 9, 0)) {
            for (const g of vm.gpus) {
                if (g.mode !== 'passthrough' || !onNvSwitchSystem(g.gpu)) continue;
                const full = fullSizeType(g.gpu);
                const nvswitch = g.gpu.host.devices.find(d => d.kind === 'nvswitch');
                ctx.report({
                    rule: VGPU014, target: g,
                    related: nvswitch ? [{ target: nvswitch, message: `${nvswitch.name}: NVSwitch of ${g.gpu.host.name}` }] : [],
                    message: `GPU passthrough of ${g.gpu.name} (${g.gpu.spec.model}, NVSwitch system) is not supported on VMware vSphere ${version ? version.text : '(version not declared)'}; use the full-size vGPU ${full?.name ?? ''}, or vSphere 9.0 (VCF 9) with the NVSwitches in a Fabric Manager service VM.`.replace('vGPU ;', 'vGPU;'),
                    data: { vm: vm.name, gpu: g.gpu.name }, fixes: passthroughToVgpu(ctx, vm, g)
                });
            }
        }
        if (!version) continue;
        for (const g of vm.gpus) {
            if (g.mode === 'passthrough') continue;
            const name = sliceTypeName(g)!;
            // VGPU015
            if (!versionAtLeast(version, 8, 0, 2) && g.gpu.spec.sm === 90 && onNvSwitchSystem(g.gpu)) {
                ctx.report({
                    rule: VGPU015, target: g,
                    message: `Hopper NVSwitch systems need ESXi 8.0 Update 2 or later for vGPU; ${vm.host.name} runs ${version.text} (${name} on ${g.gpu.name}).`,
                    data: { vm: vm.name }
                });
            }
            // VGPU016
            const type = g.mode === 'vgpu' ? g.type : g.type;
            const profile = g.mode === 'mig' ? g.profile : g.gpu.spec.migProfiles.find(p => p.name === type?.migProfile);
            const late = (type && type.mediaExtensions) || (profile && profile.computeSlices === 1 && profile.memorySlices === 2);
            if (late && !versionAtLeast(version, 8, 0, 3)) {
                ctx.report({
                    rule: VGPU016, target: g,
                    message: `${name} is supported on ESXi only from vSphere 8.0 Update 3; ${vm.host.name} runs ${version.text}.`,
                    data: { vm: vm.name }
                });
            }
        }
    }
}

/**
 * Fix for VGPU014: the passthrough clause becomes `vgpu <gpus> "<full-size type>"` (all GPUs of the
 * clause of one model), with `license nvaie` added when the VM has no licence.
 */
function passthroughToVgpu(ctx: RuleContext, vm: VmModel, g: VmGpu): FixData[] {
    const where = ctx.resolved.trace.get(g);
    const full = fullSizeType(g.gpu);
    const cst = where?.node.$cstNode;
    const uri = where && uriOf(where.node);
    if (!where || !full || !cst || !uri) return [];
    const text = cst.text;
    if (!/^gpu\b/.test(text) || !/\bpassthrough$/.test(text)) return [];
    const clauseGpus = vm.gpus.filter(x => ctx.resolved.trace.get(x)?.node === where.node);
    if (clauseGpus.some(x => x.gpu.spec !== g.gpu.spec)) return [];
    const edits: FixEdit[] = [{ range: cst.range, newText: `v${text.replace(/\bpassthrough$/, `"${full.name}"`)}` }];
    const vmNode = ctx.resolved.trace.get(vm)?.node;
    const parts: ({ uri: string; edits: readonly FixEdit[] } | undefined)[] = [{ uri, edits }];
    if (!vm.license && vmNode) parts.push(insertVmClause(vmNode, 'license nvaie'));
    const fix = combine(`Use full-size vGPU ${full.name} instead of passthrough`, parts);
    return fix ? [fix] : [];
}

/**
 * VGPU007: the MIG layout findings of each GPU whose instances are all MIG-backed vGPU types; the
 * first carries the fix that keeps the largest layout that fits (as MIG003–MIG006 do).
 */
function checkMigBackedLayouts(ctx: RuleContext): void {
    for (const layout of migLayouts(ctx.topology.vms)) {
        let fixes: FixData[] | undefined;
        for (const f of layout.findings) {
            if (!byVgpuTypes(f)) continue;
            if (fixes) fixes = [];
            else {
                const remove = combine(keepLargestTitle(layout), [removeEntries(layout.removeToFit.map(i => ctx.resolved.trace.get(i.entry)))]);
                fixes = layout.removeToFit.length > 0 && remove ? [remove] : [];
            }
            ctx.report({
                rule: VGPU007, target: f.instance.entry, message: f.message,
                data: { gpu: layout.gpu.name, vm: f.instance.vm.name }, fixes,
                related: findingRelated(layout, f)
            });
        }
    }
}

export const VGPU: RuleFamily = {
    rules: [VGPU001, VGPU002, VGPU003, VGPU004, VGPU005, VGPU007, VGPU009, VGPU010, VGPU011, VGPU012, VGPU014, VGPU015, VGPU016, VGPU017],
    checks: [
        { rules: [VGPU002, VGPU003, VGPU004, VGPU005], run: checkCapacity },
        { rules: [VGPU007], run: checkMigBackedLayouts },
        { rules: [VGPU009, VGPU010, VGPU011, VGPU012, VGPU017], run: checkVms },
        { rules: [VGPU014, VGPU015, VGPU016], run: checkEsxiGates }
    ],
    nodeChecks: {
        VgpuSlice: [(a, report) => {
            if (a.vgpuType === undefined) return;
            (a.gpus ?? []).forEach((ref, index) => {
                const gpu = ref?.ref;
                const spec = gpu && findGpu(gpu.model);
                if (!gpu || !spec || findVgpuType(spec, a.vgpuType)) return;
                const types = spec.vgpuTypes.map(t => t.name);
                const fixes = vgpuTypesLike(spec.vgpuTypes, a.vgpuType)
                    .map(t => combine(`Use ${t.name} (${t.framebufferGB} GB, ${t.mode})`, [replaceProperty(a, 'vgpuType', `"${t.name}"`)]));
                report({
                    rule: VGPU001, node: a, property: 'vgpuType', data: { gpu: gpu.name, index }, fixes,
                    message: `vGPU type '${shortText(a.vgpuType, 60)}' is not available on ${spec.model} (${gpu.name}). Types: ${types.length ? types.join(', ') : 'none'}.`
                });
            });
        }]
    }
};
