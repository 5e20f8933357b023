/**
 * What Langium's core modules and `langium/documents.ts` take from `vscode-languageserver-protocol`,
 * from `vscode-jsonrpc` alone, for the CLI: its bundle resolves `vscode-languageserver-protocol` to this
 * module outside the language server, and this module's `vscode-jsonrpc` to the modules that define
 * these names (scripts/cli-protocol.mjs). A name that Langium starts importing from the package and
 * that is missing here fails the CLI's build (see UPGRADE.md).
 */
export { CancellationToken, CancellationTokenSource, Emitter, ResponseError } from 'vscode-jsonrpc';

/**
 * The LSP's own error codes (LSP 3.17, "Response Message",
 * https://microsoft.github.io/language-server-protocol/specifications/lsp/3.17/specification/#responseMessage),
 * as `vscode-languageserver-protocol` declares them.
 */
export const LSPErrorCodes = {
    lspReservedErrorRangeStart: -32899,
    RequestFailed: -32803,
    ServerCancelled: -32802,
    ContentModified: -32801,
    RequestCancelled: -32800,
    lspReservedErrorRangeEnd: -32800
} as const;
