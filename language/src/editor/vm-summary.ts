/**
 * Hover on a VM: what it holds and what is wrong with it, in one Markdown block —
 *
 * - vCPUs and memory per NUMA node: the guest NUMA cells of the export's guest plan
 *   (`planGuestAddresses`: one cell per host node holding pinned vCPUs, memory split over the cells
 *   by their vCPUs, bound to the nodes written), or, where no plan can be made (the VM has errors the
 *   plan refuses), the pin list counted per host node;
 * - GPUs: each passthrough GPU, vGPU or MIG slice, with its model, NUMA node and switch;
 * - NICs and VFs, each with its NCCL PCI path type to every GPU of the VM (`hostNcclPciType`,
 *   model/nccl-paths.ts: PIX same switch, PXB a common switch higher up, PHB through the CPU of the
 *   same NUMA node, SYS across nodes) — NCCL uses GPUDirect RDMA only up to PXB by default
 *   (`NCCL_NET_GDR_LEVEL`, https://docs.nvidia.com/deeplearning/nccl/user-guide/docs/env.html);
 * - the 64-bit MMIO window written against what the passthrough GPUs need (`requiredMmioGiB`, rule
 *   MMIO005, docs/rules.md);
 * - its licence (written on the VM or inherited from the host);
 * - its problems: the diagnostics of its declaration (the same a per-VM export is refused for).
 */
import type { Diagnostic } from 'vscode-languageserver-types';
import { requiredMmioGiB } from '../catalog/index.js';
import { planGuestAddresses } from '../model/guest-plan.js';
import type { GpuModel, VmModel } from '../model/topology.js';
import { hostNcclPciType } from '../model/nccl-paths.js';
import { formatBdf, gibText } from '../syntax/tokens.js';
import { diagnosticCode, messageText, severityName } from '../kernel/diagnostics.js';

/** How many of a VM's problems the hover lists (the count says how many there are). */
const PROBLEMS_LISTED = 6;

/** vCPUs and memory of one host NUMA node, as the hover lists them. */
interface NodeShare {
    node: number;
    vcpus: number;
    /** MiB bound to the node; undefined when the memory is not bound per node. */
    memoryMiB?: number;
}

/**
 * The VM's vCPUs and memory per host NUMA node: from the guest plan, else from the pin list alone
 * (memory then on the bound nodes, when exactly one is written). An unpinned VM has no per-node
 * vCPUs: `undefined`.
 */
export function vmNumaShares(vm: VmModel): NodeShare[] | undefined {
    try {
        const plan = planGuestAddresses(vm);
        if (plan.vcpuPins === undefined && vm.memoryNuma === undefined) return undefined;
        return plan.cells.map(cell => ({
            node: cell.hostNode, vcpus: cell.vcpus.length,
            memoryMiB: plan.bindMemory && cell.memoryNodes.length === 1 && cell.memoryNodes[0] === cell.hostNode ? cell.memoryMiB : undefined
        }));
    } catch {
        if (!vm.pin) return undefined;
        const byNode = new Map<number, number>();
        for (const cpu of vm.pin) {
            const node = vm.host.numaOfCpu(cpu)?.id;
            if (node !== undefined) byNode.set(node, (byNode.get(node) ?? 0) + 1);
        }
        const single = vm.memoryNuma?.length === 1 ? vm.memoryNuma[0] : undefined;
        return [...byNode].sort((a, b) => a[0] - b[0]).map(([node, vcpus]) => ({ node, vcpus, memoryMiB: node === single ? vm.memoryMiB : undefined }));
    }
}

/** `gpu0 (H200 SXM5 141GB, passthrough)`, `gpu6 (vGPU H200X-35C)`, `gpu6 (MIG 1g.18gb, start 2)`. */
function gpuLine(g: VmModel['gpus'][number]): string {
    const where = `NUMA ${g.gpu.numa}${g.gpu.parentSwitch ? `, switch \`${g.gpu.parentSwitch.name}\`` : ''}, \`${formatBdf(g.gpu.address)}\``;
    const how = g.mode === 'passthrough' ? 'passthrough'
        : g.mode === 'vgpu' ? `vGPU ${g.type.name}`
            : `MIG ${g.profile.name}${g.type ? ` (vGPU ${g.type.name})` : ''}${g.start !== undefined ? `, start ${g.start}` : ''}`;
    return `\`${g.gpu.name}\` — ${how}, ${g.gpu.spec.model}; ${where}`;
}

/**
 * The Markdown summary of `vm` for its hover. `diagnostics`: those of its declaration (any
 * severity), listed as its problems, errors first.
 */
export function vmSummary(vm: VmModel, diagnostics: readonly Diagnostic[] = []): string {
    const out: string[] = [];
    const memory = `${gibText(vm.memoryMiB)} GiB`;
    out.push(`**VM \`${vm.name}\`** on host \`${vm.host.name}\` (${vm.host.platform}): ${vm.vcpus} vCPUs, ${memory} memory`
        + `${vm.hugepageMiB ? `, hugepages ${vm.hugepageMiB >= 1024 ? `${gibText(vm.hugepageMiB)} GiB` : `${vm.hugepageMiB} MiB`}` : ''}`);

    const shares = vmNumaShares(vm);
    if (shares && shares.length > 0) {
        out.push('', '| NUMA node | vCPUs | memory |', '|---|---|---|');
        for (const s of shares) {
            const mem = s.memoryMiB !== undefined ? `${gibText(s.memoryMiB)} GiB` : vm.memoryNuma ? `bound to ${vm.memoryNuma.join(', ')}` : 'not bound';
            out.push(`| ${s.node} | ${s.vcpus} | ${mem} |`);
        }
    } else {
        out.push('', `vCPUs: not pinned (floating)${vm.memoryNuma ? `; memory bound to NUMA ${vm.memoryNuma.join(', ')}` : '; memory not bound to a NUMA node'}`);
    }

    const gpus = vm.gpus;
    out.push('', gpus.length === 0 ? 'GPUs: none' : `GPUs (${gpus.length}):`);
    for (const g of gpus) out.push(`- ${gpuLine(g)}`);

    const distinctGpus = [...new Set(gpus.map(g => g.gpu))];
    out.push('', vm.nics.length === 0 ? 'NICs: none' : `NICs (${vm.nics.length}), NCCL path to each GPU (PIX same switch, PXB common switch, PHB same CPU, SYS across CPUs):`);
    for (const n of vm.nics) {
        const what = n.mode === 'passthrough' ? `\`${n.nic.name}\` — passthrough` : `\`${n.nic.name}\` VF ${n.vf} (\`${formatBdf(n.address)}\`)`;
        const paths = distinctGpus.map((gpu: GpuModel) => `${gpu.name} ${hostNcclPciType(vm.host, gpu.name, n.nic.name)}`);
        out.push(`- ${what}, ${n.nic.spec.model}, NUMA ${n.nic.numa}${paths.length > 0 ? `; ${paths.join(', ')}` : ''}`);
    }
    if (vm.nvswitches.length > 0) out.push('', `NVSwitches: ${vm.nvswitches.map(s => `\`${s.nvswitch.name}\``).join(', ')}`);

    const passthrough = gpus.filter(g => g.mode === 'passthrough').map(g => g.gpu.spec);
    const need = passthrough.length > 0 ? requiredMmioGiB(passthrough) : 0;
    const window = vm.mmioGiB !== undefined ? `${vm.mmioGiB} GiB written` : 'not written (the libvirt export sizes it)';
    out.push('', `MMIO window: ${window}; passthrough GPUs need ${need} GiB`
        + `${vm.mmioGiB !== undefined && need > 0 ? (vm.mmioGiB >= need ? ' — enough' : ' — **too small** (MMIO005)') : ''}`);
    out.push(`Licence: ${vm.license ? `${vm.license}${vm.licenseOnVm ? '' : ` (from host \`${vm.host.name}\`)`}` : 'none'}`);

    const ordered = [...diagnostics].sort((a, b) => (a.severity ?? 1) - (b.severity ?? 1));
    if (ordered.length === 0) {
        out.push('', 'Problems: none');
    } else {
        const count = (name: string) => ordered.filter(d => severityName(d) === name).length;
        const counts = ['error', 'warning', 'info', 'hint'].map(n => [n, count(n)] as const).filter(([, c]) => c > 0).map(([n, c]) => `${c} ${n}${c === 1 ? '' : 's'}`);
        out.push('', `Problems: ${counts.join(', ')}`);
        for (const d of ordered.slice(0, PROBLEMS_LISTED)) {
            out.push(`- ${severityName(d)} ${diagnosticCode(d) ?? ''} (line ${d.range.start.line + 1}): ${messageText(d).replace(/\s*\n\s*/g, ' ')}`);
        }
        if (ordered.length > PROBLEMS_LISTED) out.push(`- … and ${ordered.length - PROBLEMS_LISTED} more (Problems panel)`);
    }
    return out.join('\n');
}
