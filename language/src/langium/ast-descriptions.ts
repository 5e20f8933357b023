/**
 * Langium's descriptions of named nodes (what a scope finds and a reference keeps:
 * `AstNodeDescription`), with the node's path and text segment made when first read rather than
 * for every description: linking makes one for every host and device a VM names and for every
 * socket a switch is `on`, and almost none of them is ever asked where it is (go to definition and
 * find references are). Same fields, same values — the segment of the node's syntax and its path,
 * as of the first read; Langium's own `nameSegment` is made on first read too.
 */
import { AstUtils, CstUtils, DefaultAstNodeDescriptionProvider, type AstNode, type AstNodeDescription, type DocumentSegment, type LangiumDocument } from 'langium';

export class VmtopoAstNodeDescriptionProvider extends DefaultAstNodeDescriptionProvider {
    override createDescription(node: AstNode, name: string | undefined, document?: LangiumDocument): AstNodeDescription {
        const doc = document ?? AstUtils.getDocument(node);
        name ??= this.nameProvider.getName(node);
        if (!name) throw new Error(`Node at path ${this.astNodeLocator.getAstNodePath(node)} has no name.`);
        const locator = this.astNodeLocator;
        const nameProvider = this.nameProvider;
        let path: string | undefined;
        let selectionSegment: DocumentSegment | undefined;
        let nameSegment: DocumentSegment | undefined;
        return {
            node,
            name,
            get nameSegment() {
                return nameSegment ??= CstUtils.toDocumentSegment(nameProvider.getNameNode(node) ?? node.$cstNode);
            },
            get selectionSegment() {
                return selectionSegment ??= CstUtils.toDocumentSegment(node.$cstNode);
            },
            type: node.$type,
            documentUri: doc.uri,
            get path() {
                return path ??= locator.getAstNodePath(node);
            }
        };
    }
}
