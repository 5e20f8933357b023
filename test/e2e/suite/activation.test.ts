/**
 * The extension activates on a .vmtopo file and its language server answers: the packaged entry
 * point, the `vmtopo` language id and the server's first diagnostics.
 */
/// <reference types="mocha" />
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { EXTENSION_ID, diagnosticsWhere, exampleUri, openExample, waitFor } from './helpers.js';

describe('activation', () => {
    it('activates on a .vmtopo file and gives it the vmtopo language', async () => {
        const extension = vscode.extensions.getExtension(EXTENSION_ID);
        assert.ok(extension, `${EXTENSION_ID} is installed in the extension host`);
        const editor = await openExample('hgx-h200.vmtopo');
        assert.equal(editor.document.languageId, 'vmtopo');
        await waitFor('the extension to activate', () => extension.isActive);
        // activate() resolves once the language client has started; a failed start rejects here
        await extension.activate();
        const commands = await vscode.commands.getCommands(true);
        for (const id of ['vmtopo.exportLibvirt', 'vmtopo.exportNccl', 'vmtopo.mergeLibvirtDomain']) {
            assert.ok(commands.includes(id), `command ${id} is registered`);
        }
    });

    it('starts the language server: the clean example gets no errors, the misconfigured one does', async () => {
        await openExample('misconfigured.vmtopo');
        // diagnostics only come from the language server, so their arrival proves it runs
        const bad = await diagnosticsWhere(exampleUri('misconfigured.vmtopo'), all => all.length > 0);
        assert.ok(bad.every(d => d.source === 'vmtopo'), `every diagnostic comes from vmtopo: ${bad.map(d => d.source).join(', ')}`);
        const clean = vscode.languages.getDiagnostics(exampleUri('hgx-h200.vmtopo'));
        assert.deepEqual(clean.filter(d => d.severity === vscode.DiagnosticSeverity.Error).map(d => d.message), []);
    });
});
