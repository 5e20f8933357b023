/**
 * Validation for vmtopo. Two kinds of checks:
 * - per-node checks of what the user wrote (token forms, catalog models, duplicates): `SYN…`/`CAT…`;
 * - topology rules (`rules/*.ts`, one file per rule family) that run once per document over the
 *   workspace's resolved topology and report the diagnostics that fall into that document.
 */
import { AstUtils, GrammarUtils, type AstNode, type ValidationAcceptor, type ValidationChecks } from 'langium';
import type { LangiumServices } from 'langium/lsp';
import type * as ast from '../generated/ast.js';
import type { VmtopoAstType } from '../generated/ast.js';
import { findCpu, findGpu, findNic, findNvSwitch, knownModels, findVgpuType, findMigProfile } from '../catalog/index.js';
import { sourceUrl } from '../catalog/sources.js';
import { parseBdf, parseCpuList, parseNumaList, sizeToMiB, parseLinkWidth, checkLinkSpeed, vfAddress, formatBdf } from '../syntax/tokens.js';
import {
    checkInteger, MAX_MODULE_ID, MAX_NAME_LENGTH, MAX_NUMA_ID, MAX_PORT_SPEED_GBPS, MAX_SRIOV_FIELD, MAX_VCPUS
} from '../syntax/limits.js';
import type { TopologyProvider } from '../model/topology-provider.js';
import type { InternalErrors } from '../internal-errors.js';
import type { RuleContext, RuleFamily, RuleInfo } from './rule.js';
import { RULE_FAMILIES } from './rules/index.js';

/** Syntax and catalog checks on single nodes (ids used in `data.code` and the README). */
export const SyntaxRules = {
    SYN001: { id: 'SYN001', source: 'PCI-BDF', summary: 'PCI address is not dddd:bb:dd.f' },
    SYN002: { id: 'SYN002', source: 'LINUX-CPULIST', summary: 'CPU list is malformed' },
    SYN003: { id: 'SYN003', source: 'LIBVIRT-DOM', summary: 'size unit is not MiB, GiB or TiB' },
    SYN004: { id: 'SYN004', source: 'PCIE-LINK', summary: 'PCIe link speed or width does not exist' },
    SYN005: { id: 'SYN005', source: 'LIBVIRT-DOM', summary: 'duplicate name' },
    SYN006: { id: 'SYN006', source: 'LIBVIRT-DOM', summary: 'a VM or host clause is given twice' },
    SYN007: { id: 'SYN007', source: 'DOCA-SRIOV', summary: '`vf` names more than one NIC' },
    SYN008: { id: 'SYN008', source: 'VMTOPO-LIMITS', summary: 'a number, list or name is outside the range the language accepts' },
    CAT001: { id: 'CAT001', source: 'VMTOPO-CATALOG', summary: 'unknown GPU, NIC, NVSwitch or CPU model' },
    VGPU001: { id: 'VGPU001', source: 'VGPU-HOPPER', summary: 'vGPU type not defined for the GPU board' },
    MIG001: { id: 'MIG001', source: 'MIG-GPUS', summary: 'MIG slice on a GPU model without MIG' },
    MIG002: { id: 'MIG002', source: 'MIG-PROF', summary: 'MIG profile does not exist on the GPU model' }
} as const satisfies Record<string, RuleInfo>;

export class VmtopoValidator {
    private readonly topologies: TopologyProvider;
    private readonly internalErrors: InternalErrors;

    constructor(services: LangiumServices & { model: { TopologyProvider: TopologyProvider }; log: { InternalErrors: InternalErrors } }) {
        this.topologies = services.model.TopologyProvider;
        this.internalErrors = services.log.InternalErrors;
    }

    /** Every topology rule of every family, for documentation and tests. */
    static topologyRules(): RuleInfo[] {
        return RULE_FAMILIES.flatMap(f => [...f.rules]);
    }

    checkModel(model: ast.Model, accept: ValidationAcceptor): void {
        checkDuplicateNames([...(model.hosts ?? []), ...(model.vms ?? [])], accept);
        const resolved = this.topologies.get();
        const document = AstUtils.getDocument(model);
        const ctx: RuleContext = {
            topology: resolved.topology,
            resolved,
            report: ({ rule, severity, message, target, property, data }) => {
                const where = resolved.trace.get(target);
                if (!where || AstUtils.getDocument(where.node) !== document) return;
                accept(severity, message, {
                    node: where.node,
                    property: (property ?? where.property) as never,
                    index: property ? undefined : where.index,
                    code: rule.id,
                    codeDescription: { href: sourceUrl(rule.source) },
                    data: { code: rule.id, ...data }
                });
            }
        };
        for (const family of RULE_FAMILIES as readonly RuleFamily[]) {
            for (const check of family.checks) {
                // A rule that throws is reported once to the log with its ids; the others still run.
                this.internalErrors.guard(`rule ${check.rules.map(r => r.id).join('/')}`, () => check.run(ctx), undefined);
            }
        }
    }

    checkHost(host: ast.Host, accept: ValidationAcceptor): void {
        checkDuplicateNames([...(host.sockets ?? []), ...allSwitches(host), ...allDevices(host)], accept);
        if (host.cpuModel !== undefined && !findCpu(host.cpuModel)) {
            report(accept, 'error', SyntaxRules.CAT001, `Unknown CPU model "${shorten(host.cpuModel)}". Known: ${knownModels('cpu').join(', ')}.`, host, 'cpuModel');
        }
        checkTwice(host, accept, ['platform', 'cpu', 'license']);
    }

    /** SYN008: a name longer than a file name may be (it names export files and libvirt domains). */
    checkName(node: AstNode & { name?: string }, accept: ValidationAcceptor): void {
        if (typeof node.name === 'string' && node.name.length > MAX_NAME_LENGTH) {
            report(accept, 'error', SyntaxRules.SYN008,
                `This name has ${node.name.length} characters; names are at most ${MAX_NAME_LENGTH}, so that '<name>.nccl-topo.xml' fits a file name (255 bytes).`, node, 'name');
        }
    }

    checkSocket(socket: ast.Socket, accept: ValidationAcceptor): void {
        if (socket.cores !== undefined) this.checkCpuList(socket, 'cores', socket.cores, accept);
        if (socket.numa !== undefined) checkBound(accept, socket, 'numa', 0, MAX_NUMA_ID, 'NUMA node');
        checkTwice(socket, accept, ['numa', 'cores', 'memory']);
    }

    checkAddress(node: ast.PcieSwitch | ast.Device, accept: ValidationAcceptor): void {
        if (node.address === undefined) return; // not written yet: the parser reports it
        const p = parseBdf(node.address);
        if (!p.ok) report(accept, 'error', SyntaxRules.SYN001, p.message, node, 'address');
    }

    checkGpu(gpu: ast.Gpu, accept: ValidationAcceptor): void {
        if (gpu.model !== undefined && !findGpu(gpu.model)) {
            report(accept, 'error', SyntaxRules.CAT001, `Unknown GPU model "${shorten(gpu.model)}". Known: ${knownModels('gpu').join(', ')}.`, gpu, 'model');
        }
        if (gpu.module !== undefined) checkBound(accept, gpu, 'module', 0, MAX_MODULE_ID, 'module');
    }

    checkNic(nic: ast.Nic, accept: ValidationAcceptor): void {
        if (nic.model !== undefined && !findNic(nic.model)) {
            report(accept, 'error', SyntaxRules.CAT001, `Unknown NIC model "${shorten(nic.model)}". Known: ${knownModels('nic').join(', ')}.`, nic, 'model');
        }
        const vfs = nic.vfs !== undefined ? checkBound(accept, nic, 'vfs', 0, MAX_SRIOV_FIELD, 'vfs') : 0;
        const offset = nic.vfOffset !== undefined ? checkBound(accept, nic, 'vfOffset', 0, MAX_SRIOV_FIELD, 'vf-offset') : 1;
        const stride = nic.vfStride !== undefined ? checkBound(accept, nic, 'vfStride', 0, MAX_SRIOV_FIELD, 'vf-stride') : 1;
        if (nic.speed?.value !== undefined && !(nic.speed.value > 0 && nic.speed.value <= MAX_PORT_SPEED_GBPS)) {
            report(accept, 'error', SyntaxRules.SYN008,
                `speed ${written(nic.speed, 'value') ?? nic.speed.value} Gb/s is out of range: expected more than 0 and at most ${MAX_PORT_SPEED_GBPS} Gb/s.`, nic.speed, 'value');
        }
        const pf = parseBdf(nic.address);
        if (pf.ok && vfs !== undefined && vfs > 0 && offset !== undefined && stride !== undefined && !vfAddress(pf.value, offset, stride, vfs - 1)) {
            report(accept, 'error', SyntaxRules.SYN008,
                `${nic.name ?? 'This NIC'}: VF ${vfs - 1} would sit past the last PCI address of domain ${formatBdf(pf.value).slice(0, 4)} ` +
                `(routing id ${formatBdf(pf.value)} + vf-offset ${offset} + ${vfs - 1} × vf-stride ${stride} > ffff); lower vfs, vf-offset or vf-stride.`, nic, 'vfs');
        }
    }

    checkNvSwitch(sw: ast.NvSwitch, accept: ValidationAcceptor): void {
        if (sw.model !== undefined && !findNvSwitch(sw.model)) {
            report(accept, 'error', SyntaxRules.CAT001, `Unknown NVSwitch model "${shorten(sw.model)}". Known: ${knownModels('nvswitch').join(', ')}.`, sw, 'model');
        }
    }

    checkLink(link: ast.Link, accept: ValidationAcceptor): void {
        if (link.speed !== undefined) {
            const s = checkLinkSpeed(link.speed);
            if (!s.ok) report(accept, 'error', SyntaxRules.SYN004, s.message, link, 'speed');
        }
        if (link.width !== undefined) {
            const w = parseLinkWidth(link.width);
            if (!w.ok) report(accept, 'error', SyntaxRules.SYN004, w.message, link, 'width');
        }
    }

    checkSize(size: ast.Size, accept: ValidationAcceptor): void {
        if (size.value === undefined || size.unit === undefined) return; // half-typed: the parser reports it
        const p = sizeToMiB(size.value, size.unit);
        if (!p.ok) report(accept, 'error', p.outOfRange ? SyntaxRules.SYN008 : SyntaxRules.SYN003, p.message, size, p.outOfRange ? 'value' : 'unit');
    }

    checkVm(vm: ast.Vm, accept: ValidationAcceptor): void {
        if (vm.vcpus !== undefined) checkBound(accept, vm, 'vcpus', 1, MAX_VCPUS, 'vcpus');
        if (vm.pin !== undefined) this.checkCpuList(vm, 'pin', vm.pin, accept);
        if (vm.emulatorPin !== undefined) this.checkCpuList(vm, 'emulatorPin', vm.emulatorPin, accept);
        if (vm.memoryNuma !== undefined) {
            const p = parseNumaList(vm.memoryNuma);
            if (!p.ok) report(accept, 'error', p.outOfRange ? SyntaxRules.SYN008 : SyntaxRules.SYN002, p.message, vm, 'memoryNuma');
        }
        checkTwice(vm, accept, ['vcpus', 'emulator', 'memory', 'mmio', 'license']);
    }

    checkNicAssignment(a: ast.NicAssignment, accept: ValidationAcceptor): void {
        if (a.vf !== undefined && (a.nics?.length ?? 0) > 1) {
            report(accept, 'error', SyntaxRules.SYN007, `'vf ${written(a, 'vf') ?? a.vf}' names one virtual function; list one NIC per 'nic … vf' line.`, a, 'nics');
        }
        if (a.vf !== undefined) checkBound(accept, a, 'vf', 0, MAX_SRIOV_FIELD - 1, 'vf');
    }

    checkVgpuSlice(a: ast.VgpuSlice, accept: ValidationAcceptor): void {
        if (a.vgpuType === undefined) return;
        (a.gpus ?? []).forEach((ref, index) => {
            const gpu = ref?.ref;
            const spec = gpu && findGpu(gpu.model);
            if (gpu && spec && !findVgpuType(spec, a.vgpuType)) {
                const types = spec.vgpuTypes.map(t => t.name);
                report(accept, 'error', SyntaxRules.VGPU001,
                    `vGPU type '${shorten(a.vgpuType)}' is not available on ${spec.model} (${gpu.name}). Types: ${types.length ? types.join(', ') : 'none'}.`,
                    a, 'vgpuType', undefined, { gpu: gpu.name, index });
            }
        });
    }

    checkMigSlice(a: ast.MigSlice, accept: ValidationAcceptor): void {
        if (a.profile === undefined) return;
        (a.gpus ?? []).forEach(ref => {
            const gpu = ref?.ref;
            const spec = gpu && findGpu(gpu.model);
            if (!gpu || !spec) return;
            if (spec.migProfiles.length === 0) {
                report(accept, 'error', SyntaxRules.MIG001, `${spec.model} does not support MIG (${gpu.name}).`, a, 'profile');
            } else if (!findMigProfile(spec, a.profile)) {
                report(accept, 'error', SyntaxRules.MIG002,
                    `MIG profile '${shorten(a.profile)}' does not exist on ${spec.model}. Valid: ${spec.migProfiles.map(p => p.name).join(', ')}.`, a, 'profile');
            }
        });
    }

    private checkCpuList(node: AstNode, property: string, value: string | number, accept: ValidationAcceptor): void {
        const p = parseCpuList(value);
        if (!p.ok) report(accept, 'error', p.outOfRange ? SyntaxRules.SYN008 : SyntaxRules.SYN002, p.message, node, property);
    }
}

function report(accept: ValidationAcceptor, severity: 'error' | 'warning' | 'info', rule: RuleInfo, message: string,
    node: AstNode, property?: string, index?: number, data?: Record<string, unknown>): void {
    accept(severity, message, {
        node, property: property as never, index,
        code: rule.id,
        codeDescription: { href: sourceUrl(rule.source) },
        data: { code: rule.id, ...data }
    });
}

function allSwitches(host: ast.Host): ast.PcieSwitch[] {
    const out: ast.PcieSwitch[] = [];
    const visit = (s: ast.PcieSwitch) => { out.push(s); (s.switches ?? []).forEach(visit); };
    (host.switches ?? []).forEach(visit);
    return out;
}

function allDevices(host: ast.Host): ast.Device[] {
    return [...(host.devices ?? []), ...allSwitches(host).flatMap(s => s.devices ?? [])];
}

/** The text of `property` as written (the CST), e.g. `4294967296` rather than JavaScript's rendering. */
function written(node: AstNode, property: string): string | undefined {
    return node.$cstNode ? GrammarUtils.findNodeForProperty(node.$cstNode, property)?.text : undefined;
}

/** A user's string shortened for a message: at most 60 characters. */
function shorten(text: string): string {
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * SYN008: `node[property]` must be a whole number in `[min, max]`; reports it otherwise. Returns the
 * number when it is valid, else undefined.
 */
function checkBound(accept: ValidationAcceptor, node: AstNode, property: string, min: number, max: number, what: string): number | undefined {
    const value = (node as unknown as Record<string, unknown>)[property];
    const c = checkInteger(typeof value === 'number' ? value : undefined, min, max, what, written(node, property));
    if (!c.ok) report(accept, 'error', SyntaxRules.SYN008, `${c.message}.`, node, property);
    return c.ok ? c.value : undefined;
}

function checkDuplicateNames(nodes: Array<AstNode & { name?: string }>, accept: ValidationAcceptor): void {
    const seen = new Map<string, AstNode>();
    for (const node of nodes) {
        if (typeof node.name !== 'string') continue;
        const first = seen.get(node.name);
        if (first) {
            report(accept, 'error', SyntaxRules.SYN005, `Duplicate name '${node.name}': a ${first.$type.toLowerCase()} of that name is declared before.`, node, 'name');
        } else {
            seen.set(node.name, node);
        }
    }
}

/** Reports a clause keyword that appears twice in a block (the later one would silently win). */
function checkTwice(node: AstNode, accept: ValidationAcceptor, keywords: string[]): void {
    const counts = new Map<string, number>();
    for (const leaf of directKeywords(node)) {
        if (!keywords.includes(leaf)) continue;
        counts.set(leaf, (counts.get(leaf) ?? 0) + 1);
        if (counts.get(leaf) === 2) {
            report(accept, 'error', SyntaxRules.SYN006, `'${leaf}' is given twice in ${node.$type.toLowerCase()} '${(node as AstNode & { name?: string }).name ?? ''}'; keep one.`, node, 'name');
        }
    }
}

/** Keywords written directly in this node (not in child nodes), in order. */
function directKeywords(node: AstNode): string[] {
    const out: string[] = [];
    const cst = node.$cstNode;
    if (!cst || !('content' in cst)) return out;
    for (const child of (cst as { content: readonly { astNode: AstNode; text: string; grammarSource?: { $type: string } }[] }).content) {
        if (child.astNode === node && child.grammarSource?.$type === 'Keyword') out.push(child.text);
    }
    return out;
}

/** Registers the checks with Langium's validation registry (fast category: they run as you type). */
export function registerValidationChecks(services: LangiumServices & { validation: { VmtopoValidator: VmtopoValidator } }): void {
    const registry = services.validation.ValidationRegistry;
    const v = services.validation.VmtopoValidator;
    const checks: ValidationChecks<VmtopoAstType> = {
        Model: v.checkModel,
        Host: [v.checkName, v.checkHost],
        Socket: [v.checkName, v.checkSocket],
        PcieSwitch: [v.checkName, v.checkAddress],
        Gpu: [v.checkName, v.checkAddress, v.checkGpu],
        Nic: [v.checkName, v.checkAddress, v.checkNic],
        NvSwitch: [v.checkName, v.checkAddress, v.checkNvSwitch],
        Link: v.checkLink,
        Size: v.checkSize,
        Vm: [v.checkName, v.checkVm],
        NicAssignment: v.checkNicAssignment,
        VgpuSlice: v.checkVgpuSlice,
        MigSlice: v.checkMigSlice
    };
    registry.register(checks, v);
}
