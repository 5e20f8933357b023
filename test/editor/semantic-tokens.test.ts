/**
 * Semantic tokens (language/src/editor/semantic-tokens.ts): references coloured by what they resolve
 * to, declarations by what they declare, unresolved references left to the grammar's colouring.
 */
import { describe, expect, it } from 'vitest';
import type { AbstractSemanticTokenProvider } from 'langium/lsp';
import { HOST } from '../support/fixtures.js';
import { EDITOR_HGX } from '../support/editor-fixture.js';
import { buildWorkspace } from '../support/util.js';

interface Token { line: number; character: number; text: string; type: string; modifiers: string[] }

/** The document's semantic tokens, decoded with the provider's legend. */
async function tokens(text: string): Promise<Token[]> {
    const ws = await buildWorkspace({ 'main.vmtopo': text });
    const doc = ws.documents[0];
    const provider = ws.services.vmtopo.lsp.SemanticTokenProvider as AbstractSemanticTokenProvider;
    const { data } = await provider.semanticHighlight(doc, { textDocument: { uri: doc.uri.toString() } });
    const types = Object.entries(provider.tokenTypes).sort((a, b) => a[1] - b[1]).map(([name]) => name);
    const modifiers = Object.entries(provider.tokenModifiers);
    const lines = text.split('\n');
    const out: Token[] = [];
    let line = 0;
    let character = 0;
    for (let i = 0; i < data.length; i += 5) {
        line += data[i];
        character = data[i] === 0 ? character + data[i + 1] : data[i + 1];
        out.push({
            line, character, text: lines[line].slice(character, character + data[i + 2]), type: types[data[i + 3]],
            modifiers: modifiers.filter(([, bit]) => (data[i + 4] & bit) !== 0).map(([name]) => name)
        });
    }
    return out;
}

const VMS = `vm a on h {
    vcpus 4
    memory 16 GiB
    gpu gpu0 passthrough
    nic nic0 vf 1
    mig gpu1 "1g.18gb"
    vgpu nosuch "H200X-1-18C"
}
`;

describe('semantic tokens', () => {
    it('references take the type of their target: host = class, GPU = enumMember, NIC = property, socket = namespace', async () => {
        const text = HOST + VMS;
        const all = await tokens(text);
        const vmLine = text.split('\n').findIndex(l => l.startsWith('vm a on h'));
        const ref = (needle: string, line: number): Token | undefined => all.find(t => t.line === line && t.text === needle && !t.modifiers.includes('declaration'));
        expect(ref('h', vmLine)?.type).toBe('class');
        expect(ref('gpu0', vmLine + 3)?.type).toBe('enumMember');
        expect(ref('nic0', vmLine + 4)?.type).toBe('property');
        expect(ref('gpu1', vmLine + 5)?.type).toBe('enumMember');
        const sw0Line = text.split('\n').findIndex(l => l.includes('pcie-switch sw0'));
        expect(ref('cpu0', sw0Line)?.type).toBe('namespace');
    });

    it('an unresolved reference gets no token', async () => {
        const all = await tokens(HOST + VMS);
        expect(all.filter(t => t.text === 'nosuch')).toEqual([]);
    });

    it('declarations carry the declaration modifier and the type of what they declare', async () => {
        const all = await tokens(HOST + VMS);
        const decl = (name: string): Token | undefined => all.find(t => t.text === name && t.modifiers.includes('declaration'));
        expect(decl('h')?.type).toBe('class');
        expect(decl('a')?.type).toBe('struct');
        expect(decl('cpu0')?.type).toBe('namespace');
        expect(decl('sw0')?.type).toBe('interface');
        expect(decl('gpu0')?.type).toBe('enumMember');
        expect(decl('nic0')?.type).toBe('property');
    });

    it('covers every device reference of a topology', async () => {
        const text = EDITOR_HGX;
        const all = await tokens(text);
        const refs = all.filter(t => !t.modifiers.includes('declaration'));
        // train-a names 2 GPUs and 2 NICs, tenant-c and tenant-d 1 GPU and 1 NIC each; 3 VMs name the host
        expect(refs.filter(t => t.type === 'enumMember').length).toBe(4);
        expect(refs.filter(t => t.type === 'property').length).toBe(4);
        expect(refs.filter(t => t.type === 'class').map(t => t.text)).toEqual(['sprocket', 'sprocket', 'sprocket']);
        // sockets named by the switches and NVSwitches (`on cpu0`)
        expect(refs.filter(t => t.type === 'namespace').length).toBe(6);
    });
});
