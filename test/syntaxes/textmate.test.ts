/**
 * The hand-written TextMate grammar (`syntaxes/vmtopo.tmLanguage.json`) against the Langium grammar:
 * every word keyword of the language is coloured as a keyword (and not inside longer identifiers),
 * and the token patterns recognise the language's own literals — PCI addresses, CPU lists, sizes,
 * speeds and link widths. The patterns are plain Oniguruma/JS-compatible regular expressions, so
 * they are checked here with JavaScript's RegExp.
 */
import { describe, expect, it } from 'vitest';
import { AstUtils, GrammarAST } from 'langium';
import { VmtopoGrammar } from '../../language/src/generated/grammar.js';
import * as fs from 'node:fs';
import * as path from 'node:path';

interface Pattern {
    name?: string;
    match?: string;
    begin?: string;
    end?: string;
    include?: string;
    patterns?: Pattern[];
    captures?: Record<string, { name: string }>;
}
interface TmGrammar {
    scopeName: string;
    patterns: Pattern[];
    repository: Record<string, Pattern>;
}

// Only the generated grammar is loaded (not the services), so this suite runs on its own.
const grammar = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../syntaxes/vmtopo.tmLanguage.json'), 'utf8')) as TmGrammar;

/** The `match` patterns of a repository entry (the entry itself or its `patterns`), with their scope. */
function matchPatterns(entry: string): Array<{ re: RegExp; scope: string; captures?: Pattern['captures'] }> {
    const item = grammar.repository[entry];
    expect(item, `repository entry ${entry}`).toBeDefined();
    return [item, ...(item.patterns ?? [])]
        .filter(p => p.match !== undefined)
        .map(p => ({ re: new RegExp(p.match!, 'g'), scope: p.name ?? '', captures: p.captures }));
}

/** The whole-token matches of `entry`'s patterns in `line`, with their scope. */
function tokens(entry: string, line: string): Array<{ text: string; scope: string }> {
    return matchPatterns(entry).flatMap(({ re, scope }) => [...line.matchAll(re)].map(m => ({ text: m[0], scope })));
}

/** The keywords of the Langium grammar that are words (not `{`, `,` or units like `GT/s`). */
const wordKeywords = [...new Set(
    AstUtils.streamAllContents(VmtopoGrammar())
        .filter(GrammarAST.isKeyword)
        .map(k => k.value)
        .filter(v => /^[a-zA-Z][\w-]*$/.test(v))
        .toArray()
)].sort();

describe('TextMate grammar syntaxes/vmtopo.tmLanguage.json', () => {
    it('is JSON with scope source.vmtopo, and every include names a repository entry', () => {
        expect(grammar.scopeName).toBe('source.vmtopo');
        const includes = JSON.stringify(grammar).match(/"include":"#[^"]+"/g) ?? [];
        expect(includes.length).toBeGreaterThan(5);
        for (const include of includes) {
            const name = include.slice('"include":"#'.length, -1);
            expect(grammar.repository[name], include).toBeDefined();
        }
        // Every regular expression compiles.
        const all = JSON.stringify(grammar.repository);
        for (const [, source] of all.matchAll(/"(?:match|begin|end)":("(?:[^"\\]|\\.)*")/g)) {
            expect(() => new RegExp(JSON.parse(source) as string)).not.toThrow();
        }
    });

    it('colours every word keyword of the Langium grammar as a keyword', () => {
        expect(wordKeywords).toEqual(expect.arrayContaining(['host', 'vm', 'pcie-switch', 'vf-offset', 'passthrough', 'kvm', 'nvaie']));
        const keywordish = /^(keyword|storage\.type|constant\.language)\./;
        for (const keyword of wordKeywords) {
            const hits = [...tokens('keywords', keyword), ...tokens('constants', keyword)];
            expect(hits.filter(h => h.text === keyword && keywordish.test(h.scope)), `keyword ${keyword}`).toHaveLength(1);
        }
    });

    it('does not colour keywords inside identifiers such as my-host, gpu0 or vm_a', () => {
        for (const identifier of ['my-host', 'gpu0', 'vm_a', 'nic-7', 'hostname', 'train-vm', 'vfs2']) {
            expect([...tokens('keywords', identifier), ...tokens('constants', identifier)], identifier).toEqual([]);
        }
    });

    it('matches PCI addresses dddd:bb:dd.f, but not partial ones', () => {
        const line = 'gpu gpu0 "H200 SXM5 141GB" at 0000:1a:00.0 module 5 // bad: 0000:18:00';
        expect(tokens('pci-address', line)).toEqual([{ text: '0000:1a:00.0', scope: 'constant.numeric.pci-address.vmtopo' }]);
        expect(tokens('pci-address', 'at 0000:DB:1f.7')).toHaveLength(1);
    });

    it('matches CPU lists such as 0-15,96-111 as one token, not a single number', () => {
        expect(tokens('cpu-list', 'vcpus 32 pin 0-15,96-111')).toEqual([{ text: '0-15,96-111', scope: 'constant.numeric.cpu-list.vmtopo' }]);
        expect(tokens('cpu-list', 'emulator pin 0-1,128-129').map(t => t.text)).toEqual(['0-1,128-129']);
        expect(tokens('cpu-list', 'cores 8,9,10').map(t => t.text)).toEqual(['8,9,10']);
        expect(tokens('cpu-list', 'numa 0')).toEqual([]);
        expect(tokens('cpu-list', 'at 0000:1a:00.0')).toEqual([]);
    });

    it('matches numbers with their units: 32 GT/s, 400 Gb/s, 1024 GiB, 2 TiB, 512 MiB', () => {
        const [quantity] = matchPatterns('quantities');
        for (const [text, value, unit] of [['32 GT/s', '32', 'GT/s'], ['400 Gb/s', '400', 'Gb/s'], ['1024 GiB', '1024', 'GiB'],
            ['2 TiB', '2', 'TiB'], ['512 MiB', '512', 'MiB'], ['1.5 TiB', '1.5', 'TiB']]) {
            const m = new RegExp(quantity.re.source).exec(`link ${text} x16`);
            expect(m?.[0], text).toBe(text);
            expect([m?.[1], m?.[2]]).toEqual([value, unit]);
        }
        expect(quantity.captures?.['1'].name).toMatch(/^constant\.numeric/);
        expect(new RegExp(quantity.re.source).exec('memory 64 GiBs')).toBeNull();
    });

    it('matches link widths x1…x32 but not identifiers that start with x', () => {
        expect(tokens('link-width', 'link 32 GT/s x16').map(t => t.text)).toEqual(['x16']);
        expect(tokens('link-width', 'link 16 GT/s x8').map(t => t.text)).toEqual(['x8']);
        expect(tokens('link-width', 'nic x16a "ConnectX-7"')).toEqual([]);
    });

    it('names what declarations declare, but not device references inside a VM', () => {
        const names = (line: string): string[] => matchPatterns('declarations').flatMap(({ re }) =>
            [...line.matchAll(re)].map(m => m[2]));
        expect(names('pcie-switch sw0 at 0000:16:00.0 on cpu0 {')).toEqual(['sw0']);
        expect(names('    gpu gpu0 "H200 SXM5 141GB" at 0000:19:00.0 module 5')).toEqual(['gpu0']);
        expect(names('    nic mlx5_3 "ConnectX-7" at 0000:1a:00.0 speed 400 Gb/s')).toEqual(['mlx5_3']);
        expect(names('vm train-a on sprocket {')).toEqual(['train-a']);
        expect(names('    gpu gpu0, gpu1 passthrough')).toEqual([]);
        expect(names('    nic mlx5_8 vf 3')).toEqual([]);
    });

    it('tells /** doc */ comments from /* block */ and // line comments', () => {
        const [doc, block, line] = grammar.repository.comments.patterns!;
        expect(doc.name).toBe('comment.block.documentation.vmtopo');
        expect(new RegExp(doc.begin!).test('/** A GPU */')).toBe(true);
        expect(new RegExp(doc.begin!).test('/**/')).toBe(false);
        expect(block.name).toBe('comment.block.vmtopo');
        expect(new RegExp(block.begin!).test('/* x */')).toBe(true);
        expect(line.name).toBe('comment.line.double-slash.vmtopo');
        expect(new RegExp(line.match!).exec('mmio 2048 GiB // 4 x 512 GiB')?.[0]).toBe('// 4 x 512 GiB');
    });
});
