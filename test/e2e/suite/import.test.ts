/**
 * "vmtopo: Import Host…" (`vmtopo.importHost`) in the workbench: given a topology file (here an
 * NCCL topology dump with one H100), it asks the language server to import it and opens the host
 * as a new, unsaved vmtopo document. (That the imported text checks clean is proven for every
 * real file by test/features/import/reference.test.ts; the language client serves `file:` documents only, so
 * the untitled document is checked once saved.)
 */
/// <reference types="mocha" />
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { waitFor } from './helpers.js';

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
        fs.rmSync(dir, { recursive: true, force: true });
    });
});
