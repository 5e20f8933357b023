/**
 * Document symbols (outline, breadcrumbs) with real kinds (language/src/editor/node-kind.ts): host =
 * Class, VM = Object, socket = Module, PCIe switch = Namespace, GPU = Field, NIC = Property,
 * NVSwitch = Interface; VMs list the devices they were given as children.
 */
import { describe, expect, it } from 'vitest';
import { SymbolKind, type DocumentSymbol } from 'vscode-languageserver';
import { vmAtPosition, vmSymbols } from '../../client/vm-locator.js';
import { EDITOR_HGX } from '../support/editor-fixture.js';
import { buildWorkspace } from '../support/util.js';

async function symbols(text: string): Promise<DocumentSymbol[]> {
    const ws = await buildWorkspace({ 'main.vmtopo': text });
    const doc = ws.documents[0];
    return ws.services.vmtopo.lsp.DocumentSymbolProvider!.getSymbols(doc, { textDocument: { uri: doc.uri.toString() } });
}

describe('document symbols', () => {
    it('kinds: host Class, socket Module, switch Namespace, GPU Field, NIC Property, NVSwitch Interface, VM Object', async () => {
        const top = await symbols(EDITOR_HGX);
        expect(top.map(s => [s.name, s.kind])).toEqual([
            ['sprocket', SymbolKind.Class],
            ['train-a', SymbolKind.Object], ['tenant-c', SymbolKind.Object], ['tenant-d', SymbolKind.Object]
        ]);
        const host = top[0];
        const kinds = new Map(host.children!.map(c => [c.name, c.kind]));
        expect(kinds.get('cpu0')).toBe(SymbolKind.Module);
        expect(kinds.get('sw0')).toBe(SymbolKind.Namespace);
        expect(kinds.get('nvs0')).toBe(SymbolKind.Interface);
        const sw0 = host.children!.find(c => c.name === 'sw0')!;
        expect(sw0.children!.map(c => [c.name, c.kind, c.detail])).toEqual([
            ['gpu0', SymbolKind.Field, 'H200 SXM5 141GB at 0000:19:00.0'],
            ['mlx5_3', SymbolKind.Property, 'ConnectX-7 at 0000:1a:00.0']
        ]);
    });

    it('a VM has its devices as children, with how it receives them, and its host as detail', async () => {
        const top = await symbols(EDITOR_HGX);
        const trainA = top.find(s => s.name === 'train-a')!;
        expect(trainA.detail).toBe('on sprocket');
        expect(trainA.children!.map(c => [c.name, c.kind, c.detail])).toEqual([
            ['gpu0', SymbolKind.Field, 'passthrough'], ['gpu1', SymbolKind.Field, 'passthrough'],
            ['mlx5_3', SymbolKind.Property, 'passthrough'], ['mlx5_5', SymbolKind.Property, 'passthrough']
        ]);
        const tenantC = top.find(s => s.name === 'tenant-c')!;
        expect(tenantC.children!.map(c => [c.name, c.detail])).toEqual([['gpu6', 'vGPU H200X-1-18C'], ['mlx5_8', 'VF 0']]);
        const tenantD = top.find(s => s.name === 'tenant-d')!;
        expect(tenantD.children!.map(c => [c.name, c.detail])).toEqual([['gpu6', 'MIG 1g.18gb'], ['mlx5_8', 'VF 1']]);
        // each child's selection range is its reference, inside the VM's range
        for (const child of trainA.children!) {
            expect(child.selectionRange.start.line).toBeGreaterThan(trainA.range.start.line);
            expect(child.selectionRange.end.line).toBeLessThan(trainA.range.end.line);
        }
    });

    it('the VM at a position is the Object symbol whose range holds it (what the client asks the server for)', async () => {
        const text = EDITOR_HGX;
        const top = await symbols(text);
        const line = text.split('\n').findIndex(l => l.includes('mig gpu6'));
        const vm = top.find(s => s.kind === SymbolKind.Object && s.range.start.line <= line && s.range.end.line >= line);
        expect(vm?.name).toBe('tenant-d');
    });

    it('a half-typed document still gives symbols (no throw)', async () => {
        const top = await symbols('host h {\n    gpu g0 "H200 SXM5 141GB" at\n}\nvm a on h {\n    gpu \n');
        expect(top.map(s => s.name)).toEqual(['h', 'a']);
    });
});

describe('client/vm-locator.ts over the server\'s symbols (what the export command asks VS Code for)', () => {
    // LSP symbol kinds are 1-based (Object = 19); vscode.SymbolKind is 0-based (Object = 18) — the client passes its own.
    const text = [
        '/** vm fake on nowhere { in a doc comment } */',
        'host h { socket s { numa 0 cores 0-3 memory 8 GiB } }',
        'vm a on h {',
        '    vcpus 2 pin 0-1   // "vm b on h {" in a comment',
        '}',
        '',
        'vm b-2 on h { vcpus 1 }',
        'vm c on h {',
        '    vcpus 1'
    ].join('\n');

    it('finds the VMs with their hosts, ignoring comments and strings, including a block still being typed', async () => {
        expect(vmSymbols(await symbols(text), SymbolKind.Object).map(b => `${b.name}@${b.host}`)).toEqual(['a@h', 'b-2@h', 'c@h']);
    });

    it('picks the VM whose block holds the cursor, and none between blocks', async () => {
        const s = await symbols(text);
        const lines = text.split('\n');
        const pos = (needle: string, delta = 0): { line: number; character: number } => {
            const line = lines.findIndex(l => l.includes(needle));
            return { line, character: lines[line].indexOf(needle) + delta };
        };
        expect(vmAtPosition(s, SymbolKind.Object, pos('pin 0-1'))?.name).toBe('a');
        expect(vmAtPosition(s, SymbolKind.Object, pos('vm a'))?.name).toBe('a');
        expect(vmAtPosition(s, SymbolKind.Object, pos('vcpus 1 }'))?.name).toBe('b-2');
        expect(vmAtPosition(s, SymbolKind.Object, pos('cores'))).toBeUndefined();
        expect(vmAtPosition(s, SymbolKind.Object, { line: 5, character: 0 })).toBeUndefined();
        expect(vmAtPosition(s, SymbolKind.Object, { line: 8, character: 9 })?.name).toBe('c');
    });
});
