/**
 * Every vmtopo document is served, saved or not: an untitled buffer (File > New, or what Import Host
 * opens) gets diagnostics, hover and completion from the language server, and its VMs export from the
 * editor's text into a folder given for the unsaved document (the folder dialog's answer, passed as
 * the command's options here). Its VMs link to the host of a saved file of the workspace
 * (examples/hgx-h200.vmtopo's `sprocket`).
 */
/// <reference types="mocha" />
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { diagnosticsWhere, executeProvider, labelOf, openExample, ruleOf } from './helpers.js';

/**
 * On the example's host `sprocket`: `scratch` pins a CPU the host lacks (LOC013, an error) and asks
 * for gpu7; `spare` is clean (NUMA 1 CPUs no other VM uses).
 */
const TEXT = `vm scratch on sprocket {
    vcpus 2 pin 8,999
    memory 8 GiB on numa 0
    gpu gpu7 passthrough
}

vm spare on sprocket {
    vcpus 2 pin 96,224
    memory 8 GiB on numa 1
}
`;

interface ExportResult { ok: boolean; written: string[]; problems: string[]; refused?: { name: string }[] }

describe('an untitled vmtopo document', () => {
    let document: vscode.TextDocument;
    before(async () => {
        await openExample('hgx-h200.vmtopo'); // the host the untitled VMs are on
        document = await vscode.workspace.openTextDocument({ language: 'vmtopo', content: TEXT });
        await vscode.window.showTextDocument(document, { preview: false });
        assert.equal(document.uri.scheme, 'untitled');
    });
    after(() => vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor'));

    it('has diagnostics before it is saved, its host linked from a saved file', async () => {
        const all = await diagnosticsWhere(document.uri, ds => ds.some(d => ruleOf(d) === 'LOC013'));
        assert.equal(all.filter(d => /Could not resolve reference/.test(d.message)).length, 0, 'sprocket resolves');
    });

    it('hovers a VM with its summary', async () => {
        const hovers = await executeProvider<vscode.Hover[]>('vscode.executeHoverProvider', document.uri, new vscode.Position(6, 4));
        const text = hovers.flatMap(h => h.contents.map(c => typeof c === 'string' ? c : c.value)).join('\n');
        assert.match(text, /\*\*VM `spare`\*\* on host `sprocket` \(kvm\): 2 vCPUs, 8 GiB memory/);
        assert.match(text, /\| 1 \| 2 \| 8 GiB \|/, 'vCPUs and memory on NUMA 1');
        assert.match(text, /Problems: none/);
    });

    it('completes devices, marking those other VMs of the workspace hold', async () => {
        // `gpu gpu7 passthrough` → complete after `gpu ` (line 3, column 8).
        const list = await executeProvider<vscode.CompletionList>('vscode.executeCompletionItemProvider', document.uri, new vscode.Position(3, 8));
        const gpu0 = list.items.find(i => labelOf(i) === 'gpu0');
        assert.ok(gpu0, `gpu0 offered: ${list.items.slice(0, 30).map(labelOf).join(', ')}`);
        // train-a of hgx-h200.vmtopo holds gpu0: passing it through here would be GEN001.
        const description = typeof gpu0.label === 'string' ? undefined : gpu0.label.description;
        assert.equal(description, '✗ GEN001');
    });

    it('exports its clean VM from the editor\'s text into the chosen folder, refusing the broken one', async () => {
        const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmtopo-untitled-export-'));
        const result = await vscode.commands.executeCommand<ExportResult>('vmtopo.exportLibvirt', document.uri, '*', { outDir });
        assert.ok(result, 'the command answers');
        assert.deepEqual(result.written, [path.join(outDir, 'spare.domain.xml')]);
        assert.deepEqual(result.refused?.map(r => r.name), ['scratch']);
        assert.ok(document.isUntitled, 'nothing was saved');
        fs.rmSync(outDir, { recursive: true, force: true });
    });
});
