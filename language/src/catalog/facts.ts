/**
 * The catalog's facts as markdown lines, as hover, completion and the topology view show them: a
 * GPU, NIC or NVSwitch model, a vGPU type of a board, a MIG profile, with links to their sources.
 */
import type { GpuSpec, MigProfile, NicSpec, NvSwitchSpec, PciId, VgpuType } from './types.js';
import { sourceUrl } from './sources.js';

/** Source keys as markdown links (an unknown key is shown unlinked). */
export function sourceLinks(keys: readonly string[]): string {
    return keys.map(key => {
        try {
            return `[${key}](${sourceUrl(key)})`;
        } catch {
            return key;
        }
    }).join(', ');
}

/**
 * Markdown facts of a vGPU type of a board: frame buffer in GB (and in MB as NVIDIA's table prints
 * it), maximum per GPU (equal-size and mixed-size), time-sliced or MIG-backed, licence. Source: the
 * catalog entry's [VGPU-HOPPER] / [VGPU-AMPERE] / [VGPU-ADA], e.g.
 * https://docs.nvidia.com/ai-enterprise/release-7/latest/infra-software/vgpu/reference/hopper.html
 */
export function vgpuTypeFacts(gpu: GpuSpec, type: VgpuType): string[] {
    return [
        `**${type.name}** — vGPU for Compute type of ${gpu.model}`,
        `Frame buffer ${type.framebufferGB} GB${type.framebufferMB ? ` (${type.framebufferMB} MB in NVIDIA's table)` : ''} · ${type.mode}` +
            (type.migProfile ? ` on MIG profile \`${type.migProfile}\`` : ''),
        `Max ${type.maxPerGpu} per GPU` + (type.maxPerGpuMixed !== undefined ? ` (${type.maxPerGpuMixed} in mixed-size mode)` : ''),
        `Licence: NVIDIA AI Enterprise (\`${type.license}\`)`
    ];
}

/**
 * Markdown facts of a MIG GPU-instance profile: GI profile id, compute and memory slices, start
 * slots (placements), maximum per GPU, and the MIG-backed vGPU type it is delivered as. Source:
 * [MIG-PROF] https://docs.nvidia.com/datacenter/tesla/mig-user-guide/supported-mig-profiles.html
 */
export function migProfileFacts(gpu: GpuSpec, profile: MigProfile): string[] {
    const backing = gpu.vgpuTypes.find(t => t.mode === 'mig-backed' && t.migProfile === profile.name);
    return [
        `**${profile.name}** — MIG GPU-instance profile of ${gpu.model} (profile id ${profile.giProfileId})`,
        `${profile.computeSlices} compute slice${profile.computeSlices > 1 ? 's' : ''}, ${profile.memorySlices} memory slice${profile.memorySlices > 1 ? 's' : ''} · start slots ${profile.startSlots.join(', ')} · max ${profile.maxPerGpu} per GPU`,
        backing ? `Delivered to a VM as the MIG-backed vGPU \`${backing.name}\`` : 'No MIG-backed vGPU type in the catalog'
    ];
}

function pciIds(ids: readonly PciId[]): string {
    return ids.map(id => `\`${id.vendor}:${id.device}\``).join(', ') || 'unknown';
}

/** One markdown line per catalog fact of the model (units: GB as NVIDIA states framebuffer, GiB for MMIO, GT/s, Gb/s). */
export function specFacts(spec: GpuSpec | NicSpec | NvSwitchSpec): string[] {
    const lines = [`**${spec.model}** (${spec.kind === 'gpu' ? 'GPU' : spec.kind === 'nic' ? 'NIC' : 'NVSwitch'}) — PCI id ${pciIds(spec.pciIds)}`];
    if (spec.kind === 'gpu') {
        lines.push(`Memory ${spec.memoryGB} GB · 64-bit MMIO needed ${spec.mmioGiB} GiB${spec.derived?.mmioGiB ? ' (derived)' : ''} · PCIe ${spec.link.speedGTs} GT/s x${spec.link.width} · ${spec.formFactor.toUpperCase()}` +
            (spec.nvlinks > 0 ? ` · NV${spec.nvlinks}` : ''));
        lines.push(spec.migProfiles.length > 0
            ? `MIG: ${spec.migProfiles.map(p => `\`${p.name}\``).join(', ')}`
            : 'MIG: not supported');
        const timeSliced = spec.vgpuTypes.filter(t => t.mode === 'time-sliced');
        const migBacked = spec.vgpuTypes.filter(t => t.mode === 'mig-backed');
        lines.push(spec.vgpuTypes.length > 0
            ? `vGPU for Compute (licence \`nvaie\`): ${timeSliced.length} time-sliced, ${migBacked.length} MIG-backed types, e.g. ${spec.vgpuTypes.slice(0, 3).map(t => `\`${t.name}\``).join(', ')}`
            : 'vGPU: none in the catalog');
    } else if (spec.kind === 'nic') {
        lines.push(`Ports ${spec.speedsGbps.map(s => `${s} Gb/s`).join(' / ')} · PCIe ${spec.link.speedGTs} GT/s x${spec.link.width} · up to ${spec.maxVfsPerPf} SR-IOV VFs per PF`);
    }
    if (spec.kind === 'gpu' && spec.derived) {
        for (const [field, why] of Object.entries(spec.derived)) lines.push(`Note (${field}): ${why}`);
    }
    if (spec.sources.length > 0) {
        lines.push(`Sources: ${sourceLinks(spec.sources)}`);
    }
    return lines;
}
