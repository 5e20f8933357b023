/**
 * The vmtopo lexer and parser: Langium's, made safe for any text the language server is given on
 * every keystroke.
 *
 * - {@link VmtopoLexer} refuses files over {@link MAX_FILE_BYTES} or {@link MAX_FILE_LINES} with one
 *   located error (nothing of the file is lexed), reports at most {@link MAX_LEXER_ERRORS}
 *   unexpected characters (and how many more there were), and skips the contents of blocks nested
 *   deeper than {@link MAX_BLOCK_DEPTH} with an error at the opening brace, so the recursive-descent
 *   parser can never run out of stack.
 * - A word with letters outside ASCII (`vm träin`, `gpu gpü0`) is read as one name token instead of
 *   ASCII fragments around an unexpected character ({@link mergeNonAsciiNames}): the parse goes on
 *   and the validator reports the name (SYN010, "names use ASCII letters, digits, _ and -"). Any
 *   other character outside ASCII keeps its lexing error, with a message naming it.
 * - {@link VmtopoParser} builds the concrete syntax tree without spreading large arrays into calls
 *   (Langium inserts runs of comments with `push(...nodes)`, which overflows the stack for about
 *   100,000 comments in a row), and, should the parser still throw, resets its state, reports the
 *   failure to {@link InternalErrors} and returns an empty model with a located parse error: the
 *   next document parses normally (without the reset every later parse failed with "Parser stack is
 *   not empty after parsing").
 *
 * Reaches into private fields of Langium's parser: listed in UPGRADE.md (this folder), re-check on upgrade.
 */
import {
    CstNodeBuilder, DefaultLexer, LangiumParser, createParser,
    type CstNode, type CompositeCstNode, type LangiumCoreServices, type LexerResult, type ParseResult,
    type TokenizeOptions, type AstNode
} from 'langium';
import { createTokenInstance, type ILexingError, type IRecognitionException, type IToken, type TokenType } from 'chevrotain';
import { MAX_BLOCK_DEPTH, MAX_FILE_BYTES, MAX_FILE_LINES, MAX_LEXER_ERRORS, MAX_SWITCH_DEPTH } from '../syntax/limits.js';
import type { InternalErrors } from '../kernel/internal-errors.js';

/** Why a text is too large to read, or undefined. */
export function fileLimitProblem(text: string): string | undefined {
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > MAX_FILE_BYTES) {
        return `this file is ${mib(bytes)} MiB; vmtopo reads files of up to ${mib(MAX_FILE_BYTES)} MiB. ` +
            'Split it into several .vmtopo files (a VM may name a host declared in another file).';
    }
    let lines = 1;
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) {
        if (++lines > MAX_FILE_LINES) {
            return `this file has more than ${MAX_FILE_LINES.toLocaleString('en-US')} lines, the most vmtopo reads. ` +
                'Split it into several .vmtopo files (a VM may name a host declared in another file).';
        }
    }
    return undefined;
}

function mib(bytes: number): string {
    return (bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, '');
}

export class VmtopoLexer extends DefaultLexer {
    override tokenize(text: string, options?: TokenizeOptions): LexerResult {
        const tooLarge = fileLimitProblem(text);
        if (tooLarge) {
            return { tokens: [], hidden: [], errors: [{ offset: 0, line: 1, column: 1, length: 0, message: tooLarge }], report: undefined };
        }
        const result = super.tokenize(text, options);
        const merged = result.errors.length > 0 ? mergeNonAsciiNames(text, result.tokens, result.errors, this.definition.ID) : result;
        return { ...result, tokens: limitNesting(merged.tokens, merged.errors), errors: capErrors(merged.errors) };
    }
}

/** Characters a name may have been meant to contain: ASCII name characters, and letters, marks and digits of any script. */
const NAME_CHAR = /^[\p{L}\p{M}\p{N}_-]$/u;
/** Characters a name may have been meant to start with. */
const NAME_START = /^[\p{L}_]$/u;

/** The character (code point) ending just before `offset`, or undefined. */
function charBefore(text: string, offset: number): string | undefined {
    if (offset <= 0) return undefined;
    const low = text.charCodeAt(offset - 1);
    if (low >= 0xdc00 && low <= 0xdfff && offset >= 2) {
        const high = text.charCodeAt(offset - 2);
        if (high >= 0xd800 && high <= 0xdbff) return text.slice(offset - 2, offset);
    }
    return text[offset - 1];
}

/** The character (code point) starting at `offset`, or undefined. */
function charAt(text: string, offset: number): string | undefined {
    const cp = text.codePointAt(offset);
    return cp === undefined ? undefined : String.fromCodePoint(cp);
}

/** `'ä' (U+00E4)`, for messages. */
export function describeChar(c: string): string {
    return `'${c}' (U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')})`;
}

/**
 * Merges each word that holds letters outside ASCII (`träin`: `tr`, an unexpected `ä`, `in`) into one
 * `ID` token with the whole word, dropping its lexing errors: the parser then reads `vm träin on h`
 * as a VM named `träin`, which SYN010 reports with a rule code, instead of a bare lexing error and
 * the parse errors that follow it. A word is a maximal run of letters, marks, digits, `_` and `-`
 * of any script that starts with a letter or `_`, around an error made only of such characters,
 * and covering whole tokens only. Other errors with characters outside ASCII (`→`, a zero-width
 * space, a curly quote) stay, with a message naming the characters. Linear in tokens and errors.
 */
function mergeNonAsciiNames(text: string, tokens: IToken[], errors: ILexingError[], idType: TokenType | undefined): { tokens: IToken[]; errors: ILexingError[] } {
    if (!idType) return { tokens, errors };
    interface Span { start: number; end: number; line: number; column: number; errors: ILexingError[] }
    const spans: Span[] = [];
    const kept: ILexingError[] = [];
    const keep = (e: ILexingError) => {
        const chars = [...new Set([...text.slice(e.offset, e.offset + e.length)].filter(c => c.codePointAt(0)! > 0x7f))];
        kept.push(chars.length === 0 ? e : {
            ...e,
            message: `unexpected character${chars.length > 1 ? 's' : ''} ${chars.slice(0, 3).map(describeChar).join(', ')}${chars.length > 3 ? ', …' : ''}: ` +
                'outside strings and comments vmtopo reads ASCII only; names use ASCII letters, digits, _ and -'
        });
    };
    for (const e of errors) {
        const body = [...text.slice(e.offset, e.offset + e.length)];
        if (e.line === undefined || e.column === undefined || body.length === 0
            || !body.some(c => c.codePointAt(0)! > 0x7f) || !body.every(c => NAME_CHAR.test(c))) {
            keep(e);
            continue;
        }
        let start = e.offset;
        for (let c = charBefore(text, start); c !== undefined && NAME_CHAR.test(c); c = charBefore(text, start)) start -= c.length;
        let end = e.offset + e.length;
        for (let c = charAt(text, end); c !== undefined && NAME_CHAR.test(c); c = charAt(text, end)) end += c.length;
        const last = spans[spans.length - 1];
        if (last && start < last.end) {
            // The same word as the previous error (`äbö`: two errors, one word).
            last.end = Math.max(last.end, end);
            last.errors.push(e);
            continue;
        }
        if (!NAME_START.test(charAt(text, start) ?? '')) {
            keep(e);
            continue;
        }
        spans.push({ start, end, line: e.line, column: e.column - (e.offset - start), errors: [e] });
    }
    if (spans.length === 0) return { tokens, errors: kept };

    // A span must cover whole tokens (`ä0.5` would cut the number `0.5`): otherwise its errors stay.
    const tokenEnd = (t: IToken) => t.startOffset + t.image.length;
    const valid = spans.filter(span => {
        let lo = 0;
        let hi = tokens.length;
        while (lo < hi) { // first token ending after the span's start
            const mid = (lo + hi) >> 1;
            if (tokenEnd(tokens[mid]) <= span.start) lo = mid + 1;
            else hi = mid;
        }
        let cut = false;
        for (let i = lo; i < tokens.length && tokens[i].startOffset < span.end && !cut; i++) {
            cut = tokens[i].startOffset < span.start || tokenEnd(tokens[i]) > span.end;
        }
        if (!cut) return true;
        span.errors.forEach(keep);
        return false;
    });
    const out: IToken[] = [];
    let k = 0;
    for (const t of tokens) {
        while (k < valid.length && valid[k].end <= t.startOffset) out.push(nameToken(text, valid[k++], idType));
        if (k < valid.length && t.startOffset >= valid[k].start && t.startOffset < valid[k].end) continue; // inside the word
        out.push(t);
    }
    while (k < valid.length) out.push(nameToken(text, valid[k++], idType));
    kept.sort((a, b) => a.offset - b.offset);
    return { tokens: out, errors: kept };

    function nameToken(source: string, span: Span, type: TokenType): IToken {
        return createTokenInstance(type, source.slice(span.start, span.end), span.start, span.end - 1,
            span.line, span.line, span.column, span.column + (span.end - span.start) - 1);
    }
}

/**
 * Drops the tokens inside blocks nested deeper than {@link MAX_BLOCK_DEPTH} (from the too-deep `{`,
 * exclusive, to its matching `}`, inclusive of neither), adding one error per such block to `errors`.
 * The parser then sees an empty block there. Linear in the number of tokens.
 */
function limitNesting(tokens: IToken[], errors: ILexingError[]): IToken[] {
    let depth = 0;
    let deepest = 0;
    for (const t of tokens) {
        if (t.image === '{') deepest = Math.max(deepest, ++depth);
        else if (t.image === '}') depth = Math.max(0, depth - 1);
    }
    if (deepest <= MAX_BLOCK_DEPTH) return tokens;
    const kept: IToken[] = [];
    depth = 0;
    let skipUntil = -1; // depth at which skipping ends, -1 when not skipping
    for (const t of tokens) {
        if (t.image === '{') {
            depth++;
            if (skipUntil >= 0) continue;
            if (depth > MAX_BLOCK_DEPTH) {
                skipUntil = depth - 1;
                errors.push({
                    offset: t.startOffset, line: t.startLine ?? 1, column: t.startColumn ?? 1, length: 1,
                    message: `blocks nest more than ${MAX_BLOCK_DEPTH} deep here (PCIe switches nest at most ${MAX_SWITCH_DEPTH} levels); the contents of this block are ignored`
                });
            }
            kept.push(t);
        } else if (t.image === '}') {
            depth = Math.max(0, depth - 1);
            if (skipUntil >= 0 && depth > skipUntil) continue;
            if (skipUntil >= 0 && depth === skipUntil) skipUntil = -1;
            kept.push(t);
        } else if (skipUntil < 0) {
            kept.push(t);
        }
    }
    return kept;
}

/** The first {@link MAX_LEXER_ERRORS} errors, plus one saying how many more there were. */
function capErrors(errors: ILexingError[]): ILexingError[] {
    if (errors.length <= MAX_LEXER_ERRORS) return errors;
    const next = errors[MAX_LEXER_ERRORS];
    return [...errors.slice(0, MAX_LEXER_ERRORS), {
        ...next, length: Math.max(1, next.length),
        message: `${errors.length - MAX_LEXER_ERRORS} more unexpected characters from here on are not listed`
    }];
}

/** A CST builder that inserts any number of nodes without spreading them into one call. */
class SafeCstNodeBuilder extends CstNodeBuilder {
    override appendChildren(parent: CompositeCstNode, children: CstNode[]): void {
        for (const child of children) this.appendChild(parent, child);
    }

    override insertChildren(parent: CompositeCstNode, index: number, children: CstNode[]): void {
        if (children.length === 0) return;
        for (const child of children) (child as { container?: CompositeCstNode }).container = parent;
        const content = parent.content as CstNode[];
        const tail = content.splice(index);
        for (const child of children) content.push(child);
        for (const child of tail) content.push(child);
    }
}

/** Langium's parser with {@link SafeCstNodeBuilder} and recovery from any exception. */
export class VmtopoParser extends LangiumParser {
    private readonly internalErrors?: InternalErrors;

    constructor(services: LangiumCoreServices, internalErrors?: InternalErrors) {
        super(services);
        this.internalErrors = internalErrors;
        (this as unknown as { nodeBuilder: CstNodeBuilder }).nodeBuilder = new SafeCstNodeBuilder();
    }

    override parse<T extends AstNode = AstNode>(input: string, options?: { rule?: string }): ParseResult<T> {
        const self = this as unknown as { stack: unknown[]; nodeBuilder: CstNodeBuilder; lexerResult?: LexerResult };
        self.stack.length = 0;
        try {
            return super.parse<T>(input, options);
        } catch (err) {
            const lexerErrors = self.lexerResult?.errors ?? [];
            self.stack.length = 0;
            self.lexerResult = undefined;
            this.unorderedGroups.clear();
            this.internalErrors?.report('parser', err);
            const root = self.nodeBuilder.buildRootNode(input);
            const value = { $type: 'Model', hosts: [], vms: [], $cstNode: root } as unknown as T;
            (root as { astNode?: AstNode }).astNode = value;
            const token = { image: '', startOffset: 0, endOffset: 0, startLine: 1, endLine: 1, startColumn: 1, endColumn: 0 } as IToken;
            const failure = {
                name: 'ParserFailure', token, resyncedTokens: [], context: { ruleStack: [], ruleOccurrenceStack: [] },
                message: `vmtopo could not parse this file (${err instanceof Error ? err.message : String(err)}); nothing in it is checked`
            } as unknown as IRecognitionException;
            return { value, lexerErrors, lexerReport: undefined, parserErrors: [failure] };
        }
    }
}

/** The service factory for `parser.LangiumParser` (as Langium's `createLangiumParser`, with {@link VmtopoParser}). */
export function createVmtopoParser(services: LangiumCoreServices, internalErrors?: InternalErrors): LangiumParser {
    const parser = new VmtopoParser(services, internalErrors);
    createParser(services.Grammar, parser, services.parser.Lexer.definition);
    parser.finalize();
    return parser;
}
