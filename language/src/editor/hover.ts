/**
 * Hover: Langium's doc-comment hover (the `/** … *\/` before a declaration), followed, for GPUs,
 * NICs and NVSwitches, by the catalog's facts about their model, and for a VM by its summary
 * (vm-summary.ts: NUMA placement, GPUs, NICs and their paths, MMIO, licence, problems). Hovering a reference (`gpu gpu0`
 * inside a VM) shows the declaration's hover, as Langium resolves references before asking for the
 * content. The facts come from the resolved model (`modelOf`), which carries the catalog entry.
 */
import { AstUtils, type AstNode, type LangiumDocument, type MaybePromise } from 'langium';
import type { Hover, HoverParams } from 'vscode-languageserver';
import { MultilineCommentHoverProvider } from 'langium/lsp';
import { isGpu, isHost, isHostTemplate, isNic, isNvSwitch, isVm, type Host, type HostTemplate, type Vm } from '../generated/ast.js';
import { specFacts } from '../catalog/facts.js';
import type { DeviceModel, HostModel, VmModel } from '../model/topology.js';
import { formatBdf } from '../syntax/tokens.js';
import type { VmtopoEditorServices } from '../langium/services.js';
import { catalogStringHover } from './catalog-hover.js';
import { vmSummary } from './vm-summary.js';

export class VmtopoHoverProvider extends MultilineCommentHoverProvider {
    constructor(protected readonly services: VmtopoEditorServices) {
        super(services);
    }

    /** On a catalog string (model, vGPU type, MIG profile): its catalog facts (catalog-hover.ts); elsewhere Langium's hover. */
    override async getHoverContent(document: LangiumDocument, params: HoverParams): Promise<Hover | undefined> {
        const offset = document.textDocument.offsetAt(params.position);
        const catalog = this.services.log.InternalErrors.guard('hover (catalog string)', () => catalogStringHover(this.services, document, offset), undefined);
        return catalog ? { contents: { kind: 'markdown', value: catalog } } : super.getHoverContent(document, params);
    }

    /** Doc comment and catalog facts; a failure of either is logged and that part left out. */
    protected override getAstNodeHoverContent(node: AstNode): MaybePromise<string | undefined> {
        const log = this.services.log.InternalErrors;
        const doc = log.guard('hover (doc comment)', () => super.getAstNodeHoverContent(node) as string | undefined, undefined);
        const facts = isGpu(node) || isNic(node) || isNvSwitch(node) ? log.guard('hover (catalog facts)', () => this.deviceFacts(node), undefined) : undefined;
        const template = isHost(node) || isHostTemplate(node) ? log.guard('hover (host template)', () => this.templateFacts(node), undefined) : undefined;
        const vm = isVm(node) ? log.guard('hover (VM summary)', () => this.vmFacts(node), undefined) : undefined;
        const parts = [doc, facts, template, vm].filter((p): p is string => !!p);
        return parts.length > 0 ? parts.join('\n\n---\n\n') : undefined;
    }

    /**
     * Host templates: on a host made from one, the template and what the expansion holds; on a
     * template, the hosts made from it.
     */
    protected templateFacts(node: Host | HostTemplate): string | undefined {
        const resolved = this.services.model.TopologyProvider.get();
        if (isHost(node)) {
            const template = node.template?.ref;
            const host = resolved.modelOf.get(node) as HostModel | undefined;
            if (!template || !host) return undefined;
            const count = (kind: string) => host.devices.filter(d => d.kind === kind).length;
            return `Made from template \`${template.name}\`: ${count('gpu')} GPUs, ${count('nic')} NICs, ${count('nvswitch')} NVSwitches, ${host.switches.length} PCIe switches, ${host.numaNodes.length} NUMA nodes`;
        }
        const users = resolved.topology.hosts.filter(h => {
            const at = resolved.trace.get(h)?.node;
            return at && isHost(at) && at.template?.ref === node;
        }).map(h => `\`${h.name}\``);
        return users.length > 0 ? `Hosts made from this template (${users.length}): ${users.join(', ')}` : 'No host is made from this template yet.';
    }

    /**
     * A VM's summary (vm-summary.ts): vCPUs and memory per NUMA node, GPUs and slices, NICs and VFs
     * with their path to each GPU, MMIO window against the need, licence, and the diagnostics of its
     * declaration. Undefined when the VM did not resolve (its host is unknown).
     */
    protected vmFacts(node: Vm): string | undefined {
        const vm = this.services.model.TopologyProvider.get().modelOf.get(node) as VmModel | undefined;
        const cst = node.$cstNode;
        if (!vm || !cst) return undefined;
        const document = AstUtils.getDocument(node);
        const text = document.textDocument;
        const inside = (document.diagnostics ?? []).filter(d => {
            const at = text.offsetAt(d.range.start);
            return at >= cst.offset && at <= cst.end;
        });
        return vmSummary(vm, inside);
    }

    /** Markdown facts of the device's catalog model, or undefined when the device did not resolve. */
    protected deviceFacts(node: AstNode): string | undefined {
        const device = this.services.model.TopologyProvider.get().modelOf.get(node) as DeviceModel | undefined;
        if (!device || !('spec' in device)) {
            return undefined;
        }
        const location = `\`${device.name}\` at \`${formatBdf(device.address)}\`, NUMA node ${device.numa}` +
            (device.parentSwitch ? `, behind PCIe switch \`${device.parentSwitch.name}\`` : '');
        return [location, ...specFacts(device.spec)].join('  \n');
    }
}
