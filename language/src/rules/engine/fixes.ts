/**
 * Quick-fix edits, computed by the checks themselves: the one quick-fix mechanism of every rule.
 *
 * A check that knows what text to write gives its report `fixes` ({@link FixData}: a title, the
 * document and the edits); the engine puts them into the diagnostic's `data.fixes` (`runner.ts`,
 * `validator.ts`), and the code-action provider (`editor/code-actions.ts`) turns each into one
 * action after verifying that it adds no error. Edits are ranges in one document (`uri`); a fix
 * whose edits would touch another document is not offered. The helpers here return the edits of one
 * document, or undefined when the syntax they need is not there (a half-typed clause): then the
 * check offers no fix.
 */
import { AstUtils, GrammarUtils, type AstNode, type CstNode } from 'langium';
import type { TraceEntry } from '../../model/resolve.js';
import { nodeForProperty, uriOf } from '../../kernel/cst.js';

export { uriOf } from '../../kernel/cst.js';

/** A 0-based LSP position. */
export interface FixPosition { readonly line: number; readonly character: number }
/** One text edit of a fix. */
export interface FixEdit { readonly range: { readonly start: FixPosition; readonly end: FixPosition }; readonly newText: string }
/** One quick-fix: its title, the document it edits and the edits (applied together). */
export interface FixData { readonly title: string; readonly uri: string; readonly edits: readonly FixEdit[] }

/**
 * Whether a number may be written into an edit: a non-negative safe integer, as a user can type it
 * back (never `1.5`, `1e+21` or `Infinity`). Checks test the numbers they write (a NUMA node id, an
 * MMIO size in GiB); the code-action provider tests the edits' positions.
 */
export function isTypable(value: unknown): value is number {
    return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Combines fix parts (edits per document) into one fix, or undefined when they span documents or any is missing. */
export function combine(title: string, parts: ReadonlyArray<{ uri: string; edits: readonly FixEdit[] } | undefined>): FixData | undefined {
    if (parts.length === 0 || parts.some(p => !p)) return undefined;
    const uri = parts[0]!.uri;
    if (parts.some(p => p!.uri !== uri)) return undefined;
    return { title, uri, edits: parts.flatMap(p => p!.edits) };
}

function range(cst: CstNode): FixEdit['range'] {
    return { start: cst.range.start, end: cst.range.end };
}

/** Replaces the text of `property` of `node` (e.g. a clause's `vgpuType` string, a `start` number). */
export function replaceProperty(node: AstNode, property: string, newText: string): { uri: string; edits: FixEdit[] } | undefined {
    const uri = uriOf(node);
    const cst = node.$cstNode && nodeForProperty(node.$cstNode, property);
    return uri && cst ? { uri, edits: [{ range: range(cst), newText }] } : undefined;
}

/** Inserts `text` right after `property` of `node` (e.g. ` start 4` after a MIG profile). */
export function insertAfterProperty(node: AstNode, property: string, text: string): { uri: string; edits: FixEdit[] } | undefined {
    const uri = uriOf(node);
    const cst = node.$cstNode && nodeForProperty(node.$cstNode, property);
    return uri && cst ? { uri, edits: [{ range: { start: cst.range.end, end: cst.range.end }, newText: text }] } : undefined;
}

/**
 * Removes entries of VMs' GPU clauses (`where`: each entry's trace — the clause node, property
 * `gpus`, the reference index): a clause that loses every GPU goes (with its line, when it is alone
 * on it); otherwise its reference list is rewritten with the GPUs kept (`gpu0, gpu1` → `gpu1`).
 * One edit per clause, so removals in one clause never overlap. Undefined when any entry cannot be
 * located or the entries span documents.
 */
export function removeEntries(where: ReadonlyArray<TraceEntry | undefined>): { uri: string; edits: FixEdit[] } | undefined {
    const byClause = new Map<AstNode, Set<number>>();
    for (const w of where) {
        if (!w?.node.$cstNode) return undefined;
        const set = byClause.get(w.node) ?? new Set<number>();
        set.add(w.index ?? 0);
        byClause.set(w.node, set);
    }
    let uri: string | undefined;
    const edits: FixEdit[] = [];
    for (const [node, indices] of byClause) {
        const u = uriOf(node);
        if (!u || (uri !== undefined && u !== uri)) return undefined;
        uri = u;
        const clause = node.$cstNode!;
        const refs = referenceNodes(node, 'gpus');
        const count = ((node as { gpus?: unknown[] }).gpus ?? []).length;
        if (indices.size >= count) {
            edits.push(removeLineOrNode(clause));
            continue;
        }
        if (refs.length !== count) return undefined;
        const kept = refs.filter((_, i) => !indices.has(i)).map(r => r.text);
        edits.push({ range: { start: refs[0].range.start, end: refs[refs.length - 1].range.end }, newText: kept.join(', ') });
    }
    return uri ? { uri, edits } : undefined;
}

/** The CST nodes of the cross-references of `property` written directly in `node`, in order. */
export function referenceNodes(node: AstNode, property: string): CstNode[] {
    const cst = node.$cstNode;
    return cst ? GrammarUtils.findNodesForProperty(cst, property) : [];
}

/** An edit that deletes `cst`, with its whole line when nothing else is written on that line. */
export function removeLineOrNode(cst: CstNode): FixEdit {
    const text = cst.root.fullText;
    const lineStart = text.lastIndexOf('\n', cst.offset - 1) + 1;
    let lineEnd = text.indexOf('\n', cst.end);
    if (lineEnd < 0) lineEnd = text.length;
    const alone = text.slice(lineStart, cst.offset).trim() === '' && text.slice(cst.end, lineEnd).trim() === '';
    if (alone && lineEnd < text.length) {
        return { range: { start: { line: cst.range.start.line, character: 0 }, end: { line: cst.range.end.line + 1, character: 0 } }, newText: '' };
    }
    return { range: range(cst), newText: '' };
}

/**
 * {@link appendVmClause} for a VM that has its closing brace; undefined for one written without it
 * (the fixes of MMIO004, VGPU and the FM/IOMMU clause additions are not offered on such a VM).
 */
export function insertVmClause(vm: AstNode, clause: string): { uri: string; edits: FixEdit[] } | undefined {
    return vm.$cstNode && GrammarUtils.findNodeForKeyword(vm.$cstNode, '}') ? appendVmClause(vm, clause) : undefined;
}

/**
 * Adds a clause as the VM's last line (`license nvaie`, `mmio 128 GiB`: the LIC001 and MMIO001/
 * MMIO002/MMIO005 fixes), indented like the line before the closing brace; on a one-line VM
 * (`vm a on h { … }`) it goes before the brace on the same line; a VM written without its closing
 * brace gets ` clause` after its last token. Lines are the document's (`TextDocument`: `\n`, `\r\n`
 * or `\r`); the brace is the VM's own `}` token.
 */
export function appendVmClause(vm: AstNode, clause: string): { uri: string; edits: FixEdit[] } | undefined {
    const uri = uriOf(vm);
    const cst = vm.$cstNode;
    if (!uri || !cst) return undefined;
    const brace = GrammarUtils.findNodeForKeyword(cst, '}');
    if (!brace) {
        const end = cst.range.end;
        return { uri, edits: [{ range: { start: end, end }, newText: ` ${clause}` }] };
    }
    const text = AstUtils.getDocument(vm).textDocument;
    const line = brace.range.start.line;
    const lineText = (n: number) => text.getText({ start: { line: n, character: 0 }, end: { line: n + 1, character: 0 } }).replace(/\r?\n$/, '');
    const beforeBrace = lineText(line).slice(0, brace.range.start.character);
    if (beforeBrace.trim() !== '') {
        return { uri, edits: [{ range: { start: brace.range.start, end: brace.range.start }, newText: `${clause} ` }] };
    }
    const previous = line > cst.range.start.line ? lineText(line - 1) : '';
    const indent = line - 1 > cst.range.start.line ? /^\s*/.exec(previous)![0] : `${beforeBrace}    `;
    const at: FixPosition = { line, character: 0 };
    return { uri, edits: [{ range: { start: at, end: at }, newText: `${indent}${clause}\n` }] };
}
