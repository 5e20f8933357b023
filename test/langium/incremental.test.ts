/**
 * Incremental re-parsing (language/src/langium/incremental.ts): an edit inside one top-level block
 * re-parses that block only, and the result is exactly the tree a full parse of the new text builds
 * — every AST value, every syntax node, every offset, line and column.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
    EmptyFileSystem, TextDocument, URI, isCompositeCstNode, isLeafCstNode, isReference,
    type AstNode, type CstNode, type LangiumParser, type ParseResult
} from 'langium';
import { createVmtopoServices } from '../../language/src/vmtopo-module.js';
import { reparseIncrementally } from '../../language/src/langium/incremental.js';
import type { Model } from '../../language/src/generated/ast.js';
import { messageText } from '../../language/src/kernel/diagnostics.js';
import { REPO, build } from '../support/util.js';

const services = createVmtopoServices(EmptyFileSystem);
const parser: LangiumParser = services.vmtopo.parser.LangiumParser;

/** The AST as plain data: properties by name, references by their text, no positions or links. */
function astData(node: unknown): unknown {
    if (isReference(node)) return { ref: node.$refText };
    if (Array.isArray(node)) return node.map(astData);
    if (node && typeof node === 'object') {
        const out: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(node)) {
            if (key.startsWith('$') && key !== '$type' && key !== '$containerProperty' && key !== '$containerIndex') continue;
            out[key] = astData(value);
        }
        return out;
    }
    return node;
}

/** Every syntax node in order, with what a consumer reads of it. */
function cstData(root: CstNode): unknown[] {
    const out: unknown[] = [];
    const visit = (node: CstNode, depth: number) => {
        const base = {
            depth, offset: node.offset, end: node.end, range: node.range, text: node.text, hidden: node.hidden,
            grammar: node.grammarSource?.$type, astType: node.astNode.$type, owns: node.astNode.$cstNode === node
        };
        if (isLeafCstNode(node)) out.push({ ...base, token: node.tokenType.name });
        else out.push(base);
        if (isCompositeCstNode(node)) for (const child of node.content) visit(child, depth + 1);
    };
    visit(root, 0);
    return out;
}

/** Every AST node's container links agree with where it sits. */
function containersOf(root: AstNode): string[] {
    const problems: string[] = [];
    const visit = (node: AstNode) => {
        for (const [key, value] of Object.entries(node)) {
            if (key.startsWith('$')) continue;
            const children = Array.isArray(value) ? value : [value];
            children.forEach((child, i) => {
                if (!child || typeof child !== 'object' || !('$type' in child)) return;
                const c = child as AstNode;
                if (c.$container !== node || c.$containerProperty !== key || (Array.isArray(value) && c.$containerIndex !== i)) {
                    problems.push(`${c.$type} under ${node.$type}.${key}[${i}]`);
                }
                visit(c);
            });
        }
    };
    visit(root);
    return problems;
}

function expectSameTree(incremental: ParseResult<AstNode>, full: ParseResult<AstNode>): void {
    expect(astData(incremental.value)).toEqual(astData(full.value));
    expect(cstData(incremental.value.$cstNode!)).toEqual(cstData(full.value.$cstNode!));
    expect(containersOf(incremental.value)).toEqual([]);
    expect(incremental.parserErrors).toEqual([]);
    expect(incremental.lexerErrors).toEqual([]);
}

const EXAMPLE = fs.readFileSync(path.join(REPO, 'examples', 'hgx-h200.vmtopo'), 'utf8');
const SMALL = [
    'host h {\n    socket s0 { numa 0 cores 0-7 memory 64 GiB }\n    gpu g0 "H100 SXM5 80GB" at 0000:19:00.0 on s0\n}\n',
    '// leading comment\nhost h { socket s0 { numa 0 cores 0-7 memory 64 GiB } }\r\nvm a on h { vcpus 2 pin 0,1 } vm b on h { vcpus 2 pin 2,3 }\r\n/* trailing */',
    'vm a on h {\n    vcpus 4 pin 0-3\n    memory 16 GiB on numa 0\n    gpu g0 passthrough\n}\n\n\n/** doc */\nhost h {\n    socket s0 { numa 0 cores 0-7 memory 64 GiB }\n    pcie-switch sw at 0000:16:00.0 on s0 {\n        gpu g0 "H100 SXM5 80GB" at 0000:19:00.0\n    }\n}\n'
];
/** The fuzzers' saved reproducers under 4 KB: half-typed and hostile documents. */
const CORPUS = fs.readdirSync(path.join(REPO, 'test', 'fuzz-corpus'))
    .filter(f => f.endsWith('.vmtopo'))
    .map(f => fs.readFileSync(path.join(REPO, 'test', 'fuzz-corpus', f), 'utf8'))
    .filter(t => t.length < 4096);
/** Mostly valid documents (where edits re-parse one block), some hostile ones. */
const textArb = fc.oneof({ arbitrary: fc.constantFrom(EXAMPLE, ...SMALL), weight: 3 }, { arbitrary: fc.constantFrom(...CORPUS), weight: 1 });

/** Insertions an engineer (or a cat) types, and some that cross token and block boundaries. */
const SNIPPETS = [
    'x', ' ', '\n', '\r\n', '\r', '\t', '0', '-', '}', '{', '"', '//', '/*', '*/', '/* c */', '// c\n', 'é', '\u00a0',
    'gpu g9 "H100 SXM5 80GB" at 0000:99:00.0\n', 'socket s9 { numa 9 cores 900-903 memory 8 GiB }\n',
    'vm z on h { vcpus 1 pin 0 }\n', 'host q { }\n', '} host q {', 'memory 8 GiB', 'pin 1-2'
];

/** One edit: at a position (modulo the text's length), delete some characters and insert a snippet. */
const anyEdit = fc.record({
    at: fc.integer({ min: 0, max: 2 ** 30 }),
    remove: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 12 })),
    insert: fc.oneof(fc.constantFrom(...SNIPPETS), fc.constant(''))
});
/** Edits that usually keep a block valid: layout and comments, which move every position after them. */
const layoutEdit = fc.record({
    at: fc.integer({ min: 0, max: 2 ** 30 }),
    remove: fc.constant(0),
    insert: fc.constantFrom(' ', '\n', '\r\n', '\n\n\n', '    ', '// note\n', '/* c */', '/*\n c\n*/')
});
const editArb = fc.oneof({ arbitrary: anyEdit, weight: 1 }, { arbitrary: layoutEdit, weight: 2 });

function applyEdit(text: string, e: { at: number; remove: number; insert: string }): string {
    const at = e.at % (text.length + 1);
    return text.slice(0, at) + e.insert + text.slice(at + e.remove);
}

describe('an edit inside one block re-parses that block only', () => {
    it('typing in a comment inside host gpu-host: the host is parsed again, the VMs keep their nodes', async () => {
        const text = SMALL[2];
        const uri = URI.parse('file:///ws/one.vmtopo');
        const { shared } = services;
        shared.workspace.TextDocuments.set(TextDocument.create(uri.toString(), 'vmtopo', 1, text));
        const document = shared.workspace.LangiumDocumentFactory.fromTextDocument(shared.workspace.TextDocuments.get(uri.toString())!, uri);
        shared.workspace.LangiumDocuments.addDocument(document);
        await shared.workspace.DocumentBuilder.build([document], { validation: true });
        const before = document.parseResult.value as Model;
        const [vm, host] = [before.vms[0], before.hosts[0]];

        const edited = text.replace('on s0 {', 'on s0 { // four GPUs later\n');
        shared.workspace.TextDocuments.set(TextDocument.create(uri.toString(), 'vmtopo', 2, edited));
        await shared.workspace.DocumentBuilder.update([uri], []);

        const after = document.parseResult.value as Model;
        expect(after).toBe(before);
        expect(after.vms[0]).toBe(vm);
        expect(after.hosts[0]).not.toBe(host);
        expect(after.hosts[0].$cstNode!.text).toBe(edited.slice(edited.indexOf('host h'), edited.lastIndexOf('}') + 1));
        expect(after.vms[0].gpus?.[0]?.gpus[0]?.ref).toBe(after.hosts[0].switches[0].devices[0]);
        expectSameTree(document.parseResult, parser.parse(edited));
        shared.workspace.LangiumDocuments.deleteDocument(uri);
    });

    it('an edit outside any block, across two blocks or into a parse error parses the whole text', () => {
        const text = SMALL[1];
        const previous = () => parser.parse(text);
        expect(reparseIncrementally(previous(), 'x' + text, parser)).toBeUndefined();
        expect(reparseIncrementally(previous(), text.replace('} }\r\nvm a', '} }\r\n\nvm a'), parser)).toBeUndefined();
        expect(reparseIncrementally(previous(), text.replace('pin 0,1 } vm b', 'pin 0,1 vm b'), parser)).toBeUndefined();
        expect(reparseIncrementally(previous(), text.replace('vcpus 2 pin 0,1', 'vcpus 2 pin 0,1 "'), parser)).toBeUndefined();
        expect(reparseIncrementally(previous(), text.replace('numa 0', 'numa 0 /*'), parser)).toBeUndefined();
        // The error at `vm` is the unclosed host's, not the VM's: an edit in the VM fixes nothing.
        const unclosed = 'host h {\nvm v on h { vcpus 2 pin 0-3 }\n';
        expect(reparseIncrementally(parser.parse(unclosed), unclosed.replace('vcpus 2', 'vcpus  2'), parser)).toBeUndefined();
        const inside = reparseIncrementally(previous(), text.replace('pin 0,1', 'pin 0-1'), parser);
        expect(inside).toBeDefined();
        expectSameTree(inside!, parser.parse(text.replace('pin 0,1', 'pin 0-1')));
    });

    it('after any chain of random edits the re-parsed tree equals a full parse of the same text', () => {
        let incremental = 0;
        let repaired = 0;
        let edits = 0;
        fc.assert(fc.property(textArb, fc.array(editArb, { minLength: 1, maxLength: 6 }), (start, chain) => {
            let text = start;
            let result = parser.parse(text);
            for (const e of chain) {
                const next = applyEdit(text, e);
                const quick = next === text ? undefined : reparseIncrementally(result, next, parser);
                const full = parser.parse(next);
                edits++;
                if (quick) {
                    incremental++;
                    expectSameTree(quick, full);
                } else if (full.parserErrors.length + full.lexerErrors.length > 0 && text !== next) {
                    // Undo the edit that broke the text, as a user fixing a typo does: the errors
                    // lie in the block being fixed, and it is parsed alone again.
                    const broken = parser.parse(next);
                    const fixed = reparseIncrementally(broken, text, parser);
                    if (fixed) {
                        repaired++;
                        expectSameTree(fixed, parser.parse(text));
                    }
                }
                result = quick ?? full;
                text = next;
            }
        }), { seed: 4242, numRuns: 500 });
        // Not vacuous: many random edits land inside a block and leave it error-free (with this
        // seed, 202 of 1,632 and 152 repairs; the others fell back to a full parse).
        expect(incremental).toBeGreaterThanOrEqual(120);
        expect(edits).toBeGreaterThan(1000);
        expect(repaired).toBeGreaterThanOrEqual(80);
    });

    it('after edits in one block of the misconfigured example, the diagnostics equal those of a fresh build of the same text', async () => {
        const text = fs.readFileSync(path.join(REPO, 'examples', 'misconfigured.vmtopo'), 'utf8');
        const ws = await build(text);
        const [document] = ws.documents;
        const { shared } = ws.services;
        const view = (ds: readonly import('vscode-languageserver-types').Diagnostic[]) =>
            ds.map(d => `${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character} ${d.severity} ${String(d.code)} ${messageText(d)}`);
        let current = text;
        let reused = 0;
        const edits = fc.sample(fc.tuple(layoutEdit, fc.boolean()), { seed: 77, numRuns: 24 });
        for (const [i, [e, undo]] of edits.entries()) {
            const before = document.parseResult.value;
            const blocks = [...before.hosts, ...before.vms];
            current = undo && current !== text ? text : applyEdit(current, e);
            shared.workspace.TextDocuments.set(TextDocument.create(document.uri.toString(), 'vmtopo', i + 2, current));
            await shared.workspace.DocumentBuilder.update([document.uri], []);
            const after = document.parseResult.value;
            if (after === before) reused += [...after.hosts, ...after.vms].filter(b => blocks.includes(b)).length;
            const fresh = await build(current);
            expect(view(document.diagnostics ?? [])).toEqual(view(fresh.diagnostics()));
        }
        // The edits mostly kept the other blocks (and their checks' reports).
        expect(reused).toBeGreaterThan(24);
    });
});
