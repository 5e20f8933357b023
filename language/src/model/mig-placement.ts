/**
 * MIG GPU-instance placement: whether a set of GPU instances fits on one GPU, by backtracking over
 * the profiles' valid start slots (`nvidia-smi mig -lgipp`) [MIG-PROF]
 * (https://docs.nvidia.com/datacenter/tesla/mig-user-guide/supported-mig-profiles.html).
 *
 * A GPU instance of a profile occupies `memorySlices` consecutive memory slices from its start slot;
 * instances may not overlap, and the compute slices used may not exceed the GPU's (7 on the
 * A100/H100/H200/H20/B200 family, 4 on A30; the full-size profile's `computeSlices`). Memory slices
 * are 8 (A30: 4), the full-size profile's `memorySlices`. Per-profile maxima (`maxPerGpu`, e.g. one
 * `+me` instance) are rules MIG003/MIG006, not part of the placement search.
 */
import type { GpuSpec, MigProfile } from '../catalog/types.js';
import { compareCodeUnits } from '../kernel/text.js';

/** One instance to place: its profile and, when written (`start N`), its fixed start slot. */
export interface GiRequest {
    readonly profile: MigProfile;
    readonly start?: number;
}

/** The GPU's compute and memory slices, from its full-size profile (7/8 on the 7-slice family, 4/4 on A30). */
export function migCapacity(spec: GpuSpec): { compute: number; memory: number } {
    let compute = 0;
    let memory = 0;
    for (const p of spec.migProfiles) {
        compute = Math.max(compute, p.computeSlices);
        memory = Math.max(memory, p.memorySlices);
    }
    return { compute, memory };
}

/** Bit mask of memory slices `[start, start + size)`. */
function mask(start: number, size: number): number {
    return ((1 << size) - 1) << start;
}

/**
 * A placement of every request (start slot per request, in request order) without overlap, or
 * undefined when none exists. Requests with a written start keep it (it must be one of the
 * profile's start slots, else there is no placement). Larger instances are tried first; among the
 * valid start slots the lowest free one is taken first, so the result is deterministic; instances of
 * one profile are interchangeable and placed in increasing slot order only. Cost: bounded by the
 * product of the start-slot counts of at most 7 free requests (more compute or memory slices than
 * the GPU has fail before the search).
 */
export function placeMig(requests: readonly GiRequest[], capacity: { compute: number; memory: number }): number[] | undefined {
    const compute = requests.reduce((s, r) => s + r.profile.computeSlices, 0);
    const memory = requests.reduce((s, r) => s + r.profile.memorySlices, 0);
    if (compute > capacity.compute || memory > capacity.memory) return undefined;
    const starts = new Array<number>(requests.length).fill(-1);
    let used = 0;
    for (let i = 0; i < requests.length; i++) {
        const r = requests[i];
        if (r.start === undefined) continue;
        const m = mask(r.start, r.profile.memorySlices);
        if (!r.profile.startSlots.includes(r.start) || r.start + r.profile.memorySlices > capacity.memory || (used & m) !== 0) return undefined;
        used |= m;
        starts[i] = r.start;
    }
    // larger first; instances of one profile adjacent, so that they can be placed in increasing slot
    // order only (they are interchangeable: trying their permutations would find nothing new)
    const free = requests.map((_, i) => i).filter(i => requests[i].start === undefined)
        .sort((a, b) => requests[b].profile.memorySlices - requests[a].profile.memorySlices
            || compareCodeUnits(requests[a].profile.name, requests[b].profile.name) || a - b);
    const search = (k: number, occupied: number): boolean => {
        if (k === free.length) return true;
        const i = free[k];
        const p = requests[i].profile;
        const previous = k > 0 && requests[free[k - 1]].profile === p ? starts[free[k - 1]] : -1;
        for (const s of p.startSlots) {
            const m = mask(s, p.memorySlices);
            if (s <= previous || s + p.memorySlices > capacity.memory || (occupied & m) !== 0) continue;
            starts[i] = s;
            if (search(k + 1, occupied | m)) return true;
        }
        starts[i] = -1;
        return false;
    };
    return search(0, used) ? starts : undefined;
}

/**
 * Brute force: whether any assignment of start slots (the written ones kept) places every request
 * without overlap and within the slices. Enumerates the full product of start-slot sets; for tests
 * (it is the reference {@link placeMig} is checked against).
 */
export function fitsByEnumeration(requests: readonly GiRequest[], capacity: { compute: number; memory: number }): boolean {
    if (requests.reduce((s, r) => s + r.profile.computeSlices, 0) > capacity.compute) return false;
    const choices = requests.map(r => (r.start !== undefined ? [r.start] : r.profile.startSlots));
    const pick: number[] = [];
    const walk = (i: number): boolean => {
        if (i === requests.length) {
            let used = 0;
            for (let j = 0; j < requests.length; j++) {
                const p = requests[j].profile;
                if (!p.startSlots.includes(pick[j]) || pick[j] + p.memorySlices > capacity.memory) return false;
                const m = mask(pick[j], p.memorySlices);
                if (used & m) return false;
                used |= m;
            }
            return true;
        }
        for (const s of choices[i]) {
            pick[i] = s;
            if (walk(i + 1)) return true;
        }
        return false;
    };
    return walk(0);
}

/** Whether the layout respects every profile's `maxPerGpu` (MIG003/MIG006). */
export function withinMaxima(requests: readonly GiRequest[]): boolean {
    const counts = new Map<MigProfile, number>();
    for (const r of requests) counts.set(r.profile, (counts.get(r.profile) ?? 0) + 1);
    return [...counts].every(([p, n]) => n <= p.maxPerGpu);
}

/**
 * The largest valid sub-layout: the indices of requests to remove (as few as possible; among
 * equals, the latest-declared ones) so that the rest respects the maxima and has a placement.
 * Exhaustive for up to 16 requests, otherwise greedy from the end.
 */
export function largestFittingLayout(requests: readonly GiRequest[], capacity: { compute: number; memory: number }): number[] {
    const n = requests.length;
    const ok = (keep: readonly GiRequest[]) => withinMaxima(keep) && placeMig(keep, capacity) !== undefined;
    if (ok(requests)) return [];
    if (n > 16) {
        const removed: number[] = [];
        for (let i = n - 1; i >= 0; i--) {
            removed.push(i);
            if (ok(requests.filter((_, j) => !removed.includes(j)))) return removed.sort((a, b) => a - b);
        }
        return removed.sort((a, b) => a - b);
    }
    for (let r = 1; r <= n; r++) {
        // combinations of r indices, preferring later indices: enumerate over reversed order
        const combo: number[] = [];
        let found: number[] | undefined;
        const choose = (from: number) => {
            if (found) return;
            if (combo.length === r) {
                const removed = new Set(combo);
                if (ok(requests.filter((_, j) => !removed.has(j)))) found = [...combo];
                return;
            }
            for (let i = from; i >= 0; i--) {
                combo.push(i);
                choose(i - 1);
                combo.pop();
                if (found) return;
            }
        };
        choose(n - 1);
        if (found) return found.sort((a, b) => a - b);
    }
    return requests.map((_, i) => i);
}
