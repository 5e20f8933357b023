/**
 * Formatter ("Format Document", "Format Selection", and on typing `}`): block indentation (four
 * spaces per level, a fixed style like `terraform fmt`'s: the request's tab size and "insert spaces"
 * are ignored), one clause per line, one space between the tokens of a clause, at most one blank line kept, trailing
 * `//` comments kept and aligned. It only ever changes the whitespace between two tokens, so the
 * token stream is the same before and after (and a gap that holds anything but whitespace — text
 * the lexer could not read — is left alone). Idempotent: formatting formatted text changes nothing.
 *
 * Driven by the grammar, not by a list of clauses: a new line starts before every keyword that
 * begins a clause in a block ({@link clauseStarts}), and blocks are what `{` … `}` enclose. A block
 * written on one line without comments or nested blocks (`socket cpu0 { numa 0 cores 0-63 memory
 * 1024 GiB }`) stays on one line.
 *
 * Trailing comments: a comment keeps its column (shifted with its line's indentation) unless the
 * code now reaches it; comments of one block that were at the same column stay at one column, the
 * first free one for all of them.
 *
 * The line after a `// vmtopo-ignore RULE: reason` comment keeps its line breaks (suppressions
 * apply to the next line), so formatting never changes what is suppressed.
 *
 * A document with syntax errors is only re-indented (lines are neither joined nor split), so that
 * formatting while typing never moves half-written text around.
 */
import type { AstNode, LangiumDocument } from 'langium';
import { CstUtils, isLeafCstNode } from 'langium';
import { AbstractFormatter } from 'langium/lsp';
import type {
    DocumentFormattingParams, DocumentOnTypeFormattingOptions, DocumentOnTypeFormattingParams, DocumentRangeFormattingParams, FormattingOptions, Range, TextEdit
} from 'vscode-languageserver';
import type { VmtopoCoreServices } from '../langium/services.js';
import { clauseStarts, type ClauseStarts } from './clause-starts.js';

/**
 * The one indentation unit of vmtopo files: four spaces per block level, whatever the editor's tab
 * size or "insert spaces" setting (the extension also contributes these as the `[vmtopo]` editor
 * defaults, so typing and formatting agree).
 */
export const INDENT_UNIT = '    ';

interface Token {
    readonly offset: number;
    readonly end: number;
    readonly image: string;
    readonly comment?: 'line' | 'block';
}

/** A whitespace gap before token `index` and what it becomes; `trailing` marks a `//` comment after code on its line. */
interface Gap {
    readonly index: number;
    readonly start: number;
    readonly end: number;
    text: string;
    trailing?: boolean;
}

/** An edit as offsets into the document. */
export interface OffsetEdit {
    readonly start: number;
    readonly end: number;
    readonly newText: string;
}

export class VmtopoFormatter extends AbstractFormatter {
    private readonly starts: ClauseStarts;

    constructor(protected readonly services: VmtopoCoreServices) {
        super();
        this.starts = clauseStarts(services.Grammar);
    }

    /** Unused: the layout is computed from the token stream ({@link layout}), not per AST node. */
    protected format(_node: AstNode): void {
        // nothing: see layout()
    }

    override get formatOnTypeOptions(): DocumentOnTypeFormattingOptions {
        return { firstTriggerCharacter: '}' };
    }

    override formatDocument(document: LangiumDocument, params: DocumentFormattingParams): TextEdit[] {
        return this.guard(() => this.toTextEdits(document, this.layout(document, params.options)));
    }

    override formatDocumentRange(document: LangiumDocument, params: DocumentRangeFormattingParams): TextEdit[] {
        return this.guard(() => {
            const start = document.textDocument.offsetAt(params.range.start);
            const end = document.textDocument.offsetAt(params.range.end);
            return this.toTextEdits(document, this.layout(document, params.options).filter(e => e.start >= start && e.end <= end));
        });
    }

    /** After `}`: the block it closes, from the line of its `{` to the `}`. */
    override formatDocumentOnType(document: LangiumDocument, params: DocumentOnTypeFormattingParams): TextEdit[] {
        return this.guard(() => {
            const text = document.textDocument.getText();
            const offset = document.textDocument.offsetAt(params.position);
            const close = text.lastIndexOf('}', offset);
            if (close < 0) return [];
            const tokens = this.tokens(document);
            const stack: Token[] = [];
            let open: Token | undefined;
            for (const token of tokens) {
                if (token.comment) continue;
                if (token.image === '{') stack.push(token);
                else if (token.image === '}') {
                    const opened = stack.pop();
                    if (token.offset === close) { open = opened; break; }
                }
            }
            if (!open) return [];
            const from = text.lastIndexOf('\n', open.offset) + 1;
            return this.toTextEdits(document, this.layout(document, params.options).filter(e => e.start >= from && e.end <= close));
        });
    }

    protected override doDocumentFormat(document: LangiumDocument, options: FormattingOptions, range?: Range): TextEdit[] {
        const edits = this.layout(document, options);
        if (!range) return this.toTextEdits(document, edits);
        const start = document.textDocument.offsetAt(range.start);
        const end = document.textDocument.offsetAt(range.end);
        return this.toTextEdits(document, edits.filter(e => e.start >= start && e.end <= end));
    }

    private guard(f: () => TextEdit[]): TextEdit[] {
        return this.services.log.InternalErrors.guard('formatter', f, []);
    }

    private toTextEdits(document: LangiumDocument, edits: readonly OffsetEdit[]): TextEdit[] {
        const doc = document.textDocument;
        return edits.map(e => ({ range: { start: doc.positionAt(e.start), end: doc.positionAt(e.end) }, newText: e.newText }));
    }

    /** Code and comment tokens of the document, in order. */
    private tokens(document: LangiumDocument): Token[] {
        const result = this.services.parser.Lexer.tokenize(document.textDocument.getText());
        const tokens: Token[] = result.tokens.map(t => ({ offset: t.startOffset, end: t.startOffset + t.image.length, image: t.image }));
        for (const t of result.hidden ?? []) {
            const name = t.tokenType.name;
            if (name === 'WS') continue;
            tokens.push({ offset: t.startOffset, end: t.startOffset + t.image.length, image: t.image, comment: t.image.startsWith('//') ? 'line' : 'block' });
        }
        return tokens.sort((a, b) => a.offset - b.offset);
    }

    /**
     * The whitespace edits that format the whole document, as offsets, in document order.
     * @param _options the request's `tabSize` and `insertSpaces`: ignored. The style is fixed
     * ({@link INDENT_UNIT}), as `terraform fmt` and `gofmt` fix theirs, so that one file formats alike
     * in every editor whatever indentation the editor guessed from a messy file.
     */
    layout(document: LangiumDocument, _options?: FormattingOptions): OffsetEdit[] {
        const text = document.textDocument.getText();
        const tokens = this.tokens(document);
        if (tokens.length === 0) return [];
        const pr = document.parseResult;
        const reindentOnly = pr.lexerErrors.length > 0 || pr.parserErrors.length > 0;
        const eol = text.includes('\r\n') ? '\r\n' : '\n';
        const indent = (depth: number): string => INDENT_UNIT.repeat(Math.max(0, depth));

        // Offsets of the keywords that begin a clause (from the CST: which grammar element each keyword is).
        const clauseStart = new Set<number>();
        const root = pr.value.$cstNode;
        if (root && !reindentOnly) {
            for (const node of CstUtils.streamCst(root)) {
                if (isLeafCstNode(node) && this.starts.elements.has(node.grammarSource as never)) clauseStart.add(node.offset);
            }
        }

        // Original line of each token, and blocks written on one line (no comment or block inside).
        const lineOf = lineIndex(text);
        const compact = new Set<number>(); // token indexes of `{` and `}` of compact blocks
        const openOf = new Map<number, number>(); // token index → index of the innermost `{` around it
        const stack: number[] = [];
        tokens.forEach((token, i) => {
            openOf.set(i, stack.length > 0 ? stack[stack.length - 1] : -1);
            if (token.comment) return;
            if (token.image === '{') stack.push(i);
            else if (token.image === '}' && stack.length > 0) {
                const open = stack.pop()!;
                const inner = tokens.slice(open + 1, i);
                if (lineOf(tokens[open].offset) === lineOf(token.offset) && !inner.some(t => t.comment || t.image === '{' || t.image === '}')) {
                    compact.add(open);
                    compact.add(i);
                }
            }
        });
        const inCompact = (i: number): boolean => {
            const open = openOf.get(i)!;
            return open >= 0 && compact.has(open);
        };

        // Lines a `// vmtopo-ignore …` comment applies to (the next line with code): their line
        // breaks stay as written, since the suppression is by line (rule-control.ts).
        const keepLines = new Set<number>();
        tokens.forEach((token, i) => {
            if (!token.comment || !token.image.includes('vmtopo-ignore')) return;
            const next = tokens.slice(i + 1).find(t => !t.comment);
            if (next) keepLines.add(lineOf(next.offset));
        });

        const gaps: Gap[] = [];
        let depth = 0;
        for (let i = 0; i < tokens.length; i++) {
            const cur = tokens[i];
            const prev = tokens[i - 1];
            const start = prev ? prev.end : 0;
            const original = text.slice(start, cur.offset);
            const closes = !cur.comment && cur.image === '}';
            const lineDepth = closes ? depth - 1 : depth;
            if (/^\s*$/.test(original)) {
                const newlines = (original.match(/\n/g) ?? []).length;
                const lines = (n: number): string => eol.repeat(n) + indent(lineDepth);
                let gap: string | undefined;
                if (!prev) gap = '';
                else if (reindentOnly) gap = newlines > 0 ? lines(Math.min(newlines, 2)) : undefined;
                else if (!cur.comment && !prev.comment && (keepLines.has(lineOf(cur.offset)) || keepLines.has(lineOf(prev.offset)))) {
                    gap = newlines > 0 ? lines(Math.min(newlines, 2)) : cur.image === ',' ? '' : ' ';
                }
                else if (cur.comment && newlines === 0) gap = ' ';
                else if (cur.comment || prev.comment === 'line') gap = lines(Math.max(1, Math.min(newlines, 2)));
                else if (closes) gap = compact.has(i) ? ' ' : lines(1);
                else if (!prev.comment && prev.image === '{') gap = compact.has(i - 1) ? ' ' : lines(1);
                else if (clauseStart.has(cur.offset) && !inCompact(i)) gap = lines(Math.max(1, Math.min(newlines, 2)));
                else if (prev.comment === 'block' && newlines > 0) gap = lines(Math.min(newlines, 2));
                else gap = cur.image === ',' ? '' : ' ';
                if (gap !== undefined) {
                    gaps.push({ index: i, start, end: cur.offset, text: gap, trailing: !reindentOnly && cur.comment === 'line' && newlines === 0 && !!prev });
                }
            }
            if (!cur.comment) {
                if (cur.image === '{') depth++;
                else if (closes) depth = Math.max(0, depth - 1);
            }
        }
        // The end: one line break after the last token (when only whitespace follows it).
        const last = tokens[tokens.length - 1];
        if (/^\s*$/.test(text.slice(last.end))) gaps.push({ index: tokens.length, start: last.end, end: text.length, text: eol });

        if (!reindentOnly) this.alignTrailingComments(text, tokens, gaps, openOf);
        return gaps.filter(g => text.slice(g.start, g.end) !== g.text).map(g => ({ start: g.start, end: g.end, newText: g.text }));
    }

    /**
     * Sets the gaps before trailing `//` comments: each keeps its original column, shifted by the
     * change of its line's indentation; comments of one block that shared a column share the first
     * column right of all their code.
     */
    private alignTrailingComments(text: string, tokens: readonly Token[], gaps: Gap[], openOf: ReadonlyMap<number, number>): void {
        const gapBefore = new Map(gaps.map(g => [g.index, g]));
        // Columns of the formatted text: walk the tokens with their new gaps.
        interface Trailing { gap: Gap; codeEnd: number; wanted: number; block: number }
        const trailing: Trailing[] = [];
        let column = 0;
        let lineIndent = 0;
        for (let i = 0; i < tokens.length; i++) {
            const gap = gapBefore.get(i);
            const before = gap ? gap.text : text.slice(i > 0 ? tokens[i - 1].end : 0, tokens[i].offset);
            if (gap?.trailing) {
                const lineStart = text.lastIndexOf('\n', tokens[i].offset - 1) + 1;
                const originalIndent = /^[ \t]*/.exec(text.slice(lineStart, tokens[i].offset))![0].length;
                trailing.push({ gap, codeEnd: column, wanted: tokens[i].offset - lineStart - originalIndent + lineIndent, block: openOf.get(i)! });
            } else {
                const nl = before.lastIndexOf('\n');
                if (nl >= 0) lineIndent = column = before.length - nl - 1;
                else column += before.length;
                if (i === 0) lineIndent = column;
            }
            const image = tokens[i].image;
            const nl = image.lastIndexOf('\n');
            column = nl >= 0 ? image.length - nl - 1 : column + image.length;
        }
        const target = new Map<string, number>();
        const key = (t: Trailing): string => `${t.block}:${t.wanted}`;
        for (const t of trailing) target.set(key(t), Math.max(target.get(key(t)) ?? 0, t.wanted, t.codeEnd + 1));
        for (const t of trailing) t.gap.text = ' '.repeat(Math.max(1, target.get(key(t))! - t.codeEnd));
    }
}

/** Line number (0-based) of an offset, by binary search over the line starts of `text`. */
function lineIndex(text: string): (offset: number) => number {
    const starts = [0];
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
    return offset => {
        let lo = 0;
        let hi = starts.length - 1;
        while (lo < hi) {
            const mid = (lo + hi + 1) >> 1;
            if (starts[mid] <= offset) lo = mid; else hi = mid - 1;
        }
        return lo;
    };
}
