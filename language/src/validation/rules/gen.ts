/**
 * GEN — device ownership (rules.md Part B, "GEN").
 *
 * - GEN001: a PCI function (GPU, NIC PF, NIC VF) goes by passthrough to more than one VM [VFIO].
 * - GEN002: a GPU passed through to a VM also hosts vGPU or MIG slices [VFIO] [VGPU-UG-PT].
 * - GEN003: a GPU carries slices of two sharing modes (time-sliced vGPU and MIG-backed vGPU)
 *   [VSPHERE-VGPUMODE] [VGPU-OVERVIEW]. A `mig gpuX "1g.18gb"` slice is delivered as the MIG-backed
 *   vGPU of that profile, so it is the same mode as `vgpu gpuX "H200X-1-18C"`.
 */
import type { GpuModel, VmGpu, VmModel } from '../../model/topology.js';
import type { RuleContext, RuleFamily, RuleInfo } from '../rule.js';

export const GEN001: RuleInfo = {
    id: 'GEN001', severity: 'error', summary: 'a GPU, NIC PF or VF is assigned to more than one VM',
    why: 'A PCI function bound to vfio-pci belongs to one VM at a time; the second VM fails to start, or both lose the device.',
    fix: 'Remove the device from all but one VM.', quickFix: false, sources: ['VFIO']
};
export const GEN002: RuleInfo = {
    id: 'GEN002', severity: 'error', summary: 'a GPU is passed through and also hosts vGPU/MIG slices',
    why: 'Passthrough hands the whole GPU to vfio-pci; the vGPU manager can then create no slice on it.',
    fix: 'Give the passthrough VM a full-size vGPU type instead, or move the slices to another GPU.', quickFix: false, sources: ['VFIO', 'VGPU-UG-PT']
};
export const GEN003: RuleInfo = {
    id: 'GEN003', severity: 'error', summary: 'a GPU mixes time-sliced and MIG-backed vGPU slices',
    why: 'A GPU runs in exactly one vGPU mode (equal-size, mixed-size or MIG); slices of another mode cannot be created.',
    fix: 'Split the slices across GPUs by mode.', quickFix: false, sources: ['VSPHERE-VGPUMODE', 'VGPU-OVERVIEW']
};

type SliceMode = 'time-sliced vGPU' | 'MIG-backed vGPU';

/** Sharing mode of a slice: MIG slices and MIG-backed vGPU types are one mode (MIG). */
function sliceMode(g: VmGpu): SliceMode | undefined {
    if (g.mode === 'mig') return 'MIG-backed vGPU';
    if (g.mode === 'vgpu') return g.type.mode === 'mig-backed' ? 'MIG-backed vGPU' : 'time-sliced vGPU';
    return undefined;
}

/** How a slice is written, for messages: `vGPU H200X-1-18C` or `MIG 1g.18gb`. */
function sliceName(g: VmGpu): string {
    if (g.mode === 'vgpu') return `vGPU ${g.type.name}`;
    if (g.mode === 'mig') return `MIG ${g.profile.name}`;
    return 'passthrough';
}

/** GEN001: one owner per passed-through PCI function; reported on every assignment after the first. */
function checkSingleOwner(ctx: RuleContext): void {
    /** Device (GPU or NIC PF) → function (`pf`, `vf3`) → first VM that took it. */
    const owners = new Map<object, Map<string, VmModel>>();
    const claim = (device: object, fn: string, label: string, vm: VmModel, target: object) => {
        let byFn = owners.get(device);
        if (!byFn) owners.set(device, byFn = new Map());
        const first = byFn.get(fn);
        if (!first) {
            byFn.set(fn, vm);
            return;
        }
        const message = first === vm
            ? `${label} is assigned to ${vm.name} twice; a VFIO device belongs to one VM at a time.`
            : `${label} is assigned to both ${first.name} and ${vm.name}; a VFIO device belongs to one VM at a time.`;
        ctx.report({ rule: GEN001, severity: 'error', message, target, data: { device: label, vms: [first.name, vm.name] } });
    };
    for (const vm of ctx.topology.vms) {
        for (const g of vm.gpus) {
            if (g.mode === 'passthrough') claim(g.gpu, 'pf', g.gpu.name, vm, g);
        }
        for (const n of vm.nics) {
            if (n.mode === 'passthrough') claim(n.nic, 'pf', n.nic.name, vm, n);
            else claim(n.nic, `vf${n.vf}`, `VF ${n.vf} of ${n.nic.name}`, vm, n);
        }
    }
}

/** GEN002 and GEN003: what each GPU carries. */
function checkGpuModes(ctx: RuleContext): void {
    const uses = new Map<GpuModel, Array<{ vm: VmModel; entry: VmGpu }>>();
    for (const vm of ctx.topology.vms) {
        for (const entry of vm.gpus) {
            let list = uses.get(entry.gpu);
            if (!list) uses.set(entry.gpu, list = []);
            list.push({ vm, entry });
        }
    }
    for (const [gpu, list] of uses) {
        const passthrough = list.find(u => u.entry.mode === 'passthrough');
        const slices = list.filter(u => u.entry.mode !== 'passthrough');
        if (passthrough) {
            for (const s of slices) {
                ctx.report({
                    rule: GEN002, severity: 'error',
                    message: `${gpu.name} is passed through to ${passthrough.vm.name} (owned by vfio-pci); it cannot also host vGPU/MIG slices (${sliceName(s.entry)} of ${s.vm.name}).`,
                    target: s.entry, data: { gpu: gpu.name, vm: passthrough.vm.name }
                });
            }
            continue;
        }
        const first = slices[0];
        if (!first) continue;
        const firstMode = sliceMode(first.entry);
        for (const s of slices.slice(1)) {
            const mode = sliceMode(s.entry);
            if (mode === firstMode) continue;
            ctx.report({
                rule: GEN003, severity: 'error',
                message: `${gpu.name} mixes ${firstMode} (${sliceName(first.entry)} of ${first.vm.name}) and ${mode} (${sliceName(s.entry)} of ${s.vm.name}); a GPU is in exactly one vGPU mode (same-size, mixed-size or MIG).`,
                target: s.entry, data: { gpu: gpu.name, modes: [firstMode, mode] }
            });
        }
    }
}

export const GEN: RuleFamily = {
    rules: [GEN001, GEN002, GEN003],
    checks: [
        { rules: [GEN001], run: checkSingleOwner },
        { rules: [GEN002, GEN003], run: checkGpuModes }
    ]
};
