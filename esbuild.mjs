// Bundles the VS Code extension (client), the language server and the CLI into out/ as CommonJS,
// which is what VS Code's extension host loads. Type-checking is separate (`npm run typecheck`).
import * as esbuild from 'esbuild';

const watch = process.argv.includes('--watch');
const ctx = await esbuild.context({
    entryPoints: {
        'client/extension': 'client/extension.ts',
        'server/main': 'server/main.ts',
        'server/diagram-worker': 'server/diagram-worker.ts',
        'cli/main': 'language/src/cli/main.ts'
    },
    outdir: 'out',
    outExtension: { '.js': '.cjs' },
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node22',
    external: ['vscode'],
    sourcemap: true,
    logLevel: 'warning'
});
// The topology webview's script: browser code, one IIFE with @panzoom/panzoom (client/topology/webview).
const webview = await esbuild.context({
    entryPoints: { 'webview/topology': 'client/topology/webview/main.ts' },
    outdir: 'out',
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    sourcemap: true,
    logLevel: 'warning'
});
if (watch) {
    await ctx.watch();
    await webview.watch();
} else {
    await ctx.rebuild();
    await ctx.dispose();
    await webview.rebuild();
    await webview.dispose();
}
