/**
 * Langium's descriptions of named nodes (what a scope finds and a reference keeps:
 * `AstNodeDescription`), with the node's path and text segments made when first read rather than
 * for every description: linking makes one for every host and device a VM names and for every
 * socket a switch is `on`, and almost none of them is ever asked where it is (go to definition and
 * find references are). The same values as Langium's — the path of the node and the segments of its
 * syntax and of its name, as of the first read (Langium makes the name's segment on first read too)
 * — read through accessors of the description's class instead of fields of a literal.
 */
import { AstUtils, CstUtils, DefaultAstNodeDescriptionProvider, type AstNode, type AstNodeDescription, type DocumentSegment, type LangiumDocument, type URI } from 'langium';

export class VmtopoAstNodeDescriptionProvider extends DefaultAstNodeDescriptionProvider {
    override createDescription(node: AstNode, name: string | undefined, document?: LangiumDocument): AstNodeDescription {
        const doc = document ?? AstUtils.getDocument(node);
        name ??= this.nameProvider.getName(node);
        if (!name) throw new Error(`Node at path ${this.astNodeLocator.getAstNodePath(node)} has no name.`);
        return new LazyDescription(node, name, doc.uri, this);
    }

    /** The node's path in its document (`AstNodeLocator.getAstNodePath`). */
    pathOf(node: AstNode): string {
        return this.astNodeLocator.getAstNodePath(node);
    }

    /** The segment of the node's name, or of the node when it has no name node. */
    nameSegmentOf(node: AstNode): DocumentSegment | undefined {
        return CstUtils.toDocumentSegment(this.nameProvider.getNameNode(node) ?? node.$cstNode);
    }
}

/** An {@link AstNodeDescription} whose path and segments are made on first read (and kept). */
class LazyDescription implements AstNodeDescription {
    readonly type: string;
    #path?: string;
    #selectionSegment?: DocumentSegment | null;
    #nameSegment?: DocumentSegment | null;
    readonly #provider: VmtopoAstNodeDescriptionProvider;

    constructor(readonly node: AstNode, readonly name: string, readonly documentUri: URI, provider: VmtopoAstNodeDescriptionProvider) {
        this.type = node.$type;
        this.#provider = provider;
    }

    get path(): string {
        return this.#path ??= this.#provider.pathOf(this.node);
    }

    get selectionSegment(): DocumentSegment | undefined {
        if (this.#selectionSegment === undefined) this.#selectionSegment = CstUtils.toDocumentSegment(this.node.$cstNode) ?? null;
        return this.#selectionSegment ?? undefined;
    }

    get nameSegment(): DocumentSegment | undefined {
        if (this.#nameSegment === undefined) this.#nameSegment = this.#provider.nameSegmentOf(this.node) ?? null;
        return this.#nameSegment ?? undefined;
    }
}
