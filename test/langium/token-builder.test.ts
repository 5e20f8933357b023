/**
 * The token builder finds each keyword's longer alternatives (the terminals that could go on
 * matching after the keyword, so that `vmfoo` is a name and not `vm` + `foo`) exactly as Langium's
 * DefaultTokenBuilder does: from the table generated with the grammar (generated/longer-alts.ts),
 * and, for a keyword the table lacks, with one partial expression per terminal.
 */
import { DefaultTokenBuilder } from 'langium';
import type { TokenType } from 'chevrotain';
import { describe, expect, it } from 'vitest';
import { createVmtopoServices } from '../../language/src/vmtopo-module.js';
import { VmtopoTokenBuilder } from '../../language/src/langium/token-builder.js';

const { vmtopo } = createVmtopoServices();
const grammar = vmtopo.Grammar;

/** Keyword name → the names of its longer alternatives, from a builder's tokens. */
function longerAlts(tokens: TokenType[]): Map<string, string[]> {
    const map = new Map<string, string[]>();
    for (const t of tokens) {
        const alts = t.LONGER_ALT === undefined ? [] : Array.isArray(t.LONGER_ALT) ? t.LONGER_ALT : [t.LONGER_ALT];
        map.set(t.name, alts.map(a => a.name));
    }
    return map;
}

describe('VmtopoTokenBuilder', () => {
    const ours = vmtopo.parser.TokenBuilder.buildTokens(grammar) as TokenType[];
    const langiums = new DefaultTokenBuilder().buildTokens(grammar) as TokenType[];

    it('is the token builder of the services', () => {
        expect(vmtopo.parser.TokenBuilder).toBeInstanceOf(VmtopoTokenBuilder);
    });

    it('gives every keyword the longer alternatives Langium gives it, in the same order', () => {
        expect(ours.map(t => t.name)).toEqual(langiums.map(t => t.name));
        expect(longerAlts(ours)).toEqual(longerAlts(langiums));
    });

    it('without the generated table, computes the same longer alternatives', () => {
        const computed = new VmtopoTokenBuilder({}).buildTokens(grammar) as TokenType[];
        expect(longerAlts(computed)).toEqual(longerAlts(langiums));
    });

    it('computes a keyword whose table entry names a terminal the grammar lacks', () => {
        const stale = new VmtopoTokenBuilder({ vm: ['NO_SUCH_TERMINAL'], '{': ['ID'] }).buildTokens(grammar) as TokenType[];
        expect(longerAlts(stale).get('vm')).toEqual(['ID']);
        // an entry the grammar can satisfy is taken as written: the table is the generated truth
        expect(longerAlts(stale).get('{')).toEqual(['ID']);
    });

    it('makes word keywords give way to a longer name, and symbols not', () => {
        const alts = longerAlts(ours);
        expect(alts.get('vm')).toContain('ID');
        expect(alts.get('passthrough')).toContain('ID');
        expect(alts.get('{')).toEqual([]);
    });

    it('lexes a name that starts with a keyword as one name', () => {
        const { tokens } = vmtopo.parser.Lexer.tokenize('vm vmfoo on hostx {}');
        expect(tokens.map(t => [t.image, t.tokenType.name])).toEqual([
            ['vm', 'vm'], ['vmfoo', 'ID'], ['on', 'on'], ['hostx', 'ID'], ['{', '{'], ['}', '}']
        ]);
    });
});
