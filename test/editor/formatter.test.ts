/**
 * Formatter (language/src/editor/formatter.ts): layout rules on small texts, and on every example,
 * fixture and fuzz-corpus file: it never throws, never changes the token stream (only whitespace
 * between tokens), and formatting formatted text changes nothing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { FormattingOptions, TextEdit } from 'vscode-languageserver';
import { createVmtopoServices } from '../../language/src/vmtopo-module.js';
import { ESXI_HOST, HOST } from '../support/fixtures.js';
import { buildWorkspace, REPO } from '../support/util.js';
import { applyMutation, dictionary, loadFuzzSources, mutationArbitrary } from '../fuzz/mutate.js';

const OPTIONS: FormattingOptions = { tabSize: 4, insertSpaces: true };
const lexer = createVmtopoServices().vmtopo.parser.Lexer;

function applyEdits(text: string, edits: TextEdit[]): string {
    return TextDocument.applyEdits(TextDocument.create('file:///x.vmtopo', 'vmtopo', 1, text), edits);
}

/** The formatted text (Format Document). */
async function format(text: string, options = OPTIONS): Promise<string> {
    const ws = await buildWorkspace({ 'main.vmtopo': text });
    const doc = ws.documents[0];
    const edits = await ws.services.vmtopo.lsp.Formatter!.formatDocument(doc, { textDocument: { uri: doc.uri.toString() }, options });
    return applyEdits(text, edits);
}

/** Code and comment tokens, in order (what formatting must not change). */
function tokenStream(text: string): string[] {
    const result = lexer.tokenize(text);
    return [...result.tokens, ...(result.hidden ?? [])].sort((a, b) => a.startOffset - b.startOffset).map(t => t.image);
}

describe('layout', () => {
    it('indents blocks, one clause per line, single spaces, no space before a comma', async () => {
        const messy = 'host h{\nplatform kvm   cpu "Xeon Platinum 8480+"\n  socket s0 {\n numa 0\n cores 0-7\n   memory 64 GiB\n}\n' +
            'pcie-switch sw0 at 0000:10:00.0   on s0 {\n gpu g0 "H200 SXM5 141GB"   at 0000:11:00.0\n}\n}\n' +
            'vm a on h {\nvcpus 4   pin 0-3 memory 16 GiB on numa 0 hugepages 1 GiB\ngpu g0 ,g0 passthrough }\n';
        expect(await format(messy)).toBe(
            'host h {\n    platform kvm\n    cpu "Xeon Platinum 8480+"\n    socket s0 {\n        numa 0\n        cores 0-7\n        memory 64 GiB\n    }\n' +
            '    pcie-switch sw0 at 0000:10:00.0 on s0 {\n        gpu g0 "H200 SXM5 141GB" at 0000:11:00.0\n    }\n}\n' +
            'vm a on h {\n    vcpus 4 pin 0-3\n    memory 16 GiB on numa 0 hugepages 1 GiB\n    gpu g0, g0 passthrough\n}\n');
    });

    it('keeps a block written on one line on one line, and at most one blank line', async () => {
        const text = 'host h {\n    socket cpu0 {  numa 0  cores 0-7,16-23   memory 256 GiB }\n\n\n\n    platform kvm\n}\n';
        expect(await format(text)).toBe('host h {\n    socket cpu0 { numa 0 cores 0-7,16-23 memory 256 GiB }\n\n    platform kvm\n}\n');
    });

    it('keeps trailing comments, aligned at one column when they were, pushed right when the code reaches them', async () => {
        const text = 'vm a on h {\n  vcpus 8          // eight\n  memory 64 GiB    // memory\n  mmio 2048 GiB on numa 0 // x\n}\n';
        const out = await format(text);
        const lines = out.split('\n');
        expect(lines[1]).toBe('    vcpus 8          // eight');
        expect(lines[2].indexOf('//')).toBe(lines[1].indexOf('//'));
        expect(lines[3]).toMatch(/^ {4}mmio 2048 GiB on numa 0 \/\/ x$/);
    });

    it('keeps the line breaks of the line a `vmtopo-ignore` comment applies to (suppressions are by line)', async () => {
        const text = 'vm a on h {\n  // vmtopo-ignore LOC001: test\n  vcpus 4 memory 16 GiB\n  mmio 64 GiB  license nvaie\n}\n';
        expect(await format(text)).toBe('vm a on h {\n    // vmtopo-ignore LOC001: test\n    vcpus 4 memory 16 GiB\n    mmio 64 GiB\n    license nvaie\n}\n');
    });

    it('has one fixed style, whatever tab size or indentation the editor guessed (as terraform fmt)', async () => {
        // A messy file: VS Code's indentation detection guesses 6 spaces, or tabs.
        const text = 'host h {\n      platform kvm\n      socket cpu0 {\n\tnuma 0\n      }\n}\n';
        const expected = 'host h {\n    platform kvm\n    socket cpu0 {\n        numa 0\n    }\n}\n';
        expect(await format(text, { tabSize: 6, insertSpaces: true })).toBe(expected);
        expect(await format(text, { tabSize: 4, insertSpaces: false })).toBe(expected);
        expect(await format(text, { tabSize: 2, insertSpaces: true })).toBe(expected);
    });

    it('a document with syntax errors is only re-indented', async () => {
        const text = 'host h {\n platform kvm cpu\n  gpu g0 "H200 SXM5 141GB" at\n}\n';
        expect(await format(text)).toBe('host h {\n    platform kvm cpu\n    gpu g0 "H200 SXM5 141GB" at\n}\n');
    });

    it('on typing `}`: formats the block it closes, nothing else', async () => {
        const text = 'host   h {\nplatform kvm\n}\nvm a on h {\nvcpus 4   memory 16 GiB\n}';
        const ws = await buildWorkspace({ 'main.vmtopo': text });
        const doc = ws.documents[0];
        const formatter = ws.services.vmtopo.lsp.Formatter!;
        expect(formatter.formatOnTypeOptions).toEqual({ firstTriggerCharacter: '}' });
        const edits = await formatter.formatDocumentOnType(doc, {
            textDocument: { uri: doc.uri.toString() }, options: OPTIONS, ch: '}', position: doc.textDocument.positionAt(text.length)
        });
        expect(applyEdits(text, edits)).toBe('host   h {\nplatform kvm\n}\nvm a on h {\n    vcpus 4\n    memory 16 GiB\n}');
    });
});

/** Every vmtopo text the suite has: examples, fixtures, fuzz corpus, and the formatted example's own reformat. */
function corpus(): Array<[string, string]> {
    const files: Array<[string, string]> = [];
    for (const dir of ['examples', 'test/fuzz-corpus']) {
        for (const name of fs.readdirSync(path.join(REPO, dir)).filter(n => n.endsWith('.vmtopo')).sort()) {
            files.push([`${dir}/${name}`, fs.readFileSync(path.join(REPO, dir, name), 'utf8')]);
        }
    }
    files.push(['fixtures HOST', HOST], ['fixtures ESXI_HOST', ESXI_HOST]);
    return files;
}

describe('on every example, fixture and fuzz-corpus file', () => {
    const files = corpus();
    it('has a corpus', () => {
        expect(files.filter(([name]) => name.startsWith('examples/')).length).toBeGreaterThanOrEqual(2);
        expect(files.filter(([name]) => name.startsWith('test/fuzz-corpus/')).length).toBeGreaterThanOrEqual(10);
    });
    for (const [name, text] of files) {
        it(`${name}: same tokens, idempotent`, async () => {
            const once = await format(text);
            expect(tokenStream(once)).toEqual(tokenStream(text));
            expect(await format(once)).toBe(once);
        });
    }

    it('the examples keep their meaning: the same diagnostics (codes and lines of code) after formatting', async () => {
        for (const [name, text] of files.filter(([n]) => n.startsWith('examples/'))) {
            const before = (await buildWorkspace({ 'main.vmtopo': text })).diagnostics().map(d => d.code).sort();
            const after = (await buildWorkspace({ 'main.vmtopo': await format(text) })).diagnostics().map(d => d.code).sort();
            expect(after, name).toEqual(before);
        }
    });
});

describe('on mutated documents (seeded, as the fuzzer makes them, with the whitespace shuffled)', () => {
    const sources = loadFuzzSources(REPO);
    const dict = dictionary(sources.keywords);
    const WHITESPACE = [' ', '  ', '\n', '\n\n\n', '\t', ' \n    ', '\r\n'];

    it('never throws, keeps the tokens, and is idempotent', async () => {
        await fc.assert(fc.asyncProperty(
            fc.nat({ max: sources.seeds.length - 1 }),
            fc.array(mutationArbitrary, { minLength: 0, maxLength: 3 }),
            fc.array(fc.nat({ max: WHITESPACE.length - 1 }), { minLength: 1, maxLength: 64 }),
            async (seed, mutations, spaces) => {
                let text = mutations.reduce((t, m) => applyMutation(t, m, dict), sources.seeds[seed].text);
                let k = 0;
                text = text.replace(/[ \t]+|\n/g, ws => (k++ % 3 === 0 ? WHITESPACE[spaces[k % spaces.length]] : ws));
                const once = await format(text);
                expect(tokenStream(once)).toEqual(tokenStream(text));
                expect(await format(once)).toBe(once);
            }
        ), { seed: 20251130, numRuns: 60 });
    }, 180_000);
});
