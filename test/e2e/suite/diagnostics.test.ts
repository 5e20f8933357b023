/**
 * Diagnostics of examples/misconfigured.vmtopo as VS Code holds them, and the pinning quick-fix
 * (LOC001, "Re-pin train to NUMA 0") found through `vscode.executeCodeActionProvider`, applied,
 * after which its diagnostic is gone.
 */
/// <reference types="mocha" />
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { diagnosticsWhere, exampleUri, executeProvider, openExample, ruleOf, waitFor } from './helpers.js';

/** Every rule the example says it triggers (its `// RULE:` comments), e.g. LOC001, GEN001. */
function rulesNamedInComments(text: string): Set<string> {
    return new Set([...text.matchAll(/\/\/ ([A-Z]+\d{3}):/g)].map(m => m[1]));
}

describe('diagnostics of examples/misconfigured.vmtopo', () => {
    const uri = () => exampleUri('misconfigured.vmtopo');

    it('reports every rule the example comments name, at the commented line', async () => {
        const editor = await openExample('misconfigured.vmtopo');
        const text = editor.document.getText();
        const expected = rulesNamedInComments(text);
        assert.ok(expected.size >= 20, `the example names many rules (${expected.size})`);
        const all = await diagnosticsWhere(uri(), ds => [...expected].every(rule => ds.some(d => ruleOf(d) === rule)));
        // LOC001 is on train's pin list, the line whose comment names it
        const loc001 = all.find(d => ruleOf(d) === 'LOC001');
        assert.ok(loc001);
        assert.match(editor.document.lineAt(loc001.range.start.line).text, /vcpus 8 pin 16-19,48-51\s+\/\/ LOC001/);
        assert.equal(loc001.severity, vscode.DiagnosticSeverity.Warning);
        assert.match(loc001.message, /train/);
        const sriov001 = all.find(d => ruleOf(d) === 'SRIOV001');
        assert.equal(sriov001?.severity, vscode.DiagnosticSeverity.Error);
    });

    it('offers the pinning quick-fix for LOC001; applying it removes the diagnostic', async () => {
        const editor = await openExample('misconfigured.vmtopo');
        const before = await diagnosticsWhere(uri(), ds => ds.some(d => ruleOf(d) === 'LOC001'));
        const loc001 = before.find(d => ruleOf(d) === 'LOC001')!;
        // code actions are computed asynchronously (the server may still be validating): ask until they come
        let titles: string[] = [];
        const fix = await waitFor('the re-pin quick-fix', async () => {
            const actions = await executeProvider<vscode.CodeAction[]>(
                'vscode.executeCodeActionProvider', uri(), loc001.range, vscode.CodeActionKind.QuickFix.value) ?? [];
            titles = actions.map(a => a.title);
            return actions.find(a => /^Re-pin train to NUMA 0/.test(a.title));
        }).catch(err => assert.fail(`${(err as Error).message}; offered: ${titles.join(' | ') || 'nothing'}`));
        assert.ok(fix.edit, 'the quick-fix carries a workspace edit');
        assert.ok(await vscode.workspace.applyEdit(fix.edit), 'the edit applies');
        const pinLine = editor.document.lineAt(loc001.range.start.line).text;
        assert.doesNotMatch(pinLine, /pin 16-19,48-51/, 'the pin list changed');
        const after = await diagnosticsWhere(uri(),
            ds => ds.length > 0 && !ds.some(d => ruleOf(d) === 'LOC001' && /\btrain\b/.test(d.message)));
        // the other findings are still there: the server validated the edited text, not an empty one
        assert.ok(after.some(d => ruleOf(d) === 'SRIOV001'));
        await vscode.commands.executeCommand('workbench.action.files.revert');
    });
});
