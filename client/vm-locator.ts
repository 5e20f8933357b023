/**
 * Finds the VMs and hosts of a vmtopo document, and the VM or host at a position, from the language
 * server's document symbols (`vscode.executeDocumentSymbolProvider`): a VM is a top-level symbol of
 * kind Object whose detail is `on HOST`, a host one of kind Class (language/src/editor/node-kind.ts);
 * a symbol's range is its whole `vm … { … }` or `host … { … }` block. The
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

/**
 * The hosts of the document, in order of appearance, each once: those it declares (top-level
 * symbols of kind `classKind`) and those its VMs run on (`on HOST`).
 * @param classKind the Class symbol kind of the symbols' API (`vscode.SymbolKind.Class`).
 * @param objectKind the Object symbol kind (`vscode.SymbolKind.Object`).
 */
export function hostNames(symbols: readonly SymbolLike[], classKind: number, objectKind: number): string[] {
    const names: string[] = [];
    for (const s of symbols) {
        const name = s.kind === classKind ? s.name : s.kind === objectKind ? /^on (.+)$/.exec(s.detail ?? '')?.[1] : undefined;
        if (name && !names.includes(name)) names.push(name);
    }
    return names;
}

/** The host whose block holds `position`, or the host of the VM whose block holds it; undefined between blocks. */
export function hostAtPosition(symbols: readonly SymbolLike[], classKind: number, objectKind: number, position: PositionLike): string | undefined {
    const host = symbols.find(s => s.kind === classKind && before(s.range.start, position) && before(position, s.range.end));
    if (host) return host.name;
    const vm = vmAtPosition(symbols, objectKind, position);
    return vm && vm.host !== '' ? vm.host : undefined;
}
