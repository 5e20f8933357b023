// Bundles the VS Code extension (client), the language server and the CLI into out/ as CommonJS,
// which is what VS Code's extension host loads. Type-checking is separate (`npm run typecheck`).
import * as esbuild from 'esbuild';

const watch = process.argv.includes('--watch');
const ctx = await esbuild.context({
    entryPoints: {
        'client/extension': 'client/extension.ts',
        'server/main': 'server/main.ts',
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
if (watch) {
    await ctx.watch();
} else {
    await ctx.rebuild();
    await ctx.dispose();
}
