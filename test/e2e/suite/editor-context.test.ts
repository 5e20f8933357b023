/**
 * Context in the editor, through VS Code's own commands: the hover of a VM of the HGX example
 * summarises it; completion of `gpu ` in a VM labels the devices other VMs hold and those the VM
 * holds itself; an export of every VM of a file writes the healthy VMs next to a broken one and
 * names the refused one; "Explain this rule" opens the packaged docs/rules.md at the rule, from the
 * diagnostic's code link and its code action.
 */
/// <reference types="mocha" />
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { diagnosticsWhere, exampleUri, executeProvider, labelOf, openExample, ruleOf, waitFor, workspaceRoot } from './helpers.js';

interface ExportResult { ok: boolean; written: string[]; problems: string[]; refused?: { name: string; errors: string[] }[]; exported?: string[] }

/** The line (0-based) of the first occurrence of `needle` in `editor`'s text. */
function lineOf(editor: vscode.TextEditor, needle: string): number {
    const line = editor.document.getText().split('\n').findIndex(l => l.includes(needle));
    assert.ok(line >= 0, `the example has "${needle}"`);
    return line;
}

describe('hover and completion of the HGX example', () => {
    it('hovers train-a with its NUMA placement, GPUs, NICs with their paths, MMIO and licence', async () => {
        const editor = await openExample('hgx-h200.vmtopo');
        const line = lineOf(editor, 'vm train-a on sprocket');
        const hovers = await executeProvider<vscode.Hover[]>('vscode.executeHoverProvider', editor.document.uri, new vscode.Position(line, 4));
        const text = hovers.flatMap(h => h.contents.map(c => typeof c === 'string' ? c : c.value)).join('\n');
        assert.match(text, /\*\*VM `train-a`\*\* on host `sprocket` \(kvm\): 96 vCPUs/);
        assert.match(text, /\| 0 \| 96 \|/);
        assert.match(text, /GPUs \(4\):/);
        assert.match(text, /- `mlx5_3` — passthrough, ConnectX-7, NUMA 0; gpu0 PIX, gpu1 PHB, gpu2 PHB, gpu3 PHB/);
        assert.match(text, /MMIO window: \d+ GiB written; passthrough GPUs need \d+ GiB — enough/);
        assert.doesNotMatch(text, /Problems: \d+ error/, 'the example is clean');
    });

    it('completes `gpu ` in a VM: held devices are marked (who holds them, the rule a passthrough would break), none called free', async () => {
        const editor = await openExample('hgx-h200.vmtopo');
        const line = lineOf(editor, 'gpu gpu4, gpu5 passthrough'); // infer-b
        const list = await executeProvider<vscode.CompletionList>('vscode.executeCompletionItemProvider', editor.document.uri, new vscode.Position(line, 8));
        const description = (label: string) => {
            const item = list.items.find(i => labelOf(i) === label);
            assert.ok(item, `${label} offered: ${list.items.slice(0, 30).map(labelOf).join(', ')}`);
            return typeof item.label === 'string' ? undefined : item.label.description;
        };
        assert.equal(description('gpu0'), '✗ GEN001', 'train-a passes gpu0 through');
        assert.equal(description('gpu6'), '✗ GEN002', 'tenant-c and tenant-d slice gpu6');
        assert.equal(description('gpu4'), 'in this VM');
        assert.equal(description('gpu7'), 'free');
    });
});

describe('export per VM', () => {
    const file = () => path.join(workspaceRoot(), 'per-vm.vmtopo');
    after(() => fs.rmSync(file(), { force: true }));

    it('writes the VMs without errors next to a broken one, and names the refused VM and its first error', async () => {
        fs.writeFileSync(file(), `host lab {
    platform kvm
    socket cpu0 { numa 0 cores 0-15 memory 128 GiB }
}
vm lab-ok on lab {
    vcpus 2 pin 0,1
    memory 8 GiB on numa 0
}
vm lab-bad on lab {
    vcpus 2 pin 2,999
    memory 8 GiB on numa 0
}
`);
        const uri = vscode.Uri.file(file());
        await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
        await diagnosticsWhere(uri, ds => ds.some(d => ruleOf(d) === 'LOC013'));
        const result = await vscode.commands.executeCommand<ExportResult>('vmtopo.exportLibvirt', uri, '*');
        assert.ok(result);
        assert.equal(result.ok, false);
        assert.deepEqual(result.written, [path.join(workspaceRoot(), 'out', 'lab-ok.domain.xml')]);
        assert.deepEqual(result.refused?.map(r => r.name), ['lab-bad']);
        assert.match(result.problems[0], /^VM lab-bad: 1 error \(first: .*per-vm\.vmtopo:10:\d+ error LOC013 /);
        await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    });
});

describe('explain a rule (docs/rules.md in the package, offline)', () => {
    it('links each diagnostic\'s code to the explain command, offers "Explain LOC001" and opens the rule in the Markdown preview', async () => {
        await openExample('misconfigured.vmtopo');
        const uri = exampleUri('misconfigured.vmtopo');
        const all = await diagnosticsWhere(uri, ds => ds.some(d => ruleOf(d) === 'LOC001'));
        const loc001 = all.find(d => ruleOf(d) === 'LOC001')!;
        const code = loc001.code as { value: string; target: vscode.Uri };
        assert.equal(code.target.scheme, 'command');
        assert.equal(code.target.path, 'vmtopo.explainRule');
        assert.deepEqual(JSON.parse(decodeURIComponent(code.target.query)), ['LOC001']);

        const actions = await waitFor('the Explain action', async () => {
            const found = await executeProvider<vscode.CodeAction[]>('vscode.executeCodeActionProvider', uri, loc001.range) ?? [];
            return found.some(a => a.title === 'Explain LOC001 (rule documentation)') ? found : undefined;
        });
        const explain = actions.find(a => a.title === 'Explain LOC001 (rule documentation)')!;
        assert.equal(explain.command?.command, 'vmtopo.explainRule');

        const command = explain.command;
        assert.ok(command);
        const opened = await vscode.commands.executeCommand<vscode.Uri>(command.command, ...(command.arguments ?? []));
        assert.ok(opened, 'the command answers with the URI it opened');
        assert.match(opened.path, /\/docs\/rules\.md$/);
        assert.equal(opened.fragment, 'loc001');
        const docs = new TextDecoder().decode(await vscode.workspace.fs.readFile(opened.with({ fragment: '' })));
        assert.ok(docs.includes('\n## LOC001\n'), 'the packaged docs have the rule\'s section');
        const preview = await waitFor('the Markdown preview of rules.md', () => vscode.window.tabGroups.all.flatMap(g => g.tabs)
            .find(t => t.input instanceof vscode.TabInputWebview && /markdown\.preview/.test(t.input.viewType) && /rules\.md/.test(t.label)));
        assert.ok(preview);
    });
});
