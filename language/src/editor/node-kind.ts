/**
 * Symbol and completion kinds of vmtopo declarations (outline, breadcrumbs, "Go to Symbol",
 * completion icons): host = Class, VM = Object, socket = Module, PCIe switch = Namespace, GPU = Field,
 * NIC = Property, NVSwitch = Interface. Document symbols: a VM lists the devices it was given as
 * children ("gpu0" with detail "passthrough"), each symbol has a detail (model, host, address).
 */
import { AstUtils, type AstNode, type AstNodeDescription, type LangiumDocument } from 'langium';
import { DefaultDocumentSymbolProvider, DefaultNodeKindProvider } from 'langium/lsp';
import { CompletionItemKind, SymbolKind, type DocumentSymbol } from 'vscode-languageserver';
import {
    isGpu, isHost, isMigSlice, isNic, isNicAssignment, isNvSwitch, isPassthroughGpus, isPcieSwitch, isSocket, isVgpuSlice, isVm, type Vm
} from '../generated/ast.js';

/** Symbol kind by AST type (node or description of a node). */
const SYMBOL_KINDS: Record<string, SymbolKind> = {
    Host: SymbolKind.Class,
    Vm: SymbolKind.Object,
    Socket: SymbolKind.Module,
    PcieSwitch: SymbolKind.Namespace,
    Gpu: SymbolKind.Field,
    Nic: SymbolKind.Property,
    NvSwitch: SymbolKind.Interface
};

const COMPLETION_KINDS: Record<string, CompletionItemKind> = {
    Host: CompletionItemKind.Class,
    Vm: CompletionItemKind.Module,
    Socket: CompletionItemKind.Module,
    PcieSwitch: CompletionItemKind.Interface,
    Gpu: CompletionItemKind.Field,
    Nic: CompletionItemKind.Property,
    NvSwitch: CompletionItemKind.Interface
};

function typeOf(node: AstNode | AstNodeDescription): string {
    return '$type' in node ? node.$type : node.type;
}

export class VmtopoNodeKindProvider extends DefaultNodeKindProvider {
    override getSymbolKind(node: AstNode | AstNodeDescription): SymbolKind {
        return SYMBOL_KINDS[typeOf(node)] ?? super.getSymbolKind(node);
    }

    override getCompletionItemKind(node: AstNode | AstNodeDescription): CompletionItemKind {
        return COMPLETION_KINDS[typeOf(node)] ?? super.getCompletionItemKind(node);
    }
}

export class VmtopoDocumentSymbolProvider extends DefaultDocumentSymbolProvider {
    protected override getSymbol(document: LangiumDocument, astNode: AstNode): DocumentSymbol[] {
        const symbols = super.getSymbol(document, astNode);
        for (const symbol of symbols) {
            const detail = detailOf(astNode);
            if (detail) symbol.detail = detail;
        }
        return symbols;
    }

    protected override getChildSymbols(document: LangiumDocument, astNode: AstNode): DocumentSymbol[] | undefined {
        if (isVm(astNode)) {
            const children = vmDeviceSymbols(astNode, this.nodeKindProvider.getSymbolKind.bind(this.nodeKindProvider));
            return children.length > 0 ? children : undefined;
        }
        return super.getChildSymbols(document, astNode);
    }
}

/** One line shown next to the symbol's name: model and address of a device, host of a VM, NUMA node of a socket. */
function detailOf(node: AstNode): string | undefined {
    if (isGpu(node) || isNic(node) || isNvSwitch(node)) return [node.model, node.address && `at ${node.address}`].filter(Boolean).join(' ');
    if (isPcieSwitch(node)) return node.address ? `at ${node.address}` : undefined;
    if (isVm(node)) return node.host?.$refText ? `on ${node.host.$refText}` : undefined;
    if (isSocket(node)) return node.numa !== undefined ? `NUMA ${node.numa}` : undefined;
    if (isHost(node)) return node.platform;
    return undefined;
}

/**
 * A VM's children: each device it references, in written order, with how it receives it
 * (`passthrough`, `vGPU H200X-1-18C`, `MIG 1g.18gb`, `VF 0`). Any clause of the VM that references
 * a device counts (clauses added to the grammar later too); its kind is the device's.
 */
function vmDeviceSymbols(vm: Vm, kindOf: (node: AstNode | AstNodeDescription) => SymbolKind): DocumentSymbol[] {
    const symbols: DocumentSymbol[] = [];
    for (const clause of AstUtils.streamContents(vm)) {
        const range = clause.$cstNode?.range;
        if (!range) continue;
        for (const { reference } of AstUtils.streamReferences(clause)) {
            const refNode = reference.$refNode;
            if (!reference.$refText || !refNode) continue;
            const target = 'ref' in reference ? reference.ref : undefined;
            symbols.push({
                name: reference.$refText,
                detail: howHeld(clause),
                kind: target ? kindOf(target) : SymbolKind.Field,
                range,
                selectionRange: refNode.range
            });
        }
    }
    return symbols;
}

function howHeld(clause: AstNode): string {
    if (isPassthroughGpus(clause)) return 'passthrough';
    if (isVgpuSlice(clause)) return `vGPU ${clause.vgpuType ?? ''}`.trim();
    if (isMigSlice(clause)) return `MIG ${clause.profile ?? ''}`.trim();
    if (isNicAssignment(clause)) return clause.passthrough ? 'passthrough' : `VF ${clause.vf ?? ''}`.trim();
    return /\bpassthrough\b/.test(clause.$cstNode?.text ?? '') ? 'passthrough' : '';
}
