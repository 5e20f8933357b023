/**
 * The vmtopo hardware catalog: GPU, NIC, NVSwitch and CPU models with sourced facts, and lookups.
 *
 * Facts: NVIDIA's published tables and the other sources of `sources.ts`; every spec lists its
 * source keys in `sources`, and a fact that was derived rather than read says so in `derived`.
 */
import { CPUS } from './cpus.js';
import { GPUS } from './gpus.js';
import { NICS } from './nics.js';
import { NVSWITCHES } from './nvswitches.js';
import type { CpuSpec, GpuSpec, MigProfile, NicSpec, NvSwitchSpec, PciId, VgpuType } from './types.js';

export type { CpuSpec, GpuSpec, MigProfile, NicSpec, NvSwitchSpec, PciId, PcieLink, VgpuType } from './types.js';
export { CPUS } from './cpus.js';
export { GPUS } from './gpus.js';
export { NICS } from './nics.js';
export { NVSWITCHES } from './nvswitches.js';
export { SOURCES, sourceUrl } from './sources.js';
export type { Source } from './sources.js';

/** Model kinds of the catalog, as `knownModels` takes them. */
export type CatalogKind = 'gpu' | 'nic' | 'nvswitch' | 'cpu';

/**
 * Normalised form for name matching: trimmed, runs of whitespace collapsed to one space, lower case.
 * A missing name (a half-typed `gpu g` without its model string yet) normalises to `''`, which
 * matches nothing.
 */
function normalize(name: string | undefined): string {
    return (name ?? '').trim().replace(/\s+/g, ' ').toLowerCase();
}

/** {@link normalize} of recent names (each device's model is looked up on every build; at most 1024 kept). */
const NORMALIZED = new Map<string, string>();

function normalizeCached(name: string | undefined): string {
    if (name === undefined) return '';
    let normalized = NORMALIZED.get(name);
    if (normalized === undefined) {
        if (NORMALIZED.size >= 1024) NORMALIZED.clear();
        NORMALIZED.set(name, normalized = normalize(name));
    }
    return normalized;
}

/**
 * Per spec list: normalised model key or alias → the first spec (in catalog order) that has it, which
 * is what a search through the list finds. Made on first use; it saves normalising the whole catalog
 * on every lookup (one per device and VM, on every keystroke).
 */
const NAME_INDEX = new WeakMap<readonly object[], ReadonlyMap<string, unknown>>();

/**
 * A PCI id written as a model: `vvvv:dddd`, optionally followed by the subsystem `ssvv:ssdd`
 * (`"10de:1db8"`, `"10de:1db8 10de:131d"`, the form `lspci -nn` and the `pci-id` clause use),
 * lowercase hex; `undefined` when the text is not of that form.
 */
export function parsePciIdModel(text: string | undefined): { vendor: string; device: string; subsystem?: string } | undefined {
    const m = /^\s*([0-9a-f]{4}):([0-9a-f]{4})(?:\s+([0-9a-f]{4}:[0-9a-f]{4}))?\s*$/i.exec(text ?? '');
    if (!m) return undefined;
    return { vendor: m[1].toLowerCase(), device: m[2].toLowerCase(), ...(m[3] ? { subsystem: m[3].toLowerCase() } : {}) };
}

/**
 * The spec whose `pciIds` hold vendor:device: an id entry with a `subsystem` matches only that
 * subsystem, and wins over an entry without one; entries without a subsystem match any.
 */
function findById<T extends { readonly pciIds: readonly PciId[] }>(specs: readonly T[], vendor: string, device: string, subsystem?: string): T | undefined {
    const v = vendor.toLowerCase();
    const d = device.toLowerCase();
    const sub = subsystem?.toLowerCase();
    const exact = specs.find(s => s.pciIds.some(id => id.vendor === v && id.device === d && id.subsystem !== undefined && id.subsystem === sub));
    return exact ?? specs.find(s => s.pciIds.some(id => id.vendor === v && id.device === d && id.subsystem === undefined));
}

/**
 * Catalog model of a device by its PCI ids, as importers read them from `lspci -nn`, hwloc's
 * `pci_type` or NCCL's `vendor`/`device`/`subsystem_*` attributes [PCI-IDS].
 * @param kind which list to search
 * @param vendor, device 4 hex digits, any case (`10de`, `1DB8`)
 * @param subsystem `ssvv:ssdd` when known; decides only where the catalog lists a subsystem
 * @returns the spec, or `undefined` when the catalog has no model with that id
 */
export function findByPciId(kind: CatalogKind, vendor: string, device: string, subsystem?: string): GpuSpec | NicSpec | NvSwitchSpec | undefined {
    if (kind === 'cpu') return undefined;
    const specs: readonly (GpuSpec | NicSpec | NvSwitchSpec)[] = kind === 'gpu' ? GPUS : kind === 'nic' ? NICS : NVSWITCHES;
    return findById(specs, vendor, device, subsystem);
}

function findByName<T extends { readonly model: string; readonly aliases: readonly string[] }>(specs: readonly T[], name: string | undefined): T | undefined {
    const wanted = normalizeCached(name);
    if (wanted === '') return undefined;
    let index = NAME_INDEX.get(specs) as ReadonlyMap<string, T> | undefined;
    if (!index) {
        const made = new Map<string, T>();
        for (const s of specs) {
            for (const n of [s.model, ...s.aliases]) {
                const key = normalize(n);
                if (!made.has(key)) made.set(key, s);
            }
        }
        NAME_INDEX.set(specs, index = made);
    }
    const byName = index.get(wanted);
    if (byName) return byName;
    // Not a name: a PCI id written as the model (`"10de:1db8"`), for the kinds whose specs carry ids.
    const id = parsePciIdModel(wanted);
    const withIds = specs as readonly (T & { readonly pciIds?: readonly PciId[] })[];
    if (!id || !withIds.every(s => s.pciIds !== undefined)) return undefined;
    return findById(withIds as readonly (T & { readonly pciIds: readonly PciId[] })[], id.vendor, id.device, id.subsystem);
}

/**
 * GPU model by catalog key or alias, e.g. `findGpu('h200  sxm5 141gb')` → the `H200 SXM5 141GB` spec,
 * or by PCI id (`findGpu('10de:1db8')` → `V100 SXM3 32GB`; see {@link parsePciIdModel}). Aliases
 * include the names nvidia-smi, NVML and hwloc print (`Tesla V100-SXM3-32GB`, `NVIDIA H100 80GB HBM3`).
 * Matching is exact after trimming, collapsing whitespace and ignoring case; no prefix/fuzzy match.
 * `undefined` or an empty name (not written yet) finds nothing.
 * @returns the spec (identity, MIG, vGPU and MMIO facts; sources in `spec.sources`), or `undefined` if unknown.
 */
export function findGpu(model: string | undefined): GpuSpec | undefined {
    return findByName(GPUS, model);
}

/** NIC model by catalog key or alias (`'ConnectX-7'`, `'cx7'`), case/whitespace-insensitive; `undefined` if unknown. */
export function findNic(model: string | undefined): NicSpec | undefined {
    return findByName(NICS, model);
}

/** NVSwitch generation by catalog key or alias (`'NVSwitch'`, `'NVSwitch3'`), case/whitespace-insensitive; `undefined` if unknown. */
export function findNvSwitch(model: string | undefined): NvSwitchSpec | undefined {
    return findByName(NVSWITCHES, model);
}

/** Host CPU model by catalog key or alias (`'Xeon Platinum 8480+'`, `'AMD EPYC 9654'`), case/whitespace-insensitive; `undefined` if unknown. */
export function findCpu(model: string | undefined): CpuSpec | undefined {
    return findByName(CPUS, model);
}

/**
 * The catalog CPU of a brand string as the kernel and hwloc print it (`CPUModel`, /proc/cpuinfo
 * `model name`): `Intel(R) Xeon(R) Platinum 8480+ CPU @ 2.00GHz` → `Xeon Platinum 8480+`; `(R)`,
 * `(TM)`, `CPU`, the clock and `Processor` are dropped, and `Intel`/`AMD` and a trailing ` 0`
 * (Sandy Bridge's first version mark) are tried off too. `undefined` when no form is a catalog name or alias.
 */
export function findCpuByBrand(brand: string): CpuSpec | undefined {
    const base = brand.replace(/\((R|TM|r|tm)\)/g, ' ').replace(/@.*$/, ' ').replace(/\bCPU\b/g, ' ').replace(/\s+/g, ' ').trim();
    const forms = [base, base.replace(/\s+Processor$/i, ''), base.replace(/\s+\d+-Core Processor$/i, '')];
    for (const f of [...forms]) forms.push(f.replace(/^(Intel|AMD)\s+/i, ''), f.replace(/\s+0$/, ''), f.replace(/^(Intel|AMD)\s+/i, '').replace(/\s+0$/, ''));
    for (const f of forms) {
        const spec = findCpu(f);
        if (spec) return spec;
    }
    return undefined;
}

/**
 * Catalog keys (not aliases) of one kind, in catalog order — for "unknown model '{m}'; known: …" messages.
 * @param kind `'gpu' | 'nic' | 'nvswitch' | 'cpu'`
 * @returns e.g. `knownModels('gpu')` → `['H100 SXM5 80GB', 'H200 SXM5 141GB', 'A100 SXM4 80GB', 'L40S']`
 */
export function knownModels(kind: CatalogKind): string[] {
    const specs: readonly { readonly model: string }[] = { gpu: GPUS, nic: NICS, nvswitch: NVSWITCHES, cpu: CPUS }[kind];
    return specs.map((s) => s.model);
}

/**
 * vGPU for Compute type of a GPU by name, case-insensitive (`'h200x-1-18c'` → `H200X-1-18C`).
 * Only the board's own types match: `H100XM-40C` is not found on an H200 (rule VGPU001).
 * Sources: NVIDIA's C-series type tables [VGPU-HOPPER] [VGPU-AMPERE] [VGPU-ADA].
 */
export function findVgpuType(gpu: GpuSpec, name: string | undefined): VgpuType | undefined {
    const wanted = normalize(name);
    return gpu.vgpuTypes.find((t) => t.name.toLowerCase() === wanted);
}

/**
 * The board's types to offer instead of an invalid `written` type (VGPU001's quick-fixes), at most
 * `limit`: the same frame buffer (the number before `C` in NVIDIA's type names, `H100XM-40C` → 40,
 * `H100XM-1-10C` → 10, a `-<compute>-` part meaning MIG-backed) and sharing mode first, then the same
 * frame buffer, then the nearest frame buffers; a name that is not of that form, in catalog order.
 * The naming is NVIDIA's [VGPU-HOPPER] [VGPU-AMPERE].
 */
export function vgpuTypesLike(types: readonly VgpuType[], written: string, limit = 4): VgpuType[] {
    const m = /(?:-(\d+))?-(\d+)C(?:ME)?$/i.exec(written.trim());
    const fb = m ? Number(m[2]) : undefined;
    const mode = m?.[1] !== undefined ? 'mig-backed' : 'time-sliced';
    const score = (t: VgpuType) => (fb === undefined ? 0 : Math.abs(t.framebufferGB - fb) * 4) + (t.mode === mode ? 0 : 2);
    return [...types].sort((x, y) => score(x) - score(y)).slice(0, limit);
}

/**
 * MIG GPU-instance profile of a GPU by name, case-insensitive (`'1G.18GB'` → `1g.18gb`); a leading
 * `MIG ` (as NVIDIA's vGPU tables print it, "MIG 1g.18gb") is accepted. `undefined` when the GPU has
 * no MIG or no such profile. Source: NVIDIA's GI profile tables [MIG-PROF].
 */
export function findMigProfile(gpu: GpuSpec, name: string | undefined): MigProfile | undefined {
    const wanted = normalize(name).replace(/^mig /, '');
    return gpu.migProfiles.find((p) => p.name.toLowerCase() === wanted);
}

/**
 * The MIG-backed vGPU type that a GI profile of this GPU is delivered as, e.g. on H200 SXM5
 * `'1g.18gb'` → `H200X-1-18C`, `'1g.18gb+me'` → `H200X-1-18CME`. Case-insensitive.
 * `undefined` if the profile is unknown or no MIG-backed type uses it.
 * Source: NVIDIA's MIG-backed type tables [VGPU-HOPPER] [VGPU-AMPERE].
 */
export function migBackedTypeFor(gpu: GpuSpec, profile: string | undefined): VgpuType | undefined {
    const p = findMigProfile(gpu, profile);
    return p ? gpu.vgpuTypes.find((t) => t.mode === 'mig-backed' && t.migProfile === p.name) : undefined;
}

/**
 * 64-bit MMIO window a VM needs for the given GPUs, in GiB: the next power of two ≥ the sum of the
 * GPUs' `mmioGiB` (NVIDIA's per-GPU requirement, which NVIDIA writes as "GB"); 0 for an empty list.
 * Examples: 1 × H200 → 512, 2 × H200 → 1024, 8 × H200 → 4096, 8 × H100 → 2048, 3 × H100 → 1024.
 *
 * Used for ESXi `pciPassthru.64bitMMIOSizeGB` (rule MMIO002) and the KVM guest aperture
 * `<pcihole64 unit='G'>` / OVMF `X-PciMmio64Mb` = value × 1024 (rule MMIO005).
 * Sources: per-GPU values [NVAIE-MMIO]; power-of-two sizing over the sum is the commonly applied
 * rule [VMW-KB2142307] (derived: it agrees with NVIDIA's per-GPU figures, but the KB's text, which
 * NVIDIA cites, was not read); [LIBVIRT-DOM] [OVMF-MMIO64].
 */
export function requiredMmioGiB(gpus: readonly GpuSpec[]): number {
    const sum = gpus.reduce((total, g) => total + g.mmioGiB, 0);
    if (sum <= 0) {
        return 0;
    }
    let pow2 = 1;
    while (pow2 < sum) {
        pow2 *= 2;
    }
    return pow2;
}
