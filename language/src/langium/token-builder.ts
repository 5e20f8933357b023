/**
 * The vmtopo token builder: Langium's, with each keyword's `LONGER_ALT` terminals read from a table
 * generated with the grammar instead of computed at every start.
 *
 * Langium's `DefaultTokenBuilder.findLongerAlt` calls `RegExpUtils.partialMatches` for every pair of
 * keyword and terminal, and that rebuilds and compiles the terminal's partial regular expression
 * each time: for vmtopo's ~95 keywords and 7 terminals, about 650 regular expressions compiled and
 * matched on every start of the CLI and the language server. `npm run langium:generate`
 * (scripts/langium-generate.mjs) runs Langium's own `DefaultTokenBuilder` on the grammar once and
 * writes the result to `generated/longer-alts.ts`. A keyword missing from that table, or naming a
 * terminal this grammar lacks, is computed as Langium computes it, with one partial expression per
 * terminal: a terminal is a longer alternative of a keyword when its partial expression (anchored
 * as Langium anchors it) matches a non-empty prefix of the keyword.
 */
import { DefaultTokenBuilder, RegExpUtils, type GrammarAST } from 'langium';
import type { TokenType } from 'chevrotain';
import { LONGER_ALTS } from '../generated/longer-alts.js';

export class VmtopoTokenBuilder extends DefaultTokenBuilder {
    /** Each terminal token's partial expression, made once per token (the same token objects are passed for every keyword). */
    private readonly partials = new WeakMap<TokenType, RegExp | null>();

    /**
     * @param table keyword → the names of its longer alternatives (default: the generated table;
     *   the tests pass an empty one to check the computation against Langium's).
     */
    constructor(private readonly table: Readonly<Record<string, readonly string[]>> = LONGER_ALTS) {
        super();
    }

    protected override findLongerAlt(keyword: GrammarAST.Keyword, terminalTokens: TokenType[]): TokenType[] {
        const names = Object.hasOwn(this.table, keyword.value) ? this.table[keyword.value] : undefined;
        const listed = names?.map(name => terminalTokens.find(token => token.name === name));
        if (listed && listed.every(token => token !== undefined)) return listed;
        return this.computeLongerAlt(keyword, terminalTokens);
    }

    /** The terminals whose partial expression matches a non-empty prefix of `keyword` (Langium's `findLongerAlt`). */
    private computeLongerAlt(keyword: GrammarAST.Keyword, terminalTokens: TokenType[]): TokenType[] {
        const alts: TokenType[] = [];
        for (const token of terminalTokens) {
            let partial = this.partials.get(token);
            if (partial === undefined) {
                const source = (token.PATTERN as RegExp | undefined)?.source;
                partial = source ? RegExpUtils.partialRegExp('^' + source + '$') : null;
                this.partials.set(token, partial);
            }
            const match = partial ? keyword.value.match(partial) : null;
            if (match && match[0].length > 0) alts.push(token);
        }
        return alts;
    }
}
