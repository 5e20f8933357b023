/**
 * MIG layout of each GPU (rules.md Part B, "MIG" MIG003–MIG010, and VGPU007) — topology checks over
 * the GPU instances every VM of a host takes from one GPU: `mig gpuX "1g.18gb"` slices and
 * MIG-backed vGPU types (`vgpu gpuX "H200X-1-18C"`, whose GPU instance is the type's profile, A3).
 *
 * - MIG003 (error): more instances of one profile than its maximum per GPU (A2: 7/1/4/3/2/1/1) [MIG-PROF].
 * - MIG004 (error): the instances have no non-overlapping assignment of valid start slots, or need
 *   more compute slices than the GPU has (backtracking, `placeMig`) [MIG-PROF].
 * - MIG005 (error): a written start slot (`start N`) is not valid for the profile, or overlaps another
 *   written one [MIG-PROF].
 * - MIG006 (error): more than one media-extension (`+me`) instance on one GPU [MIG-PROF].
 * - MIG008 (error): a VM that expects P2P (`p2p`) has a MIG instance: MIG devices have no P2P
 *   (`nvidia-smi mig -lgip` prints `P2P: No`) [MIG-PROF] [MIGPARTED-139].
 * - MIG010 (info): a GPU declared in MIG mode (`vgpu-mode mig`) on an A100/A30 given by passthrough:
 *   enabling MIG inside the VM may need a VM reboot (GPU reset) [MIG-START].
 * - VGPU007 (error): the same violations (MIG003–MIG006) when every instance involved is a
 *   MIG-backed vGPU type; the message names the vGPU types [VGPU-HOPPER] [MIG-PROF].
 *
 * Not expressible: MIG007 (the language has no guest driver version), MIG009 (a `mig` slice is
 * always delivered as a MIG-backed vGPU; bare MIG instances never reach a VM).
 *
 * Quick-fixes (`data.fixes`, see fix-edits.ts): "Keep the largest MIG layout that fits" (removes
 * the fewest, latest-declared instances so that the rest fits); for MIG005, "Move to start slot N"
 * (the lowest free valid slot, when the whole layout then fits); for MIG006, "Use the plain profile"
 * when the layout then fits.
 */
import type { MigProfile } from '../catalog/types.js';
import { largestFittingLayout, migCapacity, placeMig, withinMaxima, type GiRequest } from '../model/mig-placement.js';
import type { GpuModel, VmGpu, VmModel } from '../model/topology.js';
import type { RuleContext, RuleFamily, RuleInfo } from './engine/rule.js';
import { combine, removeEntries, replaceProperty, type FixData } from './engine/fixes.js';

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
export const VGPU007: RuleInfo = {
    id: 'VGPU007', severity: 'error', summary: 'MIG-backed vGPU types on one GPU break the MIG limits (count, +me, placement)',
    why: 'A MIG-backed vGPU is a GPU instance of its profile: the MIG limits of MIG003–MIG006 apply to the set of types on the GPU.',
    fix: 'Reduce the set (quick-fix: keep the largest layout that fits).', quickFix: true, sources: ['VGPU-HOPPER', 'MIG-PROF']
};

/** One GPU instance a VM takes from a GPU. */
interface Instance extends GiRequest {
    readonly vm: VmModel;
    readonly entry: VmGpu;
    /** How it is written: `1g.18gb` or the vGPU type `H200X-1-18C`. */
    readonly label: string;
    readonly viaVgpu: boolean;
}

/** Every GPU instance on each GPU of the host, in workspace order. */
function instancesByGpu(vms: readonly VmModel[]): Map<GpuModel, Instance[]> {
    const byGpu = new Map<GpuModel, Instance[]>();
    for (const vm of vms) {
        for (const entry of vm.gpus) {
            let inst: Instance | undefined;
            if (entry.mode === 'mig') {
                inst = { vm, entry, profile: entry.profile, start: entry.start, label: entry.profile.name, viaVgpu: false };
            } else if (entry.mode === 'vgpu' && entry.type.mode === 'mig-backed') {
                const profile = entry.gpu.spec.migProfiles.find(p => p.name === entry.type.migProfile);
                if (profile) inst = { vm, entry, profile, label: entry.type.name, viaVgpu: true };
            }
            if (!inst) continue;
            const list = byGpu.get(entry.gpu);
            if (list) list.push(inst); else byGpu.set(entry.gpu, [inst]);
        }
    }
    return byGpu;
}

/** `2× 4g.71gb (a, b)`-style layout text: `4g.71gb + 4g.71gb`. */
function layoutText(list: readonly Instance[]): string {
    return list.map(i => (i.start !== undefined ? `${i.label}@${i.start}` : i.label)).join(' + ');
}

function slotText(p: MigProfile): string {
    return `{${p.startSlots.join(',')}}:${p.memorySlices}`;
}

function checkGpu(ctx: RuleContext, gpu: GpuModel, list: readonly Instance[]): void {
    const capacity = migCapacity(gpu.spec);
    if (capacity.memory === 0) return; // MIG001
    const rule = (involved: readonly Instance[], mig: RuleInfo) => (involved.every(i => i.viaVgpu) ? VGPU007 : mig);
    const fixes: FixData[] = [];
    const keep = largestFittingLayout(list, capacity);
    if (keep.length > 0) {
        const removed = keep.map(i => list[i]);
        const fix = combine(
            `Keep the largest MIG layout that fits on ${gpu.name}: remove ${removed.map(i => `${i.label} (${i.vm.name})`).join(', ')}`,
            [removeEntries(removed.map(i => ctx.resolved.trace.get(i.entry)))]
        );
        if (fix) fixes.push(fix);
    }
    const reported = new Set<Instance>();
    const report = (r: RuleInfo, inst: Instance, message: string, property?: string, extra: FixData[] = [], others: readonly Instance[] = []) => {
        reported.add(inst);
        ctx.report({
            rule: r, target: inst.entry, property, message,
            data: { gpu: gpu.name, vm: inst.vm.name, fixes: [...extra, ...fixes] },
            related: [
                { target: gpu, message: `${gpu.name} (${gpu.spec.model}): ${capacity.compute} compute / ${capacity.memory} memory slices` },
                ...others.filter(o => o !== inst).map(o => ({ target: o.entry, message: `${o.label}${o.start !== undefined ? `@${o.start}` : ''} (${o.vm.name})` }))
            ]
        });
    };

    // MIG003 / MIG006: counts per profile
    const byProfile = new Map<MigProfile, Instance[]>();
    for (const i of list) {
        const l = byProfile.get(i.profile);
        if (l) l.push(i); else byProfile.set(i.profile, [i]);
    }
    const meCount = list.filter(i => i.profile.name.endsWith('+me'));
    for (const [profile, insts] of byProfile) {
        if (insts.length <= profile.maxPerGpu) continue;
        const extra = insts.slice(profile.maxPerGpu);
        for (const inst of extra) {
            if (profile.name.endsWith('+me')) {
                const plain = gpu.spec.migProfiles.find(p => p.computeSlices === profile.computeSlices && p.memorySlices === profile.memorySlices && !p.name.endsWith('+me'));
                const own: FixData[] = [];
                if (plain && !inst.viaVgpu) {
                    const after = list.map(i => (i === inst ? { ...i, profile: plain } : i));
                    if (withinMaxima(after) && placeMig(after, capacity)) {
                        const f = combine(`Use ${plain.name} (without media engines)`, [replaceProperty(ctx.resolved.trace.get(inst.entry)!.node, 'profile', `"${plain.name}"`)]);
                        if (f) own.push(f);
                    }
                }
                report(rule(meCount, MIG006), inst,
                    `Only one media-extension instance (${profile.name}, media engines) per GPU: ${gpu.name} has ${insts.length} (${layoutText(insts)}${vmList(insts)}).`, undefined, own, insts);
            } else {
                report(rule(insts, MIG003), inst,
                    `${insts.length}× ${inst.label} on ${gpu.name} (${gpu.spec.model}): at most ${profile.maxPerGpu} fit${vmList(insts)}.`, undefined, [], insts);
            }
        }
    }

    // MIG005: written start slots
    const taken: Instance[] = [];
    for (const inst of list) {
        if (inst.start === undefined) continue;
        const p = inst.profile;
        const overlap = taken.find(o => o.start! < inst.start! + p.memorySlices && inst.start! < o.start! + o.profile.memorySlices);
        const invalid = !p.startSlots.includes(inst.start) || inst.start + p.memorySlices > capacity.memory;
        if (!invalid && !overlap) {
            taken.push(inst);
            continue;
        }
        // nearest free valid slot with which the whole layout fits
        const own: FixData[] = [];
        const others = list.filter(i => i !== inst);
        const candidates = [...p.startSlots].sort((a, b) => Math.abs(a - inst.start!) - Math.abs(b - inst.start!) || a - b);
        for (const s of candidates) {
            const after = [...others, { ...inst, start: s }];
            if (withinMaxima(after) && placeMig(after, capacity)) {
                const f = combine(`Move ${p.name} to start slot ${s}`, [replaceProperty(ctx.resolved.trace.get(inst.entry)!.node, 'start', String(s))]);
                if (f) own.push(f);
                break;
            }
        }
        const message = invalid
            ? `${p.name} cannot start at slot ${inst.start} on ${gpu.name}; valid start slots: ${slotText(p)}.`
            : `${p.name}@${inst.start} overlaps ${overlap!.profile.name}@${overlap!.start} on ${gpu.name} (${overlap!.vm.name}).`;
        report(MIG005, inst, message, 'start', own, overlap ? [overlap] : []);
    }

    // MIG004: placement (only when no count/start error explains it already)
    if (reported.size === 0 && !placeMig(list, capacity)) {
        const compute = list.reduce((s, i) => s + i.profile.computeSlices, 0);
        const memory = list.reduce((s, i) => s + i.profile.memorySlices, 0);
        const reason = compute > capacity.compute
            ? `it needs ${compute} compute slices, the GPU has ${capacity.compute}`
            : memory > capacity.memory
                ? `it needs ${memory} memory slices, the GPU has ${capacity.memory}`
                : `no assignment of valid start slots leaves the instances without overlap (${[...new Set(list.map(i => i.profile))].map(p => `${p.name} ${slotText(p)}`).join(', ')})`;
        const last = keep.length > 0 ? list[keep[keep.length - 1]] : list[list.length - 1];
        report(rule(list, MIG004), last, `MIG layout ${layoutText(list)} does not fit on ${gpu.name} (${gpu.spec.model}): ${reason}.`, undefined, [], list);
    }
}

/** ` (VMs a, b)` when the instances come from more than one VM, else ''. */
function vmList(insts: readonly Instance[]): string {
    const vms = [...new Set(insts.map(i => i.vm.name))];
    return vms.length > 1 ? `; VMs ${vms.join(', ')}` : '';
}

function checkLayouts(ctx: RuleContext): void {
    for (const [gpu, list] of instancesByGpu(ctx.topology.vms)) checkGpu(ctx, gpu, list);
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

/** A100 and A30 need a GPU reset to change MIG mode [MIG-START]. */
function resetsForMig(gpu: GpuModel): boolean {
    return /^A(100|30)\b/.test(gpu.spec.model);
}

function checkPassthroughMig(ctx: RuleContext): void {
    for (const vm of ctx.topology.vms) {
        for (const entry of vm.gpus) {
            if (entry.mode !== 'passthrough' || entry.gpu.vgpuMode !== 'mig' || !resetsForMig(entry.gpu)) continue;
            ctx.report({
                rule: MIG010, target: entry,
                message: `Enabling MIG on ${entry.gpu.spec.model} (${entry.gpu.name}) inside ${vm.name} may need a VM reboot (GPU reset).`,
                data: { vm: vm.name, gpu: entry.gpu.name }
            });
        }
    }
}

export const MIG_LAYOUT: RuleFamily = {
    rules: [MIG003, MIG004, MIG005, MIG006, MIG008, MIG010, VGPU007],
    checks: [
        { rules: [MIG003, MIG004, MIG005, MIG006, VGPU007], run: checkLayouts },
        { rules: [MIG008], run: checkP2p },
        { rules: [MIG010], run: checkPassthroughMig }
    ]
};
