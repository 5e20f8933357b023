/**
 * Finds the VMs of a vmtopo text and the VM whose block holds a given offset, by scanning the text
 * (no language server round trip). Comments and strings are blanked first so that `vm x on y {`
 * inside them is not taken for a declaration. Pure functions, no `vscode` import: unit-tested.
 */

/** A `vm NAME on HOST { … }` block: `start` is the offset of `vm`, `end` the offset after `}`. */
export interface VmBlock {
    name: string;
    host: string;
    start: number;
    /** Offset after the closing brace, or the text length when the block is not closed yet. */
    end: number;
}

/** Replaces comments and strings with spaces (same length, newlines kept), so offsets stay valid. */
export function blankCommentsAndStrings(text: string): string {
    return text.replace(/\/\*[\s\S]*?(\*\/|$)|\/\/[^\n\r]*|"[^"\n\r]*"?|'[^'\n\r]*'?/g,
        m => m.replace(/[^\n\r]/g, ' '));
}

const VM_HEADER = /(?<![\w-])vm\s+([_a-zA-Z][\w-]*)\s+on\s+([_a-zA-Z][\w-]*)\s*\{/g;

/** Every top-level VM block of the text, in order. */
export function findVmBlocks(text: string): VmBlock[] {
    const clean = blankCommentsAndStrings(text);
    const blocks: VmBlock[] = [];
    // Depth of braces at each top-level position: VMs are only declared at depth 0.
    let depth = 0;
    let scanned = 0;
    for (const match of clean.matchAll(VM_HEADER)) {
        const start = match.index;
        if (start < scanned) {
            continue; // inside a block already consumed
        }
        for (let i = scanned; i < start; i++) {
            if (clean[i] === '{') depth++;
            else if (clean[i] === '}') depth = Math.max(0, depth - 1);
        }
        scanned = start;
        if (depth !== 0) {
            continue;
        }
        const open = start + match[0].length - 1;
        let level = 0;
        let end = clean.length;
        for (let i = open; i < clean.length; i++) {
            if (clean[i] === '{') level++;
            else if (clean[i] === '}' && --level === 0) {
                end = i + 1;
                break;
            }
        }
        blocks.push({ name: match[1], host: match[2], start, end });
        scanned = end;
    }
    return blocks;
}

/** The VM whose block (from `vm` to its closing brace, inclusive) holds `offset`, if any. */
export function vmAtOffset(text: string, offset: number): VmBlock | undefined {
    return findVmBlocks(text).find(block => offset >= block.start && offset <= block.end);
}
