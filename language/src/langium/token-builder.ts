/**
 * The vmtopo token builder: Langium's, with each keyword's `LONGER_ALT` terminals found by one
 * partial regular expression per terminal instead of one per keyword and terminal.
 *
 * Langium's `DefaultTokenBuilder.findLongerAlt` calls `RegExpUtils.partialMatches` for every pair of
 * keyword and terminal, and that rebuilds and compiles the terminal's partial regular expression
 * each time: for vmtopo's ~190 keywords and 8 terminals, about 1,500 regular expressions on every
 * start of the CLI and the language server. The result is the same: a terminal is a longer
 * alternative of a keyword when its partial expression (anchored as Langium anchors it) matches a
 * non-empty prefix of the keyword.
 */
import { DefaultTokenBuilder, RegExpUtils, type GrammarAST } from 'langium';
import type { TokenType } from 'chevrotain';

export class VmtopoTokenBuilder extends DefaultTokenBuilder {
    /** Each terminal token's partial expression, made once per token (the same token objects are passed for every keyword). */
    private readonly partials = new WeakMap<TokenType, RegExp | null>();

    protected override findLongerAlt(keyword: GrammarAST.Keyword, terminalTokens: TokenType[]): TokenType[] {
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
