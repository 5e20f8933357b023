/**
 * "vmtopo: Import Host…" (`vmtopo.importHost`) in the workbench: given a topology file (here an
 * NCCL topology dump with one H100), it asks the language server to import it and opens the host
 * as a new, unsaved vmtopo document, which the language server checks at once, before it is saved
 * (the client serves `untitled:` documents too). (That the imported text checks clean is proven
 * for every real file by test/features/import/reference.test.ts.)
 */
/// <reference types="mocha" />
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { diagnosticsWhere, executeProvider, ruleOf, waitFor } from './helpers.js';

const NCCL_DUMP = `<system version="1">
  <cpu numaid="0" affinity="0000ffff" arch="x86_64" vendor="GenuineIntel" familyid="6" modelid="143">
    <pci busid="0000:19:00.0" class="0x030200" vendor="0x10de" device="0x2330" subsystem_vendor="0x10de" subsystem_device="0x16c1" link_speed="32.0 GT/s PCIe" link_width="16">
      <gpu dev="0" sm="90" rank="0" gdr="1"/>
    </pci>
  </cpu>
</system>
`;

describe('Import Host', () => {
    afterEach(() => vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor'));

    it('imports an NCCL topology dump into a new untitled vmtopo document', async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vmtopo-import-'));
        const file = path.join(dir, 'topo.xml');
        fs.writeFileSync(file, NCCL_DUMP);
        await vscode.commands.executeCommand('vmtopo.importHost', [vscode.Uri.file(file)]);
        const editor = await waitFor('the imported host in an editor', () => {
            const e = vscode.window.activeTextEditor;
            return e && e.document.isUntitled && e.document.languageId === 'vmtopo' ? e : undefined;
        });
        const text = editor.document.getText();
        assert.match(text, /^host topo \{$/m);
        assert.match(text, /gpu gpu0 "H100 SXM5 80GB" at 0000:19:00\.0/);
        assert.match(text, /Imported from topo\.xml \(NCCL topology XML/);
        // Checked before it is saved: the outline comes from the server, and a VM typed into the
        // buffer that pins a CPU the host lacks gets its diagnostic (LOC013) while still untitled.
        const symbols = await waitFor('the outline of the untitled document', async () => {
            const found = await executeProvider<vscode.DocumentSymbol[] | undefined>('vscode.executeDocumentSymbolProvider', editor.document.uri);
            return found && found.length > 0 ? found : undefined;
        });
        assert.ok(symbols.some(s => s.name === 'topo'), `the host in the outline: ${symbols.map(s => s.name).join(', ')}`);
        const end = editor.document.positionAt(text.length);
        assert.ok(await editor.edit(b => b.insert(end, '\nvm probe on topo {\n    vcpus 1 pin 999\n    memory 4 GiB\n}\n')));
        const diagnostics = await diagnosticsWhere(editor.document.uri, ds => ds.some(d => ruleOf(d) === 'LOC013'));
        assert.ok(editor.document.isUntitled, 'still unsaved');
        assert.ok(diagnostics.some(d => ruleOf(d) === 'LOC013'));
        fs.rmSync(dir, { recursive: true, force: true });
    });
});
