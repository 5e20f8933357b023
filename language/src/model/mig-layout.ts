/**
 * The MIG layout of each GPU: the GPU instances the VMs of a host take from it — `mig gpuX
 * "1g.18gb"` slices and MIG-backed vGPU types (`vgpu gpuX "H200X-1-18C"`, whose GPU instance is the
 * type's MIG profile) — and what is wrong with the set: too many instances of a profile or more
 * than one media-extension (`+me`) instance, a written start slot that is invalid or overlaps,
 * no placement of valid start slots at all. NVIDIA's MIG user guide gives the profiles, their
 * maxima and start slots ([MIG-PROF],
 * https://docs.nvidia.com/datacenter/tesla/mig-user-guide/supported-mig-profiles.html); MIG-backed
 * vGPU types obey the same limits ([VGPU-HOPPER]).
 *
 * One analysis serves two families: the MIG rules (MIG003–MIG006) report the findings that involve
 * a `mig` slice, VGPU007 those whose instances are all MIG-backed vGPU types ({@link byVgpuTypes}).
 * The findings carry the facts a quick-fix needs (the plain profile, a free start slot, the
 * instances to remove for the largest layout that fits); the rules turn them into edits.
 *
 * Each conflict is one finding, whatever the number of instances: a profile over its maximum (or a
 * second `+me` instance) at the first instance beyond it, a layout without placement at the
 * instance that breaks it; its message names at most a few instances and VMs and counts the rest
 * (`nameList`, kernel/bounds.ts). N VMs taking `1g.18gb` from one GPU are one MIG003, not N − 7.
 */
import type { MigProfile } from '../catalog/types.js';
import { MAX_NAMED, nameList } from '../kernel/bounds.js';
import { largestFittingLayout, migCapacity, placeMig, withinMaxima, type GiRequest } from './mig-placement.js';
import type { GpuModel, VmGpu, VmModel } from './topology.js';

/** One GPU instance a VM takes from a GPU. */
export interface MigInstance extends GiRequest {
    readonly vm: VmModel;
    readonly entry: VmGpu;
    /** How it is written: `1g.18gb` or the vGPU type `H200X-1-18C`. */
    readonly label: string;
    /** Whether it comes from a MIG-backed vGPU type rather than a `mig` slice. */
    readonly viaVgpu: boolean;
}

/** What is wrong: MIG003 count, MIG006 media extensions, MIG005 written start slot, MIG004 placement. */
export type MigViolation = 'count' | 'media' | 'start' | 'placement';

/** One violation, reported at `instance`. */
export interface MigFinding {
    readonly violation: MigViolation;
    readonly instance: MigInstance;
    /** The instances whose kind decides the rule: VGPU007 when every one is a MIG-backed vGPU type. */
    readonly involved: readonly MigInstance[];
    /** The instances to show beside it (the diagnostic's related information; `instance` itself is left out). */
    readonly related: readonly MigInstance[];
    /** The sentence that says what is wrong (names the GPU, the instances and their VMs, a few of each). */
    readonly message: string;
    /** `media`: the profile of the same size without media engines, when the layout then fits (`mig` slices only). */
    readonly plainProfile?: MigProfile;
    /** `start`: the valid start slot nearest the written one with which the whole layout fits. */
    readonly freeStart?: number;
}

/** The GPU instances of one GPU and the findings about them. */
export interface MigLayout {
    readonly gpu: GpuModel;
    /** Compute and memory slices of the GPU. */
    readonly capacity: { readonly compute: number; readonly memory: number };
    readonly instances: readonly MigInstance[];
    /** The fewest, latest-declared instances whose removal leaves a layout that fits (empty when it fits). */
    readonly removeToFit: readonly MigInstance[];
    readonly findings: readonly MigFinding[];
}

/** Whether a finding is VGPU007's: every instance involved is a MIG-backed vGPU type (never a start slot). */
export function byVgpuTypes(finding: MigFinding): boolean {
    return finding.violation !== 'start' && finding.involved.every(i => i.viaVgpu);
}

/** Every GPU instance on each GPU of the VMs' hosts, in workspace order. */
export function migInstancesByGpu(vms: readonly VmModel[]): Map<GpuModel, MigInstance[]> {
    const byGpu = new Map<GpuModel, MigInstance[]>();
    for (const vm of vms) {
        for (const entry of vm.gpus) {
            let inst: MigInstance | undefined;
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

/** The layouts of `vms` (computed once per list of VMs: the MIG and vGPU families both read them). */
const layoutsOf = new WeakMap<readonly VmModel[], readonly MigLayout[]>();

/**
 * The MIG layout of every GPU that carries GPU instances of `vms`, in workspace order; GPUs whose
 * model has no MIG are left out (MIG001 says so).
 */
export function migLayouts(vms: readonly VmModel[]): readonly MigLayout[] {
    let layouts = layoutsOf.get(vms);
    if (!layouts) {
        layouts = [...migInstancesByGpu(vms)].flatMap(([gpu, list]) => {
            const layout = analyse(gpu, list);
            return layout ? [layout] : [];
        });
        layoutsOf.set(vms, layouts);
    }
    return layouts;
}

/** The title of the fix that keeps the largest layout that fits: removes `layout.removeToFit` (a few named). */
export function keepLargestTitle(layout: MigLayout): string {
    const removed = layout.removeToFit;
    return `Keep the largest MIG layout that fits on ${layout.gpu.name}: remove ${nameList(removed.slice(0, MAX_NAMED).map(i => `${i.label} (${i.vm.name})`), { total: removed.length })}`;
}

/** The related information of a finding: the GPU and its slices, then the other instances involved. */
export function findingRelated(layout: MigLayout, f: MigFinding): { target: object; message: string }[] {
    const { gpu, capacity } = layout;
    return [
        { target: gpu, message: `${gpu.name} (${gpu.spec.model}): ${capacity.compute} compute / ${capacity.memory} memory slices` },
        ...f.related.filter(o => o !== f.instance).map(o => ({ target: o.entry, message: `${o.label}${o.start !== undefined ? `@${o.start}` : ''} (${o.vm.name})` }))
    ];
}

/** `4g.71gb + 4g.71gb@4`: the instances as written, with their start slots (past eight, `… and 992 more`). */
export function layoutText(list: readonly MigInstance[]): string {
    return nameList(list.slice(0, MAX_NAMED).map(i => (i.start !== undefined ? `${i.label}@${i.start}` : i.label)), { total: list.length, separator: ' + ' });
}

/** `{0,2,4,6}:2`: a profile's valid start slots and its size in memory slices. */
function slotText(p: MigProfile): string {
    return `{${p.startSlots.join(',')}}:${p.memorySlices}`;
}

/** `; VMs a, b` when the instances come from more than one VM (a few named, the rest counted), else ''. */
function vmList(insts: readonly MigInstance[]): string {
    const vms = new Set(insts.map(i => i.vm.name));
    return vms.size > 1 ? `; VMs ${nameList([...vms])}` : '';
}

function analyse(gpu: GpuModel, list: readonly MigInstance[]): MigLayout | undefined {
    const capacity = migCapacity(gpu.spec);
    if (capacity.memory === 0) return undefined; // MIG001
    const keep = largestFittingLayout(list, capacity);
    const findings: MigFinding[] = [];

    // MIG003 / MIG006: counts per profile
    const byProfile = new Map<MigProfile, MigInstance[]>();
    for (const i of list) {
        const l = byProfile.get(i.profile);
        if (l) l.push(i); else byProfile.set(i.profile, [i]);
    }
    const meCount = list.filter(i => i.profile.mediaExtensions);
    for (const [profile, insts] of byProfile) {
        if (insts.length <= profile.maxPerGpu) continue;
        // One finding per profile, at the first instance beyond the maximum.
        const inst = insts[profile.maxPerGpu];
        if (profile.mediaExtensions) {
            const plain = gpu.spec.migProfiles.find(p => p.computeSlices === profile.computeSlices && p.memorySlices === profile.memorySlices && !p.mediaExtensions);
            let plainProfile: MigProfile | undefined;
            if (plain && !inst.viaVgpu) {
                const after = list.map(i => (i === inst ? { ...i, profile: plain } : i));
                if (withinMaxima(after) && placeMig(after, capacity)) plainProfile = plain;
            }
            findings.push({
                violation: 'media', instance: inst, involved: meCount, related: insts, plainProfile,
                message: `Only one media-extension instance (${profile.name}, media engines) per GPU: ${gpu.name} has ${insts.length} (${layoutText(insts)}${vmList(insts)}).`
            });
        } else {
            findings.push({
                violation: 'count', instance: inst, involved: insts, related: insts,
                message: `${insts.length}× ${inst.label} on ${gpu.name} (${gpu.spec.model}): at most ${profile.maxPerGpu} fit${vmList(insts)}.`
            });
        }
    }

    // MIG005: written start slots
    const taken: MigInstance[] = [];
    for (const inst of list) {
        if (inst.start === undefined) continue;
        const p = inst.profile;
        const overlap = taken.find(o => o.start! < inst.start! + p.memorySlices && inst.start! < o.start! + o.profile.memorySlices);
        const invalid = !p.startSlots.includes(inst.start) || inst.start + p.memorySlices > capacity.memory;
        if (!invalid && !overlap) {
            taken.push(inst);
            continue;
        }
        // the nearest valid slot with which the whole layout fits
        let freeStart: number | undefined;
        const others = list.filter(i => i !== inst);
        const candidates = [...p.startSlots].sort((a, b) => Math.abs(a - inst.start!) - Math.abs(b - inst.start!) || a - b);
        for (const s of candidates) {
            const after = [...others, { ...inst, start: s }];
            if (withinMaxima(after) && placeMig(after, capacity)) {
                freeStart = s;
                break;
            }
        }
        findings.push({
            violation: 'start', instance: inst, involved: [inst], related: overlap ? [overlap] : [], freeStart,
            message: invalid
                ? `${p.name} cannot start at slot ${inst.start} on ${gpu.name}; valid start slots: ${slotText(p)}.`
                : `${p.name}@${inst.start} overlaps ${overlap!.profile.name}@${overlap!.start} on ${gpu.name} (${overlap!.vm.name}).`
        });
    }

    // MIG004: placement (only when no count or start finding explains it already)
    if (findings.length === 0 && !placeMig(list, capacity)) {
        const compute = list.reduce((s, i) => s + i.profile.computeSlices, 0);
        const memory = list.reduce((s, i) => s + i.profile.memorySlices, 0);
        const reason = compute > capacity.compute
            ? `it needs ${compute} compute slices, the GPU has ${capacity.compute}`
            : memory > capacity.memory
                ? `it needs ${memory} memory slices, the GPU has ${capacity.memory}`
                : `no assignment of valid start slots leaves the instances without overlap (${[...new Set(list.map(i => i.profile))].map(p => `${p.name} ${slotText(p)}`).join(', ')})`;
        const last = keep.length > 0 ? list[keep[keep.length - 1]] : list[list.length - 1];
        findings.push({
            violation: 'placement', instance: last, involved: list, related: list,
            message: `MIG layout ${layoutText(list)} does not fit on ${gpu.name} (${gpu.spec.model}): ${reason}${vmList(list)}.`
        });
    }
    return { gpu, capacity, instances: list, removeToFit: keep.map(i => list[i]), findings };
}
