/**
 * MMIO — 64-bit BAR space of the guest; per-GPU needs are the catalog's `mmioGiB` (NVIDIA AI
 * Enterprise's per-GPU table [NVAIE-MMIO]).
 *
 * - MMIO005 (error, KVM): the declared `mmio` window (libvirt `pcihole64`) is smaller than the
 *   passthrough GPUs need: the next power of two ≥ Σ per-GPU MMIO [LIBVIRT-DOM] [OVMF-MMIO64].
 *   No `mmio` declared → no diagnostic: the libvirt exporter sizes `pcihole64` itself.
 * - MMIO001 (error, ESXi): one GPU whose MMIO need is not met by `mmio` (missing or smaller): a
 *   passthrough GPU whenever the VM's BARs total more than 16 GB, whatever its memory [VMW-KB2142307];
 *   a vGPU whose GPU needs ≥ 64 GiB when the VM has ≥ 32 GiB of memory [NVAIE-MMIO].
 * - MMIO002 (error, ESXi): the same with several such GPUs: `mmio` < next power of two of the sum
 *   [NVAIE-MMIO] [VMW-KB2142307] (sizing rule as commonly applied; derived).
 *
 * - MMIO003 (error, ESXi): a VM with a large-BAR GPU (MMIO need ≥ 64 GiB) declares `firmware bios`;
 *   such GPUs need EFI firmware and a 64-bit guest [NVAIE-MMIO]. Quick-fix: `firmware efi`.
 * - MMIO004 (error, ESXi): a VM with a passthrough (DirectPath I/O) device has less memory reserved
 *   than its memory [VMW-KB2142307]. Quick-fix: `reserve all`.
 *
 * `data.need` (GiB) is what the MMIO001/MMIO002/MMIO005 quick-fix ({@link raiseMmioFix}) writes:
 * "Raise MMIO window to {need} GiB".
 *
 * Not expressible: MMIO006 (the libvirt export always writes `<maxphysaddr mode='passthrough'/>`,
 * and the language has no other way to set the guest's physical address width).
 */
import { requiredMmioGiB } from '../catalog/index.js';
import type { GpuModel, VmModel } from '../model/topology.js';
import { gibText } from '../syntax/tokens.js';
import type { RuleContext, RuleFamily, RuleInfo } from './engine/rule.js';
import { isVm } from '../generated/ast.js';
import { appendVmClause, combine, insertVmClause, isTypable, replaceProperty, type FixData } from './engine/fixes.js';

export const MMIO001: RuleInfo = {
    id: 'MMIO001', severity: 'error', summary: 'ESXi: MMIO window too small for a large-BAR GPU',
    why: 'Without a 64-bit MMIO window of the GPU\'s size the guest cannot map its BARs: the VM does not power on, or the driver fails.',
    fix: 'Set `mmio` to the GPU\'s need (quick-fix): pciPassthru.use64bitMMIO=TRUE, pciPassthru.64bitMMIOSizeGB.', quickFix: true, sources: ['NVAIE-MMIO']
};
export const MMIO002: RuleInfo = {
    id: 'MMIO002', severity: 'error', summary: 'ESXi: MMIO window too small for several large-BAR GPUs',
    why: 'The window must hold every GPU\'s BARs, rounded up to a power of two.',
    fix: 'Set `mmio` to the next power of two of the sum (quick-fix).', quickFix: true, sources: ['NVAIE-MMIO', 'VMW-KB2142307']
};
export const MMIO005: RuleInfo = {
    id: 'MMIO005', severity: 'error', summary: 'KVM: 64-bit MMIO window (pcihole64) too small for the passthrough GPUs',
    why: 'OVMF places the GPUs\' 64-bit BARs in the PCI hole; one too small leaves BARs unassigned and the GPU unusable.',
    fix: 'Raise `mmio` to the required size (quick-fix); the libvirt export writes it as `pcihole64`.', quickFix: true, sources: ['LIBVIRT-DOM', 'OVMF-MMIO64']
};
export const MMIO003: RuleInfo = {
    id: 'MMIO003', severity: 'error', summary: 'ESXi: a VM with a large-BAR GPU uses BIOS firmware',
    why: 'GPUs that need 64 GB of MMIO or more need 64-bit MMIO, which needs EFI firmware and a 64-bit guest installed in EFI mode.',
    fix: 'Set `firmware efi` (quick-fix) and install the guest in EFI mode.', quickFix: true, sources: ['NVAIE-MMIO']
};
export const MMIO004: RuleInfo = {
    id: 'MMIO004', severity: 'error', summary: 'ESXi: a passthrough (DirectPath I/O) VM without all its memory reserved',
    why: 'DirectPath I/O devices DMA into guest memory, so ESXi requires the VM\'s whole memory to be reserved; the VM does not power on otherwise.',
    fix: 'Reserve all guest memory: `reserve all` (quick-fix).', quickFix: true, sources: ['VMW-KB2142307']
};

/** ESXi applies the MMIO requirement to VMs with 32 GiB of memory or more [NVAIE-MMIO]. */
const ESXI_MEMORY_THRESHOLD_MIB = 32 * 1024;
/** …and to GPUs that need 64 GiB of MMIO or more [NVAIE-MMIO]. */
const ESXI_LARGE_BAR_GIB = 64;

/** `gpu0, gpu1 (2 × H200 SXM5 141GB, 512 GiB each)`, or a list of models when they differ. */
function describe(gpus: readonly GpuModel[]): string {
    const models = [...new Set(gpus.map(g => g.spec.model))];
    const names = gpus.map(g => g.name).join(', ');
    if (models.length === 1) {
        const each = gpus.length > 1 ? ' each' : '';
        return `${names} (${gpus.length} × ${models[0]}, ${gpus[0].spec.mmioGiB} GiB${each})`;
    }
    return `${names} (${gpus.map(g => `${g.spec.model} ${g.spec.mmioGiB} GiB`).join(' + ')})`;
}

/** ` (derived for L40S: …)` when a GPU's MMIO figure is derived rather than published, else ''. */
function derivedNote(gpus: readonly GpuModel[]): string {
    const derived = [...new Set(gpus.filter(g => g.spec.derived?.mmioGiB).map(g => g.spec.model))];
    return derived.length > 0 ? ` (${derived.join(', ')}: figure derived, not published)` : '';
}

function checkKvm(ctx: RuleContext, vm: VmModel): void {
    const gpus = vm.gpus.filter(g => g.mode === 'passthrough').map(g => g.gpu);
    if (gpus.length === 0 || vm.mmioGiB === undefined) return;
    const need = requiredMmioGiB(gpus.map(g => g.spec));
    if (vm.mmioGiB >= need) return;
    ctx.report({
        rule: MMIO005, severity: 'error', target: vm, property: 'mmio',
        message: `${vm.name}: 64-bit MMIO window ${vm.mmioGiB} GiB < ${need} GiB needed by ${describe(gpus)}${derivedNote(gpus)}.`,
        data: { vm: vm.name, need, declared: vm.mmioGiB },
        fixes: raiseMmioFix(ctx, vm, need)
    });
}

/**
 * ESXi passthrough (DirectPath I/O) needs 64-bit MMIO whenever the VM's devices' BARs total more
 * than 16 GB, whatever the VM's memory (VMware KB 2142307 [VMW-KB2142307]); NVIDIA's "VM memory ≥
 * 32 GB" condition applies to vGPU only [NVAIE-MMIO]. A GPU's BARs are taken as its MMIO figure
 * (the catalog's `mmioGiB`, [NVAIE-MMIO]; derived where NVIDIA publishes none).
 */
const ESXI_PASSTHROUGH_BAR_LIMIT_GIB = 16;

function checkEsxi(ctx: RuleContext, vm: VmModel): void {
    const passthrough = [...new Set(vm.gpus.filter(g => g.mode === 'passthrough').map(g => g.gpu))];
    const passthroughNeeds = passthrough.reduce((s, g) => s + g.spec.mmioGiB, 0) > ESXI_PASSTHROUGH_BAR_LIMIT_GIB;
    const vgpuCounts = vm.memoryMiB >= ESXI_MEMORY_THRESHOLD_MIB;
    const gpus = [...new Set(vm.gpus.map(g => g.gpu))].filter(g =>
        (passthroughNeeds && passthrough.includes(g)) || (vgpuCounts && g.spec.mmioGiB >= ESXI_LARGE_BAR_GIB));
    if (gpus.length === 0) return;
    const property = vm.mmioGiB === undefined ? 'name' : 'mmio';
    const declared = vm.mmioGiB === undefined ? 'no mmio is set' : `mmio is ${vm.mmioGiB} GiB`;
    if (gpus.length === 1) {
        const need = gpus[0].spec.mmioGiB;
        if (vm.mmioGiB !== undefined && vm.mmioGiB >= need) return;
        ctx.report({
            rule: MMIO001, severity: 'error', target: vm, property,
            message: `${vm.name}: ${gpus[0].name} (${gpus[0].spec.model}) needs ${need} GiB of 64-bit MMIO${derivedNote(gpus)} but ${declared}; set mmio ${need} GiB (pciPassthru.use64bitMMIO=TRUE, pciPassthru.64bitMMIOSizeGB ≥ ${need}).`,
            data: { vm: vm.name, need, declared: vm.mmioGiB },
            fixes: raiseMmioFix(ctx, vm, need)
        });
        return;
    }
    const sum = gpus.reduce((s, g) => s + g.spec.mmioGiB, 0);
    const need = requiredMmioGiB(gpus.map(g => g.spec));
    if (vm.mmioGiB !== undefined && vm.mmioGiB >= need) return;
    ctx.report({
        rule: MMIO002, severity: 'error', target: vm, property,
        message: `${vm.name}: ${gpus.length} GPUs need ${sum} GiB of 64-bit MMIO (${describe(gpus)})${derivedNote(gpus)} but ${declared}; set mmio ${need} GiB (pciPassthru.64bitMMIOSizeGB = ${need}).`,
        data: { vm: vm.name, need, sum, declared: vm.mmioGiB },
        fixes: raiseMmioFix(ctx, vm, need)
    });
}

/**
 * The MMIO001/MMIO002/MMIO005 quick-fix: "Raise MMIO window to {need} GiB" rewrites the VM's `mmio`
 * size, or adds `mmio {need} GiB` as its last clause. None when `need` (GiB) is not a positive whole
 * number a user could type, or the VM's syntax is missing.
 */
function raiseMmioFix(ctx: RuleContext, vm: VmModel, need: number): FixData[] {
    const node = ctx.resolved.trace.get(vm)?.node;
    if (!isVm(node) || !isTypable(need) || need <= 0) return [];
    const fix = combine(`Raise MMIO window to ${need} GiB`, [node.mmio ? replaceProperty(node, 'mmio', `${need} GiB`) : appendVmClause(node, `mmio ${need} GiB`)]);
    return fix ? [fix] : [];
}

/** GPUs needing 64 GiB of MMIO or more need EFI firmware [NVAIE-MMIO]. */
const LARGE_BAR_GIB = 64;

function checkEsxiGuest(ctx: RuleContext): void {
    for (const vm of ctx.topology.vms) {
        if (vm.host.platform !== 'esxi') continue;
        const large = vm.gpus.find(g => g.gpu.spec.mmioGiB >= LARGE_BAR_GIB);
        const node = ctx.resolved.trace.get(vm)?.node;
        if (large && vm.firmware === 'bios') {
            const fix = node && combine(`Set firmware efi on ${vm.name}`, [replaceProperty(node, 'firmware', 'efi')]);
            ctx.report({
                rule: MMIO003, target: vm, property: 'firmware',
                related: [{ target: large.gpu, message: `${large.gpu.name} (${large.gpu.spec.model}): ${large.gpu.spec.mmioGiB} GiB of MMIO` }],
                message: `${vm.name}: ${large.gpu.name} (${large.gpu.spec.model}, ${large.gpu.spec.mmioGiB} GiB of MMIO) needs EFI firmware and a 64-bit guest; firmware is bios.`,
                data: { vm: vm.name },
                fixes: [fix]
            });
        }
        const devices = [
            ...vm.gpus.filter(g => g.mode === 'passthrough').map(g => g.gpu.name),
            ...vm.nics.map(n => (n.mode === 'vf' ? `VF ${n.vf} of ${n.nic.name}` : n.nic.name))
        ];
        const reserved = vm.reservedMiB ?? 0;
        if (devices.length > 0 && reserved < vm.memoryMiB) {
            const written = node as { reservation?: unknown; reserveAll?: boolean } | undefined;
            const part = node && (written?.reservation !== undefined ? replaceProperty(node, 'reservation', 'all') : insertVmClause(node, 'reserve all'));
            const fix = combine(`Reserve all memory of ${vm.name}`, [part]);
            ctx.report({
                rule: MMIO004, target: vm, property: written?.reservation !== undefined ? 'reservation' : 'name',
                message: `${vm.name}: passthrough (DirectPath I/O) of ${devices.join(', ')} needs all guest memory reserved: ${gibText(vm.memoryMiB)} GiB, reserved ${gibText(reserved)} GiB.`,
                data: { vm: vm.name },
                fixes: [fix]
            });
        }
    }
}

export const MMIO: RuleFamily = {
    rules: [MMIO001, MMIO002, MMIO003, MMIO004, MMIO005],
    checks: [
        { rules: [MMIO001, MMIO002], run: ctx => ctx.topology.vms.filter(vm => vm.host.platform === 'esxi').forEach(vm => checkEsxi(ctx, vm)) },
        { rules: [MMIO005], run: ctx => ctx.topology.vms.filter(vm => vm.host.platform !== 'esxi').forEach(vm => checkKvm(ctx, vm)) },
        { rules: [MMIO003, MMIO004], run: checkEsxiGuest }
    ]
};
