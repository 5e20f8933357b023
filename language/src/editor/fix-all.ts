/**
 * Applying quick-fixes together: "Fix all {RULE} problems in this file" (one kind) and
 * `source.fixAll.vmtopo` (every kind, e.g. on save). Each diagnostic's own preferred fix is taken
 * and the edits are merged: an edit identical to one already taken is dropped (LOC002 and LOC003 on
 * one VM both insert ` on numa 0` after its memory size: once is enough), and a diagnostic whose
 * edits overlap edits already taken otherwise is left for later (its fix is computed for the text
 * before the others and would not apply cleanly). The merged action is verified like every
 * quick-fix (no new error) before it is offered.
 */
import type { Position, Range, TextEdit } from 'vscode-languageserver';

/** The code action kind of the fix-everything action (a sub-kind of `source.fixAll`). */
export const FIX_ALL_KIND = 'source.fixAll.vmtopo';

function before(a: Position, b: Position): boolean {
    return a.line < b.line || (a.line === b.line && a.character < b.character);
}

function samePosition(a: Position, b: Position): boolean {
    return a.line === b.line && a.character === b.character;
}

function sameEdit(a: TextEdit, b: TextEdit): boolean {
    return samePosition(a.range.start, b.range.start) && samePosition(a.range.end, b.range.end) && a.newText === b.newText;
}

/**
 * Whether two edits touch the same text: their ranges intersect, or both insert at one position
 * (their order would be arbitrary), or one inserts strictly inside the other's range.
 */
export function editsConflict(a: Range, b: Range): boolean {
    const aEmpty = samePosition(a.start, a.end);
    const bEmpty = samePosition(b.start, b.end);
    if (aEmpty && bEmpty) return samePosition(a.start, b.start);
    if (aEmpty) return before(b.start, a.start) && before(a.start, b.end);
    if (bEmpty) return before(a.start, b.start) && before(b.start, a.end);
    return before(a.start, b.end) && before(b.start, a.end);
}

/**
 * Adds one diagnostic's `edits` to `taken` (in place): identical edits are skipped; when another
 * edit conflicts with one already taken, nothing is added and false is returned.
 */
export function mergeEdits(taken: TextEdit[], edits: readonly TextEdit[]): boolean {
    const fresh = edits.filter(e => !taken.some(t => sameEdit(t, e)));
    if (fresh.some(e => taken.some(t => editsConflict(t.range, e.range)))) return false;
    for (let i = 0; i < fresh.length; i++) {
        for (let j = i + 1; j < fresh.length; j++) if (editsConflict(fresh[i].range, fresh[j].range)) return false;
    }
    taken.push(...fresh);
    return true;
}
