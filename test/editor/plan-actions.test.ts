/**
 * "Place this request" (editor/plan-actions.ts): on a request block, the code action inserts the
 * planned VMs after it; the document then checks without errors or warnings. No action where the
 * request cannot be placed or the cursor is not on a request.
 */
import { describe, expect, it } from 'vitest';
import type { CodeAction } from 'vscode-languageserver';
import { build, readRepoFile } from '../support/util.js';
import { at } from '../support/fixtures.js';
import { apply } from '../support/quick-fixes.js';

const EXAMPLE = readRepoFile('examples/hgx-h200.vmtopo');

async function actionsAt(text: string, needle: string): Promise<CodeAction[]> {
    const ws = await build(text);
    const doc = ws.documents[0];
    const position = at(text, needle);
    const result = await ws.services.vmtopo.lsp.CodeActionProvider!.getCodeActions(doc, {
        textDocument: { uri: doc.uri.toString() }, range: { start: position, end: position }, context: { diagnostics: [] }
    });
    return ((result ?? []) as CodeAction[]).filter(a => a.title.startsWith('Place this request'));
}

describe('Place this request', () => {
    it('inserts the planned VMs after the request; the result has no errors or warnings', async () => {
        const text = `${EXAMPLE}\nrequest small { gpu 1 any mig "1g.18gb" nic 1 per-gpu vf same-switch vcpus 4 memory 8 GiB count 2 }\n`;
        const actions = await actionsAt(text, 'request small');
        expect(actions.map(a => a.title)).toEqual(['Place this request (2 VMs, exact MILP)']);
        const after = apply(text, actions[0]);
        expect(after).toContain('request small { gpu 1 any mig "1g.18gb" nic 1 per-gpu vf same-switch vcpus 4 memory 8 GiB count 2 }\n\n/**\n * Planned by vmtopo plan from request small');
        expect(after.match(/^vm small-\d on sprocket \{$/gm)).toHaveLength(2);
        const diagnostics = (await build(after)).diagnostics().filter(d => (d.severity ?? 1) <= 2);
        expect(diagnostics.map(d => d.code)).toEqual([]);
    }, 60_000);

    it('is not offered for a request that cannot be placed, nor outside a request', async () => {
        const text = `${EXAMPLE}\nrequest huge { gpu 8 "H200 SXM5 141GB" passthrough vcpus 16 memory 64 GiB }\n`;
        expect(await actionsAt(text, 'request huge')).toEqual([]);
        expect(await actionsAt(text, 'host sprocket')).toEqual([]);
    }, 60_000);
});
