/**
 * The stranded-capacity report (`vmtopo plan --report`): per host and for the fleet, what is free
 * and what of it no request shape of the workload can use, and why — in GPUs, GPU-equivalents of
 * slices, cores and GiB. Pure.
 */
import { findVgpuType } from '../../catalog/index.js';
import type { HostState } from './state.js';
import { freeMigSlices } from './state.js';
import { unusableBecause, type Workload } from './planner.js';

export interface StrandedCause {
    readonly cause: string;
    /** GPU-equivalents no shape can use for this cause. */
    readonly gpuEquivalents: number;
}

/** One GPU of a host whose free capacity no shape can use: its name, that capacity and the cause. */
export interface StrandedGpu {
    readonly gpu: string;
    readonly gpuEquivalents: number;
    readonly cause: string;
}

export interface HostCapacity {
    readonly host: string;
    /** Free whole GPUs, and free GPU capacity in GPU-equivalents (whole GPUs plus free slices). */
    readonly freeGpus: number;
    readonly freeGpuEquivalents: number;
    readonly freeCores: number;
    readonly freeMemoryGiB: number;
    readonly strandedGpuEquivalents: number;
    readonly causes: readonly StrandedCause[];
    /** The stranded GPUs, in the host's order (empty for the fleet row). */
    readonly gpus: readonly StrandedGpu[];
    /** Free cores on NUMA nodes where no request shape can use them (no usable GPU left there, no CPU-only shape). */
    readonly strandedCores: number;
    readonly strandedMemoryGiB: number;
}

/** The capacity report of each host state and the fleet's sum (the last entry, host `fleet`). */
export function capacityReport(states: readonly HostState[], workload: Workload): HostCapacity[] {
    const rows = states.map(s => hostCapacity(s, workload));
    const sum = (f: (r: HostCapacity) => number) => rows.reduce((a, r) => a + f(r), 0);
    const causes = new Map<string, number>();
    for (const r of rows) for (const c of r.causes) causes.set(c.cause, (causes.get(c.cause) ?? 0) + c.gpuEquivalents);
    rows.push({
        host: 'fleet', freeGpus: sum(r => r.freeGpus), freeGpuEquivalents: sum(r => r.freeGpuEquivalents), freeCores: sum(r => r.freeCores),
        freeMemoryGiB: sum(r => r.freeMemoryGiB), strandedGpuEquivalents: sum(r => r.strandedGpuEquivalents),
        causes: [...causes].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([cause, gpuEquivalents]) => ({ cause, gpuEquivalents })), gpus: [],
        strandedCores: sum(r => r.strandedCores), strandedMemoryGiB: sum(r => r.strandedMemoryGiB)
    });
    return rows;
}

function hostCapacity(s: HostState, workload: Workload): HostCapacity {
    let freeGpus = 0;
    let freeEq = 0;
    let stranded = 0;
    const causes = new Map<string, number>();
    const gpus: StrandedGpu[] = [];
    const gpuShapes = workload.filter(w => w.shape.gpus);
    const usableNodes = new Set<number>();
    for (const [gpu, st] of s.gpus) {
        if (s.reserved.has(gpu)) continue;
        let cap = 0;
        if (st.mode === 'free') { cap = 1; freeGpus++; }
        else if (st.mode === 'mig') { const f = freeMigSlices(gpu, st); cap = f.total ? f.free / f.total : 0; }
        else if (st.mode === 'vgpu') { const t = findVgpuType(gpu.spec, st.type); cap = t ? (t.maxPerGpu - st.count) / t.maxPerGpu : 0; }
        if (cap <= 0) continue;
        freeEq += cap;
        const why = gpuShapes.map(w => unusableBecause(s, gpu, w.shape));
        if (why.some(w => w === undefined)) { usableNodes.add(gpu.numa); continue; }
        if (gpuShapes.length === 0) continue;
        stranded += cap;
        const counts = new Map<string, number>();
        for (const w of why) if (w && w !== 'model' && w !== 'host') counts.set(w, (counts.get(w) ?? 0) + 1);
        const cause = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0] ?? 'no request shape fits this GPU model';
        causes.set(cause, (causes.get(cause) ?? 0) + cap);
        gpus.push({ gpu: gpu.name, gpuEquivalents: cap, cause });
    }
    let freeCores = 0;
    let freeMem = 0;
    let strandedCores = 0;
    let strandedMem = 0;
    const cpuOnly = workload.filter(w => !w.shape.gpus);
    for (const n of s.nodes.values()) {
        freeCores += n.freeCores.length;
        freeMem += Math.max(0, n.freeMemoryMiB) / 1024;
        const cpuFits = cpuOnly.some(w => n.freeCores.length >= (n.smt && w.shape.smtPairs ? w.shape.vcpus / 2 : w.shape.vcpus) && n.freeMemoryMiB >= w.shape.memoryMiB);
        if (!usableNodes.has(n.id) && !cpuFits) { strandedCores += n.freeCores.length; strandedMem += Math.max(0, n.freeMemoryMiB) / 1024; }
    }
    return {
        host: s.host.name, freeGpus, freeGpuEquivalents: freeEq, freeCores, freeMemoryGiB: freeMem,
        strandedGpuEquivalents: stranded,
        causes: [...causes].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([cause, gpuEquivalents]) => ({ cause, gpuEquivalents })),
        gpus, strandedCores, strandedMemoryGiB: strandedMem
    };
}

/** The report as text lines (a table per host and the fleet). */
export function reportText(rows: readonly HostCapacity[]): string {
    const f = (x: number) => (Math.round(x * 100) / 100).toString();
    const lines = ['host | free GPUs | free GPU-eq | free cores | free GiB | stranded GPU-eq | stranded cores | stranded GiB | causes (GPU-eq)', '--- | --- | --- | --- | --- | --- | --- | --- | ---'];
    for (const r of rows) {
        lines.push([r.host, r.freeGpus, f(r.freeGpuEquivalents), r.freeCores, f(r.freeMemoryGiB), f(r.strandedGpuEquivalents), r.strandedCores, f(r.strandedMemoryGiB),
            r.causes.map(c => `${c.cause} ${f(c.gpuEquivalents)}`).join('; ') || '-'].join(' | '));
    }
    return `${lines.join('\n')}\n`;
}
