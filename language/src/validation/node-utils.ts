/**
 * Helpers of the node checks in `rules/`: reading what the user wrote (the CST text of a property),
 * walking a host's switches and devices, and shortening user text for messages.
 */
import { AstUtils, GrammarAST, isCompositeCstNode, type AstNode, type CstNode } from 'langium';
import type * as ast from '../generated/ast.js';

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

/** Every switch of a host, outermost first (depth-first). */
export function allSwitches(host: ast.Host): ast.PcieSwitch[] {
    const out: ast.PcieSwitch[] = [];
    const visit = (s: ast.PcieSwitch) => { out.push(s); (s.switches ?? []).forEach(visit); };
    (host.switches ?? []).forEach(visit);
    return out;
}

/** Every device of a host: those straight on the host, then those in switches. */
export function allDevices(host: ast.Host): ast.Device[] {
    return [...(host.devices ?? []), ...allSwitches(host).flatMap(s => s.devices ?? [])];
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
