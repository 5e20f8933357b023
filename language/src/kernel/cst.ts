/**
 * CST lookup: what the user wrote for a property of an AST node (its CST node and text), and the
 * keywords written directly in a node. Used by the resolver, the rules, their fixes and the diagram
 * to place things at the text the user wrote.
 */
import { AstUtils, GrammarAST, isCompositeCstNode, type AstNode, type CstNode } from 'langium';

/** The text of `property` as written (the CST), e.g. `4294967296` rather than JavaScript's rendering. */
export function written(node: AstNode, property: string): string | undefined {
    return node.$cstNode ? nodeForProperty(node.$cstNode, property)?.text : undefined;
}

/**
 * The first CST node of `property` of the AST node of `cst`: what Langium's
 * `GrammarUtils.findNodeForProperty(cst, property)` returns, found without building the list of all
 * such nodes (Langium's makes a new array per CST node visited; the checks ask for a property of
 * most nodes on every keystroke).
 */
export function nodeForProperty(cst: CstNode, property: string): CstNode | undefined {
    return firstForProperty(cst, property, cst.astNode, true);
}

/** Grammar element → the feature of the assignment it is in ('' for none): the grammar is fixed, so once per element. */
const assignedFeature = new WeakMap<object, string>();

function featureOf(grammarSource: CstNode['grammarSource']): string {
    if (!grammarSource) return '';
    let feature = assignedFeature.get(grammarSource);
    if (feature === undefined) {
        feature = AstUtils.getContainerOfType(grammarSource, GrammarAST.isAssignment)?.feature ?? '';
        assignedFeature.set(grammarSource, feature);
    }
    return feature;
}

function firstForProperty(node: CstNode, property: string, element: AstNode, first: boolean): CstNode | undefined {
    if (!first && featureOf(node.grammarSource) === property) return node;
    if (isCompositeCstNode(node) && node.astNode === element) {
        for (const child of node.content) {
            const found = firstForProperty(child, property, element, false);
            if (found) return found;
        }
    }
    return undefined;
}

/** Keywords written directly in this node (not in child nodes), in order. */
export function directKeywords(node: AstNode): string[] {
    const out: string[] = [];
    const cst = node.$cstNode;
    if (!cst || !('content' in cst)) return out;
    for (const child of (cst as { content: readonly { astNode: AstNode; text: string; grammarSource?: { $type: string } }[] }).content) {
        if (child.astNode === node && child.grammarSource?.$type === 'Keyword') out.push(child.text);
    }
    return out;
}

/** URI of the document of an AST node, or undefined for a node outside any document. */
export function uriOf(node: AstNode): string | undefined {
    try {
        return AstUtils.getDocument(node).uri.toString();
    } catch {
        return undefined;
    }
}
