/**
 * What the editor's per-host export (the diagram's "Export Topology as SVG") exports when no host is
 * named: client/vm-locator.ts over the language server's own document symbols — the hosts a file
 * declares or runs VMs on, and the host (or VM's host) whose block holds the cursor.
 */
import { describe, expect, it } from 'vitest';
import { SymbolKind, type DocumentSymbol } from 'vscode-languageserver';
import { hostAtPosition, hostNames } from '../../client/vm-locator.js';
import { buildWorkspace } from '../support/util.js';

async function symbols(files: Record<string, string>, name: string): Promise<DocumentSymbol[]> {
    const ws = await buildWorkspace(files);
    const doc = ws.documents.find(d => d.uri.path.endsWith(`/${name}`))!;
    return ws.services.vmtopo.lsp.DocumentSymbolProvider!.getSymbols(doc, { textDocument: { uri: doc.uri.toString() } });
}

// LSP symbol kinds are 1-based (Class = 5, Object = 19); the client passes vscode's own.
const text = [
    'host h1 { socket s { numa 0 cores 0-3 memory 8 GiB } }',
    'vm a on h1 {',
    '    vcpus 2 pin 0-1',
    '}',
    '',
    'vm b on h2 { vcpus 1 }',
    'host h2 { socket s { numa 0 cores 0-3 memory 8 GiB } }'
].join('\n');

describe('hosts of a file', () => {
    it('lists the hosts declared and those its VMs run on, in order, each once', async () => {
        expect(hostNames(await symbols({ 'main.vmtopo': text }, 'main.vmtopo'), SymbolKind.Class, SymbolKind.Object)).toEqual(['h1', 'h2']);
        const vmsOnly = await symbols({ 'hosts.vmtopo': 'host far { socket s { numa 0 cores 0-3 memory 8 GiB } }\n', 'vms.vmtopo': 'vm x on far { vcpus 1 }\n' }, 'vms.vmtopo');
        expect(hostNames(vmsOnly, SymbolKind.Class, SymbolKind.Object)).toEqual(['far']);
    });

    it('picks the host whose block holds the cursor, or the host of the VM there; none between blocks', async () => {
        const s = await symbols({ 'main.vmtopo': text }, 'main.vmtopo');
        const at = (line: number, character: number) => hostAtPosition(s, SymbolKind.Class, SymbolKind.Object, { line, character });
        expect(at(0, 12)).toBe('h1');
        expect(at(2, 6)).toBe('h1');
        expect(at(5, 3)).toBe('h2');
        expect(at(6, 0)).toBe('h2');
        expect(at(4, 0)).toBeUndefined();
    });
});
