/**
 * Semantic tokens: names coloured by what they are (declarations) and by what they resolve to
 * (references): a host as `class`, a socket as `namespace`, a PCIe switch as `interface`, a GPU as
 * `enumMember`, a NIC as `property`, an NVSwitch as `event`, a VM as `struct`. Declarations carry
 * the `declaration` modifier. A reference that does not resolve gets no token, so it keeps the
 * grammar's plain colour (and the diagnostic says why). Generic over the grammar: every reference
 * property of every node is coloured by its target's type.
 */
import { AstUtils, type AstNode } from 'langium';
import { AbstractSemanticTokenProvider, type SemanticTokenAcceptor } from 'langium/lsp';
import { SemanticTokenModifiers, SemanticTokenTypes } from 'vscode-languageserver';

/** Semantic token type by AST type of the declaration (or reference target). */
export const TOKEN_TYPE_OF: Readonly<Record<string, string>> = {
    Host: SemanticTokenTypes.class,
    Vm: SemanticTokenTypes.struct,
    Socket: SemanticTokenTypes.namespace,
    PcieSwitch: SemanticTokenTypes.interface,
    Gpu: SemanticTokenTypes.enumMember,
    Nic: SemanticTokenTypes.property,
    NvSwitch: SemanticTokenTypes.event
};

export class VmtopoSemanticTokenProvider extends AbstractSemanticTokenProvider {
    protected override highlightElement(node: AstNode, acceptor: SemanticTokenAcceptor): void {
        const declared = TOKEN_TYPE_OF[node.$type];
        const name = (node as unknown as { name?: unknown }).name;
        if (declared && typeof name === 'string' && name.length > 0) {
            acceptor({ node, property: 'name', type: declared, modifier: SemanticTokenModifiers.declaration });
        }
        for (const ref of AstUtils.streamReferences(node)) {
            if (ref.container !== node) continue;
            const target = 'ref' in ref.reference ? ref.reference.ref : undefined;
            const type = target && TOKEN_TYPE_OF[target.$type];
            if (type && ref.reference.$refNode) {
                acceptor({ cst: ref.reference.$refNode, type });
            }
        }
    }
}
