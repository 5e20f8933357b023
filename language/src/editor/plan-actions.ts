/**
 * "Place this request": the code action on a `request` block that plans it (features/plan, next to
 * the workspace's VMs) and inserts the planned `vm` blocks after it. Offered only when the
 * workspace has no errors and every VM of the request can be placed (otherwise `vmtopo plan` says
 * which resource ran out first).
 */
import { AstUtils, type LangiumDocument } from 'langium';
import { CodeActionKind, type CodeAction, type Range } from 'vscode-languageserver';
import { isRequest, type Model, type Request } from '../generated/ast.js';
import type { Topology } from '../model/topology.js';
import { planWorkspace } from '../features/plan/index.js';

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
