/**
 * GEN — device ownership.
 *
 * - GEN001: a PCI function (GPU, NIC PF) goes by passthrough to more than one VM [VFIO]. Functions
 *   are told apart by host and PCI address, not by name: two names for one address (HOST001), or a
 *   PF at another NIC's VF address (HOST002), are one function. A VF given to two VMs is SRIOV003,
 *   from the same claims ({@link functionClashes}).
 * - GEN002: a GPU passed through to a VM also hosts vGPU or MIG slices [VFIO] [VGPU-UG-PT].
 * - GEN003: a GPU carries slices of two sharing modes (time-sliced vGPU and MIG-backed vGPU)
 *   [VSPHERE-VGPUMODE] [VGPU-OVERVIEW]. A `mig gpuX "1g.18gb"` slice is delivered as the MIG-backed
 *   vGPU of that profile, so it is the same mode as `vgpu gpuX "H200X-1-18C"`.
 * GEN002 and GEN003 also key GPUs by address.
 */
import { formatBdf } from '../syntax/tokens.js';
import type { HostModel, VmGpu, VmModel } from '../model/topology.js';
import { clashMessage, functionClashes, addressKey } from '../model/pci-functions.js';
import type { RuleContext, RuleFamily, RuleInfo } from './engine/rule.js';

export const GEN001: RuleInfo = {
    id: 'GEN001', severity: 'error', summary: 'a GPU, NIC PF or NVSwitch (one PCI address) is assigned to more than one VM',
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

/** GEN001: one owner per passed-through GPU or NIC PF (by address); reported on every claim after the first. */
function checkSingleOwner(ctx: RuleContext): void {
    for (const clash of functionClashes(ctx.topology.vms)) {
        if (clash.claim.vf) continue; // SRIOV003
        ctx.report({
            rule: GEN001, severity: 'error', message: clashMessage(clash), target: clash.claim.entry,
            data: { device: clash.claim.label, address: formatBdf(clash.claim.address), vms: [clash.first.vm.name, clash.claim.vm.name] },
            related: [{ target: clash.first.entry, message: `${clash.first.label} assigned to ${clash.first.vm.name}` }]
        });
    }
}

/** GEN002 and GEN003: what each GPU carries. */
function checkGpuModes(ctx: RuleContext): void {
    // By host and address: two names for one GPU are one GPU.
    const uses = new Map<HostModel, Map<number, Array<{ vm: VmModel; entry: VmGpu }>>>();
    for (const vm of ctx.topology.vms) {
        let byAddress = uses.get(vm.host);
        if (!byAddress) uses.set(vm.host, byAddress = new Map<number, Array<{ vm: VmModel; entry: VmGpu }>>());
        for (const entry of vm.gpus) {
            const key = addressKey(entry.gpu.address);
            let list = byAddress.get(key);
            if (!list) byAddress.set(key, list = []);
            list.push({ vm, entry });
        }
    }
    /** `gpuB` itself, or `gpuB (which is gpuA, 0000:19:00.0)` when it names the GPU of `other` by another name. */
    const named = (u: { entry: VmGpu }, other: { entry: VmGpu }) => u.entry.gpu.name === other.entry.gpu.name
        ? u.entry.gpu.name : `${u.entry.gpu.name} (which is ${other.entry.gpu.name}, ${formatBdf(u.entry.gpu.address)})`;
    for (const list of [...uses.values()].flatMap(m => [...m.values()])) {
        const passthrough = list.find(u => u.entry.mode === 'passthrough');
        const slices = list.filter(u => u.entry.mode !== 'passthrough');
        if (passthrough) {
            for (const s of slices) {
                ctx.report({
                    rule: GEN002, severity: 'error',
                    message: `${named(s, passthrough)} is passed through to ${passthrough.vm.name} (owned by vfio-pci); it cannot also host vGPU/MIG slices (${sliceName(s.entry)} of ${s.vm.name}).`,
                    target: s.entry, data: { gpu: s.entry.gpu.name, vm: passthrough.vm.name },
                    related: [{ target: passthrough.entry, message: `${passthrough.entry.gpu.name} passed through to ${passthrough.vm.name}` }]
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
                message: `${named(s, first)} mixes ${firstMode} (${sliceName(first.entry)} of ${first.vm.name}) and ${mode} (${sliceName(s.entry)} of ${s.vm.name}); a GPU is in exactly one vGPU mode (same-size, mixed-size or MIG).`,
                target: s.entry, data: { gpu: s.entry.gpu.name, modes: [firstMode, mode] },
                related: [{ target: first.entry, message: `${sliceName(first.entry)} of ${first.vm.name} (${firstMode})` }]
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
