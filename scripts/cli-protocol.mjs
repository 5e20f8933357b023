// The CLI's `vscode-languageserver-protocol`: the five names Langium's core takes from it
// (language/src/langium/cli-protocol.ts), from the four vscode-jsonrpc modules that define them.
// Langium's LSP layer and `vscode-languageserver` keep the package: they import names the shim
// lacks, and vmtopo-module.ts reaches them (no CLI command loads them: esbuild leaves them out). The package's entry loads every LSP request type
// and vscode-jsonrpc's whole connection layer (about 75 KB of the `check` command's 750), which the
// CLI never uses. Both sides share vscode-jsonrpc's one copy: a CancellationToken or ResponseError is
// the same class to Langium's core and to the language server.
import * as path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const LSP_LAYER = /[\\/]node_modules[\\/](langium[\\/]lib[\\/]lsp|vscode-languageserver)[\\/]/;
const SHIM = path.resolve('language/src/langium/cli-protocol.ts');

/** esbuild plugin for the CLI bundle: see the top of this file. */
export const cliProtocol = {
    name: 'cli-protocol',
    setup(build) {
        build.onResolve({ filter: /^vscode-languageserver-protocol$/ }, args => LSP_LAYER.test(args.importer) ? undefined : { path: SHIM });
        // cli-protocol.ts's `vscode-jsonrpc`: the modules that define its names, not the package's entry
        build.onResolve({ filter: /^vscode-jsonrpc$/ }, args => args.importer === SHIM ? { path: 'vscode-jsonrpc', namespace: 'jsonrpc-core' } : undefined);
        build.onLoad({ filter: /.*/, namespace: 'jsonrpc-core' }, () => {
            const common = path.dirname(require.resolve('vscode-jsonrpc'));
            const file = name => JSON.stringify(path.join(common, name));
            return {
                contents: `export { CancellationToken, CancellationTokenSource } from ${file('cancellation.js')};\n`
                    + `export { Emitter } from ${file('events.js')};\nexport { ResponseError } from ${file('messages.js')};\n`,
                loader: 'js', resolveDir: common
            };
        });
    }
};
