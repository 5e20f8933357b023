/**
 * The editor features over the BUNDLED language server (`out/server/main.cjs`, what the extension
 * ships), spoken to in JSON-RPC over stdio: the capabilities it advertises in `initialize`, and one
 * completion, one formatting and one on-type formatting request on the example.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
    CompletionRequest, DidOpenTextDocumentNotification, DocumentFormattingRequest, DocumentOnTypeFormattingRequest,
    DocumentSymbolRequest, PublishDiagnosticsNotification, SymbolKind, type CompletionItem, type CompletionList, type DocumentSymbol
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { startServer, uriOf, type RunningServer } from '../support/lsp-server.js';
import { readRepoFile } from '../support/util.js';

describe('editor features over the language server (bundled out/server/main.cjs)', () => {
    let server: RunningServer;
    let workspace: string;
    const example = readRepoFile('examples/hgx-h200.vmtopo');
    let uri: string;

    /** Opens `text` as `name` in the workspace and waits until the server has built it (its diagnostics are published). */
    async function open(name: string, text: string): Promise<string> {
        const fileUri = uriOf(path.join(workspace, name));
        const built = new Promise<void>(resolve => {
            server.connection.onNotification(PublishDiagnosticsNotification.type, p => { if (p.uri === fileUri) resolve(); });
        });
        await server.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: fileUri, languageId: 'vmtopo', version: 1, text } });
        await built;
        return fileUri;
    }

    beforeAll(async () => {
        workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'vmtopo-editor-'));
        server = await startServer(workspace);
    }, 120_000);
    afterAll(() => {
        server?.process.kill();
        fs.rmSync(workspace, { recursive: true, force: true });
    });

    it('advertises completion (with `"` as trigger), formatting, on-type formatting for `}`, symbols, semantic tokens, code lens', () => {
        const caps = server.init.capabilities;
        expect(caps.completionProvider?.triggerCharacters).toContain('"');
        expect(caps.documentFormattingProvider).toBeTruthy();
        expect(caps.documentRangeFormattingProvider).toBeTruthy();
        expect(caps.documentOnTypeFormattingProvider).toEqual({ firstTriggerCharacter: '}' });
        expect(caps.documentSymbolProvider).toBeTruthy();
        expect(caps.codeLensProvider).toBeTruthy();
        const legend = caps.semanticTokensProvider?.legend;
        expect(legend?.tokenTypes).toEqual(expect.arrayContaining(['class', 'enumMember', 'property', 'namespace']));
        expect(caps.semanticTokensProvider?.full).toBeTruthy();
    });

    it('completes a vGPU type in the example, and formats the flattened example back', async () => {
        const text = example.replace('vgpu gpu6 "H200X-1-18C"', 'vgpu gpu6 ""');
        uri = await open('hgx.vmtopo', text);
        const doc = TextDocument.create(uri, 'vmtopo', 1, text);
        const result = await server.connection.sendRequest(CompletionRequest.type, {
            textDocument: { uri }, position: doc.positionAt(text.indexOf('vgpu gpu6 ""') + 'vgpu gpu6 "'.length)
        });
        const items: CompletionItem[] = Array.isArray(result) ? result : (result as CompletionList).items;
        expect(items.map(i => i.label)).toContain('H200X-1-18C');
        expect(items.find(i => i.label === 'H200X-1-18C')!.detail).toContain('max 7 per GPU');

        // The example with every line's indentation removed formats back to what the example formats to
        // (doc comments aside: their inner lines are left as written).
        const format = async (name: string, text: string): Promise<string> => {
            const fileUri = await open(name, text);
            const edits = await server.connection.sendRequest(DocumentFormattingRequest.type, { textDocument: { uri: fileUri }, options: { tabSize: 4, insertSpaces: true } });
            return TextDocument.applyEdits(TextDocument.create(fileUri, 'vmtopo', 1, text), edits ?? []);
        };
        const flat = example.split('\n').map(l => l.trimStart()).join('\n');
        const fromFlat = await format('flat.vmtopo', flat);
        const fromExample = await format('example.vmtopo', example);
        const code = (text: string): string => text.replace(/\/\*[\s\S]*?\*\//g, '');
        expect(fromFlat.replace(/\s+/g, '')).toBe(example.replace(/\s+/g, ''));
        expect(code(fromFlat)).toBe(code(fromExample));
        expect(fromFlat).toMatch(/\nvm train-a on sprocket \{\n {4}vcpus 96 /);
        expect(fromFlat).toMatch(/\n {4}pcie-switch sw0 at [^\n]*\{\n {8}gpu gpu0 /);
    }, 60_000);

    it('formats the block a typed `}` closes, and lists the example\'s VMs as Object symbols', async () => {
        const text = 'host h {\n    platform kvm\n}\nvm a on h {\nvcpus 4\n  memory 16 GiB\n}\n';
        const typedUri = await open('typed.vmtopo', text);
        const doc = TextDocument.create(typedUri, 'vmtopo', 1, text);
        const edits = await server.connection.sendRequest(DocumentOnTypeFormattingRequest.type, {
            textDocument: { uri: typedUri }, position: doc.positionAt(text.lastIndexOf('}') + 1), ch: '}', options: { tabSize: 4, insertSpaces: true }
        });
        expect(TextDocument.applyEdits(doc, edits ?? [])).toBe('host h {\n    platform kvm\n}\nvm a on h {\n    vcpus 4\n    memory 16 GiB\n}\n');
        const symbols = await server.connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } }) as DocumentSymbol[];
        const vms = [...example.matchAll(/^vm ([\w-]+) on /gm)].map(m => m[1]);
        expect(vms.length).toBeGreaterThanOrEqual(4);
        expect(symbols.filter(s => s.kind === SymbolKind.Object).map(s => s.name)).toEqual(vms);
    }, 60_000);
});
