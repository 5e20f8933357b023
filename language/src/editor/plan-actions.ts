/**
 * "Place this request": the code action on a `request` block that plans it (features/plan, next to
 * the workspace's VMs) and inserts the planned `vm` blocks after it. Offered only when the
 * workspace has no errors and every VM of the request can be placed (otherwise `vmtopo plan` says
 * which resource ran out first). "Re-plan this VM": on a LOC, NIC or MIG diagnostic of a VM, the
 * refactoring (Refactor menu, kind `refactor.rewrite`) that plans the VM again on its host (the
 * other VMs stay where they are), verified like a quick-fix.
 */
import { AstUtils, type LangiumDocument } from 'langium';
import { CodeActionKind, type CodeAction, type Diagnostic, type Range } from 'vscode-languageserver';
import { isRequest, type Model, type Request, type Vm } from '../generated/ast.js';
import type { Topology, VmModel } from '../model/topology.js';
import type { RequestShape } from '../model/request.js';
import { planRequests, planWorkspace } from '../features/plan/index.js';
import { vmText } from '../features/plan/write.js';

/** The request whose text contains `range.start`, if any. */
function requestAt(document: LangiumDocument, range: Range): Request | undefined {
    const model = document.parseResult.value as Model;
    const pos = range.start;
    return model.requests.find(r => {
        const cst = r.$cstNode;
        if (!cst) return false;
        const { start, end } = cst.range;
        const after = pos.line > start.line || (pos.line === start.line && pos.character >= start.character);
        const before = pos.line < end.line || (pos.line === end.line && pos.character <= end.character);
        return after && before;
    });
}

/**
 * The "Place this request" action for the request at `range` (empty when there is none, the
 * workspace has errors, or the request cannot be placed): one edit inserting the planned VMs after
 * the request's closing brace.
 */
export async function placeRequestActions(document: LangiumDocument, range: Range, topology: Topology, workspaceHasErrors: boolean): Promise<CodeAction[]> {
    const request = requestAt(document, range);
    if (!request || workspaceHasErrors || !isRequest(request) || !AstUtils.getDocument(request)) return [];
    const plan = await planWorkspace(topology, [request]);
    if (plan.errors.length > 0 || plan.text === '' || !request.$cstNode) return [];
    const end = request.$cstNode.range.end;
    return [{
        title: `Place this request (${plan.result!.placed} VM${plan.result!.placed > 1 ? 's' : ''}, ${plan.result!.method === 'milp' ? 'exact MILP' : 'heuristic'})`,
        kind: CodeActionKind.RefactorRewrite,
        edit: { changes: { [document.uri.toString()]: [{ range: { start: end, end }, newText: `\n\n${plan.text.trimEnd()}` }] } }
    }];
}

/** Rule families whose diagnostics offer "Re-plan this VM". */
const REPLAN_CODES = /^(LOC|NIC|MIG)\d{3}$/;

/** The VM whose text contains `range.start`, if any. */
function vmAt(document: LangiumDocument, range: Range): Vm | undefined {
    const model = document.parseResult.value as Model;
    const pos = range.start;
    return model.vms.find(v => {
        const cst = v.$cstNode;
        if (!cst) return false;
        const { start, end } = cst.range;
        return (pos.line > start.line || (pos.line === start.line && pos.character >= start.character))
            && (pos.line < end.line || (pos.line === end.line && pos.character <= end.character));
    });
}

/**
 * The request a VM answers (pure): its GPUs (one kind: whole GPUs, one vGPU type or one MIG profile,
 * of one model), NICs per GPU (PFs or VFs, asked on the GPU's switch, preferred), vCPUs (as SMT pairs
 * when even), memory and hugepages, on its host. Undefined for a VM with clauses the planner does
 * not write (emulator pin, NVSwitches, Fabric Manager, P2P, unified memory, GPUDirect RDMA, guest
 * driver, Secure Boot, firmware, reservation) or GPUs of several kinds.
 */
export function requestOfVm(vm: VmModel, node: Vm): RequestShape | undefined {
    if (node.emulatorPin !== undefined || node.nvswitches.length > 0 || node.fmService || node.p2p || node.unifiedMemory || node.gpudirectRdma
        || node.guestDriver !== undefined || node.secureBoot || node.firmware !== undefined || node.reserveAll || node.reservation !== undefined) return undefined;
    if (vm.vcpus < 1 || vm.memoryMiB <= 0) return undefined;
    const kinds = new Set(vm.gpus.map(g => `${g.mode}:${g.gpu.spec.model}:${g.mode === 'vgpu' ? g.type.name : g.mode === 'mig' ? g.profile.name : ''}`));
    if (kinds.size > 1) return undefined;
    const first = vm.gpus[0];
    const count = first?.mode === 'passthrough' ? new Set(vm.gpus.map(g => g.gpu)).size : vm.gpus.length;
    const vf = vm.nics.length > 0 && vm.nics.every(n => n.mode === 'vf');
    if (vm.nics.length > 0 && !vf && vm.nics.some(n => n.mode === 'vf')) return undefined;
    return {
        name: vm.name,
        hosts: [vm.host.name],
        ...(first ? { gpus: { count, models: [first.gpu.spec], mode: first.mode, ...(first.mode === 'vgpu' ? { slice: first.type.name } : first.mode === 'mig' ? { slice: first.profile.name } : {}) } } : {}),
        ...(first && vm.nics.length > 0 ? { nic: { perGpu: Math.max(1, Math.floor(vm.nics.length / Math.max(1, count))), vf, locality: 'same-switch' as const } } : {}),
        vcpus: vm.vcpus,
        smtPairs: vm.vcpus % 2 === 0,
        memoryMiB: vm.memoryMiB,
        ...(vm.hugepageMiB ? { hugepageMiB: vm.hugepageMiB } : {}),
        count: 1,
        locality: 'preferred'
    };
}

/**
 * "Re-plan {vm}" for a LOC, NIC or MIG diagnostic inside a VM: the VM planned again on its host
 * without its current placement (the other VMs stay), its block replaced by the planned one (same
 * name; its doc comment kept). Not verified here: the provider verifies it like every quick-fix.
 */
export async function replanVmActions(document: LangiumDocument, diagnostics: readonly Diagnostic[], topology: Topology): Promise<Array<{ action: CodeAction; diagnostic: Diagnostic }>> {
    const out: Array<{ action: CodeAction; diagnostic: Diagnostic }> = [];
    const done = new Set<Vm>();
    for (const diagnostic of diagnostics) {
        if (typeof diagnostic.code !== 'string' || !REPLAN_CODES.test(diagnostic.code)) continue;
        const node = vmAt(document, diagnostic.range);
        if (!node || done.has(node) || !node.$cstNode) continue;
        done.add(node);
        const vm = topology.vms.find(v => v.name === node.name && v.host.name === node.host.ref?.name);
        const shape = vm && requestOfVm(vm, node);
        if (!vm || !shape) continue;
        const without: Topology = { ...topology, vms: topology.vms.filter(v => v !== vm), declarations: topology.declarations.filter(d => !(d.kind === 'vm' && d.name === vm.name)) };
        const plan = await planRequests(without, [shape], { host: vm.host.name });
        if (plan.vms.length !== 1) continue;
        const block = vmText(plan.vms[0], plan);
        const text = block.slice(block.indexOf('vm ')).trimEnd().replace(/^vm \S+ on/, `vm ${vm.name} on`);
        out.push({
            diagnostic,
            action: {
                title: `Re-plan ${vm.name} (${plan.method === 'milp' ? 'exact MILP' : 'heuristic'}, locality cost ${plan.locality})`,
                kind: CodeActionKind.RefactorRewrite,
                diagnostics: [diagnostic],
                edit: { changes: { [document.uri.toString()]: [{ range: node.$cstNode.range, newText: text }] } }
            }
        });
    }
    return out;
}
