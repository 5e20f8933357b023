/**
 * Completion of vGPU types and Format Document, through the editor's own commands
 * (`vscode.executeCompletionItemProvider`, `vscode.executeFormatDocumentProvider`), i.e. whatever
 * the language server answers to textDocument/completion and textDocument/formatting.
 */
/// <reference types="mocha" />
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { executeProvider, labelOf, openExample } from './helpers.js';

/** Replaces the whole text of the editor's document (unsaved; reverted by the caller). */
async function setText(editor: vscode.TextEditor, text: string): Promise<void> {
    const document = editor.document;
    const whole = new vscode.Range(document.positionAt(0), document.positionAt(document.getText().length));
    assert.ok(await editor.edit(builder => builder.replace(whole, text)));
}

const revert = () => vscode.commands.executeCommand('workbench.action.files.revert');

describe('completion', () => {
    // The editor's own word-based suggestions would offer every word of the open documents
    // (vGPU type names included): turn them off so only the language server's items count.
    const editorConfig = () => vscode.workspace.getConfiguration('editor');
    let wordBased: unknown;
    before(async () => {
        wordBased = editorConfig().inspect('wordBasedSuggestions')?.globalValue;
        await editorConfig().update('wordBasedSuggestions', 'off', vscode.ConfigurationTarget.Global);
    });
    after(() => editorConfig().update('wordBasedSuggestions', wordBased, vscode.ConfigurationTarget.Global));
    afterEach(revert);

    it('offers the vGPU types of the H200 inside an empty vgpu type string', async () => {
        const editor = await openExample('hgx-h200.vmtopo');
        const original = editor.document.getText();
        const clause = 'vgpu gpu6 "H200X-1-18C"';
        assert.ok(original.includes(clause), 'the example has tenant-c\'s vGPU clause');
        await setText(editor, original.replace(clause, 'vgpu gpu6 ""'));
        const offset = editor.document.getText().indexOf('vgpu gpu6 ""') + 'vgpu gpu6 "'.length;
        const position = editor.document.positionAt(offset);
        const list = await executeProvider<vscode.CompletionList>(
            'vscode.executeCompletionItemProvider', editor.document.uri, position);
        const labels = list.items.map(item => labelOf(item).replace(/"/g, ''));
        const vgpuTypes = labels.filter(label => /^H200X?-\d+(-\d+)?C/.test(label));
        assert.ok(vgpuTypes.includes('H200X-1-18C'), `H200X-1-18C among the completions: ${labels.slice(0, 40).join(', ')}`);
        assert.ok(new Set(vgpuTypes).size >= 3, `several H200 vGPU types: ${vgpuTypes.join(', ')}`);
        // only types of the GPU named in the clause (an H200): no H100 or L40S types
        assert.deepEqual(labels.filter(label => /^(H100|L40S)/.test(label)), []);
    });
});

describe('formatting', () => {
    afterEach(revert);

    it('re-indents a flattened document, changes only whitespace and is idempotent', async () => {
        const editor = await openExample('hgx-h200.vmtopo');
        const original = editor.document.getText();
        const flattened = original.split('\n').map(line => line.trimStart()).join('\n');
        await setText(editor, flattened);
        const options = { tabSize: 4, insertSpaces: true };
        const edits = await executeProvider<vscode.TextEdit[]>(
            'vscode.executeFormatDocumentProvider', editor.document.uri, options);
        assert.ok(edits && edits.length > 0, 'a formatter answers with edits for the flattened text');
        const workspaceEdit = new vscode.WorkspaceEdit();
        workspaceEdit.set(editor.document.uri, edits);
        assert.ok(await vscode.workspace.applyEdit(workspaceEdit));
        const formatted = editor.document.getText();
        const squash = (text: string) => text.replace(/\s+/g, '');
        assert.equal(squash(formatted), squash(original), 'formatting changes whitespace only');
        // block contents are indented again: the VM clauses sit deeper than `vm … {`
        const lines = formatted.split('\n');
        const vmLine = lines.findIndex(line => /^vm train-a on sprocket \{/.test(line));
        assert.ok(vmLine >= 0, 'the vm header starts its line');
        assert.match(lines[vmLine + 1], /^\s+\S/, `the first clause of train-a is indented: "${lines[vmLine + 1]}"`);
        const again = await executeProvider<vscode.TextEdit[]>(
            'vscode.executeFormatDocumentProvider', editor.document.uri, options);
        const changing = (again ?? []).filter(edit => editor.document.getText(edit.range) !== edit.newText);
        assert.deepEqual(changing.map(edit => edit.newText), [], 'formatting the formatted text changes nothing');
    });
});
