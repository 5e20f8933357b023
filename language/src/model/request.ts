/**
 * Requests: VM shapes written without devices (`request NAME [on HOST, …] { … }`, README "Placement
 * planner"), resolved to plain data for the placement planner (features/plan) and checked for the
 * PLAN rules (rules/plan.ts). Sizes in MiB.
 */
import type * as ast from '../generated/ast.js';
import { findGpu, findMigProfile, findVgpuType, knownModels } from '../catalog/index.js';
import type { GpuSpec } from '../catalog/types.js';
import { GPUS } from '../catalog/gpus.js';
import { sizeToMiB } from '../syntax/tokens.js';
import { PATH_RANK, pathType, type VmModel } from './topology.js';

/** How close a NIC must be to its GPU: its PCIe switch, its NUMA node, or anywhere on the host. */
export type NicLocality = 'same-switch' | 'same-numa' | 'any';

/** A resolved request (one VM shape, `count` VMs of it). */
export interface RequestShape {
    readonly name: string;
    /** Host names the request may go to; undefined = every host. */
    readonly hosts?: readonly string[];
    /** GPUs: count, the catalog models that may serve (all with the mode's type/profile when `any`), and how. */
    readonly gpus?: {
        readonly count: number;
        readonly models: readonly GpuSpec[];
        readonly mode: 'passthrough' | 'vgpu' | 'mig';
        /** vGPU type name (`vgpu`) or MIG profile name (`mig`), as the catalog spells it. */
        readonly slice?: string;
    };
    /** NICs per GPU (PFs by passthrough, or VFs) and how close to their GPU. */
    readonly nic?: { readonly perGpu: number; readonly vf: boolean; readonly locality: NicLocality };
    readonly vcpus: number;
    /** Pin as both threads of each core (default) or one thread per core. */
    readonly smtPairs: boolean;
    readonly memoryMiB: number;
    readonly hugepageMiB?: number;
    readonly count: number;
    /** Nova's `hw:pci_numa_affinity_policy`: `required` keeps devices, vCPUs and memory on the devices' NUMA node(s). */
    readonly locality: 'required' | 'preferred';
}

/** A problem of a request's text: the property it is about and a sentence; `kind` picks the PLAN rule. */
export interface RequestProblem {
    readonly kind: 'unknown' | 'contradiction';
    readonly property: string;
    readonly message: string;
}

/**
 * Resolves a request (pure). Returns the shape, or the problems of its text when it cannot be
 * planned as written: an unknown GPU model, vGPU type or MIG profile (for `any`: no catalog GPU
 * offers it); a NIC locality without GPUs; SMT pairs with an odd vCPU count; hugepages that do not
 * divide the memory; a zero count.
 */
export function resolveRequest(node: ast.Request): { shape?: RequestShape; problems: RequestProblem[] } {
    const problems: RequestProblem[] = [];
    let gpus: RequestShape['gpus'];
    if (node.gpuCount !== undefined) {
        const mode = node.vgpuType !== undefined ? 'vgpu' : node.migProfile !== undefined ? 'mig' : 'passthrough';
        const slice = node.vgpuType ?? node.migProfile;
        let models: GpuSpec[];
        if (node.anyGpu) {
            models = [...GPUS];
        } else {
            const spec = findGpu(node.gpuModel);
            if (!spec) {
                problems.push({ kind: 'unknown', property: 'gpuModel', message: `Unknown GPU model "${node.gpuModel ?? ''}". Known: ${knownModels('gpu').join(', ')}.` });
            }
            models = spec ? [spec] : [];
        }
        if (slice !== undefined && models.length > 0) {
            const has = (s: GpuSpec) => mode === 'vgpu' ? !!findVgpuType(s, slice) : !!findMigProfile(s, slice);
            const offering = models.filter(has);
            if (offering.length === 0) {
                const what = mode === 'vgpu' ? 'vGPU type' : 'MIG profile';
                const where = node.anyGpu ? 'no GPU of the catalog' : models[0].model;
                const known = node.anyGpu ? '' : ` Known: ${(mode === 'vgpu' ? models[0].vgpuTypes.map(t => t.name) : models[0].migProfiles.map(p => p.name)).join(', ') || 'none'}.`;
                problems.push({ kind: 'unknown', property: mode === 'vgpu' ? 'vgpuType' : 'migProfile', message: `Unknown ${what} "${slice}" for ${where}.${known}` });
            }
            models = offering;
        }
        if (node.gpuCount < 1 || !Number.isInteger(node.gpuCount)) {
            problems.push({ kind: 'contradiction', property: 'gpuCount', message: `A request asks for a whole number of GPUs, at least 1 (leave the gpu clause out for a VM without GPUs).` });
        }
        const canonical = slice === undefined || models.length === 0 ? slice
            : mode === 'vgpu' ? findVgpuType(models[0], slice)?.name : findMigProfile(models[0], slice)?.name;
        gpus = { count: node.gpuCount, models, mode, ...(canonical !== undefined ? { slice: canonical } : {}) };
    }
    const locality: NicLocality = (node.nicLocality) ?? 'any';
    let nic: RequestShape['nic'];
    if (node.nicsPerGpu !== undefined) {
        if (!gpus) {
            problems.push({ kind: 'contradiction', property: 'nicsPerGpu', message: 'NICs are requested per GPU, but the request asks for no GPUs (add a gpu clause).' });
        } else if (node.nicsPerGpu < 1 || !Number.isInteger(node.nicsPerGpu)) {
            problems.push({ kind: 'contradiction', property: 'nicsPerGpu', message: 'NICs per GPU must be a whole number, at least 1.' });
        }
        nic = { perGpu: node.nicsPerGpu, vf: node.nicVf, locality };
    }
    const smtPairs = node.smt !== 'no-smt';
    const vcpus = node.vcpus ?? 0;
    if (node.vcpus === undefined) {
        problems.push({ kind: 'contradiction', property: 'name', message: `${node.name}: a request needs vCPUs (vcpus N).` });
    } else if (vcpus < 1 || !Number.isInteger(vcpus)) {
        problems.push({ kind: 'contradiction', property: 'vcpus', message: 'vCPUs must be a whole number, at least 1.' });
    } else if (smtPairs && vcpus % 2 === 1) {
        problems.push({ kind: 'contradiction', property: 'vcpus', message: `${vcpus} vCPUs cannot be pinned as SMT pairs (both threads of each core); ask for an even count or write no-smt.` });
    }
    const memory = node.memory ? sizeToMiB(node.memory.value, node.memory.unit) : undefined;
    const huge = node.hugepages ? sizeToMiB(node.hugepages.value, node.hugepages.unit) : undefined;
    if (!memory) problems.push({ kind: 'contradiction', property: 'name', message: `${node.name}: a request needs memory (memory N GiB).` });
    else if (!memory.ok) problems.push({ kind: 'contradiction', property: 'memory', message: memory.message });
    if (huge && !huge.ok) problems.push({ kind: 'contradiction', property: 'hugepages', message: huge.message });
    if (memory?.ok && huge?.ok && memory.value % huge.value !== 0) {
        problems.push({ kind: 'contradiction', property: 'hugepages', message: `${memory.value / 1024} GiB of memory is not a whole number of ${huge.value} MiB hugepages.` });
    }
    const count = node.count ?? 1;
    if (count < 1 || !Number.isInteger(count)) problems.push({ kind: 'contradiction', property: 'count', message: 'count must be a whole number, at least 1.' });
    if (node.locality === 'required' && nic?.locality === 'any' && node.nicLocality === 'any') {
        problems.push({ kind: 'contradiction', property: 'nicLocality', message: 'locality required keeps every device on the GPUs\' NUMA node, but the NICs are asked for "any" place: write same-numa or same-switch, or locality preferred.' });
    }
    if (problems.length > 0) return { problems };
    return {
        shape: {
            name: node.name,
            ...(node.hosts.length > 0 ? { hosts: node.hosts.map(h => h.$refText) } : {}),
            ...(gpus ? { gpus } : {}),
            ...(nic ? { nic } : {}),
            vcpus, smtPairs,
            memoryMiB: memory && memory.ok ? memory.value : 0,
            ...(huge && huge.ok ? { hugepageMiB: huge.value } : {}),
            count,
            locality: node.locality === 'required' ? 'required' : 'preferred'
        },
        problems
    };
}

/**
 * The shape of a written VM, as if it were a request of count 1 on any host (pure): its GPUs
 * (count, the first GPU's model and mode — passthrough, vGPU type or MIG profile), its NICs per GPU
 * (PF or VF) and how close they are to their GPUs in the file (every GPU with one of the VM's NICs
 * under a shared PCIe switch: `same-switch`, required; on the GPU's NUMA node: `same-numa`,
 * required; else `any`), its vCPUs (as SMT pairs unless its pin list holds a thread without its
 * sibling), memory in MiB and hugepage size. The stranded-capacity report measures against these
 * shapes when the files have no request blocks (features/plan `reportWorkload`).
 */
export function vmShape(vm: VmModel): RequestShape {
    const first = vm.gpus[0];
    const gpus: RequestShape['gpus'] = first && {
        count: vm.gpus.length, models: [first.gpu.spec], mode: first.mode,
        ...(first.mode === 'vgpu' ? { slice: first.type.name } : first.mode === 'mig' ? { slice: first.profile.name } : {})
    };
    let nic: RequestShape['nic'];
    if (gpus && vm.nics.length > 0) {
        const near = (rank: (g: VmModel['gpus'][number], n: VmModel['nics'][number]) => boolean) => vm.gpus.every(g => vm.nics.some(n => rank(g, n)));
        const locality: NicLocality = near((g, n) => PATH_RANK[pathType(n.nic, g.gpu)] <= PATH_RANK.PXB) ? 'same-switch'
            : near((g, n) => n.nic.numa === g.gpu.numa) ? 'same-numa' : 'any';
        nic = { perGpu: Math.max(1, Math.floor(vm.nics.length / vm.gpus.length)), vf: vm.nics[0].mode === 'vf', locality };
    }
    const pinned = vm.pin ? new Set(vm.pin) : undefined;
    const siblingOf = (cpu: number) => vm.host.numaNodes.map(n => n.cpus.has(cpu) ? n.siblingOf(cpu) : undefined).find(s => s !== undefined);
    const smtPairs = !pinned || [...pinned].every(c => { const s = siblingOf(c); return s === undefined || pinned.has(s); });
    return {
        name: vm.name,
        ...(gpus ? { gpus } : {}),
        ...(nic ? { nic } : {}),
        vcpus: vm.vcpus, smtPairs, memoryMiB: vm.memoryMiB,
        ...(vm.hugepageMiB ? { hugepageMiB: vm.hugepageMiB } : {}),
        count: 1,
        locality: nic && nic.locality !== 'any' ? 'required' : 'preferred'
    };
}
