/**
 * The importers' output is formatted: Format Document (the project's formatter,
 * language/src/editor/formatter.ts) changes nothing in it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expect, it } from 'vitest';
import { importHost } from '../../../language/src/features/import/index.js';
import { build, describeWithReference, SHARED } from '../../support/util.js';

async function format(text: string): Promise<string> {
    const ws = await build(text);
    const doc = ws.documents[0];
    const edits = await ws.services.vmtopo.lsp.Formatter!.formatDocument(doc, { textDocument: { uri: doc.uri.toString() }, options: { tabSize: 4, insertSpaces: true } });
    return (await import('vscode-languageserver-textdocument')).TextDocument.applyEdits(doc.textDocument, edits);
}

describeWithReference('imported hosts are formatted', () => {
    for (const file of ['hwloc/16intel64-manyVFs.xml', 'hwloc/32em64t-2n8c2t-pci-normalio.xml', 'nccl-topo/oci-bm-gpu-h100-8-topology.xml', 'nvidia-smi-topo/dgx-a100-8xa100.txt']) {
        it(`${file}: Format Document changes nothing`, async () => {
            const text = fs.readFileSync(path.join(SHARED, 'reference', file), 'utf8');
            const { text: imported } = importHost([{ file: path.basename(file), text }]);
            expect(await format(imported)).toBe(imported);
        });
    }
});
