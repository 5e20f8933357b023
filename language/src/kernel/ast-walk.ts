/**
 * A walk over the AST without Langium's streams: `AstUtils.streamAst` allocates an iterator state
 * and a result object per node (and a stream per node's contents), about 10 MiB of garbage per walk
 * of a 10k-line document, walked twice per build (linking, node checks). Same nodes, same order.
 */
import { isAstNode, type AstNode } from 'langium';

/**
 * Pushes the children of `node` onto `stack` so that popping yields them in the order of
 * `AstUtils.streamContents` (properties in key order, list elements in order; `$` properties
 * skipped). With a stack seeded by the root, pop-visit-push walks in `streamAst`'s pre-order.
 */
export function pushChildren(stack: AstNode[], node: AstNode): void {
    const start = stack.length;
    const record = node as unknown as Record<string, unknown>;
    // `for…in` visits the keys `Object.keys` lists, in its order (AST nodes are plain objects with
    // nothing enumerable inherited), without allocating the array of keys for every node.
    for (const key in record) {
        if (key.charCodeAt(0) === 36 /* $ */) continue;
        const value = record[key];
        if (Array.isArray(value)) {
            for (const element of value) if (isAstNode(element)) stack.push(element);
        } else if (isAstNode(value)) {
            stack.push(value);
        }
    }
    // Reverse what was pushed: the first child is popped first.
    for (let i = start, j = stack.length - 1; i < j; i++, j--) {
        const t = stack[i];
        stack[i] = stack[j];
        stack[j] = t;
    }
}

/** The children of `node`, in the order of `AstUtils.streamContents` (see {@link pushChildren}). */
export function childNodes(node: AstNode): AstNode[] {
    const children: AstNode[] = [];
    pushChildren(children, node);
    return children.reverse();
}
