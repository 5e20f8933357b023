/**
 * Finds the VMs of a vmtopo document and the VM at a position from the language server's document
 * symbols (`vscode.executeDocumentSymbolProvider`): a VM is a top-level symbol of kind Object whose
 * detail is `on HOST` (language/src/editor/node-kind.ts), its range the whole `vm … { … }` block. The
 * server parses the file, so comments, strings and half-typed blocks are its problem, not this
 * file's. Pure functions over a structural subset of `vscode.DocumentSymbol` (no `vscode` import):
 * unit-tested with the server's own symbols.
 */

/** Line/character position (0-based), as `vscode.Position` and LSP positions have it. */
export interface PositionLike {
    readonly line: number;
    readonly character: number;
}

/** The parts of `vscode.DocumentSymbol` (or LSP `DocumentSymbol`) read here. */
export interface SymbolLike {
    readonly name: string;
    readonly detail?: string;
    readonly kind: number;
    readonly range: { readonly start: PositionLike; readonly end: PositionLike };
}

/** A VM of the document: its name, its host (from the symbol's `on HOST` detail) and its block's range. */
export interface VmSymbol {
    readonly name: string;
    readonly host: string;
    readonly range: SymbolLike['range'];
}

function before(a: PositionLike, b: PositionLike): boolean {
    return a.line < b.line || (a.line === b.line && a.character <= b.character);
}

/**
 * Every VM of the document, in order.
 * @param objectKind the Object symbol kind of the symbols' API: `vscode.SymbolKind.Object` (18) for
 *   `vscode.DocumentSymbol`, `SymbolKind.Object` (19) for LSP symbols.
 */
export function vmSymbols(symbols: readonly SymbolLike[], objectKind: number): VmSymbol[] {
    return symbols
        .filter(s => s.kind === objectKind && 'range' in s)
        .map(s => ({ name: s.name, host: /^on (.+)$/.exec(s.detail ?? '')?.[1] ?? '', range: s.range }));
}

/** The VM whose block (from `vm` to its closing brace, inclusive) holds `position`, if any. */
export function vmAtPosition(symbols: readonly SymbolLike[], objectKind: number, position: PositionLike): VmSymbol | undefined {
    return vmSymbols(symbols, objectKind).find(vm => before(vm.range.start, position) && before(position, vm.range.end));
}
